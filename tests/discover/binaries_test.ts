import { assertEquals } from "../assert.ts";
import { runBin, withTempDir } from "../helpers.ts";
import {
  type BinaryKind,
  binaryPath,
  findProgram,
  lookupBinary,
  lookupTrail,
  type Where,
} from "../../src/discover/binaries.ts";
import { type Config, DEFAULTS } from "../../src/config/schema.ts";

/** What a case puts at a path below the temp dir. */
type Entry = "exec" | "plain" | "dir" | "dangling" | "link";

interface Case {
  name: string;
  kind?: BinaryKind;
  /** Paths below the temp dir; `D/` in them stands for the temp dir, as in the other fields. */
  files: Record<string, Entry>;
  config?: {
    path?: string;
    root?: string;
    runtimes?: string[];
  };
  /** Default: `D/inv/xpu-container-runtime`. */
  argv0?: string;
  /** Default: `D/p1:D/p2`; `REL` is replaced by a relative path to the temp dir. */
  path?: string | undefined;
  /** The path found, or the problem. */
  found?: string;
  problem?: string;
}

const PROBLEM_TAIL = '"; set xpu-ctk.path in the config';

// Step 4's directories are the case's own `D/sys`, so the host's binaries never answer.
const CASES: Case[] = [
  {
    name: "the configured path wins over every other place",
    files: { "conf/ctk": "exec", "inv/xpu-ctk": "exec", "p1/xpu-ctk": "exec" },
    config: { path: "D/conf/ctk" },
    found: "D/conf/ctk",
  },
  {
    name: "a configured path that is not executable is the error, with its key",
    files: { "conf/ctk": "plain", "inv/xpu-ctk": "exec" },
    config: { path: "D/conf/ctk" },
    problem: 'xpu-ctk "D/conf/ctk" (xpu-ctk.path) is not an executable file',
  },
  {
    name: "a configured directory is not an executable file",
    files: { "conf/ctk": "dir" },
    config: { path: "D/conf/ctk" },
    problem: 'xpu-ctk "D/conf/ctk" (xpu-ctk.path) is not an executable file',
  },
  {
    name: "beside the invoked binary comes before PATH",
    files: { "inv/xpu-ctk": "exec", "p1/xpu-ctk": "exec" },
    found: "D/inv/xpu-ctk",
  },
  {
    name: "a non-executable file is skipped",
    files: { "inv/xpu-ctk": "plain", "p1/xpu-ctk": "plain", "p2/xpu-ctk": "exec" },
    found: "D/p2/xpu-ctk",
  },
  {
    name: "a directory is skipped",
    files: { "inv/xpu-ctk": "dir", "p1/xpu-ctk": "dir", "sys/xpu-ctk": "exec" },
    found: "D/sys/xpu-ctk",
  },
  {
    name: "a dangling symlink is skipped",
    files: { "p1/xpu-ctk": "dangling", "p2/xpu-ctk": "exec" },
    found: "D/p2/xpu-ctk",
  },
  {
    name: "a symlink to an executable is found by its own path",
    files: { "p1/xpu-ctk": "link" },
    found: "D/p1/xpu-ctk",
  },
  {
    name: "relative PATH entries are ignored",
    files: { "p1/xpu-ctk": "exec", "sys/xpu-ctk": "exec" },
    path: "REL/p1::.",
    found: "D/sys/xpu-ctk",
  },
  {
    name: "an empty PATH leaves the system directories",
    files: { "p1/xpu-ctk": "exec", "sys/xpu-ctk": "exec" },
    path: "",
    found: "D/sys/xpu-ctk",
  },
  {
    name: "no PATH at all leaves the system directories",
    files: { "sys/xpu-ctk": "exec" },
    path: undefined,
    found: "D/sys/xpu-ctk",
  },
  {
    name: "a bare argv[0] has no directory to look beside",
    files: { "p2/xpu-ctk": "exec" },
    argv0: "xpu-container-runtime",
    found: "D/p2/xpu-ctk",
  },
  {
    name: "found nowhere: the error names each place tried and the key",
    files: { "inv/xpu-ctk": "plain", "p1/xpu-ctk": "dangling" },
    problem: 'xpu-ctk not found: tried "D/inv/xpu-ctk", "xpu-ctk" in "D/p1:D/p2:D/sys' +
      PROBLEM_TAIL,
  },
  {
    name: "the hook, like every binary, is looked for in the system directories too",
    kind: "xpu-container-runtime-hook",
    files: { "sys/xpu-container-runtime-hook": "exec" },
    found: "D/sys/xpu-container-runtime-hook",
  },
  {
    name: "the vendor cli is looked for under the driver root first",
    kind: "xpu-container-cli",
    files: { "rootD/p2/xpu-container-cli": "exec", "p1/xpu-container-cli": "exec" },
    config: { root: "D/root/" },
    found: "D/rootD/p2/xpu-container-cli",
  },
  {
    name: "the vendor cli is never looked for beside the toolkit",
    kind: "xpu-container-cli",
    files: { "inv/xpu-container-cli": "exec" },
    config: { root: "D/root" },
    problem: 'xpu-container-cli not found: tried "xpu-container-cli" in ' +
      '"D/rootD/p1:D/rootD/p2:D/rootD/sys:D/p1:D/p2:D/sys"; ' +
      "set xpu-container-cli.path in the config",
  },
  {
    name: "the low-level runtime is the first of the config's list that is there",
    kind: "low-level runtime",
    files: { "p1/runc": "plain", "p2/runc": "exec", "abs/runc": "exec" },
    config: { runtimes: ["D/abs/missing", "docker-runc", "runc", "D/abs/runc"] },
    found: "D/p2/runc",
  },
  {
    name: "a low-level runtime path is used as it is, not searched for",
    kind: "low-level runtime",
    files: { "p1/runc": "exec" },
    config: { runtimes: ["D/abs/runc"] },
    problem: 'Low-level runtime not found: tried "D/abs/runc"; ' +
      "set xpu-container-runtime.runtimes in the config",
  },
  {
    name: "an empty list of low-level runtimes says so",
    kind: "low-level runtime",
    files: {},
    config: { runtimes: [] },
    problem: 'No low-level runtime configured: "xpu-container-runtime.runtimes" is empty',
  },
  {
    name: "this binary is argv[0] itself",
    kind: "self",
    files: { "inv/xpu-ctk": "exec" },
    argv0: "D/inv/xpu-ctk",
    found: "D/inv/xpu-ctk",
  },
  {
    name: "this binary under a bare argv[0] is found on PATH",
    kind: "self",
    files: { "p2/xpu-ctk": "exec" },
    argv0: "xpu-ctk",
    found: "D/p2/xpu-ctk",
  },
];

function make(dir: string, files: Record<string, Entry>): void {
  for (const [rel, entry] of Object.entries(files)) {
    const path = placed(dir, `D/${rel}`);
    Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    if (entry === "dir") Deno.mkdirSync(path);
    else if (entry === "dangling") Deno.symlinkSync(`${dir}/nowhere`, path);
    else if (entry === "link") {
      Deno.writeTextFileSync(`${dir}/target`, "#!/bin/sh\n", { mode: 0o755 });
      Deno.symlinkSync(`${dir}/target`, path);
    } else {
      Deno.writeTextFileSync(path, "#!/bin/sh\n");
      Deno.chmodSync(path, entry === "exec" ? 0o755 : 0o644);
    }
  }
  Deno.mkdirSync(`${dir}/sys`, { recursive: true });
}

/** `text` with `D/` standing for the temp dir `dir` and `REL/` for it relative to the cwd. */
function placed(dir: string, text: string): string {
  return text.replaceAll("D/", `${dir}/`).replaceAll("REL/", `${relative(dir)}/`);
}

/** `dir` as a path relative to the working directory. */
function relative(dir: string): string {
  return `${"../".repeat(Deno.cwd().split("/").filter(Boolean).length)}${dir.slice(1)}`;
}

function configFor(c: Case, d: (s: string) => string): Config {
  const kind = c.kind ?? "xpu-ctk";
  const cfg = c.config ?? {};
  return {
    ...DEFAULTS,
    "xpu-ctk": { ...DEFAULTS["xpu-ctk"], path: kind === "xpu-ctk" ? d(cfg.path ?? "") : "" },
    "xpu-container-cli": {
      ...DEFAULTS["xpu-container-cli"],
      path: kind === "xpu-container-cli" ? d(cfg.path ?? "") : "",
      root: d(cfg.root ?? ""),
    },
    "xpu-container-runtime": {
      ...DEFAULTS["xpu-container-runtime"],
      runtimes: (cfg.runtimes ?? DEFAULTS["xpu-container-runtime"].runtimes).map(d),
    },
  };
}

for (const c of CASES) {
  Deno.test(`lookupBinary(): ${c.name}`, async () => {
    await withTempDir((dir) => {
      make(dir, c.files);
      const d = (s: string) => placed(dir, s);
      const where: Where = {
        argv0: d(c.argv0 ?? "D/inv/xpu-container-runtime"),
        path: "path" in c ? (c.path === undefined ? undefined : d(c.path)) : d("D/p1:D/p2"),
        systemDirs: [`${dir}/sys`],
      };
      const got = lookupBinary(c.kind ?? "xpu-ctk", configFor(c, d), where);
      assertEquals(
        got,
        c.found !== undefined
          ? { found: true, path: d(c.found) }
          : { found: false, problem: d(c.problem!) },
      );
      // The trail (the runtime's recorded decision) finds the same, where no config path decides.
      const trail = lookupTrail(c.kind ?? "xpu-ctk", configFor(c, d), where);
      const byPath = c.config?.path !== undefined && (c.kind ?? "xpu-ctk") !== "low-level runtime";
      assertEquals(trail?.found, byPath || c.found === undefined ? undefined : d(c.found));
    });
  });
}

Deno.test("lookupTrail() lists every path the runtime's lookup passed before the one it found", async () => {
  await withTempDir((dir) => {
    make(dir, { "p1/docker-runc": "plain", "p2/runc": "exec", "sys/runc": "exec" });
    const config = {
      ...DEFAULTS,
      "xpu-container-runtime": {
        ...DEFAULTS["xpu-container-runtime"],
        runtimes: ["docker-runc", "runc"],
      },
    };
    const where = { path: `${dir}/p1:relative:${dir}/p2`, systemDirs: [`${dir}/sys`] };
    assertEquals(lookupTrail("low-level runtime", config, where), {
      found: `${dir}/p2/runc`,
      passed: [
        `${dir}/p1/docker-runc`,
        `${dir}/p2/docker-runc`,
        `${dir}/sys/docker-runc`,
        `${dir}/p1/runc`,
      ],
    });
    assertEquals(
      lookupTrail("low-level runtime", config, { ...where, path: "", systemDirs: [] }),
      undefined,
    );
  });
});

Deno.test("binaryPath() names the installed default, or the configured path, when none is there", async () => {
  await withTempDir((dir) => {
    const where: Where = { argv0: `${dir}/xpu-ctk`, path: dir, systemDirs: [] };
    assertEquals(
      binaryPath("xpu-container-runtime", undefined, where),
      "/usr/bin/xpu-container-runtime",
    );
    const config = { ...DEFAULTS, "xpu-ctk": { path: `${dir}/nothing` } };
    assertEquals(binaryPath("xpu-ctk", config, where), `${dir}/nothing`);
    assertEquals(binaryPath("self", undefined, where), Deno.execPath());
    make(dir, { "xpu-container-runtime": "exec" });
    assertEquals(
      binaryPath("xpu-container-runtime", undefined, where),
      `${dir}/xpu-container-runtime`,
    );
  });
});

Deno.test("findProgram() searches PATH and the system directories only", async () => {
  await withTempDir((dir) => {
    make(dir, { "inv/dockerd": "exec", "sys/dockerd": "exec" });
    const where = { argv0: `${dir}/inv/xpu-ctk`, path: "", systemDirs: [`${dir}/sys`] };
    assertEquals(findProgram("dockerd", where), `${dir}/sys/dockerd`);
    assertEquals(findProgram("dockerd", { ...where, systemDirs: [] }), undefined);
  });
});

Deno.test("runtime configure invoked by a bare name writes the shim found on PATH", async () => {
  await withTempDir(async (dir) => {
    make(dir, { "bin/xpu-container-runtime": "exec" });
    const out = await runBin(
      "xpu-ctk",
      ["runtime", "configure", "--config", `${dir}/daemon.json`, "--dry-run"],
      { env: { XPU_ARGV0: "xpu-ctk", PATH: `${dir}/bin:/usr/bin:/bin` } },
    );
    assertEquals(out.code, 0, out.stderr);
    const written = JSON.parse(out.stdout.slice(out.stdout.indexOf("\n") + 1));
    assertEquals(written.runtimes.xpu.path, `${dir}/bin/xpu-container-runtime`);
  });
});
