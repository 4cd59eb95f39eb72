/**
 * Bad CDI spec files among good ones, through `xpu-ctk cdi list|validate`, `xpu-ctk info` and a
 * cdi-mode create: each bad file is named with its problem and skipped, the devices of the good
 * ones stay usable, and a requested device that only a bad file defines is the error. No input
 * file changes.
 */
import { assertEquals, assertMatch, assertTrue } from "../assert.ts";
import { configEnv, digests, q, runBin, withTempDir } from "../helpers.ts";
import { FAKE_RUNC, makeShimBundle } from "../runtime/shim.ts";

const KIND = "kunlunxin.com/xpu";
const HEAD = `cdiVersion: 0.5.0\nkind: ${KIND}\n`;

/** Spec files by name; `bad` maps each bad one to the problem it must be reported with. */
function writeSpecs(dir: string): { files: string[]; bad: Record<string, string> } {
  const cdi = `${dir}/cdi`;
  Deno.mkdirSync(cdi);
  const text: Record<string, string | Uint8Array> = {
    "good.yaml": `${HEAD}devices:\n  - name: "0"\n    containerEdits:\n      env: ["A=1"]\n`,
    // An alias used as it is meant to be: expanded.
    "aliased.yaml": `${HEAD}containerEdits:\n  env: &shared ["S=1"]\n` +
      `devices:\n  - name: "5"\n    containerEdits:\n      env: *shared\n`,
    "alias.yaml": `${HEAD}devices:\n  - name: "1"\n    containerEdits:\n      env: ["B=1"]\n` +
      "annotations: &a\n  x: *a\n",
    "invalid.yaml":
      `${HEAD}devices:\n  - name: "3"\n    containerEdits:\n      env: ["NOEQUALS"]\n`,
    "deep.json": `{"cdiVersion": "0.5.0", "kind": "${KIND}", "devices": ${"[".repeat(100_000)}${
      "]".repeat(100_000)
    }}`,
    "deep-flow.yaml": `${HEAD}devices: ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`,
    "deep-block.yaml": `${HEAD}devices:\n${"- ".repeat(100_000)}x\n`,
  };
  const utf8 = new TextEncoder().encode(
    `${HEAD}devices:\n  - name: "7"\n    containerEdits:\n      env: ["C=@"]\n`,
  );
  const at = utf8.indexOf("@".charCodeAt(0));
  utf8[at] = 0xff;
  text["utf8.yaml"] = utf8;
  for (const [name, content] of Object.entries(text)) {
    if (typeof content === "string") Deno.writeTextFileSync(`${cdi}/${name}`, content);
    else Deno.writeFileSync(`${cdi}/${name}`, content);
  }
  const bad: Record<string, string> = {
    "alias.yaml": "an alias refers to a node that contains it",
    "invalid.yaml": 'devices[0].containerEdits.env[0]: "NOEQUALS" is not of the form KEY=VALUE',
    "deep.json": "nested deeper than 100 levels",
    "deep-flow.yaml": "nested deeper than 100 levels",
    "deep-block.yaml": "nested deeper than 100 levels",
    "utf8.yaml": `invalid UTF-8 at byte ${at} (0xFF)`,
  };
  return { files: Object.keys(text).map((n) => `${cdi}/${n}`), bad };
}

function env(dir: string): Record<string, string> {
  return {
    ...configEnv(
      `${dir}/xdg`,
      `[xpu-container-runtime]\nruntimes = [${q(FAKE_RUNC)}]\nmode = "cdi"\n` +
        `[xpu-container-runtime.modes.cdi]\nspec-dirs = [${q(`${dir}/cdi`)}]\n` +
        `cache-dir = ${q(`${dir}/cache`)}\n`,
    ),
    FAKE_RUNC_LOG: `${dir}/runc.log`,
  };
}

/** The warning lines for the bad files, in the order the directory is read. */
function warnings(dir: string, bad: Record<string, string>, prefix: string): string[] {
  return Object.keys(bad).sort().map((n) => `${prefix}: warning: ${dir}/cdi/${n}: ${bad[n]}`);
}

Deno.test("xpu-ctk cdi list and info: each bad spec named and skipped, the good ones listed", async () => {
  await withTempDir(async (dir) => {
    const { files, bad } = writeSpecs(dir);
    const before = await digests(files);
    const list = await runBin("xpu-ctk", ["cdi", "list"], { env: env(dir) });
    assertEquals(list.code, 0, list.stderr);
    assertEquals(
      list.stdout,
      `${KIND}=0  ${dir}/cdi/good.yaml\n${KIND}=5  ${dir}/cdi/aliased.yaml\n`,
    );
    assertEquals(list.stderr.trimEnd().split("\n"), warnings(dir, bad, "xpu-ctk"));
    const info = await runBin("xpu-ctk", ["info", "--json"], { env: env(dir) });
    assertEquals(info.code, 0, info.stderr);
    const cdi = JSON.parse(info.stdout).cdi;
    assertEquals(cdi.devices.map((d: { name: string }) => d.name), [`${KIND}=0`, `${KIND}=5`]);
    assertEquals(
      cdi.problems,
      Object.keys(bad).sort().map((n) => `${dir}/cdi/${n}: ${bad[n]}`),
    );
    assertEquals(await digests(files), before);
  });
});

Deno.test("xpu-ctk cdi validate names the file and the problem of each bad spec", async () => {
  await withTempDir(async (dir) => {
    const { files, bad } = writeSpecs(dir);
    const before = await digests(files);
    for (const [name, problem] of Object.entries(bad)) {
      const out = await runBin("xpu-ctk", ["cdi", "validate", `${dir}/cdi/${name}`]);
      assertEquals(out, { code: 1, stdout: `${dir}/cdi/${name}: ${problem}\n`, stderr: "" });
    }
    assertEquals(await digests(files), before);
  });
});

Deno.test("cdi-mode create uses devices of good specs despite bad ones, cache or not", async () => {
  await withTempDir(async (dir) => {
    const { files, bad } = writeSpecs(dir);
    const before = await digests(files);
    for (const device of ["0", "5", "0"]) {
      const b = makeShimBundle(`${dir}/${device}-${Math.random()}`, [
        `CXPU_VISIBLE_DEVICES=${device}`,
      ]);
      const out = await runBin("xpu-container-runtime", ["create", "--bundle", b, "id"], {
        env: env(dir),
      });
      assertEquals(out.code, 0, out.stderr);
      assertEquals(out.stderr.trimEnd().split("\n"), warnings(dir, bad, "xpu-container-runtime"));
      const spec = JSON.parse(Deno.readTextFileSync(`${b}/config.json`));
      assertTrue(spec.process.env.includes(device === "0" ? "A=1" : "S=1"));
    }
    assertEquals(await digests(files), before);
  });
});

Deno.test("cdi-mode create of a device only a bad spec defines: that spec is the error", async () => {
  await withTempDir(async (dir) => {
    const { files } = writeSpecs(dir);
    const before = await digests(files);
    const cases: [string, RegExp][] = [
      [
        "3",
        new RegExp(
          `^xpu-container-runtime: Cannot use CDI device "${KIND}=3": it is defined in "${dir}/cdi/invalid\\.yaml", which cannot be used: devices\\[0\\]\\.containerEdits\\.env\\[0\\]: "NOEQUALS" is not of the form KEY=VALUE$`,
        ),
      ],
      [
        "1",
        new RegExp(
          `^xpu-container-runtime: Cannot use CDI device "${KIND}=1": it is defined in "${dir}/cdi/alias\\.yaml", which cannot be used: an alias refers to a node that contains it$`,
        ),
      ],
      [
        "7",
        new RegExp(
          `^xpu-container-runtime: Unresolvable CDI device "${KIND}=7"; the spec directories define "${KIND}=0", "${KIND}=5"; spec files that cannot be used may define it: .*${dir}/cdi/utf8\\.yaml: invalid UTF-8 at byte \\d+ \\(0xFF\\)`,
        ),
      ],
    ];
    for (const [device, pattern] of cases) {
      const b = makeShimBundle(`${dir}/${device}`, [`CXPU_VISIBLE_DEVICES=${device}`]);
      const spec = await digests([`${b}/config.json`]);
      const out = await runBin("xpu-container-runtime", ["create", "--bundle", b, "id"], {
        env: env(dir),
      });
      assertEquals(out.code, 1);
      assertMatch(out.stderr.trimEnd().split("\n").at(-1)!, pattern);
      assertEquals(await digests([`${b}/config.json`]), spec);
    }
    assertEquals(await digests(files), before);
    let ran = "";
    try {
      ran = Deno.readTextFileSync(`${dir}/runc.log`);
    } catch {
      // runc never ran.
    }
    assertEquals(ran, "");
  });
});
