import {
  assertEquals,
  assertMatch,
  assertNotMatch,
  assertStringIncludes,
  assertTrue,
} from "../assert.ts";
import {
  bin,
  configEnv,
  q,
  ROOT,
  rootOnly,
  run,
  runBin,
  TESTDATA,
  withTempDir,
} from "../helpers.ts";

const FAKE_RUNC = `${TESTDATA}/bin/fake-runc`;
const RECORD_HOOK = `${TESTDATA}/bin/record-hook`;
const RUNC_SPEC = Deno.readTextFileSync(`${TESTDATA}/bundles/runc-spec.json`);

/** A bundle whose config.json is `runc spec` output with `env` added to the process. */
function bundle(dir: string, env: string[] = []): string {
  const b = `${dir}/bundle`;
  Deno.mkdirSync(b, { recursive: true });
  const text = env.length === 0 ? RUNC_SPEC : RUNC_SPEC.replace(
    '"TERM=xterm"',
    ['"TERM=xterm"', ...env.map((e) => JSON.stringify(e))].join(",\n\t\t\t"),
  );
  Deno.writeTextFileSync(`${b}/config.json`, text);
  return b;
}

/** What the shim's config.toml says; everything has a test default. */
interface ShimConfig {
  runtimes?: string[];
  hookPath?: string;
  /** More TOML lines for [xpu-container-runtime]. */
  runtime?: string;
  /** Other tables. */
  extra?: string;
}

/** Config for the shim (the fake runc and the recording hook by default) and the fake's log. */
function shimEnv(dir: string, c: ShimConfig = {}): Record<string, string> {
  const runtimes = (c.runtimes ?? [FAKE_RUNC]).map(q).join(", ");
  const toml = `[xpu-container-runtime]\nruntimes = [${runtimes}]\n${c.runtime ?? ""}\n` +
    `[xpu-container-runtime-hook]\npath = ${q(c.hookPath ?? RECORD_HOOK)}\n${c.extra ?? ""}`;
  return { ...configEnv(`${dir}/xdg`, toml), FAKE_RUNC_LOG: `${dir}/runc.log` };
}

interface RuncRecord {
  pid: number;
  args: string[];
  env: Record<string, string>;
  sigign: bigint;
}

function runcCalls(dir: string): RuncRecord[] {
  let text: string;
  try {
    text = Deno.readTextFileSync(`${dir}/runc.log`);
  } catch {
    return [];
  }
  return text.split("end\n").filter((b) => b.trim()).map((block) => {
    const rec: RuncRecord = { pid: 0, args: [], env: {}, sigign: 0n };
    for (const line of block.split("\n")) {
      if (line.startsWith("pid=")) rec.pid = Number(line.slice(4));
      else if (line.startsWith("arg=")) rec.args.push(line.slice(4));
      else if (line.startsWith("sigign=")) rec.sigign = BigInt(`0x${line.slice(7)}`);
      else if (line.startsWith("env:")) {
        const eq = line.indexOf("=");
        rec.env[line.slice(4, eq)] = line.slice(eq + 1);
      }
    }
    return rec;
  });
}

Deno.test("the shim execs runc in its own process with argv verbatim", async () => {
  await withTempDir(async (dir) => {
    const args = ["--root", "/r", "--log=/dev/null", "state", "", "with space", "ünï", "--x=y"];
    const child = new Deno.Command(bin("xpu-container-runtime"), {
      args,
      env: shimEnv(dir),
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const out = await child.output();
    assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
    const [call] = runcCalls(dir);
    assertEquals(call?.pid, child.pid, "execve keeps the PID");
    assertEquals(call?.args, args);
  });
});

Deno.test("the shim hands runc the caller's environment and default SIGPIPE", async () => {
  await withTempDir(async (dir) => {
    const env: Record<string, string> = { ...shimEnv(dir), SHIM_TEST_VAR: "a b=c" };
    await runBin("xpu-container-runtime", ["state", "x"], { env, clearEnv: true });
    await runBin("xpu-container-runtime", ["state", "x"], {
      env: { ...env, DENO_DIR: "/callers/own" },
      clearEnv: true,
    });
    const [plain, withDenoDir] = runcCalls(dir);
    // Exactly what the caller set: nothing a launcher or shell adds for Deno (DENO_DIR, PWD).
    assertEquals(plain?.env, { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", ...env });
    assertEquals(withDenoDir?.env.DENO_DIR, "/callers/own");
    const SIGPIPE_BIT = 1n << 12n;
    assertEquals(plain!.sigign & SIGPIPE_BIT, 0n, "SIGPIPE must not stay ignored");
  });
});

Deno.test("the shim execs the runtime with argv[0] set to its resolved path", async () => {
  await withTempDir(async (dir) => {
    // busybox picks its applet from argv[0]: "echo" proves what argv[0] was.
    Deno.symlinkSync("/bin/busybox", `${dir}/echo`);
    const env = configEnv(
      `${dir}/xdg`,
      `[xpu-container-runtime]\nruntimes = ["/nonexistent/runc", ${q(`${dir}/echo`)}]\n`,
    );
    const out = await runBin("xpu-container-runtime", ["--root", "/r", "state", "id"], { env });
    assertEquals(out, { code: 0, stdout: "--root /r state id\n", stderr: "" });
  });
});

Deno.test("xpu-container-runtime --version prints ours, then runc's", async () => {
  await withTempDir(async (dir) => {
    const out = await runBin("xpu-container-runtime", ["--version"], { env: shimEnv(dir) });
    assertEquals(out.code, 0);
    assertMatch(
      out.stdout,
      /^xpu-container-runtime version 0\.1\.0\ncommit: .+\nspec: 1\.2\.0\nrunc version 1\.1\.99-fake\n/,
    );
    assertEquals(runcCalls(dir)[0]?.args, ["--version"]);
  });
});

Deno.test("the shim returns runc's exit code", async () => {
  await withTempDir(async (dir) => {
    const out = await runBin("xpu-container-runtime", ["state", "x"], {
      env: { ...shimEnv(dir), FAKE_RUNC_EXIT: "3" },
    });
    assertEquals(out.code, 3);
  });
});

Deno.test("a runtime the kernel cannot execute fails with the system's reason", async () => {
  await withTempDir(async (dir) => {
    // Executable, but neither ELF nor a script: execve fails with ENOEXEC.
    const bogus = `${dir}/bogus-runc`;
    Deno.writeTextFileSync(bogus, "not a program\n");
    Deno.chmodSync(bogus, 0o755);
    const out = await runBin("xpu-container-runtime", ["state", "x"], {
      env: shimEnv(dir, { runtimes: [bogus] }),
    });
    assertEquals(out.code, 1);
    assertStringIncludes(out.stderr, `Cannot execute "${bogus}": Exec format error`);
  });
});

Deno.test("without FFI the shim runs runc as a child and exits with its code", async () => {
  await withTempDir(async (dir) => {
    const out = await run(
      `${ROOT}/.tools/node_modules/.bin/deno`,
      [
        "run",
        "--quiet",
        "-A",
        "--deny-ffi",
        "--cached-only",
        "--config",
        `${ROOT}/deno.json`,
        `${ROOT}/main.ts`,
        "state",
        "x",
      ],
      {
        env: {
          ...shimEnv(dir),
          XPU_ARGV0: "xpu-container-runtime",
          DENO_DIR: `${ROOT}/.deno`,
          FAKE_RUNC_EXIT: "7",
        },
      },
    );
    assertEquals(out.code, 7);
    assertMatch(
      out.stderr,
      /warning: Cannot load libc for execve: .*; running .*fake-runc as a child process instead/,
    );
    assertEquals(runcCalls(dir)[0]?.args, ["state", "x"]);
  });
});

Deno.test("create on an XPU container adds the hook and is idempotent", async () => {
  await withTempDir(async (dir) => {
    const b = bundle(dir, ["CXPU_VISIBLE_DEVICES=0"]);
    const env = shimEnv(dir);
    const out = await runBin("xpu-container-runtime", ["create", "--bundle", b, "id1"], { env });
    assertEquals(out.code, 0, out.stderr);
    const spec = JSON.parse(Deno.readTextFileSync(`${b}/config.json`));
    assertEquals(spec.hooks.prestart, [{
      path: RECORD_HOOK,
      args: [
        "xpu-container-runtime-hook",
        "-config",
        `${dir}/xdg/xpu-container-runtime/config.toml`,
        "prestart",
      ],
      env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
    }]);
    const first = Deno.readTextFileSync(`${b}/config.json`);
    await runBin("xpu-container-runtime", ["create", "--bundle", b, "id1"], { env });
    assertEquals(Deno.readTextFileSync(`${b}/config.json`), first);
    assertEquals(runcCalls(dir).length, 2);
  });
});

Deno.test("create resolves a relative bundle against the cwd and defaults to the cwd", async () => {
  await withTempDir(async (dir) => {
    const b = bundle(dir, ["CXPU_VISIBLE_DEVICES=0"]);
    const env = shimEnv(dir);
    await runBin("xpu-container-runtime", ["create", "-b", "bundle", "id1"], { env, cwd: dir });
    assertStringIncludes(Deno.readTextFileSync(`${b}/config.json`), "xpu-container-runtime-hook");
    const b2 = `${dir}/b2`;
    Deno.mkdirSync(b2);
    Deno.writeTextFileSync(
      `${b2}/config.json`,
      RUNC_SPEC.replace('"TERM=xterm"', '"TERM=xterm", "CXPU_VISIBLE_DEVICES=1"'),
    );
    await runBin("xpu-container-runtime", ["create", "id2"], { env, cwd: b2 });
    assertStringIncludes(Deno.readTextFileSync(`${b2}/config.json`), "xpu-container-runtime-hook");
  });
});

Deno.test("create on a non-XPU container leaves config.json byte-identical", async () => {
  await withTempDir(async (dir) => {
    const b = bundle(dir, ["CXPU_VISIBLE_DEVICES=void"]);
    const before = Deno.readTextFileSync(`${b}/config.json`);
    const mtime = Deno.statSync(`${b}/config.json`).mtime;
    const out = await runBin("xpu-container-runtime", ["create", "--bundle", b, "id"], {
      env: shimEnv(dir),
    });
    assertEquals(out.code, 0);
    assertEquals(Deno.readTextFileSync(`${b}/config.json`), before);
    assertEquals(Deno.statSync(`${b}/config.json`).mtime, mtime);
    assertEquals(runcCalls(dir).length, 1);
  });
});

Deno.test("create adds instance hooks when CXPU_CONTAINER_MEMORY_LIMIT is set", async () => {
  await withTempDir(async (dir) => {
    const b = bundle(dir, ["CXPU_VISIBLE_DEVICES=0", "CXPU_CONTAINER_MEMORY_LIMIT=2g"]);
    await runBin("xpu-container-runtime", ["create", "--bundle", b, "ctr-0123456789abcdef"], {
      env: shimEnv(dir),
    });
    const hooks = JSON.parse(Deno.readTextFileSync(`${b}/config.json`)).hooks;
    assertEquals(hooks.createRuntime[0].args.slice(-2), ["createRuntime", "ctr-0123456789abcdef"]);
    assertEquals(hooks.poststop[0].args.slice(-2), ["poststop", "ctr-0123456789abcdef"]);
  });
});

for (const command of ["state", "kill", "delete", "start"]) {
  Deno.test(`a broken config.toml does not stop ${command} from reaching runc`, async () => {
    await withTempDir(async (dir) => {
      // The runtimes list cannot come from the broken file: put the fake runc first on PATH.
      Deno.mkdirSync(`${dir}/path`);
      Deno.symlinkSync(FAKE_RUNC, `${dir}/path/runc`);
      const env = {
        ...configEnv(`${dir}/xdg`, "this is = = not toml\n"),
        FAKE_RUNC_LOG: `${dir}/runc.log`,
        PATH: `${dir}/path:/usr/bin:/bin`,
      };
      const out = await runBin("xpu-container-runtime", [command, "id"], { env });
      assertEquals(out.code, 0);
      assertMatch(
        out.stderr,
        /^xpu-container-runtime: warning: Invalid config ".*config\.toml": line 1, column \d+: .*; using the defaults\n$/,
      );
      assertEquals(runcCalls(dir)[0]?.args, [command, "id"]);
    });
  });
}

const BAD_CONFIG_JSON: [string, string | undefined, RegExp][] = [
  ["missing", undefined, /Cannot load OCI spec ".*\/config\.json": No such file/],
  ["not JSON", "not json", /Cannot load OCI spec ".*\/config\.json": invalid JSON: /],
  [
    "not an object",
    "[]",
    /Cannot load OCI spec ".*\/config\.json": expected a JSON object, found an array/,
  ],
  ["truncated", RUNC_SPEC.slice(0, 200), /Cannot load OCI spec ".*\/config\.json": invalid JSON: /],
];

for (const [what, content, pattern] of BAD_CONFIG_JSON) {
  Deno.test(`create with config.json ${what}: clear error, exit 1, runc not run`, async () => {
    await withTempDir(async (dir) => {
      const b = `${dir}/bundle`;
      Deno.mkdirSync(b);
      if (content !== undefined) Deno.writeTextFileSync(`${b}/config.json`, content);
      const out = await runBin("xpu-container-runtime", ["create", "--bundle", b, "id"], {
        env: shimEnv(dir),
      });
      assertEquals(out.code, 1);
      assertMatch(out.stderr, new RegExp(`^xpu-container-runtime: ${pattern.source}`));
      if (content !== undefined) assertEquals(Deno.readTextFileSync(`${b}/config.json`), content);
      assertEquals(runcCalls(dir), []);
    });
  });
}

type BadCase = {
  what: string;
  env?: string[];
  config?: ShimConfig;
  args?: string[];
  pattern: RegExp;
};

const BAD: BadCase[] = [
  {
    what: "an empty runtimes list",
    config: { runtimes: [] },
    pattern: /No low-level runtime configured: "xpu-container-runtime\.runtimes" is empty/,
  },
  {
    what: "runtimes naming nothing executable",
    config: {
      runtimes: ["/nonexistent/runc", `${TESTDATA}/bundles/runc-spec.json`, "no-such-runc-xyz"],
    },
    pattern:
      /Low-level runtime not found: tried "\/nonexistent\/runc", ".*runc-spec\.json", "no-such-runc-xyz" in ".*\/usr\/bin.*"; set xpu-container-runtime\.runtimes in the config\n/,
  },
  {
    what: "a missing hook binary",
    config: { hookPath: "/nonexistent/xpu-container-runtime-hook" },
    pattern:
      /xpu-container-runtime-hook "\/nonexistent\/xpu-container-runtime-hook" \(xpu-container-runtime-hook\.path\) is not an executable file/,
  },
  {
    what: "an unknown CXPU_DRIVER_CAPABILITIES value",
    env: ["CXPU_DRIVER_CAPABILITIES=compute,bogus"],
    pattern:
      /Unsupported CXPU_DRIVER_CAPABILITIES value "bogus": supported are compute, compat32, utility and all/,
  },
  {
    what: "a bad CXPU_CONTAINER_MEMORY_LIMIT",
    env: ["CXPU_CONTAINER_MEMORY_LIMIT=2 gigs"],
    pattern: /Invalid CXPU_CONTAINER_MEMORY_LIMIT "2 gigs"/,
  },
  {
    what: "a broken config.toml",
    config: { extra: "[xpu-container-cli]\nroot = 1\n" },
    pattern:
      /Invalid config ".*config\.toml": key "xpu-container-cli\.root": expected a string, found an integer \(1\)/,
  },
];

for (const c of BAD) {
  Deno.test(`create with ${c.what}: clear error, exit 1, spec untouched, runc not run`, async () => {
    await withTempDir(async (dir) => {
      const b = bundle(dir, ["CXPU_VISIBLE_DEVICES=0", ...(c.env ?? [])]);
      const before = Deno.readTextFileSync(`${b}/config.json`);
      const env = shimEnv(dir, c.config);
      const args = c.args ?? ["create", "--bundle", b, "id"];
      const out = await runBin("xpu-container-runtime", args, { env, cwd: dir });
      assertEquals(out.code, 1, out.stderr);
      assertMatch(out.stderr, new RegExp(`^xpu-container-runtime: ${c.pattern.source}`));
      assertEquals(out.stderr.trimEnd().split("\n").length, 1, out.stderr);
      assertEquals(Deno.readTextFileSync(`${b}/config.json`), before);
      assertEquals(runcCalls(dir), []);
    });
  });
}

Deno.test("a failure reaches the engine's --log in its format and the debug file", async () => {
  await withTempDir(async (dir) => {
    const b = bundle(dir, ["CXPU_VISIBLE_DEVICES=0", "CXPU_DRIVER_CAPABILITIES=bogus"]);
    const env = shimEnv(dir, { runtime: `debug = ${q(`${dir}/debug.log`)}` });
    const out = await runBin(
      "xpu-container-runtime",
      ["--log", `${dir}/engine.json`, "--log-format=json", "create", "--bundle", b, "id"],
      { env },
    );
    assertEquals(out.code, 1);
    const lines = Deno.readTextFileSync(`${dir}/engine.json`).trimEnd().split("\n").map((l) =>
      JSON.parse(l)
    );
    const last = lines[lines.length - 1];
    assertEquals(last.level, "error");
    assertMatch(last.msg, /^Unsupported CXPU_DRIVER_CAPABILITIES value "bogus"/);
    assertMatch(last.time, /^\d{4}-\d\d-\d\dT/);
    assertMatch(
      Deno.readTextFileSync(`${dir}/debug.log`),
      /level=error msg="Unsupported CXPU_DRIVER_CAPABILITIES/,
    );
  });
});

Deno.test("--debug logs the decision; --debug=false does not", async () => {
  await withTempDir(async (dir) => {
    const b = bundle(dir, ["CXPU_VISIBLE_DEVICES=0"]);
    const env = shimEnv(dir);
    await runBin("xpu-container-runtime", [
      "--debug=false",
      "--log",
      `${dir}/quiet.log`,
      "create",
      "--bundle",
      b,
      "a",
    ], { env });
    await runBin("xpu-container-runtime", [
      "--debug",
      "--log",
      `${dir}/loud.log`,
      "create",
      "--bundle",
      b,
      "b",
    ], { env });
    assertNotMatch(Deno.readTextFileSync(`${dir}/quiet.log`), /level=debug/);
    const loud = Deno.readTextFileSync(`${dir}/loud.log`);
    assertMatch(loud, /level=debug msg="Invoked with /);
    assertMatch(
      loud,
      /devices 0; mode legacy \(xpu-container-cli not found: tried .*; set xpu-container-cli\.path in the config; no CSV specs\)/,
    );
  });
});

Deno.test("a log file in a missing directory is a warning; the container still starts", async () => {
  await withTempDir(async (dir) => {
    const b = bundle(dir, ["CXPU_VISIBLE_DEVICES=0"]);
    const out = await runBin("xpu-container-runtime", [
      "--log",
      `${dir}/missing/log.json`,
      "create",
      "--bundle",
      b,
      "id",
    ], {
      env: shimEnv(dir),
    });
    assertEquals(out.code, 0);
    assertMatch(
      out.stderr,
      /^xpu-container-runtime: warning: Cannot open log file ".*\/missing\/log\.json": /,
    );
    assertEquals(runcCalls(dir).length, 1);
    assertTrue(Deno.readTextFileSync(`${b}/config.json`).includes("prestart"));
  });
});

Deno.test({
  name: "in another PID namespace the launcher still hands on the caller's environment, silently",
  ignore: rootOnly("unshare --pid needs root"),
  fn: async () => {
    await withTempDir(async (dir) => {
      // A hook runs in the container's PID namespace with the host's /proc: there the shell's
      // own PID names another process, or none.
      const env = { ...shimEnv(dir), PWD: "/caller/pwd", SHLVL: "7", MARK: "m" };
      const out = await run(
        "unshare",
        ["--pid", "--fork", bin("xpu-container-runtime"), "state", "c1"],
        { env },
      );
      assertEquals({ code: out.code, stderr: out.stderr }, { code: 0, stderr: "" });
      const got = runcCalls(dir)[0]!.env;
      assertEquals([got.PWD, got.SHLVL, got.MARK], ["/caller/pwd", "7", "m"]);
      assertEquals(got.DENO_DIR, Deno.env.get("DENO_DIR"));
    });
  },
});

Deno.test("a log that cannot be written (a full disk) is a warning: the container is still created", async () => {
  await withTempDir(async (dir) => {
    const b = bundle(dir, ["CXPU_VISIBLE_DEVICES=0"]);
    const env = shimEnv(dir, { runtime: 'debug = "/dev/full"' });
    const out = await runBin(
      "xpu-container-runtime",
      ["--log", "/dev/full", "--log-format", "json", "create", "--bundle", b, "full-disk"],
      { env },
    );
    assertEquals(out.code, 0, out.stderr);
    assertMatch(
      out.stderr,
      /^xpu-container-runtime: warning: Cannot write log file "\/dev\/full": No space left on device[^\n]*; it gets no more messages\n/,
    );
    assertNotMatch(out.stderr, /at |Uncaught/);
    assertEquals(runcCalls(dir).at(-1)?.args.slice(-1), ["full-disk"]);
  });
});

Deno.test("create with a command line runc refuses (no id, two ids, an id runc refuses) leaves the spec alone for runc to refuse", async () => {
  await withTempDir(async (dir) => {
    const b = bundle(dir, ["CXPU_VISIBLE_DEVICES=0"]);
    const before = Deno.readTextFileSync(`${b}/config.json`);
    const lines = [
      ["create", "--bundle", b],
      ["create", "id", "--bundle"],
      ["create", "--bundle", b, "one", "two"],
      ["create", "--bundle", b, "../../x"],
      ["create", "--bundle", b, "a b"],
    ];
    for (const args of lines) {
      const out = await runBin("xpu-container-runtime", args, { env: shimEnv(dir) });
      assertEquals(out.code, 0, out.stderr);
      assertEquals(Deno.readTextFileSync(`${b}/config.json`), before, args.join(" "));
      assertEquals(runcCalls(dir).at(-1)?.args, args, "runc gets the command line verbatim");
    }
  });
});
