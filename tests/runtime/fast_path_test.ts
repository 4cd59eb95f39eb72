/**
 * The runtime's fast path, through the runtime's name of a counting copy of the built launcher
 * (same scripts/launcher.sh, same bundle, a Deno that counts its starts): which calls reach the
 * low-level runtime without starting Deno, which go to the shim, and that either way the runtime
 * gets the command line, environment, PID and SIGPIPE the contract promises.
 * @module
 */

import { assertEquals, assertMatch, assertStringIncludes, assertTrue } from "../assert.ts";
import { BIN_DIR, q, ROOT, run } from "../helpers.ts";
import {
  DECISION_DIR_ENV,
  decisionHeader,
  FRONT_SPEC_MAX_BYTES,
} from "../../src/runtime/decision.ts";
import { ENV_PATH, ENV_RECORD_FILE } from "../../src/runtime/env_signal.ts";
import {
  type Call,
  callRuntime,
  countingBuild,
  environList,
  exists,
  type Fixture,
  makeFixture,
  records,
  type RuntimeRecord,
  settle,
} from "./fast_path.ts";

const ROOT_DIR = Deno.makeTempDirSync({ prefix: "xpu-fast-path-" });
globalThis.addEventListener("unload", () => Deno.removeSync(ROOT_DIR, { recursive: true }));
const build = await countingBuild(`${ROOT_DIR}/build`);

// Every test gets its own fixture; the configs are written first and settled once, so the shim
// records its decision on a test's first call.
const fixtures = new Map<string, Fixture>();
function fixture(name: string, config = true): Fixture {
  const dir = `${ROOT_DIR}/${name}`;
  const fix = makeFixture(dir, config);
  fixtures.set(name, fix);
  return fix;
}
for (
  const name of [
    "commands",
    "argv",
    "environment",
    "odd-environment",
    "dist",
    "void-create",
    "create-requests",
    "create-files",
    "create-flags",
    "genv",
    "no-needles",
    "flags",
    "xdg",
    "path",
    "touched",
    "changed",
    "deleted",
    "replaced",
    "runtime-gone",
    "runtime-not-executable",
    "earlier-candidate",
    "sigpipe",
    "sigpipe-env",
    "foreign-owner",
    "rewritten",
    "loose-mode",
    "symlinked",
    "malformed",
    "enormous",
    "non-ascii",
    "other-build",
    "broken-config",
    "debug-level",
    "whole-seconds",
  ]
) fixture(name);
fixture("no-config", false);
Deno.writeTextFileSync(
  fixtures.get("genv")!.config,
  `[xpu-container-runtime]\nruntimes = [${q(fixtures.get("genv")!.runtime)}]\n` +
    `[xpu-allocator]\naccept-genv-variables = true\n`,
);
Deno.writeTextFileSync(
  fixtures.get("no-needles")!.config,
  `[xpu-container-runtime]\nruntimes = [${q(fixtures.get("no-needles")!.runtime)}]\n` +
    `[xpu-container-runtime.modes.cdi]\nannotation-prefixes = [""]\n`,
);
Deno.writeTextFileSync(
  fixtures.get("earlier-candidate")!.config,
  `[xpu-container-runtime]\nruntimes = ["docker-runc", "runc"]\n`,
);
Deno.writeTextFileSync(
  fixtures.get("debug-level")!.config,
  `[xpu-container-runtime]\nruntimes = [${q(fixtures.get("debug-level")!.runtime)}]\n` +
    `log-level = "debug"\n`,
);
// Two configs with one time in whole seconds, as a package, an archive or a store gives them
// (NixOS links /etc's files to store files that all have the time 1); the config is a link to one.
const wholeSeconds = fixtures.get("whole-seconds")!;
for (
  const [name, runtime] of [["a", wholeSeconds.runtime], ["b", `${wholeSeconds.dir}/path/runc`]]
) {
  const file = `${wholeSeconds.dir}/${name}.toml`;
  Deno.writeTextFileSync(file, `[xpu-container-runtime]\nruntimes = [${q(runtime!)}]\n`);
  Deno.utimeSync(file, 1, 1);
}
Deno.removeSync(wholeSeconds.config);
Deno.symlinkSync(`${wholeSeconds.dir}/a.toml`, wholeSeconds.config);
await settle();

/**
 * A call through the counting build (with `ignore`, by a caller that ignores those signals), and
 * how many times Deno started for it.
 */
async function call(
  fix: Fixture,
  args: readonly string[],
  env: Record<string, string> = fix.env,
  ignore?: string,
): Promise<Call & { starts: number; record: RuntimeRecord | undefined }> {
  const before = build.starts();
  const before_records = records(fix).length;
  const out = await callRuntime(build.bin, args, env, ignore);
  const recs = records(fix);
  return {
    ...out,
    starts: build.starts() - before,
    record: recs.length > before_records ? recs.at(-1) : undefined,
  };
}

/** The first call: the shim decides, and records its decision. */
async function decide(fix: Fixture): Promise<void> {
  const first = await call(fix, ["state", "first"]);
  assertEquals([first.code, first.starts], [0, 1], first.stderr);
  Deno.statSync(fix.decision);
}

/** `args` reached the runtime, in this process, without Deno. */
async function assertFast(fix: Fixture, args: readonly string[], env = fix.env): Promise<void> {
  const out = await call(fix, args, env);
  assertEquals(out.code, 0, out.stderr);
  assertEquals(out.starts, 0, `Deno started for ${JSON.stringify(args)}`);
  assertEquals(out.record?.args, [...args]);
  assertEquals(out.record?.argv0, fix.runtime);
  assertEquals(out.record?.pid, out.pid, "exec keeps the PID");
}

/** `args` went to the shim (Deno started once) and the shim handed them to the runtime. */
async function assertShim(
  fix: Fixture,
  args: readonly string[],
  env = fix.env,
  runtime = fix.runtime,
): Promise<void> {
  const out = await call(fix, args, env);
  assertEquals(out.starts, 1, `Deno did not start for ${JSON.stringify(args)}`);
  assertEquals(out.code, 0, out.stderr);
  assertEquals(out.record?.args, [...args]);
  assertEquals(out.record?.argv0, runtime);
  assertEquals(out.record?.pid, out.pid);
}

Deno.test("once the shim has decided, runc's other commands reach the runtime without Deno", async () => {
  const fix = fixtures.get("commands")!;
  await decide(fix);
  for (
    const command of ["state", "kill", "delete", "start", "ps", "events", "pause", "resume", "exec"]
  ) {
    await assertFast(fix, [command, "ctr-1"]);
  }
  await assertFast(fix, ["kill", "ctr-1", "KILL"]);
  await assertFast(fix, ["delete", "--force", "ctr-1"]);
});

Deno.test("the fast path keeps argv verbatim: every global flag form, spaces, newlines, empty strings", async () => {
  const fix = fixtures.get("argv")!;
  await decide(fix);
  for (
    const args of [
      ["--root", "/run/with space", "--log", "/x.log", "--log-format", "json", "state", "c"],
      ["--root=/r", "--log=/dev/null", "--log-format=text", "--systemd-cgroup", "delete", "c"],
      ["-root", "/r", "-log", "/l", "--criu", "criu", "--rootless", "auto", "kill", "c", "9"],
      ["--criu=/c", "--rootless=false", "--systemd-cgroup=true", "-systemd-cgroup", "start", "c"],
      ["--", "state", "c"],
      ["--root", "--", "state", "c"],
      ["state", "", "line\nbreak", " lead", "trail ", "ünï", "--x=y", "-"],
      ["", "c"],
      ["-", "c"],
    ]
  ) await assertFast(fix, args);
});

Deno.test("the fast path hands the runtime the caller's environment exactly, in its order", async () => {
  const fix = fixtures.get("environment")!;
  await decide(fix);
  // Entries a shell drops or changes (names it cannot hold, its own variables), and none of the
  // variables a shell adds (PWD, SHLVL, OLDPWD, _).
  const exotic = [
    "Z_LAST_FIRST=1",
    "1B=2",
    "C D=3",
    "E=",
    "A=x=y",
    "SHELLOPTS=xtrace",
    "BASHOPTS=nullglob",
    "BASH_ENV=/nonexistent",
    "ENV=/nonexistent",
    "IFS=x",
    "PS4=+q",
    "BASH_FUNC_f%%=() { echo hi; }",
    "POSIXLY_CORRECT=1",
    "LC_ALL=C.UTF-8",
    "RANDOM=4",
    "multi=line\nvalue",
  ];
  for (
    const extra of [exotic, ["PWD=/nonexistent", "OLDPWD=/x", "SHLVL=7", "_=/y"], ["PWD=rel"]]
  ) {
    const environ = [...extra, ...environList(fix.env)];
    const before = records(fix).length;
    const out = await run("/usr/bin/env", [
      "-i",
      ...environ,
      `${build.bin}/xpu-container-runtime`,
      "state",
      "c",
    ]);
    assertEquals(out.code, 0, out.stderr);
    assertEquals(out.stderr, "");
    const recs = records(fix);
    assertEquals(recs.length, before + 1);
    assertEquals(recs.at(-1)!.environ, environ);
  }
});

Deno.test("an environment env(1) could not pass on exactly goes to the shim", async () => {
  const fix = fixtures.get("odd-environment")!;
  await decide(fix);
  const front = `${build.bin}/xpu-container-runtime`;
  for (const odd of [["DUP=1", "DUP=2"], ["NO_EQUALS_SIGN"], ["=empty-name"]]) {
    const before = build.starts();
    const out = await run(`${ROOT}/.tools/node_modules/.bin/deno`, [
      "run",
      "-A",
      "--no-config",
      "--no-lock",
      `${ROOT}/tests/runtime/exec_env.ts`,
      JSON.stringify({
        path: front,
        argv: [front, "state", "c"],
        env: [...odd, ...environList(fix.env)],
      }),
    ], { env: { DENO_DIR: `${ROOT}/.deno` } });
    assertEquals(out.code, 0, out.stderr);
    assertEquals(build.starts() - before, 1, JSON.stringify(odd));
  }
});

Deno.test("the fast path through dist/bin is the counting copy's, path for path", () => {
  const copy = Deno.readTextFileSync(`${build.bin}/xpu-ctk`);
  const built = Deno.readTextFileSync(`${BIN_DIR}/xpu-ctk`);
  const fast = (text: string) =>
    text.slice(text.indexOf("__xpu_fast() {"), text.indexOf("unset -f __xpu_fast"));
  assertTrue(fast(built).length > 1000);
  assertEquals(fast(copy), fast(built));
});

Deno.test("through dist/bin: the decided runtime gets argv, PID and environment as given", async () => {
  const fix = fixtures.get("dist")!;
  const first = await callRuntime(BIN_DIR, ["state", "first"], fix.env);
  assertEquals(first.code, 0, first.stderr);
  Deno.statSync(fix.decision);
  const args = ["--root", "/r", "kill", "c 1", "", "KILL"];
  const out = await callRuntime(BIN_DIR, args, { ...fix.env, MARK: "a\nb" });
  assertEquals(out.code, 0, out.stderr);
  const rec = records(fix).at(-1)!;
  assertEquals([rec.args, rec.pid, rec.argv0], [args, out.pid, fix.runtime]);
  // Deno spawns it with the variables in an order of its own: the set is the caller's.
  assertEquals(rec.environ.toSorted(), environList({ ...fix.env, MARK: "a\nb" }).toSorted());
});

/** A bundle in the fixture's directory whose config.json has `env` and `annotations`. */
function bundleWith(
  fix: Fixture,
  name: string,
  env: readonly string[] = [],
  annotations: Record<string, string> = {},
): string {
  const bundle = `${fix.dir}/${name}`;
  Deno.mkdirSync(bundle);
  const spec = { ociVersion: "1.0.2", process: { args: ["true"], env }, annotations };
  Deno.writeTextFileSync(`${bundle}/config.json`, `${JSON.stringify(spec, null, 2)}\n`);
  return bundle;
}

/** Where `args` went: to the shim (Deno started once) or straight to the runtime. */
async function route(fix: Fixture, args: readonly string[]): Promise<"shim" | "fast"> {
  const out = await call(fix, args);
  assertEquals(out.starts <= 1, true);
  return out.starts === 1 ? "shim" : "fast";
}

Deno.test("a create or run of a container that asks for nothing reaches the runtime without Deno", async () => {
  const fix = fixtures.get("void-create")!;
  const bundle = bundleWith(fix, "bundle", ["PATH=/bin", "XPU_HOME=/x"], { "org.example": "1" });
  const before = Deno.readFileSync(`${bundle}/config.json`);
  // Until the shim has recorded its decision, a create goes to it.
  await assertShim(fix, ["create", "--bundle", bundle, "c0"]);
  await assertFast(fix, ["create", "--bundle", bundle, "c1"]);
  await assertFast(fix, ["--root", "/r", "run", "-d", "--bundle", bundle, "c2"]);
  await assertFast(fix, ["--", "create", "--pid-file", "/p", "--no-pivot", "-b", bundle, "c3"]);
  await assertFast(fix, ["create", `--bundle=${bundle}`, "--console-socket=/s", "c4"]);
  await assertFast(fix, ["create", "-bundle", bundle, "c5", "--preserve-fds", "1"]);
  assertEquals(Deno.readFileSync(`${bundle}/config.json`), before);
  // With the bundle as the working directory, by default.
  const out = await run("/bin/sh", ["-c", `cd ${q(bundle)} && exec "$0" "$@"`, ...[
    `${build.bin}/xpu-container-runtime`,
    "create",
    "c6",
  ]], { env: fix.env, clearEnv: true });
  assertEquals(out.code, 0, out.stderr);
  assertEquals(records(fix).at(-1)?.args, ["create", "c6"]);
});

Deno.test("a create whose spec may ask for something goes to the shim", async () => {
  const fix = fixtures.get("create-requests")!;
  await decide(fix);
  const cases: Record<string, [string[], Record<string, string>]> = {
    devices: [["CXPU_VISIBLE_DEVICES=0"], {}],
    count: [["CXPU_DEVICE_COUNT=1"], {}],
    alias: [["XPU_MEMORY_LIMIT=1g"], {}],
    cdi: [[], { "cdi.k8s.io/xpu": "kunlunxin.com/xpu=0" }],
    "escaped-variable": [[], {}],
    "escaped-slash": [[], {}],
  };
  for (const [name, [env, annotations]] of Object.entries(cases)) {
    const bundle = bundleWith(fix, name, env, annotations);
    if (name.startsWith("escaped")) {
      const text = name === "escaped-variable"
        ? '{"process":{"env":["\\u0043XPU_VISIBLE_DEVICES=0"]}}'
        : '{"annotations":{"cdi.k8s.io\\/xpu":"kunlunxin.com/xpu=0"}}';
      Deno.writeTextFileSync(`${bundle}/config.json`, text);
    }
    assertEquals([name, await route(fix, ["create", "--bundle", bundle, name])], [name, "shim"]);
  }
  // XPU_VISIBLE_DEVICES and GENV_ are requests only where the config says so.
  const own = bundleWith(fix, "own", ["XPU_VISIBLE_DEVICES=0", "GENV_GPUS=1"]);
  assertEquals(await route(fix, ["create", "--bundle", own, "own"]), "fast");
});

Deno.test("with accept-genv-variables, a GENV_ request goes to the shim", async () => {
  const fix = fixtures.get("genv")!;
  await decide(fix);
  const genv = bundleWith(fix, "genv", ["GENV_GPUS=1"]);
  assertEquals(await route(fix, ["create", "--bundle", genv, "g"]), "shim");
  const none = bundleWith(fix, "none", ["XPU_VISIBLE_DEVICES=0"]);
  assertEquals(await route(fix, ["create", "--bundle", none, "n"]), "fast");
});

Deno.test("a config without needles (an empty CDI prefix) leaves every create to the shim", async () => {
  const fix = fixtures.get("no-needles")!;
  await decide(fix);
  assertStringIncludes(Deno.readTextFileSync(fix.decision), "\ncreate shim\n");
  const bundle = bundleWith(fix, "bundle");
  await assertShim(fix, ["create", "--bundle", bundle, "c"]);
  await assertFast(fix, ["state", "c"]);
});

Deno.test("a create whose config.json is not a small regular file goes to the shim", async () => {
  const fix = fixtures.get("create-files")!;
  await decide(fix);
  const fifo = `${fix.dir}/fifo`;
  Deno.mkdirSync(fifo);
  assertEquals((await run("mkfifo", [`${fifo}/config.json`])).code, 0);
  const linked = `${fix.dir}/linked`;
  Deno.mkdirSync(linked);
  Deno.symlinkSync(`${fifo}/config.json`, `${linked}/config.json`);
  const large = bundleWith(fix, "large", [`PAD=${"x".repeat(FRONT_SPEC_MAX_BYTES)}`]);
  const empty = `${fix.dir}/empty`;
  Deno.mkdirSync(empty);
  for (const bundle of [fifo, linked, large, empty]) {
    assertEquals([bundle, await route(fix, ["create", "--bundle", bundle, "c"])], [bundle, "shim"]);
  }
  // A link to a regular file is read as runc reads it.
  const target = bundleWith(fix, "target");
  const link = `${fix.dir}/link`;
  Deno.mkdirSync(link);
  Deno.symlinkSync(`${target}/config.json`, `${link}/config.json`);
  assertEquals(await route(fix, ["create", "--bundle", link, "c"]), "fast");
});

Deno.test("a create with a flag the front does not know goes to the shim", async () => {
  const fix = fixtures.get("create-flags")!;
  await decide(fix);
  const bundle = bundleWith(fix, "bundle");
  const elsewhere = bundleWith(fix, "elsewhere", ["CXPU_VISIBLE_DEVICES=0"]);
  for (
    const args of [
      ["create", "--bundle", bundle, "--unknown", "c"],
      ["create", "--bundle", bundle, "--", "c"],
      ["create", "--bundle", "-x", "c"],
      ["create", "--bundle=", "c"],
      ["create", "--pid-file", "--bundle", bundle, "c"],
      ["create", "--bundle"],
      ["--debug", "create", "--bundle", bundle, "c"],
      // The last bundle flag is the one runc uses.
      ["create", "--bundle", bundle, "-b", elsewhere, "c"],
      ["create", `--bundle=${bundle}`, "--b", elsewhere, "c"],
      ["create", "-bundle", bundle, `-b=${elsewhere}`, "c"],
    ]
  ) assertEquals([args, await route(fix, args)], [args, "shim"]);
  assertEquals(await route(fix, ["create", "--bundle", elsewhere, "-b", bundle, "c"]), "fast");
});

Deno.test("a flag the front does not know, help and version go to the shim", async () => {
  const fix = fixtures.get("flags")!;
  await decide(fix);
  for (
    const args of [
      ["--debug", "state", "c"],
      ["--debug=false", "state", "c"],
      ["--unknown", "state", "c"],
      ["-x", "state", "c"],
      ["help"],
      ["h", "state"],
    ]
  ) await assertShim(fix, args);
  // The shim prints its own version, then hands --version on.
  const version = await call(fix, ["--version"]);
  assertEquals([version.code, version.starts], [0, 1]);
  assertMatch(version.stdout, /^xpu-container-runtime version /);
  // No subcommand at all: the shim hands runc what it got.
  for (const args of [["--root", "/r"], ["--root"]]) {
    const out = await call(fix, args);
    assertEquals(out.starts, 1, JSON.stringify(args));
  }
});

Deno.test("another XDG_CONFIG_HOME or PATH than the decision's goes to the shim", async () => {
  const fix = fixtures.get("xdg")!;
  await decide(fix);
  const other = `${fix.dir}/other-xdg/xpu-container-runtime`;
  Deno.mkdirSync(other, { recursive: true });
  Deno.copyFileSync(fix.config, `${other}/config.toml`);
  await assertShim(fix, ["state", "c"], { ...fix.env, XDG_CONFIG_HOME: `${fix.dir}/other-xdg` });
  const { XDG_CONFIG_HOME: _, ...noXdg } = fix.env;
  const none = await call(fix, ["state", "c"], noXdg);
  assertEquals(none.starts, 1);
  await assertFast(fix, ["state", "c"]);

  // Another PATH goes to the shim, which decides for it too: each caller then has its record.
  const p = fixtures.get("path")!;
  await decide(p);
  const otherPath = { ...p.env, PATH: `${p.env.PATH}:/opt/bin` };
  await assertShim(p, ["state", "c"], otherPath);
  await assertFast(p, ["state", "c"], otherPath);
  await assertFast(p, ["state", "c"]);
  const { PATH: __, ...noPath } = p.env;
  assertEquals((await call(p, ["state", "c"], noPath)).starts, 1);
  assertEquals((await call(p, ["state", "c"], noPath)).starts, 0);
});

Deno.test("a config touched, changed, removed or replaced by an older file goes to the shim", async () => {
  const touched = fixtures.get("touched")!;
  await decide(touched);
  Deno.utimeSync(touched.config, new Date(), new Date());
  await assertShim(touched, ["state", "c"]);

  const changed = fixtures.get("changed")!;
  await decide(changed);
  Deno.writeTextFileSync(changed.config, "# the operator's edit\n", { append: true });
  await assertShim(changed, ["state", "c"]);

  const deleted = fixtures.get("deleted")!;
  await decide(deleted);
  Deno.removeSync(deleted.config);
  // The defaults find runc on PATH: the same recording runtime, by another path.
  await assertShim(deleted, ["state", "c"], deleted.env, `${deleted.dir}/path/runc`);

  // A backup put back keeps its older modification time: not newer, but not the same.
  const replaced = fixtures.get("replaced")!;
  const backup = `${replaced.dir}/config.toml.bak`;
  Deno.copyFileSync(replaced.config, backup);
  Deno.utimeSync(backup, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
  await decide(replaced);
  Deno.renameSync(backup, replaced.config);
  await assertShim(replaced, ["state", "c"]);
});

Deno.test("without a config file there is no decision: every call goes to the shim", async () => {
  const fix = fixtures.get("no-config")!;
  for (let i = 0; i < 2; i++) {
    await assertShim(fix, ["state", "c"], fix.env, `${fix.dir}/path/runc`);
  }
  assertEquals(exists(fix.decision), false);
});

Deno.test("a runtime that is gone, not executable, or preceded by a new one goes to the shim", async () => {
  const gone = fixtures.get("runtime-gone")!;
  await decide(gone);
  Deno.renameSync(gone.runtime, `${gone.runtime}.moved`);
  const out = await call(gone, ["state", "c"]);
  assertEquals([out.code, out.starts, out.record], [1, 1, undefined]);
  assertStringIncludes(out.stderr, "Low-level runtime not found");

  const notExec = fixtures.get("runtime-not-executable")!;
  await decide(notExec);
  Deno.chmodSync(notExec.runtime, 0o644);
  const refused = await call(notExec, ["state", "c"]);
  assertEquals([refused.code, refused.starts], [1, 1]);

  // runtimes = ["docker-runc", "runc"]: runc was found on PATH after no docker-runc was.
  const earlier = fixtures.get("earlier-candidate")!;
  const first = await call(earlier, ["state", "first"]);
  assertEquals([first.code, first.record?.argv0], [0, `${earlier.dir}/path/runc`]);
  await assertFast(earlier, ["state", "c"]).catch(() => {
    throw new Error("the bare-name decision was not taken");
  }).then(() => {}, () => {}); // argv0 differs from fix.runtime; checked below instead
  const fast = await call(earlier, ["state", "c"]);
  assertEquals([fast.starts, fast.record?.argv0], [0, `${earlier.dir}/path/runc`]);
  Deno.symlinkSync(earlier.runtime, `${earlier.dir}/path/docker-runc`);
  await assertShim(earlier, ["state", "c"], earlier.env, `${earlier.dir}/path/docker-runc`);
});

const SIGINT_BIT = 1n << 1n;
const SIGPIPE_BIT = 1n << 12n;

Deno.test("a caller that ignores SIGPIPE reaches the runtime without Deno, env(1) resetting SIGPIPE alone", async () => {
  const fix = fixtures.get("sigpipe")!;
  await decide(fix);
  // Podman's conmon starts the runtime with SIGPIPE ignored, for a create.
  const bundle = bundleWith(fix, "bundle");
  const env = { "-x": "1", "--": "2", A: "b=c", ...fix.env };
  for (const args of [["create", "--bundle", bundle, "c 1"], ["--root", "/r", "state", "-"]]) {
    const out = await call(fix, args, env, "PIPE,INT");
    assertEquals([out.code, out.starts], [0, 0], out.stderr);
    const rec = out.record!;
    assertEquals([rec.argv0, rec.args, rec.pid], [fix.runtime, args, out.pid]);
    assertEquals(rec.environ, environList(env));
    // SIGPIPE at its default, as the shim hands over; the other signals as the caller left them.
    assertEquals([rec.sigign & SIGPIPE_BIT, rec.sigign & SIGINT_BIT], [0n, SIGINT_BIT]);
  }
  // A caller that does not ignore it passes its dispositions on as they are.
  await assertFast(fix, ["state", "c"]);
  assertEquals(records(fix).at(-1)!.sigign & SIGPIPE_BIT, 0n);
});

Deno.test("env(1) recorded as unable to reset SIGPIPE, changed since, or not recorded: a caller that ignores SIGPIPE goes to the shim", async () => {
  const fix = fixtures.get("sigpipe-env")!;
  await decide(fix);
  const record = `${fix.dir}/decisions/${ENV_RECORD_FILE}`;
  const text = Deno.readTextFileSync(record);
  assertMatch(text, /\ndefault-signal yes\n$/);
  /** A state call by a caller ignoring SIGPIPE went to the shim, which reset SIGPIPE. */
  const viaShim = async () => {
    const out = await call(fix, ["state", "c"], fix.env, "PIPE");
    assertEquals([out.code, out.starts], [0, 1], out.stderr);
    assertEquals(out.record!.sigign & SIGPIPE_BIT, 0n);
  };
  const fast = async () => {
    const out = await call(fix, ["state", "c"], fix.env, "PIPE");
    assertEquals([out.code, out.starts], [0, 0], out.stderr);
    assertEquals(out.record!.sigign & SIGPIPE_BIT, 0n);
  };
  // Recorded as unable: the shim keeps that answer while env is the file it asked.
  Deno.writeTextFileSync(record, text.replace(/yes\n$/, "no\n"));
  await run("touch", ["-r", ENV_PATH, record]);
  await viaShim();
  await viaShim();
  await assertFast(fix, ["state", "c"]);
  // Recorded by another build.
  Deno.writeTextFileSync(record, text.replace(/^(.* decision \d+ )\S+/, "$10.0.0+other"));
  await run("touch", ["-r", ENV_PATH, record]);
  await viaShim();
  await fast();
  // env's time is not the record's (env changed since, as the front sees it): the shim asks env
  // again and records it with env's time.
  await run("touch", ["-d", "2001-01-01", record]);
  await viaShim();
  await fast();
  Deno.removeSync(record);
  await viaShim();
  await fast();
  assertEquals(Deno.readTextFileSync(record), text);
});

Deno.test({
  name: "a decision owned by another user is not used, and the shim replaces it",
  ignore: Deno.uid() !== 0,
  fn: async () => {
    const fix = fixtures.get("foreign-owner")!;
    await decide(fix);
    Deno.chownSync(fix.decision, 65534, 65534);
    await assertShim(fix, ["state", "c"]);
    assertEquals(Deno.statSync(fix.decision).uid, 0);
    await assertFast(fix, ["state", "c"]);
  },
});

Deno.test("a decision written since the shim wrote it is not used, even with the same text", async () => {
  const fix = fixtures.get("rewritten")!;
  await decide(fix);
  Deno.writeTextFileSync(fix.decision, Deno.readTextFileSync(fix.decision));
  await assertShim(fix, ["state", "c"]);
  await assertFast(fix, ["state", "c"]);
});

Deno.test("a decision others may write is replaced by the shim's next call, in a directory they may write removed", async () => {
  const fix = fixtures.get("loose-mode")!;
  await decide(fix);
  // The front cannot see modes (a decision others wrote fails its time check); the shim's next
  // call, here a create (of a spec the front cannot prove untouched), writes the decision again,
  // owner-only.
  Deno.chmodSync(fix.decision, 0o666);
  const bundle = bundleWith(fix, "bundle", ["CXPU_VISIBLE_DEVICES=void"]);
  await assertShim(fix, ["create", "--bundle", bundle, "c1"]);
  assertEquals(Deno.statSync(fix.decision).mode! & 0o777, 0o644);
  await assertFast(fix, ["state", "c1"]);
  Deno.chmodSync(`${fix.dir}/decisions`, 0o777);
  await assertShim(fix, ["create", "--bundle", bundle, "c2"]);
  assertEquals(exists(fix.decision), false);
  await assertShim(fix, ["state", "c2"]);
});

Deno.test("a symlinked decision or decision directory is not used", async () => {
  const fix = fixtures.get("symlinked")!;
  await decide(fix);
  Deno.renameSync(fix.decision, `${fix.dir}/elsewhere`);
  Deno.symlinkSync(`${fix.dir}/elsewhere`, fix.decision);
  await assertShim(fix, ["state", "c"]);
});

/** Replaces the decision with `bytes`, given the config's modification time to the nanosecond. */
async function forge(fix: Fixture, bytes: Uint8Array): Promise<void> {
  Deno.writeFileSync(fix.decision, bytes);
  const out = await run("touch", ["-r", fix.config, fix.decision]);
  assertEquals(out.code, 0, out.stderr);
}

Deno.test("a malformed, enormous or non-ASCII decision is not used", async () => {
  const enc = new TextEncoder();
  const malformed = fixtures.get("malformed")!;
  await decide(malformed);
  const good = Deno.readTextFileSync(malformed.decision);
  // Control: the forged copy of a good decision is used.
  await forge(malformed, enc.encode(good));
  await assertFast(malformed, ["state", "c"]);
  for (
    const bad of [
      good.replace(/\nend\n$/, "\n"),
      good.replace(/^runtime /m, "runtime-x "),
      good.replace(/\nend\n$/, "\nend\nmore\n"),
      good.replace(/^(env PATH=)/m, "unset XDG_CONFIG_HOME\n$1"),
      good.replace(/\n$/, ""),
      "",
      "garbage",
    ]
  ) {
    await forge(malformed, enc.encode(bad));
    await assertShim(malformed, ["state", "c"]);
    await forge(malformed, enc.encode(good));
  }

  // A PATH of 9000 bytes: the shim records no decision the front could not read whole, and the
  // front reads no more than that of one it is given.
  const enormous = fixtures.get("enormous")!;
  const long = `${enormous.env.PATH}:/${"d".repeat(9000)}`;
  const env = { ...enormous.env, PATH: long };
  await assertShim(enormous, ["state", "first"], env);
  assertEquals(exists(enormous.decision), false, "no decision the front cannot read");
  Deno.mkdirSync(`${enormous.dir}/decisions`, { recursive: true, mode: 0o700 });
  await forge(
    enormous,
    enc.encode(
      [
        decisionHeader(),
        `config ${enormous.config}`,
        `env XDG_CONFIG_HOME=${enormous.env.XDG_CONFIG_HOME}`,
        `env PATH=${long}`,
        `runtime ${enormous.runtime}`,
        "end\n",
      ].join("\n"),
    ),
  );
  await assertShim(enormous, ["state", "c"], env);

  // The same bytes in the caller's PATH and the decision, but not ASCII: not trusted to match.
  const nonAscii = fixtures.get("non-ascii")!;
  await decide(nonAscii);
  const text = Deno.readTextFileSync(nonAscii.decision);
  const at = text.indexOf("env PATH=") + "env PATH=".length;
  const bytes = enc.encode(text);
  const pathAt = enc.encode(text.slice(0, at)).length;
  await forge(
    nonAscii,
    new Uint8Array([
      ...bytes.slice(0, pathAt),
      ...enc.encode("/x"),
      0xff,
      0x3a,
      ...bytes.slice(pathAt),
    ]),
  );
  const before = build.starts();
  const out = await run("/bin/bash", [
    "-c",
    `PATH=$'/x\\xff:'"$PATH" exec "$0" state c`,
    `${build.bin}/xpu-container-runtime`,
  ], { env: nonAscii.env, clearEnv: true });
  assertEquals(build.starts() - before, 1, out.stderr);
});

Deno.test("a decision by another build of the toolkit is not used", async () => {
  const fix = fixtures.get("other-build")!;
  await decide(fix);
  const text = Deno.readTextFileSync(fix.decision);
  await forge(
    fix,
    new TextEncoder().encode(text.replace(/^(.* decision \d+ )\S+/, "$10.0.0+other")),
  );
  await assertShim(fix, ["state", "c"]);
});

Deno.test("a broken config: state and delete still reach the runtime, every time through the shim", async () => {
  const fix = fixtures.get("broken-config")!;
  await decide(fix);
  Deno.writeTextFileSync(fix.config, "this is = = not toml\n");
  for (const command of ["state", "delete"]) {
    const out = await call(fix, [command, "c"]);
    assertEquals([out.code, out.starts, out.record?.args], [0, 1, [command, "c"]]);
    assertStringIncludes(out.stderr, "using the defaults");
  }
  assertEquals(exists(fix.decision), false, "the shim removed the decision it no longer holds");
});

Deno.test("a shim that logs on every call (debug level) records no decision", async () => {
  const fix = fixtures.get("debug-level")!;
  for (let i = 0; i < 2; i++) await assertShim(fix, ["state", "c"]);
  assertEquals(exists(fix.decision), false);
  assertEquals(fix.env[DECISION_DIR_ENV], `${fix.dir}/decisions`);
});

Deno.test("a config whose time is whole seconds records no decision: the next config may have it too", async () => {
  const fix = fixtures.get("whole-seconds")!;
  await assertShim(fix, ["state", "first"]);
  // The link moved to the other config: the time the front would compare is the same.
  Deno.removeSync(fix.config);
  Deno.symlinkSync(`${fix.dir}/b.toml`, fix.config);
  await assertShim(fix, ["state", "c"], fix.env, `${fix.dir}/path/runc`);
  assertEquals(exists(fix.decision), false);
});
