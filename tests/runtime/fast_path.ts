/**
 * The runtime's fast path under test: a copy of the built launcher whose Deno counts its starts,
 * a low-level runtime that records exactly how it was run, and configs old enough for the shim
 * to record its decision.
 * @module
 */

import { q, ROOT, run } from "../helpers.ts";
import { DECISION_DIR_ENV, DECISION_FILE } from "../../src/runtime/decision.ts";
import { type Config, DEFAULTS } from "../../src/config/schema.ts";
import { lstatOrUndefined } from "../../src/internal/fs.ts";

/** Whether anything is at `path` (a dangling symlink included). */
export const exists = (path: string): boolean => lstatOrUndefined(path) !== undefined;

/** The default config with `runtimes` as the runtimes list. */
export function runtimesConfig(runtimes: readonly string[]): Config {
  const runtime = DEFAULTS["xpu-container-runtime"];
  return { ...DEFAULTS, "xpu-container-runtime": { ...runtime, runtimes: [...runtimes] } };
}

/** How the recording runtime was run. */
export interface RuntimeRecord {
  readonly pid: number;
  /** argv[0], then the arguments. */
  readonly argv0: string;
  readonly args: string[];
  /** The environment, entry by entry, in its order. */
  readonly environ: string[];
  readonly sigign: bigint;
}

/** A low-level runtime (bash, builtins only) recording each call as N.* files in `rec`. */
function recordingRuntime(path: string, rec: string): void {
  Deno.writeTextFileSync(
    path,
    `#!/bin/bash
rec=${q(rec)}
n=0
while [ -e "$rec/$n.pid" ]; do n=$((n + 1)); done
mapfile -d '' -t environ </proc/self/environ
printf '%s\\0' "$0" "$@" >"$rec/$n.argv"
printf '%s\\0' "\${environ[@]}" >"$rec/$n.environ"
while read -r key value; do [ "$key" = SigIgn: ] && printf '%s' "$value" >"$rec/$n.sigign"; done </proc/self/status
printf '%s' "$$" >"$rec/$n.pid"
echo "runtime ran: $*"
`,
  );
  Deno.chmodSync(path, 0o755);
}

/** A directory holding a config, the recording runtime and the decision of one test. */
export interface Fixture {
  readonly dir: string;
  /** The config file, naming `runtime`. */
  readonly config: string;
  /** The recording runtime; also `runc` in the first PATH directory, for the defaults. */
  readonly runtime: string;
  readonly decision: string;
  /** The caller's environment: PATH, XDG_CONFIG_HOME and the decision's directory. */
  readonly env: Record<string, string>;
}

/** Sets up a fixture in `dir`; `config` false leaves the config file out. */
export function makeFixture(dir: string, config = true): Fixture {
  for (const d of ["bin", "path", "rec", "xdg/xpu-container-runtime"]) {
    Deno.mkdirSync(`${dir}/${d}`, { recursive: true });
  }
  const runtime = `${dir}/bin/runtime`;
  recordingRuntime(runtime, `${dir}/rec`);
  Deno.symlinkSync(runtime, `${dir}/path/runc`);
  const configPath = `${dir}/xdg/xpu-container-runtime/config.toml`;
  if (config) {
    Deno.writeTextFileSync(configPath, `[xpu-container-runtime]\nruntimes = [${q(runtime)}]\n`);
  }
  return {
    dir,
    config: configPath,
    runtime,
    decision: `${dir}/decisions/${DECISION_FILE}`,
    env: {
      PATH: `${dir}/path:/usr/sbin:/usr/bin:/sbin:/bin`,
      XDG_CONFIG_HOME: `${dir}/xdg`,
      [DECISION_DIR_ENV]: `${dir}/decisions`,
    },
  };
}

/** Waits until config files written now are old enough for the shim to record a decision. */
export function settle(): Promise<void> {
  return new Promise((r) => setTimeout(r, 2100));
}

/** The calls the fixture's runtime recorded, in order. */
export function records(fix: Fixture): RuntimeRecord[] {
  const out: RuntimeRecord[] = [];
  const fields = (text: string) => text.split("\0").slice(0, -1);
  for (let n = 0;; n++) {
    const base = `${fix.dir}/rec/${n}`;
    let pid: string;
    try {
      pid = Deno.readTextFileSync(`${base}.pid`);
    } catch {
      return out;
    }
    const [argv0, ...args] = fields(Deno.readTextFileSync(`${base}.argv`));
    out.push({
      pid: Number(pid),
      argv0: argv0!,
      args,
      environ: fields(Deno.readTextFileSync(`${base}.environ`)),
      sigign: BigInt(`0x${Deno.readTextFileSync(`${base}.sigign`)}`),
    });
  }
}

/** A copy of the built launcher (dist/bin) whose Deno counts its starts. */
export interface CountingBuild {
  /** Its bin directory, with the runtime's name. */
  readonly bin: string;
  /** How many times Deno has started so far. */
  starts(): number;
}

/** Writes a counting copy of the launcher into `dir`, by the build's own scripts/launcher.sh. */
export async function countingBuild(dir: string): Promise<CountingBuild> {
  Deno.mkdirSync(`${dir}/bin`, { recursive: true });
  const count = `${dir}/deno-starts`;
  const deno = `${dir}/deno`;
  Deno.writeTextFileSync(
    deno,
    `#!/bin/bash\nprintf x >>${q(count)}\nexec -a "$0" ${
      q(`${ROOT}/.tools/node_modules/.bin/deno`)
    } "$@"\n`,
  );
  Deno.chmodSync(deno, 0o755);

  const out = await run(`${ROOT}/scripts/launcher.sh`, [
    `${dir}/bin/xpu-ctk`,
    deno,
    `${ROOT}/dist/js`,
    `${ROOT}/dist/deno-dir`,
    `${dir}/unused-decisions`,
  ], { env: { DENO_DIR: `${ROOT}/.deno` } });
  if (out.code !== 0) throw new Error(`scripts/launcher.sh failed: ${out.stderr}`);
  Deno.symlinkSync("xpu-ctk", `${dir}/bin/xpu-container-runtime`);
  return {
    bin: `${dir}/bin`,
    starts: () => {
      try {
        return Deno.readTextFileSync(count).length;
      } catch {
        return 0;
      }
    },
  };
}

/** What a call of the runtime's name did. */
export interface Call {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly pid: number;
}

/**
 * Runs `bin`/xpu-container-runtime with `args` in exactly the environment `env` (nothing
 * added), as a direct child whose PID is returned; with `ignore` (signal names, comma-separated),
 * started with those signals ignored, as env(1) execs it (same PID, same environment).
 */
export async function callRuntime(
  bin: string,
  args: readonly string[],
  env: Record<string, string>,
  ignore?: string,
): Promise<Call> {
  const front = `${bin}/xpu-container-runtime`;
  const through = ["-i", `--ignore-signal=${ignore}`, "--", ...environList(env), front, ...args];
  const child = new Deno.Command(ignore === undefined ? front : "/usr/bin/env", {
    args: ignore === undefined ? [...args] : through,
    env: ignore === undefined ? env : {},
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const out = await child.output();
  const dec = new TextDecoder();
  return {
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
    pid: child.pid,
  };
}

/** `env` as the environment list a process started with `env -i` over it gets. */
export function environList(env: Record<string, string>): string[] {
  return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}
