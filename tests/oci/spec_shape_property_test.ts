/**
 * Generated config.json files, thousands per run from a fixed seed: every spec with a field of
 * the wrong type is refused with `Invalid OCI spec "FILE": FIELD: expected …, found …` naming
 * that field, never with a JavaScript message; every well-shaped one is set up, and what the
 * toolkit does not own (unknown fields, big or odd numbers) comes back byte for byte.
 */
import { assertEquals, assertTrue } from "../assert.ts";
import { digests, runBin, seededRandom, TESTDATA, withTempDir } from "../helpers.ts";
import { parseLossless, SpecError } from "../../src/oci/spec_file.ts";
import { modifyBundle } from "../../src/runtime/modify.ts";
import { configFromString } from "../../src/config/load.ts";
import { Logger } from "../../src/internal/log.ts";
import { errorMessage } from "../../src/internal/errors.ts";
import { HOOK_POINTS } from "../../src/oci/spec.ts";

const RECORD_HOOK = `${TESTDATA}/bin/record-hook`;
const FAKE_RUNC = `${TESTDATA}/bin/fake-runc`;
const CONFIG_TOML = `[xpu-container-runtime]\nmode = "legacy"\nruntimes = [${
  JSON.stringify(FAKE_RUNC)
}]\n[xpu-container-runtime-hook]\npath = ${JSON.stringify(RECORD_HOOK)}\n`;
const { config } = await configFromString(CONFIG_TOML);

/** A valid spec that has every field the toolkit declares, each at least once. */
function baseSpec(): Record<string, unknown> {
  const hook = { path: "/bin/true", args: ["true", "x"], env: ["A=1"], timeout: 5 };
  return {
    ociVersion: "1.0.2-dev",
    process: {
      env: ["PATH=/bin", "CXPU_VISIBLE_DEVICES=0", "TERM=xterm"],
      capabilities: { bounding: ["CAP_KILL", "CAP_CHOWN"], effective: ["CAP_KILL"] },
      user: { uid: 0, gid: 0, additionalGids: [5, 6] },
      args: ["sh"],
    },
    root: { path: "rootfs", readonly: true },
    mounts: [{ destination: "/proc", type: "proc", source: "proc", options: ["nosuid"] }],
    hooks: Object.fromEntries(HOOK_POINTS.map((n) => [n, [structuredClone(hook)]])),
    annotations: { "cdi.k8s.io/none": "", "org.example": "v" },
    linux: {
      devices: [{
        path: "/dev/null0",
        type: "c",
        major: 1,
        minor: 3,
        fileMode: 438,
        uid: 0,
        gid: 0,
      }],
      resources: { devices: [{ allow: false, type: "a", major: 1, minor: 3, access: "rwm" }] },
      namespaces: [{ type: "pid" }],
    },
  };
}

type Seg = string | number | { map: string };
type Kind = "string" | "integer" | "boolean" | "array" | "object" | "object-or-array";

/** Every declared field of baseSpec() and the kind of value it must have. */
function locations(): [Seg[], Kind, boolean][] {
  const out: [Seg[], Kind, boolean][] = [];
  const add = (path: Seg[], kind: Kind, required = false) => out.push([path, kind, required]);
  add(["process"], "object");
  add(["process", "env"], "array");
  for (const i of [0, 1, 2]) add(["process", "env", i], "string");
  add(["process", "capabilities"], "object-or-array");
  add(["process", "capabilities", "bounding"], "array");
  add(["process", "capabilities", "bounding", 1], "string");
  add(["process", "user"], "object");
  add(["process", "user", "uid"], "integer");
  add(["process", "user", "gid"], "integer");
  add(["process", "user", "additionalGids"], "array");
  add(["process", "user", "additionalGids", 1], "integer");
  add(["root"], "object");
  add(["root", "path"], "string");
  add(["mounts"], "array");
  add(["mounts", 0], "object");
  add(["mounts", 0, "destination"], "string", true);
  for (const k of ["source", "type"]) add(["mounts", 0, k], "string");
  add(["mounts", 0, "options"], "array");
  add(["mounts", 0, "options", 0], "string");
  add(["hooks"], "object");
  for (const name of HOOK_POINTS) {
    add(["hooks", name], "array");
    add(["hooks", name, 0], "object");
    add(["hooks", name, 0, "path"], "string", true);
    for (const k of ["args", "env"]) {
      add(["hooks", name, 0, k], "array");
      add(["hooks", name, 0, k, 0], "string");
    }
    add(["hooks", name, 0, "timeout"], "integer");
  }
  add(["annotations"], "object");
  add(["annotations", { map: "org.example" }], "string");
  add(["annotations", { map: "cdi.k8s.io/none" }], "string");
  add(["linux"], "object");
  add(["linux", "devices"], "array");
  add(["linux", "devices", 0], "object");
  add(["linux", "devices", 0, "path"], "string", true);
  add(["linux", "devices", 0, "type"], "string");
  for (const k of ["major", "minor", "fileMode", "uid", "gid"]) {
    add(["linux", "devices", 0, k], "integer");
  }
  add(["linux", "resources"], "object");
  add(["linux", "resources", "devices"], "array");
  add(["linux", "resources", "devices", 0], "object");
  add(["linux", "resources", "devices", 0, "allow"], "boolean");
  for (const k of ["type", "access"]) add(["linux", "resources", "devices", 0, k], "string");
  for (const k of ["major", "minor"]) add(["linux", "resources", "devices", 0, k], "integer");
  return out;
}

/** The field as messages name it: `hooks.prestart[0].path`, `annotations["a.b/c"]`. */
function fieldName(path: readonly Seg[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (typeof seg === "object") out += `[${JSON.stringify(seg.map)}]`;
    else out += out === "" ? seg : `.${seg}`;
  }
  return out;
}

const EXPECTED: Record<Kind, string> = {
  string: "a string",
  integer: "an integer",
  boolean: "a boolean",
  array: "an array",
  object: "an object",
  "object-or-array": "an object or an array",
};

type Junk = { value: unknown; found: string };

/** Random JSON values of every kind, for junk and for wrong values. */
function junkMaker(rand: () => number) {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const text = (): string =>
    pick(["", "x", "ünï 🙂", "a=b", "\u0000\n\t", "/dev/xpu0", "CXPU_VISIBLE_DEVICES=1", "{}"]) +
    String(Math.floor(rand() * 100));
  const value = (depth: number): unknown => {
    const kind = pick(["n", "f", "s", "b", "z", "a", "o"]);
    if (depth > 3 && (kind === "a" || kind === "o")) return text();
    switch (kind) {
      case "n":
        return Math.floor(rand() * 2000) - 1000;
      case "f":
        return Math.floor(rand() * 100) + 0.5;
      case "s":
        return text();
      case "b":
        return rand() < 0.5;
      case "z":
        return null;
      case "a":
        return Array.from({ length: Math.floor(rand() * 4) }, () => value(depth + 1));
      default:
        return Object.fromEntries(
          Array.from(
            { length: Math.floor(rand() * 4) },
            (_, i) => [`k${i}${text()}`, value(depth + 1)],
          ),
        );
    }
  };
  /** A value of a kind `kind` does not allow, and how messages describe it. */
  const wrong = (kind: Kind): Junk => {
    const choices: [string, () => unknown, string][] = [
      ["integer", () => Math.floor(rand() * 1000), "a number"],
      ["fraction", () => Math.floor(rand() * 1000) + 0.25, "a number"],
      ["string", text, "a string"],
      ["boolean", () => rand() < 0.5, "a boolean"],
      ["null", () => null, "null"],
      ["array", () => [value(2)], "an array"],
      ["object", () => ({ k: value(2) }), "an object"],
    ];
    const allowed: Record<Kind, string[]> = {
      string: ["string"],
      integer: ["integer"],
      boolean: ["boolean"],
      array: ["array"],
      object: ["object"],
      "object-or-array": ["array", "object"],
    };
    const [, make, found] = pick(choices.filter(([name]) => !allowed[kind].includes(name)));
    return { value: make(), found };
  };
  return { value, wrong, pick, text };
}

function setAt(doc: Record<string, unknown>, path: readonly Seg[], value: unknown | undefined) {
  let node = doc as Record<string | number, unknown>;
  for (const seg of path.slice(0, -1)) {
    const key = typeof seg === "object" ? seg.map : seg;
    node = node[key] as Record<string | number, unknown>;
  }
  const last = path[path.length - 1]!;
  const key = typeof last === "object" ? last.map : last;
  if (value === undefined) delete node[key];
  else node[key] = value;
}

/** A temp dir on tmpfs when there is one: thousands of rewrites fsync. */
function fastTempDir(): string {
  try {
    return Deno.makeTempDirSync({ dir: "/dev/shm", prefix: "xpu-test-" });
  } catch {
    return Deno.makeTempDirSync({ prefix: "xpu-test-" });
  }
}

/** Runs the shim's spec editing in process on `text`; returns the error message, if any. */
async function modify(bundle: string, text: string): Promise<string | undefined> {
  Deno.writeTextFileSync(`${bundle}/config.json`, text);
  try {
    await modifyBundle(config, {
      bundle,
      containerId: "ctr-1",
      hookConfigPath: undefined,
      path: "/usr/bin:/bin",
      argv0: "xpu-container-runtime",
      runtimeRoot: "/run/runc",
      log: new Logger(),
    });
    return undefined;
  } catch (e) {
    if (!(e instanceof SpecError)) throw new Error(`Uncaught ${errorMessage(e)}`, { cause: e });
    return e.message;
  }
}

Deno.test("3,000 specs with one field of the wrong type: each refused naming that field", async () => {
  const dir = fastTempDir();
  try {
    const rand = seededRandom(15);
    const junk = junkMaker(rand);
    const all = locations();
    const prefix = `Invalid OCI spec "${dir}/config.json": `;
    let removed = 0;
    for (let n = 0; n < 3000; n++) {
      const spec = baseSpec();
      const [path, kind, required] = junk.pick(all);
      let expected: string;
      if (required && rand() < 0.5) {
        setAt(spec, path, undefined);
        removed++;
        expected = `${fieldName(path)}: expected ${EXPECTED[kind]}, found nothing`;
      } else {
        const bad = junk.wrong(kind);
        setAt(spec, path, bad.value);
        expected = `${fieldName(path)}: expected ${EXPECTED[kind]}, found ${bad.found}`;
      }
      const text = JSON.stringify(spec, null, rand() < 0.5 ? "\t" : "");
      const message = await modify(dir, text);
      assertEquals(message, `${prefix}${expected}`, `case ${n}: ${text}`);
      assertEquals(Deno.readTextFileSync(`${dir}/config.json`), text, `case ${n} was changed`);
    }
    assertTrue(removed > 50, "required fields were removed in some cases");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("2,000 specs with several wrong fields and junk elsewhere: refused, never a JS message", async () => {
  const dir = fastTempDir();
  try {
    const rand = seededRandom(1515);
    const junk = junkMaker(rand);
    const all = locations();
    const prefix = `Invalid OCI spec "${dir}/config.json": `;
    for (let n = 0; n < 2000; n++) {
      const spec = baseSpec();
      spec[`x-${junk.text()}`] = junk.value(0);
      const fields = new Set<string>();
      for (let k = 1 + Math.floor(rand() * 4); k > 0; k--) {
        const [path, kind] = junk.pick(all);
        try {
          setAt(spec, path, junk.wrong(kind).value);
          fields.add(fieldName(path));
        } catch {
          // An earlier change replaced a parent of this field.
        }
      }
      const message = await modify(dir, JSON.stringify(spec));
      assertTrue(message?.startsWith(prefix), `case ${n}: ${message}`);
      const field = message!.slice(prefix.length).split(": expected ")[0]!;
      assertTrue(
        [...fields].some((f) => field === f || field.startsWith(f)),
        `case ${n}: ${message} names none of ${[...fields].join(", ")}`,
      );
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("1,000 well-shaped specs with unknown fields: set up, unknown fields kept byte for byte", async () => {
  const dir = fastTempDir();
  try {
    const rand = seededRandom(2025);
    const junk = junkMaker(rand);
    // Numbers a double would change, which only a lossless rewrite keeps.
    const odd = ["18446744073709551615", "1.50", "1e3", "-0", "0.10"];
    for (let n = 0; n < 1000; n++) {
      const spec = baseSpec();
      const owners = [spec, spec.process, spec.linux, spec.hooks, spec.root] as Record<
        string,
        unknown
      >[];
      const keys: [Record<string, unknown>, string][] = [];
      for (const owner of owners) {
        if (rand() < 0.5) continue;
        const key = `x-${n}-${keys.length}`;
        owner[key] = junk.value(0);
        keys.push([owner, key]);
      }
      let text = JSON.stringify(spec, null, junk.pick(["\t", "  ", ""]));
      text = text.replace('"readonly":true', `"readonly":true,"x-odd":${junk.pick(odd)}`)
        .replace('"readonly": true', `"readonly": true, "x-odd": ${junk.pick(odd)}`);
      const before = parseLossless(text) as Record<string, Record<string, unknown>>;
      const message = await modify(dir, text);
      assertEquals(message, undefined, `case ${n}: ${text}`);
      const after = parseLossless(Deno.readTextFileSync(`${dir}/config.json`)) as typeof before;
      assertTrue(
        JSON.stringify(after.hooks!.prestart).includes(RECORD_HOOK),
        `case ${n}: hook added`,
      );
      for (const part of ["process", "linux", "root"] as const) {
        for (const key of Object.keys(before[part]!).filter((k) => k.startsWith("x-"))) {
          assertEquals(
            JSON.stringify(after[part]![key]),
            JSON.stringify(before[part]![key]),
            `case ${n}: ${part}.${key}`,
          );
        }
      }
      for (const key of Object.keys(before).filter((k) => k.startsWith("x-"))) {
        assertEquals(JSON.stringify(after[key]), JSON.stringify(before[key]), `case ${n}: ${key}`);
      }
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("generated malformed specs through xpu-container-runtime: exit 1, one line, file unchanged", async () => {
  await withTempDir(async (dir) => {
    const rand = seededRandom(7);
    const junk = junkMaker(rand);
    const all = locations();
    Deno.mkdirSync(`${dir}/xdg/xpu-container-runtime`, { recursive: true });
    Deno.writeTextFileSync(`${dir}/xdg/xpu-container-runtime/config.toml`, CONFIG_TOML);
    Deno.mkdirSync(`${dir}/b`);
    const file = `${dir}/b/config.json`;
    for (let n = 0; n < 12; n++) {
      const spec = baseSpec();
      const [path, kind] = junk.pick(all);
      const bad = junk.wrong(kind);
      setAt(spec, path, bad.value);
      Deno.writeTextFileSync(file, JSON.stringify(spec, null, "\t"));
      const before = await digests([file]);
      const out = await runBin("xpu-container-runtime", ["create", "--bundle", `${dir}/b`, "c"], {
        env: { XDG_CONFIG_HOME: `${dir}/xdg`, FAKE_RUNC_LOG: `${dir}/runc.log` },
      });
      assertEquals(out.code, 1);
      assertEquals(
        out.stderr,
        `xpu-container-runtime: Invalid OCI spec "${file}": ${fieldName(path)}: expected ${
          EXPECTED[kind]
        }, found ${bad.found}\n`,
      );
      assertEquals(await digests([file]), before);
    }
    assertEquals([...Deno.readDirSync(dir)].some((e) => e.name === "runc.log"), false);
  });
});
