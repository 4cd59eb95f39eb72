import { assertEquals, assertMatch, assertStringIncludes, assertTrue } from "../assert.ts";
import { bin, configEnv, q, rootOnly, run, runBin, TESTDATA, withTempDir } from "../helpers.ts";
import { deviceNumbers, makeDriverRoot, XPU_MAJOR } from "../e2e/driver.ts";
import { checksums } from "../checksums.ts";

const FAKE_CLI = `${TESTDATA}/bin/fake-xpu-container-cli`;
const HOOK = "xpu-container-runtime-hook";
const ignore = rootOnly("hook tests mknod fake device nodes");

interface Setup {
  dir: string;
  bundle: string;
  rootfs: string;
  driver: string;
  env: Record<string, string>;
  log: string;
}

/** A bundle (root.path relative), a driver root, and a config pointing the hook at the fake cli. */
function setup(
  dir: string,
  containerEnv: string[],
  opts: { cli?: string; toml?: string; rootPath?: string } = {},
): Setup {
  const bundle = `${dir}/bundle`;
  const rootfs = `${bundle}/rootfs`;
  Deno.mkdirSync(`${rootfs}/dev`, { recursive: true });
  const spec: Record<string, unknown> = { ociVersion: "1.0.2", process: { env: containerEnv } };
  if (opts.rootPath !== "") spec.root = { path: opts.rootPath ?? "rootfs" };
  Deno.writeTextFileSync(`${bundle}/config.json`, JSON.stringify(spec));
  const driver = makeDriverRoot(`${dir}/driver`);
  const log = `${dir}/cli.log`;
  const cliPath = opts.cli === undefined ? `path = ${q(FAKE_CLI)}\n` : opts.cli;
  const env = configEnv(
    `${dir}/xdg`,
    `[xpu-container-cli]\n${cliPath}root = ${q(driver)}\nenvironment = [${
      q(`FAKE_CLI_LOG=${log}`)
    }]\n${opts.toml ?? ""}`,
  );
  return { dir, bundle, rootfs, driver, env, log };
}

function state(s: Setup, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    ociVersion: "1.0.2",
    id: "ctr-0123456789abcdef",
    status: "creating",
    pid: Deno.pid,
    bundle: s.bundle,
    annotations: {},
    ...extra,
  });
}

interface CliCall {
  argv: string;
  env: Record<string, string>;
}

function cliCalls(s: Setup): CliCall[] {
  let text = "";
  try {
    text = Deno.readTextFileSync(s.log);
  } catch {
    return [];
  }
  return text.split("end\n").filter((b) => b.trim()).map((block) => {
    const call: CliCall = { argv: "", env: {} };
    for (const line of block.split("\n")) {
      if (line.startsWith("argv=")) call.argv = line.slice(5);
      else if (line.startsWith("env:")) {
        const eq = line.indexOf("=");
        call.env[line.slice(4, eq)] = line.slice(eq + 1);
      }
    }
    return call;
  });
}

function test(name: string, fn: () => Promise<void>) {
  Deno.test({ name, ignore, fn });
}

test("prestart runs xpu-container-cli configure, which creates the requested nodes", async () => {
  await withTempDir(async (dir) => {
    const s = setup(dir, ["CXPU_VISIBLE_DEVICES=1"]);
    const out = await runBin(HOOK, ["prestart"], { env: s.env, stdin: state(s), cwd: "/" });
    assertEquals(out, { code: 0, stdout: "", stderr: "" });
    assertEquals(cliCalls(s).map((c) => c.argv), [
      `--root=${s.driver} --load-kmods configure --ldconfig=@/sbin/ldconfig --device=1 --utility --compute --pid=${Deno.pid} ${s.rootfs}`,
    ]);
    assertEquals(deviceNumbers(`${s.rootfs}/dev/xpu1`), [XPU_MAJOR, 1]);
    assertEquals(Deno.statSync(`${s.rootfs}/dev/xpu1`).isCharDevice, true);
    assertEquals(Deno.readTextFileSync(`${s.rootfs}/xpu-configured`), "configured devices=1\n");
  });
});

test("prestart resolves the rootfs against the bundle and reads the older bundlePath", async () => {
  await withTempDir(async (dir) => {
    const s = setup(dir, ["CXPU_VISIBLE_DEVICES=0"]);
    const older = JSON.stringify({ id: "c", pid: Deno.pid, bundlePath: s.bundle });
    const out = await runBin(HOOK, ["prestart"], { env: s.env, stdin: older, cwd: dir });
    assertEquals(out.code, 0, out.stderr);
    assertMatch(cliCalls(s)[0]!.argv, new RegExp(` --pid=${Deno.pid} ${s.rootfs}$`));
  });
});

test("prestart reads the state from a socket on stdin as from a pipe", async () => {
  await withTempDir(async (dir) => {
    const s = setup(dir, ["CXPU_VISIBLE_DEVICES=1"]);
    // /dev/stdin cannot be opened on a socket, so this takes the read-by-read path.
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const served = (async () => {
      const conn = await listener.accept();
      await conn.write(new TextEncoder().encode(state(s)));
      conn.close();
    })();
    const { port } = listener.addr as Deno.NetAddr;
    const out = await run("bash", [
      "-c",
      `exec ${bin(HOOK)} prestart </dev/tcp/127.0.0.1/${port}`,
    ], { env: s.env });
    await served;
    listener.close();
    assertEquals(out, { code: 0, stdout: "", stderr: "" });
    assertEquals(cliCalls(s).length, 1);
    assertMatch(cliCalls(s)[0]!.argv, / configure .*--device=1 /);
  });
});

test("prestart of a container that asks for no XPU exits 0 without calling the cli", async () => {
  await withTempDir(async (dir) => {
    for (
      const env of [[], ["CXPU_VISIBLE_DEVICES=void"], ["CXPU_VISIBLE_DEVICES="], [
        "CXPU_VISIBLE_DEVICES=void",
        "XPU_VISIBLE_DEVICES=0",
      ], ["XPU_VISIBLE_DEVICES=0,1"]]
    ) {
      const s = setup(`${dir}/${env.length}${env[0]?.length ?? 0}`, env);
      const out = await runBin(HOOK, ["prestart"], { env: s.env, stdin: state(s) });
      assertEquals(out, { code: 0, stdout: "", stderr: "" });
      assertEquals(cliCalls(s), []);
    }
  });
});

test("the cli gets the hook's environment plus config entries, without any LD_* variable", async () => {
  await withTempDir(async (dir) => {
    const s = setup(dir, ["CXPU_VISIBLE_DEVICES=0", "LD_PRELOAD=/tmp/evil.so"]);
    Deno.writeTextFileSync(
      `${dir}/xdg/xpu-container-runtime/config.toml`,
      `[xpu-container-cli]\npath = ${q(FAKE_CLI)}\nroot = ${q(s.driver)}\n` +
        `environment = [${
          q(`FAKE_CLI_LOG=${s.log}`)
        }, "LD_AUDIT=/tmp/audit.so", "XPU_EXTRA=from-config", "PATH=/opt/xpu/bin:/usr/bin:/bin"]\n`,
    );
    const out = await runBin(HOOK, ["prestart"], {
      env: {
        ...s.env,
        LD_PRELOAD: "/tmp/evil.so",
        LD_LIBRARY_PATH: "/tmp/evil",
        XPU_HOOK_ENV: "kept",
      },
      stdin: state(s),
    });
    assertEquals(out.code, 0, out.stderr);
    const [call] = cliCalls(s);
    assertEquals(call!.env, {
      PATH: "/opt/xpu/bin:/usr/bin:/bin",
      XPU_EXTRA: "from-config",
      XPU_HOOK_ENV: "kept",
    });
  });
});

test("the cli is found under the driver root before the host's PATH", async () => {
  await withTempDir(async (dir) => {
    const s = setup(dir, ["CXPU_VISIBLE_DEVICES=0"], { cli: "" });
    Deno.mkdirSync(`${s.driver}/usr/bin`, { recursive: true });
    Deno.copyFileSync(FAKE_CLI, `${s.driver}/usr/bin/xpu-container-cli`);
    Deno.chmodSync(`${s.driver}/usr/bin/xpu-container-cli`, 0o755);
    const out = await runBin(HOOK, ["prestart"], {
      env: { ...s.env, PATH: "/usr/bin:/bin" },
      stdin: state(s),
    });
    assertEquals(out.code, 0, out.stderr);
    assertEquals(cliCalls(s).length, 1);
  });
});

test("createRuntime and poststop manage the memory instance; poststart does nothing", async () => {
  await withTempDir(async (dir) => {
    const s = setup(dir, ["CXPU_VISIBLE_DEVICES=1", "CXPU_CONTAINER_MEMORY_LIMIT=2g"]);
    const id = "ctr-0123456789abcdef";
    for (const args of [["createRuntime", id], ["poststart"], ["poststop", id]]) {
      const out = await runBin(HOOK, args, { env: s.env, stdin: state(s) });
      assertEquals(out, { code: 0, stdout: "", stderr: "" }, args[0]);
    }
    assertEquals(cliCalls(s).map((c) => c.argv), [
      `--root=${s.driver} --load-kmods cxpu --create --instance=ctr-01234567 --device=1 --mmem=2147483648`,
      `--root=${s.driver} --load-kmods cxpu --destroy --instance=ctr-01234567 --device=1`,
    ]);
  });
});

test("XPU_VISIBLE_DEVICES alone is a request only where the config accepts it", async () => {
  await withTempDir(async (dir) => {
    const s = setup(dir, ["XPU_VISIBLE_DEVICES=0,1"], {
      toml: '[xpu-container-runtime]\nmode = "legacy"\n',
    });
    assertEquals(await runBin(HOOK, ["prestart"], { env: s.env, stdin: state(s) }), {
      code: 0,
      stdout: "",
      stderr: "",
    });
    assertEquals(cliCalls(s), []);
    const accepting = setup(`${dir}/accepting`, ["XPU_VISIBLE_DEVICES=0,1"], {
      toml: '[xpu-container-runtime]\nmode = "legacy"\n',
    });
    const config = `${dir}/accepting/xdg/xpu-container-runtime/config.toml`;
    Deno.writeTextFileSync(
      config,
      `accept-xpu-visible-devices-envvar = true\n${Deno.readTextFileSync(config)}`,
    );
    const out = await runBin(HOOK, ["prestart"], { env: accepting.env, stdin: state(accepting) });
    assertEquals(out.code, 0, out.stderr);
    assertMatch(cliCalls(accepting)[0]!.argv, / configure .*--device=0,1 /);
  });
});

test("createRuntime takes the memory limit from XPU_MEMORY_LIMIT when the CXPU_ name is unset", async () => {
  await withTempDir(async (dir) => {
    const s = setup(dir, ["CXPU_VISIBLE_DEVICES=0,1", "XPU_MEMORY_LIMIT=1k"]);
    const out = await runBin(HOOK, ["createRuntime", "c1"], { env: s.env, stdin: state(s) });
    assertEquals(out.code, 0, out.stderr);
    assertStringIncludes(
      cliCalls(s)[0]!.argv,
      " cxpu --create --instance=c1 --device=0,1 --mmem=1024",
    );
  });
});

test("createRuntime of a CDI container limits the /dev/xpu<N> nodes its spec holds", async () => {
  await withTempDir(async (dir) => {
    const cases: [string, string[], Record<string, string>][] = [
      [
        "by name",
        ["CXPU_VISIBLE_DEVICES=kunlunxin.com/xpu=1", "CXPU_CONTAINER_MEMORY_LIMIT=4k"],
        {},
      ],
      ["by annotation", ["CXPU_CONTAINER_MEMORY_LIMIT=4k"], {
        "cdi.k8s.io/xpu": "kunlunxin.com/xpu=1",
      }],
    ];
    for (const [what, env, annotations] of cases) {
      const s = setup(`${dir}/${what.replace(" ", "-")}`, env);
      const path = `${s.bundle}/config.json`;
      const spec = JSON.parse(Deno.readTextFileSync(path));
      spec.annotations = annotations;
      spec.linux = {
        devices: [{ path: "/dev/xpuctrl", type: "c" }, { path: "/dev/xpu1", type: "c" }],
      };
      Deno.writeTextFileSync(path, JSON.stringify(spec));
      for (const command of ["createRuntime", "poststop"]) {
        const out = await runBin(HOOK, [command, "c1"], { env: s.env, stdin: state(s) });
        assertEquals(out.code, 0, `${what}: ${out.stderr}`);
      }
      assertEquals(cliCalls(s).map((c) => c.argv.replace(/^.* cxpu /, "")), [
        "--create --instance=c1 --device=1 --mmem=4096",
        "--destroy --instance=c1 --device=1",
      ], what);
    }
  });
});

test("createRuntime and poststop without CXPU_CONTAINER_MEMORY_LIMIT call nothing", async () => {
  await withTempDir(async (dir) => {
    const s = setup(dir, ["CXPU_VISIBLE_DEVICES=1"]);
    for (const command of ["createRuntime", "poststop"]) {
      const out = await runBin(HOOK, [command, "id"], { env: s.env, stdin: state(s) });
      assertEquals(out.code, 0);
    }
    assertEquals(cliCalls(s), []);
  });
});

test("-debug passes --debug=/dev/stderr to the cli", async () => {
  await withTempDir(async (dir) => {
    const s = setup(dir, ["CXPU_VISIBLE_DEVICES=0"]);
    const out = await runBin(HOOK, ["-debug", "prestart"], { env: s.env, stdin: state(s) });
    assertEquals(out.code, 0, out.stderr);
    assertStringIncludes(cliCalls(s)[0]!.argv, "--load-kmods --debug=/dev/stderr configure");
    assertMatch(out.stderr, /debug: Executing /);
  });
});

test("a failing cli fails the hook with the cli's reason", async () => {
  await withTempDir(async (dir) => {
    const s = setup(dir, ["CXPU_VISIBLE_DEVICES=0"]);
    const out = await runBin(HOOK, ["prestart"], { env: { ...s.env }, stdin: state(s) });
    assertEquals(out.code, 0);
    Deno.writeTextFileSync(
      `${dir}/xdg/xpu-container-runtime/config.toml`,
      `[xpu-container-cli]\npath = ${q(FAKE_CLI)}\nroot = ${
        q(s.driver)
      }\nenvironment = ["FAKE_CLI_FAIL=driver not loaded"]\n`,
    );
    const failed = await runBin(HOOK, ["prestart"], { env: s.env, stdin: state(s) });
    assertEquals(failed, { code: 1, stdout: "", stderr: "xpu-container-cli: driver not loaded\n" });
  });
});

const DUPLICATES: [string, string[], string][] = [
  [
    "duplicate env names: the first wins",
    ["CXPU_VISIBLE_DEVICES=1", "CXPU_VISIBLE_DEVICES=0"],
    "--device=1 ",
  ],
  ["env entries without =: empty values", [
    "CXPU_DRIVER_CAPABILITIES",
    "CXPU_VISIBLE_DEVICES=0",
    "NOEQUALS",
  ], "--device=0 --utility --compute "],
];

for (const [what, env, fragment] of DUPLICATES) {
  test(`prestart with ${what}`, async () => {
    await withTempDir(async (dir) => {
      const s = setup(dir, env);
      const out = await runBin(HOOK, ["prestart"], { env: s.env, stdin: state(s) });
      assertEquals(out.code, 0, out.stderr);
      assertStringIncludes(cliCalls(s)[0]!.argv, fragment);
    });
  });
}

interface Bad {
  what: string;
  env?: string[];
  stdin?: (s: Setup) => string;
  spec?: string | null;
  cli?: string;
  path?: string;
  command?: string[];
  message: RegExp;
}

const BAD: Bad[] = [
  {
    what: "empty stdin",
    stdin: () => "",
    message: /prestart: Cannot read the container state on stdin: it is empty/,
  },
  {
    what: "non-JSON state",
    stdin: () => "{not json",
    message: /prestart: Cannot read the container state on stdin: invalid JSON: /,
  },
  {
    what: "a state without pid",
    stdin: (s) => JSON.stringify({ bundle: s.bundle }),
    message: /prestart: Container state on stdin has no "pid"/,
  },
  {
    what: "a state without bundle",
    stdin: () => JSON.stringify({ pid: 1 }),
    message: /prestart: Container state on stdin has no absolute "bundle"/,
  },
  {
    what: "a bundle with a NUL byte",
    stdin: (s) => JSON.stringify({ pid: 1, bundle: `${s.bundle}\0x` }),
    message:
      /prestart: Container state on stdin has an invalid "bundle": ".*\/bundle\\u0000x" \(a NUL byte\)\n$/,
  },
  {
    what: "a negative pid",
    stdin: (s) => JSON.stringify({ pid: -1, bundle: s.bundle }),
    message: /prestart: Container state on stdin has an invalid "pid": -1/,
  },
  {
    what: "a missing config.json",
    spec: null,
    message: /prestart: Cannot load OCI spec ".*\/bundle\/config\.json": No such file/,
  },
  {
    what: "an invalid config.json",
    spec: '{"process":',
    message: /prestart: Cannot load OCI spec ".*\/bundle\/config\.json": invalid JSON/,
  },
  {
    what: "a spec without root",
    spec: JSON.stringify({ process: { env: ["CXPU_VISIBLE_DEVICES=0"] } }),
    message: /prestart: OCI spec ".*\/config\.json" has no "root\.path"/,
  },
  {
    what: "a bad capability",
    env: ["CXPU_DRIVER_CAPABILITIES=graphics"],
    message: /prestart: Unsupported CXPU_DRIVER_CAPABILITIES value "graphics"/,
  },
  {
    what: "a bad memory size",
    env: ["CXPU_CONTAINER_MEMORY_LIMIT=12 parsecs"],
    command: ["createRuntime", "id"],
    message: /createRuntime: Invalid CXPU_CONTAINER_MEMORY_LIMIT "12 parsecs"/,
  },
  {
    what: "a missing cli",
    cli: 'path = "/nonexistent/xpu-container-cli"\n',
    message:
      /prestart: xpu-container-cli "\/nonexistent\/xpu-container-cli" \(xpu-container-cli\.path\) is not an executable file/,
  },
  {
    what: "a cli that is not executable",
    cli: `path = ${q(`${TESTDATA}/bundles/runc-spec.json`)}\n`,
    message:
      /prestart: xpu-container-cli ".*runc-spec\.json" \(xpu-container-cli\.path\) is not an executable file/,
  },
  {
    what: "no cli anywhere",
    cli: "",
    path: "/nonexistent",
    message:
      /prestart: xpu-container-cli not found: tried "xpu-container-cli" in ".*\/driver\/nonexistent:.*\/driver\/usr\/bin:.*:\/nonexistent:.*\/usr\/bin.*"; set xpu-container-cli\.path in the config\n$/,
  },
];

const BAD_VALUES: [string[], string, RegExp][] = [
  [
    ["CXPU_VISIBLE_DEVICES=99999999999999999999"],
    "prestart",
    /prestart: Invalid CXPU_VISIBLE_DEVICES "99999999999999999999": index "99999999999999999999" is out of range \(0 to 1048575\)/,
  ],
  [
    ["CXPU_VISIBLE_DEVICES=123456789012345678901234567890"],
    "prestart",
    /prestart: Invalid CXPU_VISIBLE_DEVICES "123456789012345678901234567890": index "123456789012345678901234567890" is out of range \(0 to 1048575\)/,
  ],
  [
    ["CXPU_VISIBLE_DEVICES=none,0"],
    "prestart",
    /prestart: Invalid CXPU_VISIBLE_DEVICES "none,0": "none" cannot be combined with other devices/,
  ],
  [
    ["CXPU_VISIBLE_DEVICES=0", "XPU_MEMORY_LIMIT=99999999999t"],
    "createRuntime",
    /createRuntime: Invalid XPU_MEMORY_LIMIT "99999999999t": must fit in 64 bits: at most 9223372036854775807 bytes/,
  ],
  [
    ["CXPU_VISIBLE_DEVICES=0", "CXPU_CONTAINER_MEMORY_LIMIT=18446744073709551616"],
    "poststop",
    /poststop: Invalid CXPU_CONTAINER_MEMORY_LIMIT "18446744073709551616": must fit in 64 bits: at most 9223372036854775807 bytes/,
  ],
];

for (const [env, command, message] of BAD_VALUES) {
  test(`the hook refuses ${env.at(-1)} at ${command}: exit 1, no cli call, nothing changed`, async () => {
    await withTempDir(async (dir) => {
      const s = setup(dir, env);
      const before = await checksums(dir);
      const out = await runBin(HOOK, command === "prestart" ? [command] : [command, "c1"], {
        env: s.env,
        stdin: state(s),
      });
      assertEquals(out.code, 1, out.stderr);
      assertMatch(out.stderr, new RegExp(`^xpu-container-runtime-hook: ${message.source}\n$`));
      assertEquals(cliCalls(s), []);
      assertEquals(await checksums(dir), before);
    });
  });
}

for (const c of BAD) {
  test(`the hook fails on ${c.what}: one line on stderr, exit 1, no cli call`, async () => {
    await withTempDir(async (dir) => {
      const s = setup(
        dir,
        ["CXPU_VISIBLE_DEVICES=0", ...(c.env ?? [])],
        c.cli === undefined ? {} : { cli: c.cli },
      );
      if (c.spec === null) Deno.removeSync(`${s.bundle}/config.json`);
      else if (c.spec !== undefined) Deno.writeTextFileSync(`${s.bundle}/config.json`, c.spec);
      const out = await runBin(HOOK, c.command ?? ["prestart"], {
        env: { ...s.env, ...(c.path ? { PATH: c.path } : {}) },
        stdin: c.stdin ? c.stdin(s) : state(s),
      });
      assertEquals(out.code, 1, out.stderr);
      assertMatch(out.stderr, new RegExp(`^xpu-container-runtime-hook: ${c.message.source}`));
      assertEquals(out.stderr.split("\n").length, 2, out.stderr);
      assertEquals(cliCalls(s), []);
    });
  });
}

test("a hook failure is also logged to the runtime's debug file", async () => {
  await withTempDir(async (dir) => {
    const s = setup(dir, ["CXPU_VISIBLE_DEVICES=0", "CXPU_DRIVER_CAPABILITIES=graphics"], {
      toml: `[xpu-container-runtime]\ndebug = ${q(`${dir}/runtime.log`)}\n`,
    });
    const out = await runBin(HOOK, ["prestart"], { env: s.env, stdin: state(s) });
    assertEquals(out.code, 1);
    assertMatch(
      Deno.readTextFileSync(`${dir}/runtime.log`),
      /level=error msg="prestart: Unsupported CXPU_DRIVER_CAPABILITIES value/,
    );
  });
});

for (
  const [args, message] of [[["prestop"], 'Unknown command "prestop"'], [
    ["poststop"],
    "needs a container id",
  ], [[], "Missing command"]] as const
) {
  Deno.test(`xpu-container-runtime-hook ${args.join(" ")} prints usage and exits 2`, async () => {
    const out = await runBin(HOOK, [...args]);
    assertEquals(out.code, 2);
    assertStringIncludes(out.stderr, message);
    assertStringIncludes(out.stderr, "Usage: xpu-container-runtime-hook");
  });
}

Deno.test("the hook's -config flag names the config file", async () => {
  await withTempDir(async (dir) => {
    Deno.writeTextFileSync(`${dir}/c.toml`, "[xpu-container-cli]\nroot = 1\n");
    const out = await runBin(HOOK, ["-config", `${dir}/c.toml`, "prestart"], { stdin: "{}" });
    assertEquals(out.code, 1);
    assertMatch(
      out.stderr,
      /^xpu-container-runtime-hook: prestart: Invalid config ".*c\.toml": key "xpu-container-cli\.root"/,
    );
    assertTrue(out.stderr.endsWith("\n"));
  });
});
