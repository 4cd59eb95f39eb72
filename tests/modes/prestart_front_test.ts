import { assertEquals, assertMatch, assertTrue } from "../assert.ts";
import { bin, q, withTempDir } from "../helpers.ts";
import {
  FRONT_STATE_MAX_BYTES,
  PRESTART_FRONT,
  prestartFront,
} from "../../src/modes/prestart_front.ts";
import { hookBinaryHook, isOurHook, isPrestartFront } from "../../src/modes/our_hooks.ts";
import { MODES } from "../../src/modes/factory.ts";
import { hostProbe } from "../../src/modes/resolve.ts";
import { deviceRequest } from "../../src/modes/request.ts";
import { loadConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/schema.ts";
import { HOOK_ENV } from "../../src/internal/helper_hooks.ts";
import { Logger } from "../../src/internal/log.ts";
import type { Hook, Spec } from "../../src/oci/spec.ts";

const ID = "c1.front_test-0";
const PID = 424242;
const SPEC_ENV = [
  "CXPU_VISIBLE_DEVICES=1,0",
  "CXPU_DRIVER_CAPABILITIES=compute,utility",
  "CXPU_REQUIRE_DRIVER=driver>=5",
  "LD_PRELOAD=/evil.so",
];

/** A program recording its argv (`$0` first), its environment and its stdin under `out`. */
function recorder(path: string, out: string): string {
  Deno.writeTextFileSync(
    path,
    `#!/bin/bash\n/bin/cat >${out}.stdin\nprintf '%s\\0' "$0" "$@" >${out}.argv\n` +
      `/bin/cat /proc/$$/environ >${out}.env\n`,
  );
  Deno.chmodSync(path, 0o755);
  return path;
}

/** What a recorder saw: argv, environment (sorted), stdin bytes; undefined if it did not run. */
function recorded(out: string) {
  try {
    const words = (f: string) => Deno.readTextFileSync(f).split("\0").slice(0, -1);
    return {
      argv: words(`${out}.argv`),
      env: words(`${out}.env`).sort(),
      stdin: Deno.readFileSync(`${out}.stdin`),
    };
  } catch {
    return undefined;
  }
}

interface Setup {
  readonly dir: string;
  readonly bundle: string;
  readonly rootfs: string;
  readonly configPath: string;
  readonly config: Config;
  readonly spec: Spec;
  readonly cli: string;
}

/** A bundle, a config naming a recording cli, and the recording hook binary under `dir`. */
async function setup(
  dir: string,
  runtime = 'mode = "legacy"',
  cliPath?: string,
): Promise<Setup> {
  const bundle = `${dir}/bundle`;
  Deno.mkdirSync(`${bundle}/rootfs`, { recursive: true });
  Deno.mkdirSync(`${dir}/bin`);
  const spec: Spec = { root: { path: "rootfs" }, process: { env: SPEC_ENV } };
  Deno.writeTextFileSync(`${bundle}/config.json`, JSON.stringify(spec));
  const cli = recorder(`${dir}/bin/xpu-container-cli`, `${dir}/cli`);
  recorder(`${dir}/bin/xpu-container-runtime-hook`, `${dir}/hook`);
  const configPath = `${dir}/config.toml`;
  Deno.writeTextFileSync(
    configPath,
    `[xpu-container-cli]\npath = ${q(cliPath ?? cli)}\nenvironment = ["XPU_A=1", ` +
      `"LD_LIBRARY_PATH=/x", "PATH=/cli/bin"]\n[xpu-container-runtime]\n${runtime}\n`,
  );
  const { config } = await loadConfig({ path: configPath });
  return { dir, bundle, rootfs: `${bundle}/rootfs`, configPath, config, spec, cli };
}

/** The prestart front the legacy step builds for `s`, around the hook binary `hookPath`. */
function frontOf(
  s: Setup,
  hookPath = `${s.dir}/bin/xpu-container-runtime-hook`,
  containerId = ID,
): Hook | string {
  const hook = hookBinaryHook({ hookPath, configPath: s.configPath }, "prestart");
  return prestartFront({
    config: s.config,
    spec: s.spec,
    added: {},
    request: deviceRequest(s.spec, s.config),
    allocated: false,
    mode: MODES.legacy,
    host: hostProbe(s.config, undefined),
    caller: {
      bundle: s.bundle,
      specPath: `${s.bundle}/config.json`,
      containerId,
      hookConfigPath: s.configPath,
      path: "/somewhere/else",
      argv0: "xpu-container-runtime",
      log: new Logger(),
      runtimeRoot: "/run/runc",
    },
  }, hook);
}

/** Runs `hook` as runc does: its path, its args after argv[0], only its env, `state` on stdin. */
async function runHook(hook: Hook, state: Uint8Array): Promise<{ code: number; stderr: string }> {
  const env: Record<string, string> = {};
  for (const e of hook.env ?? []) env[e.slice(0, e.indexOf("="))] = e.slice(e.indexOf("=") + 1);
  const child = new Deno.Command(hook.path, {
    args: (hook.args ?? []).slice(1),
    env,
    clearEnv: true,
    cwd: "/",
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(state).catch(() => {});
  await w.close().catch(() => {});
  const out = await child.output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

const bytes = (s: string) => new TextEncoder().encode(s);

function runcState(bundle: string, rest = "", status = "creating", pid = `${PID}`): string {
  return `{"ociVersion":"1.0.2-dev","id":"${ID}","status":"${status}","pid":${pid},` +
    `"bundle":"${bundle}"${rest}}`;
}

/** The cli call the hook makes for the container of `s` with `pid`, written out. */
function expectedCli(s: Setup, pid: number) {
  return {
    argv: [
      s.cli,
      "--load-kmods",
      "configure",
      "--ldconfig=@/sbin/ldconfig",
      "--device=1,0",
      "--require=driver>=5",
      "--compute",
      "--utility",
      `--pid=${pid}`,
      s.rootfs,
    ],
    // The hook's PATH replaced by the config's, LD_* dropped.
    env: ["PATH=/cli/bin", "XPU_A=1"],
  };
}

function asFront(hook: Hook | string): Hook {
  if (typeof hook === "string") throw new Error(`No front: ${hook}`);
  return hook;
}

/** Removes what the recorders wrote. */
function clear(dir: string): void {
  for (const who of ["cli", "hook"]) {
    for (const what of ["argv", "env", "stdin"]) {
      try {
        Deno.removeSync(`${dir}/${who}.${what}`, { recursive: true });
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
    }
  }
}

Deno.test("prestartFront() passes the hook binary's call, then the cli's without its pid", async () => {
  await withTempDir(async (dir) => {
    const s = await setup(dir);
    const front = asFront(frontOf(s));
    const hook = [...HOOK_ENV, `${dir}/bin/xpu-container-runtime-hook`, "-config", s.configPath];
    const cli = expectedCli(s, PID);
    assertEquals(front, {
      path: "/bin/bash",
      args: [
        "xpu-container-runtime-hook",
        "-c",
        PRESTART_FRONT,
        "xpu-container-runtime-hook",
        ID,
        "--pid=",
        String(hook.length + 1),
        ...hook,
        "prestart",
        String(cli.env.length + cli.argv.length - 2),
        ...cli.env,
        ...cli.argv.slice(0, -2),
        s.rootfs,
      ],
      env: [...HOOK_ENV],
    });
    assertTrue(isPrestartFront(front) && isOurHook(front, "prestart"));
    assertTrue(!isPrestartFront(hookBinaryHook({ hookPath: cli.argv[0]! }, "prestart")));
  });
});

Deno.test("prestartFront() leaves the hook binary where it cannot carry the call", async () => {
  await withTempDir(async (dir) => {
    const hook = (path: string) => ({ hookPath: path });
    const cases: [RegExp, { runtime?: string; cli?: string; hookPath?: string; id?: string }][] = [
      [/not an absolute path named as the hook/, hook("/usr/local/bin/record-hook")],
      [/not an absolute path named as the hook/, hook("xpu-container-runtime-hook")],
      [/container id/, { id: "a+b" }],
      [/log file/, { runtime: 'mode = "legacy"\ndebug = "/var/log/x.log"' }],
      [/another mode/, { runtime: 'mode = "csv"' }],
      [/not an executable file/, { cli: "/nonexistent/xpu-container-cli" }],
      [/not an absolute path without "="/, { cli: "c=d/xpu-container-cli" }],
    ];
    for (const [i, [why, c]] of cases.entries()) {
      Deno.mkdirSync(`${dir}/${i}/c=d`, { recursive: true });
      recorder(`${dir}/${i}/c=d/xpu-container-cli`, `${dir}/${i}/cli`);
      const cli = c.cli?.startsWith("/") ? c.cli : c.cli && `${dir}/${i}/${c.cli}`;
      const s = await setup(`${dir}/${i}`, c.runtime, cli);
      assertMatch(String(frontOf(s, c.hookPath, c.id)), why);
    }
  });
});

Deno.test("the front execs the cli with the state's pid, the hook's argv and env, no hook", async () => {
  await withTempDir(async (dir) => {
    const s = await setup(dir);
    const front = asFront(frontOf(s));
    const states: [string, number][] = [
      [runcState(s.bundle), PID],
      [runcState(s.bundle, "", "created"), PID],
      [
        runcState(
          s.bundle,
          ',"annotations":{"a":"x\\"pid\\":5,","b\\u00e9":"\\\\"}',
          "creating",
          "7",
        ),
        7,
      ],
      [runcState(s.bundle, ',"annotations":{}', "creating", "999999999"), 999999999],
      [runcState("/another/bundle"), PID],
    ];
    for (const [state, pid] of states) {
      clear(dir);
      const out = await runHook(front, bytes(state));
      assertEquals(out.code, 0, out.stderr);
      const cli = recorded(`${dir}/cli`);
      assertEquals(cli?.argv, expectedCli(s, pid).argv, state);
      assertEquals(cli?.env, expectedCli(s, pid).env, state);
      assertEquals(recorded(`${dir}/hook`), undefined, state);
    }
  });
});

/** States the front must hand to the hook binary, each with what is wrong with it. */
function hostileStates(bundle: string): [string, Uint8Array][] {
  const runc = runcState(bundle);
  const huge = runcState(bundle, `,"annotations":{"a":"${"x".repeat(FRONT_STATE_MAX_BYTES)}"}`);
  const withByte = (at: number, byte: number) => {
    const b = bytes(runc);
    return new Uint8Array([...b.slice(0, at), byte, ...b.slice(at)]);
  };
  const bundleAt = runc.indexOf(bundle) + 1;
  return [
    ["empty", new Uint8Array()],
    [
      "crun's layout",
      bytes(
        `{"ociVersion":"1.0.0","id":"${ID}","pid":${PID},"status":"creating","bundle":"${bundle}"}`,
      ),
    ],
    ["pid 0", bytes(runcState(bundle, "", "creating", "0"))],
    ["pid with a leading zero", bytes(runcState(bundle, "", "creating", "01"))],
    ["pid of 10 digits", bytes(runcState(bundle, "", "creating", "1234567890"))],
    ["negative pid", bytes(runcState(bundle, "", "creating", "-5"))],
    [
      "pid only in an annotation",
      bytes(
        `{"ociVersion":"1.0.2-dev","id":"${ID}","status":"creating","bundle":"${bundle}","annotations":{"x":"\"pid\":5,"}}`,
      ),
    ],
    ["another container", bytes(runc.replace(ID, "c2"))],
    ["status running", bytes(runcState(bundle, "", "running"))],
    ["a second JSON document", bytes(`${runc}{"pid":7}`)],
    ["a trailing newline", bytes(`${runc}\n`)],
    ["a leading space", bytes(` ${runc}`)],
    ["a space after a colon", bytes(runc.replace('"pid":', '"pid": '))],
    ["huge", bytes(huge)],
    ["huge, a NUL after the limit", new Uint8Array([...bytes(huge), 0, 0x7b])],
    ["invalid UTF-8 in the bundle", withByte(bundleAt, 0xff)],
    ["a NUL byte", withByte(bundleAt, 0)],
    ["a NUL byte first", withByte(0, 0)],
    ["every byte", new Uint8Array([...bytes(runc), ...Array.from({ length: 256 }, (_, i) => i)])],
    ["control bytes", withByte(bundleAt, 1)],
    ["a raw newline in a string", withByte(bundleAt, 10)],
    ["no bundle", bytes(runc.replace(/,"bundle":"[^"]*"/, ""))],
    ["a relative bundle", bytes(runcState("rel/bundle"))],
    ["not JSON", bytes("$(touch /tmp/owned) `id` ${PATH}")],
  ];
}

Deno.test("the front hands any other state to the hook binary, byte for byte, with its env", async () => {
  await withTempDir(async (dir) => {
    const s = await setup(dir);
    const front = asFront(frontOf(s));
    for (const [why, state] of hostileStates(s.bundle)) {
      clear(dir);
      const out = await runHook(front, state);
      assertEquals(out.code, 0, `${why}: ${out.stderr}`);
      assertEquals(recorded(`${dir}/cli`), undefined, why);
      assertEquals(recorded(`${dir}/hook`), {
        argv: [`${dir}/bin/xpu-container-runtime-hook`, "-config", s.configPath, "prestart"],
        env: [...HOOK_ENV],
        stdin: state,
      }, why);
    }
  });
});

Deno.test("front and hook binary make the same cli call; the front's fallback reaches the hook", async () => {
  await withTempDir(async (dir) => {
    const s = await setup(dir);
    const hookPath = bin("xpu-container-runtime-hook");
    const front = asFront(frontOf(s, hookPath));
    const hook = hookBinaryHook({ hookPath, configPath: s.configPath }, "prestart");
    const runc = bytes(runcState(s.bundle));
    const crun = bytes(
      `{"ociVersion":"1.0.0","id":"${ID}","pid":${PID},"status":"creating","bundle":"${s.bundle}"}`,
    );
    const calls = [];
    for (const [h, state] of [[hook, runc], [front, runc], [front, crun]] as const) {
      clear(dir);
      const out = await runHook(h, state);
      assertEquals(out.code, 0, out.stderr);
      const cli = recorded(`${dir}/cli`)!;
      calls.push({ argv: cli.argv, env: cli.env });
    }
    assertEquals(calls[0], expectedCli(s, PID));
    assertEquals(calls[1], calls[0]);
    assertEquals(calls[2], calls[0]);
  });
});
