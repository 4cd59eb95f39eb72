import { assertEquals, assertMatch, assertNotMatch, assertTrue } from "../assert.ts";
import { bin, q, run, runBin, withTempDir } from "../helpers.ts";
import { makeRootfs, runcUnavailable } from "./bundle.ts";
import { csvConfigFile, XPU_MAJOR } from "./driver.ts";
import { leftBehind, snapshot } from "./run_leftovers.ts";
import { spawnUntilReady } from "./run_ready.ts";

const ignore = runcUnavailable();

function leftovers(): string[] {
  return [...Deno.readDirSync(Deno.env.get("TMPDIR") ?? "/tmp")].map((e) => e.name).filter((n) =>
    n.startsWith("xpu-ctk-run-")
  );
}

Deno.test({
  name:
    "xpu-ctk run: a rootfs with the requested XPU, the container's exit code, nothing left behind",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const config = csvConfigFile(dir);
      const rootfs = makeRootfs(dir);
      Deno.mkdirSync(`${dir}/share`);
      Deno.writeTextFileSync(`${dir}/share/note`, "from the host\n");
      const before = leftovers();
      const out = await runBin("xpu-ctk", [
        "--config",
        config,
        "run",
        "--rootfs",
        rootfs,
        "--xpus",
        "1",
        "--env",
        "GREETING=hi",
        "--env",
        "XPU_VISIBLE_DEVICES=0",
        "--mount",
        `${dir}/share:/share:ro`,
        "--name",
        "xpu-run-test",
        "--",
        "sh",
        "-c",
        "ls -l /dev/xpu*; echo $GREETING; echo $CXPU_VISIBLE_DEVICES/$XPU_VISIBLE_DEVICES; cat /share/note; touch /share/x 2>&1; touch /root-write 2>&1; exit 7",
      ]);
      assertEquals(out.code, 7, out.stderr);
      assertMatch(out.stdout, new RegExp(`${XPU_MAJOR},\\s+1 .* /dev/xpu1\\n`));
      assertNotMatch(out.stdout, /xpu0/);
      // XPU_VISIBLE_DEVICES is the XPU runtime's, inside: it reaches the container untouched.
      assertMatch(out.stdout, /\nhi\n1\/0\nfrom the host\n/);
      assertMatch(out.stdout, /touch: \/share\/x: Read-only file system/);
      assertMatch(out.stdout, /touch: \/root-write: Read-only file system/);
      assertEquals(leftovers(), before);
      assertEquals((await run("runc", ["--root", `${dir}/none`, "list", "-q"])).stdout, "");
    });
  },
});

Deno.test({
  name: "xpu-ctk run --bundle runs an existing bundle through the shim",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const config = csvConfigFile(dir);
      makeRootfs(`${dir}/b`);
      const spec = JSON.parse(
        Deno.readTextFileSync(new URL("../../testdata/bundles/runc-spec.json", import.meta.url)),
      );
      spec.process.terminal = false;
      spec.process.args = ["sh", "-c", "ls /dev/xpu*"];
      spec.process.env.push("CXPU_VISIBLE_DEVICES=0");
      Deno.writeTextFileSync(`${dir}/b/config.json`, JSON.stringify(spec));
      const out = await runBin("xpu-ctk", ["--config", config, "run", "--bundle", `${dir}/b`]);
      assertEquals(out.code, 0, out.stderr);
      assertEquals(out.stdout, "/dev/xpu0\n/dev/xpuctrl\n");
    });
  },
});

for (
  const [args, message] of [
    [["run"], /Give exactly one of --rootfs and --bundle/],
    [["run", "--rootfs", "/r", "--bundle", "/b"], /Give exactly one of --rootfs and --bundle/],
    [["run", "--bundle", "/b", "--xpus", "0"], /--xpus applies to --rootfs/],
    [["run", "--rootfs", "/r", "--network", "bridge"], /--network must be host or none/],
    [["run", "--rootfs", "/r", "--env", "NOEQUALS"], /Invalid --env "NOEQUALS"/],
    [["run", "--rootfs", "/r", "--mount", "relative:/x"], /Invalid --mount "relative:\/x"/],
    [["run", "--rootfs", "/r", "--stop-timeout", "1.5"], /--stop-timeout must be a number/],
    [
      ["run", "--rootfs", "/r", "--xpus", "none,0"],
      /Invalid --xpus "none,0": "none" cannot be combined with other devices/,
    ],
    [
      ["run", "--rootfs", "/r", "--xpus", "99999999999999999999"],
      /Invalid --xpus "99999999999999999999": index "99999999999999999999" is out of range/,
    ],
    [
      ["run", "--rootfs", "/r", "--memory-limit", "99999999999t"],
      /Invalid --memory-limit "99999999999t": must fit in 64 bits: at most 9223372036854775807 bytes/,
    ],
    [
      ["run", "--rootfs", "/r", "--xpus", "0", "--env", "CXPU_VISIBLE_DEVICES=1"],
      /--xpus and --env CXPU_VISIBLE_DEVICES= both set CXPU_VISIBLE_DEVICES: give one/,
    ],
  ] as const
) {
  Deno.test(`xpu-ctk ${args.join(" ")} is a usage error`, async () => {
    const out = await runBin("xpu-ctk", [...args]);
    assertEquals(out.code, 2);
    assertMatch(out.stderr, message);
  });
}

/** A running `xpu-ctk run` whose container has printed "ready". */
interface Started {
  readonly child: Deno.ChildProcess;
  /** runc's state root for the container, inside the run's temp dir. */
  readonly state: string;
  /** Waits for the exit; the exit code and everything printed. */
  finish(): Promise<{ code: number; stdout: string; stderr: string }>;
}

/**
 * Starts `xpu-ctk run --rootfs ROOTFS ARGS… -- sh -c SCRIPT` with its own TMPDIR (DIR/tmp), and
 * returns once the container has printed "ready".
 */
async function startRun(
  dir: string,
  config: string,
  rootfs: string,
  args: string[],
  script: string,
): Promise<Started> {
  Deno.mkdirSync(`${dir}/tmp`);
  const started = await spawnUntilReady(
    ["--config", config, "run", "--rootfs", rootfs, ...args, "--", "sh", "-c", script],
    `${dir}/tmp`,
  );
  if (!started.stdout.includes("ready\n")) {
    const out = await started.finish();
    throw new Error(`no "ready" from the container: ${out.stdout}${out.stderr}`);
  }
  const [work] = [...Deno.readDirSync(`${dir}/tmp`)].map((e) => `${dir}/tmp/${e.name}`);
  return { child: started.child, state: `${work}/state`, finish: started.finish };
}

/** The container ids runc's state root `state` holds. */
async function runcList(state: string): Promise<string> {
  return (await run("runc", ["--root", state, "list", "-q"])).stdout;
}

/** Asserts that a run in `dir` left no temp dir, mount, runc state or process behind. */
async function assertNothingLeft(dir: string, state: string, sleepArg: string): Promise<void> {
  assertEquals([...Deno.readDirSync(`${dir}/tmp`)].map((e) => e.name), []);
  assertEquals(await runcList(state), "");
  assertEquals(await leftBehind(dir, sleepArg), []);
}

Deno.test({
  name: "xpu-ctk run passes SIGTERM to the container, which stops; nothing is left behind",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const config = csvConfigFile(dir);
      const rootfs = makeRootfs(dir);
      const run = await startRun(
        dir,
        config,
        rootfs,
        ["--name", "xpu-run-term"],
        'trap "echo got TERM; exit 3" TERM; echo ready; sleep 3011 & wait',
      );
      assertEquals(await runcList(run.state), "xpu-run-term\n");
      run.child.kill("SIGTERM");
      const out = await run.finish();
      // The trap's code: the container stopped by itself (a kill would give 137).
      assertEquals(out.code, 3, out.stderr);
      assertEquals(out.stdout, "ready\ngot TERM\n");
      assertEquals(out.stderr, "");
      await assertNothingLeft(dir, run.state, "3011");
    });
  },
});

Deno.test({
  name: "xpu-ctk run kills a container that ignores SIGINT at the second SIGINT",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const config = csvConfigFile(dir);
      const rootfs = makeRootfs(dir);
      // sh -c catches SIGINT: ignored before the exec, sleep (PID 1) keeps ignoring it.
      const run = await startRun(
        dir,
        config,
        rootfs,
        [],
        'trap "" INT; echo ready; exec sleep 3012',
      );
      run.child.kill("SIGINT");
      await new Promise((r) => setTimeout(r, 300));
      run.child.kill("SIGINT");
      const out = await run.finish();
      assertEquals(out.code, 137, out.stderr);
      assertEquals(out.stderr, "xpu-ctk run: killing the container: SIGINT again\n");
      await assertNothingLeft(dir, run.state, "3012");
    });
  },
});

Deno.test({
  name: "xpu-ctk run kills a container still running --stop-timeout seconds after SIGHUP",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const config = csvConfigFile(dir);
      const rootfs = makeRootfs(dir);
      const run = await startRun(
        dir,
        config,
        rootfs,
        ["--stop-timeout", "1"],
        'trap "echo got HUP" HUP; echo ready; while :; do sleep 3013 & wait; done',
      );
      const start = Date.now();
      run.child.kill("SIGHUP");
      const out = await run.finish();
      assertEquals(out.code, 137, out.stderr);
      assertEquals(out.stdout, "ready\ngot HUP\n");
      assertEquals(
        out.stderr,
        "xpu-ctk run: killing the container: still running 1 s after SIGHUP\n",
      );
      assertTrue(Date.now() - start >= 1000, "killed before the stop timeout");
      await assertNothingLeft(dir, run.state, "3013");
    });
  },
});

Deno.test({
  name: "xpu-ctk run: a container runc cannot start leaves nothing behind",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const config = csvConfigFile(dir);
      const rootfs = makeRootfs(dir);
      Deno.mkdirSync(`${dir}/tmp`);
      const before = await snapshot(rootfs);
      const out = await runBin(
        "xpu-ctk",
        ["--config", config, "run", "--rootfs", rootfs, "--name", "xpu-run-fail", "--", "/no/such"],
        { env: { TMPDIR: `${dir}/tmp` } },
      );
      assertEquals(out.code, 1, out.stderr);
      assertMatch(out.stderr, /no such file or directory/);
      assertEquals(await snapshot(rootfs), before);
      assertEquals([...Deno.readDirSync(`${dir}/tmp`)].map((e) => e.name), []);
      assertEquals(await leftBehind(dir), []);
    });
  },
});

Deno.test({
  name: "xpu-ctk run in csv mode without --rw leaves the root filesystem byte for byte as it was",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const config = csvConfigFile(dir);
      const rootfs = makeRootfs(dir);
      Deno.writeTextFileSync(`${rootfs}/etc/ld.so.conf`, "include /etc/ld.so.conf.d/*.conf\n");
      Deno.symlinkSync("/etc/ld.so.conf", `${rootfs}/etc/conf-link`);
      Deno.mkdirSync(`${dir}/tmp`);
      const before = await snapshot(rootfs);
      const out = await runBin("xpu-ctk", [
        "--config",
        config,
        "run",
        "--rootfs",
        rootfs,
        "--xpus",
        "0",
        "--",
        "sh",
        "-c",
        "cat /etc/ld.so.conf.d/*; ls /etc/ld.so.cache; ls /usr/local/xpu/lib64; touch /x 2>&1; true",
      ], { env: { TMPDIR: `${dir}/tmp` } });
      assertEquals(out.code, 0, out.stderr);
      // The hooks did their work, in the overlay.
      assertEquals(
        out.stdout,
        "# Written by xpu-ctk hook update-ldcache\n/usr/local/xpu/lib64\n/etc/ld.so.cache\n" +
          "libxpuml.so.1\nlibxpuml.so.1.2.3\ntouch: /x: Read-only file system\n",
      );
      assertEquals(await snapshot(rootfs), before);
      assertEquals([...Deno.readDirSync(`${dir}/tmp`)].map((e) => e.name), []);
      assertEquals(await leftBehind(dir), []);
    });
  },
});

Deno.test({
  name: "xpu-ctk run without --rw refuses a root filesystem overlayfs cannot cover",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const config = csvConfigFile(dir);
      Deno.mkdirSync(`${dir}/tmp`);
      const out = await runBin(
        "xpu-ctk",
        ["--config", config, "run", "--rootfs", "/proc", "--", "true"],
        { env: { TMPDIR: `${dir}/tmp` } },
      );
      assertEquals(out.code, 1, out.stderr);
      assertEquals(
        out.stderr,
        'xpu-ctk: Cannot mount an overlay over "/proc": Invalid argument; without --rw the root ' +
          "filesystem is kept unchanged under an overlay: give --rw to run it as it is, written to\n",
      );
      assertEquals([...Deno.readDirSync(`${dir}/tmp`)].map((e) => e.name), []);
      assertEquals(await leftBehind(dir), []);
    });
  },
});

/** Whether script(1) is here to give a command a terminal. */
function haveScript(): boolean {
  try {
    return new Deno.Command("script", { args: ["--version"], stdout: "null" }).outputSync().success;
  } catch {
    console.warn("SKIPPED: the terminal test needs script(1) (util-linux)");
    return false;
  }
}

Deno.test({
  name: "xpu-ctk run on a terminal: runc in a session of its own still gives the container a tty",
  ignore: ignore || !haveScript(),
  fn: async () => {
    await withTempDir(async (dir) => {
      const config = csvConfigFile(dir);
      const rootfs = makeRootfs(dir);
      const command = [bin("xpu-ctk"), "--config", config, "run", "--rootfs", rootfs, "--"]
        .map((a) => `'${a}'`).join(" ");
      // script(1) runs the command on a new terminal, fed what it reads from its stdin.
      const out = await run("script", [
        "-qec",
        `${command} sh -c 'tty; read x; echo got $x; exit 5'`,
        "/dev/null",
      ], { stdin: "typed\n" });
      assertEquals(out.code, 5, out.stdout + out.stderr);
      // The terminals echo the input, each when it comes: only these lines have a place.
      assertMatch(out.stdout, /^\/dev\/pts\/0\r$/m);
      assertMatch(out.stdout, /got typed\r\n$/);
    });
  },
});

Deno.test({
  name:
    "xpu-ctk run holds a SIGTERM that comes while runc creates the container, then passes it on",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      // Legacy mode with a cli that takes its time: the prestart hook runs while runc creates.
      Deno.writeTextFileSync(
        `${dir}/slow-cli`,
        `#!/bin/sh\ntouch ${q(`${dir}/cli-started`)}\nsleep 1\n`,
        { mode: 0o755 },
      );
      Deno.writeTextFileSync(
        `${dir}/config.toml`,
        `[xpu-container-cli]\npath = ${q(`${dir}/slow-cli`)}\n` +
          `[xpu-container-runtime]\nruntimes = ["runc"]\nmode = "legacy"\n` +
          `[xpu-container-runtime-hook]\npath = ${q(bin("xpu-container-runtime-hook"))}\n`,
      );
      const rootfs = makeRootfs(dir);
      Deno.mkdirSync(`${dir}/tmp`);
      const child = new Deno.Command(bin("xpu-ctk"), {
        args: [
          "--config",
          `${dir}/config.toml`,
          "run",
          "--rootfs",
          rootfs,
          "--stop-timeout",
          "2",
          "--",
          "sh",
          "-c",
          'trap "echo got TERM; exit 4" TERM; echo ready; sleep 3016 & wait',
        ],
        env: { TMPDIR: `${dir}/tmp` },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(60_000),
      }).spawn();
      const output = child.output();
      for (let waited = 0; !exists(`${dir}/cli-started`); waited += 20) {
        if (waited > 20_000) throw new Error(`the cli never ran: ${await output}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      child.kill("SIGTERM");
      const out = await output;
      const stdout = new TextDecoder().decode(out.stdout);
      // The container ran, and stopped: by its trap, or killed if the signal came before it.
      assertMatch(stdout, /^ready\n/);
      assertTrue(
        out.code === 4 && stdout === "ready\ngot TERM\n" || out.code === 137,
        `exit ${out.code}: ${stdout}${new TextDecoder().decode(out.stderr)}`,
      );
      assertEquals([...Deno.readDirSync(`${dir}/tmp`)].map((e) => e.name), []);
      assertEquals(await leftBehind(dir, "3016"), []);
    });
  },
});

/** Whether `path` exists. */
function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
