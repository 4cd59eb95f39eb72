/**
 * The shim on bad input, through `xpu-container-runtime` itself: every case exits 1 with one line
 * naming the file and the place, leaves every input file as it was (sha256), and never runs runc.
 */
import { assertEquals, assertMatch, assertStringIncludes, assertTrue } from "../assert.ts";
import { bin, digests, runBin, withTempDir } from "../helpers.ts";
import {
  FAKE_RUNC,
  makeShimBundle,
  RUNC_SPEC,
  runcCalls,
  shimConfigPath,
  shimEnv,
} from "./shim.ts";

const XPU = "CXPU_VISIBLE_DEVICES=0";

/** `env` with the fake runc first on PATH as `runc`: a broken config cannot name it. */
function fakeRuncOnPath(dir: string, env: Record<string, string>): Record<string, string> {
  Deno.mkdirSync(`${dir}/path`, { recursive: true });
  Deno.symlinkSync(FAKE_RUNC, `${dir}/path/runc`);
  return { ...env, PATH: `${dir}/path:/usr/bin:/bin` };
}

/** Runs `create` on `<dir>/bundle`; asserts exit 1, `message` alone on stderr, inputs unchanged. */
async function refused(
  dir: string,
  env: Record<string, string>,
  message: string,
  extraArgs: string[] = [],
): Promise<void> {
  const inputs = [`${dir}/bundle/config.json`, shimConfigPath(dir)];
  const before = await digests(inputs);
  const out = await runBin(
    "xpu-container-runtime",
    [...extraArgs, "create", "--bundle", `${dir}/bundle`, "id"],
    { env },
  );
  assertEquals({ code: out.code, stderr: out.stderr }, {
    code: 1,
    stderr: `xpu-container-runtime: ${message}\n`,
  });
  assertEquals(await digests(inputs), before);
  assertEquals(runcCalls(dir), []);
}

/** RUNC_SPEC with the process env replaced by `env` (raw JSON text). */
function specWithEnv(envJson: string): string {
  return RUNC_SPEC.replace(/"env": \[[^\]]*\]/, `"env": ${envJson}`);
}

const SHAPES: [string, string, string][] = [
  [
    "process.env an object",
    specWithEnv(`{"${XPU}": 1}`),
    "process.env: expected an array, found an object",
  ],
  [
    "an env entry a number",
    specWithEnv(`["PATH=/bin", "${XPU}", "A=1", 3]`),
    "process.env[3]: expected a string, found a number",
  ],
  [
    "an env entry null",
    specWithEnv(`["${XPU}", null]`),
    "process.env[1]: expected a string, found null",
  ],
  [
    "hooks a number",
    specWithEnv(`["${XPU}"]`).replace('"hostname"', '"hooks": 5, "hostname"'),
    "hooks: expected an object, found a number",
  ],
  [
    "prestart a number",
    specWithEnv(`["${XPU}"]`).replace('"hostname"', '"hooks": {"prestart": 5}, "hostname"'),
    "hooks.prestart: expected an array, found a number",
  ],
  [
    "a hook path a number",
    specWithEnv(`["${XPU}"]`).replace(
      '"hostname"',
      '"hooks": {"prestart": [{"path": 5}]}, "hostname"',
    ),
    "hooks.prestart[0].path: expected a string, found a number",
  ],
  [
    "a mount without destination",
    specWithEnv(`["${XPU}"]`).replace('"destination": "/proc",', ""),
    "mounts[0].destination: expected a string, found nothing",
  ],
  [
    "an annotation a number",
    specWithEnv(`["${XPU}"]`).replace(
      '"hostname"',
      '"annotations": {"cdi.k8s.io/a": 1}, "hostname"',
    ),
    'annotations["cdi.k8s.io/a"]: expected a string, found a number',
  ],
  [
    "linux.devices an object, in a container that asks for no XPU",
    RUNC_SPEC.replace('"linux": {', '"linux": {"devices": {},'),
    "linux.devices: expected an array, found an object",
  ],
  [
    "100,000 nested arrays in a field the toolkit does not use",
    RUNC_SPEC.replace(
      '"hostname"',
      `"x": ${"[".repeat(100_000)}${"]".repeat(100_000)}, "hostname"`,
    ),
    "nested deeper than 100 levels",
  ],
  [
    "100,000 nested arrays around a number a double would change",
    specWithEnv(`["${XPU}"]`).replace(
      '"hostname"',
      `"x": ${"[".repeat(100_000)}1.50${"]".repeat(100_000)}, "hostname"`,
    ),
    "nested deeper than 100 levels",
  ],
];

for (const [what, text, problem] of SHAPES) {
  Deno.test(`create with ${what}: Invalid OCI spec naming the field`, async () => {
    await withTempDir(async (dir) => {
      makeShimBundle(dir);
      Deno.writeTextFileSync(`${dir}/bundle/config.json`, text);
      await refused(dir, shimEnv(dir), `Invalid OCI spec "${dir}/bundle/config.json": ${problem}`);
    });
  });
}

Deno.test("nesting: 100 levels are used, 101 are refused", async () => {
  await withTempDir(async (dir) => {
    const b = makeShimBundle(dir, [XPU]);
    // The document is the first level, "x" the second.
    const nested = (n: number) =>
      RUNC_SPEC.replace('"hostname"', `"x": ${"[".repeat(n)}${"]".repeat(n)}, "hostname"`);
    Deno.writeTextFileSync(`${b}/config.json`, nested(99));
    const ok = await runBin("xpu-container-runtime", ["create", "--bundle", b, "id"], {
      env: shimEnv(dir),
    });
    assertEquals(ok.code, 0, ok.stderr);
    Deno.writeTextFileSync(`${b}/config.json`, nested(100));
    Deno.removeSync(`${dir}/runc.log`);
    await refused(
      dir,
      shimEnv(dir),
      `Invalid OCI spec "${b}/config.json": nested deeper than 100 levels`,
    );
  });
});

/** `text` as bytes with `marker` replaced by 0xFF; also the offset of that byte. */
function withBadByte(text: string, marker: string): [Uint8Array, number] {
  const bytes = new TextEncoder().encode(text);
  const at = new TextEncoder().encode(text.slice(0, text.indexOf(marker))).length;
  const out = new Uint8Array(bytes.length - marker.length + 1);
  out.set(bytes.subarray(0, at));
  out[at] = 0xff;
  out.set(bytes.subarray(at + marker.length), at + 1);
  return [out, at];
}

Deno.test("invalid UTF-8 in config.json: an XPU container is refused, naming the byte", async () => {
  await withTempDir(async (dir) => {
    const b = makeShimBundle(dir);
    const [bytes, at] = withBadByte(specWithEnv(`["${XPU}", "NAME=caf@"]`), "@");
    Deno.writeFileSync(`${b}/config.json`, bytes);
    await refused(
      dir,
      shimEnv(dir),
      `Invalid OCI spec "${b}/config.json": invalid UTF-8 at byte ${at} (0xFF); ` +
        "rewriting it would replace those bytes, so it was left unchanged",
    );
  });
});

Deno.test("invalid UTF-8 in config.json: a spec the shim does not rewrite stays byte-exact", async () => {
  await withTempDir(async (dir) => {
    const b = makeShimBundle(dir, [XPU]);
    const env = shimEnv(dir);
    // First an XPU container set up as usual, then a bad byte put into a value it does not use.
    assertEquals(
      (await runBin("xpu-container-runtime", ["create", "--bundle", b, "id"], { env })).code,
      0,
    );
    const [setUp] = withBadByte(
      Deno.readTextFileSync(`${b}/config.json`).replace("TERM=xterm", "TERM=@"),
      "@",
    );
    const [plain] = withBadByte(specWithEnv(`["TERM=@"]`), "@");
    for (const bytes of [setUp, plain]) {
      Deno.writeFileSync(`${b}/config.json`, bytes);
      const before = await digests([`${b}/config.json`]);
      const out = await runBin("xpu-container-runtime", ["create", "--bundle", b, "id"], { env });
      assertEquals(out.code, 0, out.stderr);
      assertEquals(await digests([`${b}/config.json`]), before);
    }
    assertEquals(runcCalls(dir).length, 3);
  });
});

Deno.test("config.toml nested 5,000 deep: create fails naming the file, state still reaches runc", async () => {
  await withTempDir(async (dir) => {
    makeShimBundle(dir, [XPU]);
    const env = shimEnv(dir, `x = ${"[".repeat(5000)}${"]".repeat(5000)}\n`);
    const file = shimConfigPath(dir);
    const line = Deno.readTextFileSync(file).split("\n").findIndex((l) => l.startsWith("x =")) + 1;
    await refused(
      dir,
      env,
      `Invalid config "${file}": line ${line}, column 105: nested deeper than 100 levels`,
    );
    const out = await runBin("xpu-container-runtime", ["state", "id"], {
      env: fakeRuncOnPath(dir, env),
    });
    assertEquals(out.code, 0);
    assertMatch(
      out.stderr,
      /warning: Invalid config .*nested deeper than 100 levels; using the defaults/,
    );
  });
});

Deno.test("config.toml nested by table headers: refused naming the limit", async () => {
  await withTempDir(async (dir) => {
    makeShimBundle(dir, [XPU]);
    const env = shimEnv(dir, `[${Array(5000).fill("t").join(".")}]\n`);
    await refused(
      dir,
      env,
      `Invalid config "${shimConfigPath(dir)}": nested deeper than 100 levels`,
    );
  });
});

for (const [where, toml] of [["a comment", "# caf@\n"], ["a string", 'mode = "caf@"\n']]) {
  Deno.test(`invalid UTF-8 in a config.toml ${where}: refused naming the byte`, async () => {
    await withTempDir(async (dir) => {
      makeShimBundle(dir, [XPU]);
      const env = shimEnv(dir);
      const file = shimConfigPath(dir);
      const [bytes, at] = withBadByte(`${Deno.readTextFileSync(file)}${toml}`, "@");
      Deno.writeFileSync(file, bytes);
      await refused(dir, env, `Invalid config "${file}": invalid UTF-8 at byte ${at} (0xFF)`);
      const set = await runBin("xpu-ctk", [
        "config",
        "set",
        "--in-place",
        "xpu-container-runtime.mode=csv",
      ], { env });
      assertEquals(set.code, 1);
      assertEquals(
        set.stderr,
        `xpu-ctk: Invalid config "${file}": invalid UTF-8 at byte ${at} (0xFF)\n`,
      );
      assertEquals(Deno.readFileSync(file), bytes);
    });
  });
}

const VALUES: [string, string, string][] = [
  [
    '[xpu-container-runtime.modes.cdi]\ndefault-kind = "bad kind"',
    "xpu-container-runtime.modes.cdi.default-kind",
    'expected a CDI kind (vendor.com/class), found a string ("bad kind")',
  ],
  [
    '[xpu-container-runtime.modes.cdi]\ncache-dir = "cache"',
    "xpu-container-runtime.modes.cdi.cache-dir",
    'expected an absolute path or "", found a string ("cache")',
  ],
  [
    '[xpu-container-runtime.modes.cdi]\nspec-dirs = ["/etc/cdi", "cdi"]',
    "xpu-container-runtime.modes.cdi.spec-dirs[1]",
    'expected an absolute path, found a string ("cdi")',
  ],
  [
    '[xpu-container-cli]\npath = "bin/xpu-container-cli"',
    "xpu-container-cli.path",
    'expected an absolute path or "", found a string ("bin/xpu-container-cli")',
  ],
];

for (const [toml, key, problem] of VALUES) {
  Deno.test(`config ${key} refused: the dotted key and what was expected`, async () => {
    await withTempDir(async (dir) => {
      makeShimBundle(dir, [XPU]);
      const env = shimEnv(dir, `${toml}\n`);
      const file = shimConfigPath(dir);
      await refused(dir, env, `Invalid config "${file}": key "${key}": ${problem}`);
      const out = await runBin("xpu-ctk", ["config"], { env });
      assertEquals(out, {
        code: 1,
        stdout: "",
        stderr: `xpu-ctk: Invalid config "${file}": key "${key}": ${problem}\n`,
      });
    });
  });
}

Deno.test("a relative hook path is refused by the shim and by config set", async () => {
  await withTempDir(async (dir) => {
    makeShimBundle(dir, [XPU]);
    const env = shimEnv(dir);
    const file = shimConfigPath(dir);
    Deno.writeTextFileSync(
      file,
      Deno.readTextFileSync(file).replace(/^path = .*$/m, 'path = "hook"'),
    );
    const problem =
      'key "xpu-container-runtime-hook.path": expected an absolute path or "", found a string ("hook")';
    await refused(dir, env, `Invalid config "${file}": ${problem}`);
    const before = await digests([file]);
    const set = await runBin("xpu-ctk", [
      "--config",
      `${dir}/other.toml`,
      "config",
      "set",
      "xpu-container-runtime-hook.path=hook",
    ], { env });
    assertEquals(set, { code: 1, stdout: "", stderr: `xpu-ctk: Invalid value: ${problem}\n` });
    assertEquals(await digests([file]), before);
  });
});

for (const format of ["json", "text"] as const) {
  Deno.test(`a broken config.toml reaches the engine's --log (${format}), created if missing`, async () => {
    await withTempDir(async (dir) => {
      makeShimBundle(dir, [XPU]);
      const env = shimEnv(dir, "[xpu-container-cli]\nroot = 1\n");
      const log = `${dir}/state/log.json`;
      Deno.mkdirSync(`${dir}/state`);
      const message = `Invalid config "${shimConfigPath(dir)}": key "xpu-container-cli.root": ` +
        "expected a string, found an integer (1)";
      await refused(dir, env, message, ["--log", log, `--log-format=${format}`]);
      const lines = Deno.readTextFileSync(log).trimEnd().split("\n");
      assertEquals(lines.length, 1);
      if (format === "json") {
        const entry = JSON.parse(lines[0]!);
        assertEquals([entry.level, entry.msg], ["error", message]);
      } else {
        assertEquals(lines[0]!.endsWith(`level=error msg=${JSON.stringify(message)}`), true);
      }
      // state, kill and delete go on with the defaults; the warning reaches the log too.
      const out = await runBin("xpu-container-runtime", [
        "--log",
        log,
        "--log-format",
        format,
        "state",
        "id",
      ], { env: fakeRuncOnPath(dir, env) });
      assertEquals(out.code, 0);
      assertMatch(Deno.readTextFileSync(log), /warning.*using the defaults/);
      assertEquals(runcCalls(dir), [["--log", log, "--log-format", format, "state", "id"]]);
    });
  });
}

Deno.test("create removes temp files a killed rewrite left, and nothing else", async () => {
  await withTempDir(async (dir) => {
    const b = makeShimBundle(dir, [XPU]);
    Deno.mkdirSync(`${dir}/outside`);
    Deno.writeTextFileSync(`${dir}/outside/keep`, "host file\n");
    const stale = [".config.json.4242.1700000000000.tmp", ".config.json.1.2.tmp"];
    for (const name of stale) Deno.writeTextFileSync(`${b}/${name}`, '{"partial": ');
    // Look-alikes: a link (never followed, never removed), a directory, other names.
    Deno.symlinkSync(`${dir}/outside/keep`, `${b}/.config.json.7.8.tmp`);
    Deno.mkdirSync(`${b}/.config.json.9.9.tmp`);
    const kept = [
      ".config.json.x.1.tmp",
      "config.json.1.2.tmp",
      ".config.json.1.2.tmp.bak",
      ".other.json.1.2.tmp",
    ];
    for (const name of kept) Deno.writeTextFileSync(`${b}/${name}`, "x");
    const out = await runBin("xpu-container-runtime", ["create", "--bundle", b, "id"], {
      env: shimEnv(dir),
    });
    assertEquals(out.code, 0, out.stderr);
    const left = [...Deno.readDirSync(b)].map((e) => e.name).sort();
    assertEquals(
      left,
      [".config.json.7.8.tmp", ".config.json.9.9.tmp", ...kept, "config.json"].sort(),
    );
    assertEquals(Deno.readTextFileSync(`${dir}/outside/keep`), "host file\n");
    assertTrue(Deno.readTextFileSync(`${b}/config.json`).includes("xpu-container-runtime-hook"));
  });
});

/** The names in `bundle` that are neither config.json nor a rewrite's temp file. */
function strays(bundle: string): string[] {
  return [...Deno.readDirSync(bundle)].map((e) => e.name)
    .filter((n) => n !== "config.json" && !/^\.config\.json\.\d+\.\d+\.tmp$/.test(n));
}

Deno.test("kill -9 during create: config.json is always the old or the new one; the next create cleans up", async () => {
  await withTempDir(async (dir) => {
    const env = shimEnv(dir);
    // The spec every uninterrupted create writes.
    const ref = makeShimBundle(`${dir}/ref`, [XPU]);
    const original = Deno.readTextFileSync(`${ref}/config.json`);
    assertEquals(
      (await runBin("xpu-container-runtime", ["create", "--bundle", ref, "id"], { env })).code,
      0,
    );
    const done = Deno.readTextFileSync(`${ref}/config.json`);
    const b = makeShimBundle(dir, [XPU]);
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      Deno.writeTextFileSync(`${b}/config.json`, original);
      const child = new Deno.Command(bin("xpu-container-runtime"), {
        args: ["create", "--bundle", b, "id"],
        env,
        stdout: "null",
        stderr: "null",
      }).spawn();
      await new Promise((r) => setTimeout(r, (i * 37) % 160));
      try {
        child.kill("SIGKILL");
      } catch {
        // It had finished.
      }
      await child.status;
      const now = Deno.readTextFileSync(`${b}/config.json`);
      assertTrue(now === original || now === done, `round ${i}: a torn config.json`);
      seen.add(now === done ? "done" : "original");
      assertEquals(strays(b), []);
    }
    const out = await runBin("xpu-container-runtime", ["create", "--bundle", b, "id"], { env });
    assertEquals(out.code, 0, out.stderr);
    assertEquals(Deno.readTextFileSync(`${b}/config.json`), done);
    assertEquals([...Deno.readDirSync(b)].map((e) => e.name), ["config.json"]);
    assertTrue(seen.size > 0);
  });
});

Deno.test("16 parallel creates of one bundle: all succeed, one complete spec, no temp files", async () => {
  await withTempDir(async (dir) => {
    const env = shimEnv(dir);
    const ref = makeShimBundle(`${dir}/ref`, [XPU]);
    assertEquals(
      (await runBin("xpu-container-runtime", ["create", "--bundle", ref, "id"], { env })).code,
      0,
    );
    const done = Deno.readTextFileSync(`${ref}/config.json`);
    Deno.removeSync(`${dir}/runc.log`);
    const b = makeShimBundle(dir, [XPU]);
    const outs = await Promise.all(
      Array.from(
        { length: 16 },
        (_, i) => runBin("xpu-container-runtime", ["create", "--bundle", b, `id${i}`], { env }),
      ),
    );
    assertEquals(outs.map((o) => o.code), Array(16).fill(0), outs.map((o) => o.stderr).join(""));
    assertEquals(Deno.readTextFileSync(`${b}/config.json`), done);
    assertEquals([...Deno.readDirSync(b)].map((e) => e.name), ["config.json"]);
    assertEquals(runcCalls(dir).length, 16);
  });
});

for (
  const [what, make, problem] of [
    [
      "a FIFO",
      (p: string) => new Deno.Command("mkfifo", { args: [p] }).outputSync(),
      "it is not a regular file",
    ],
    [
      "a 2 MiB file",
      (p: string) => Deno.writeTextFileSync(p, `#${" ".repeat(2 << 20)}\n`),
      "it is larger than 1 MiB",
    ],
  ] as const
) {
  Deno.test(`config.toml that is ${what}: create refused unread, state still reaches runc`, async () => {
    await withTempDir(async (dir) => {
      const b = makeShimBundle(dir, [XPU]);
      const env = shimEnv(dir);
      const file = shimConfigPath(dir);
      Deno.removeSync(file);
      make(file);
      const before = await digests([`${b}/config.json`]);
      // A read of the FIFO would block: the timeout turns that into a failure, not a hang.
      const create = await runBin("xpu-container-runtime", ["create", "--bundle", b, "id"], {
        env,
        timeoutMs: 20_000,
      });
      assertEquals(create.code, 1);
      assertEquals(
        create.stderr,
        `xpu-container-runtime: Cannot read config "${file}": ${problem}\n`,
      );
      assertEquals(await digests([`${b}/config.json`]), before);
      const state = await runBin("xpu-container-runtime", ["state", "id"], {
        env: fakeRuncOnPath(dir, env),
        timeoutMs: 20_000,
      });
      assertEquals(state.code, 0);
      assertStringIncludes(state.stderr, `${problem}; using the defaults`);
    });
  });
}

Deno.test("config.json that is a FIFO: create refused naming it, not read", async () => {
  await withTempDir(async (dir) => {
    const b = makeShimBundle(dir, [XPU]);
    Deno.removeSync(`${b}/config.json`);
    new Deno.Command("mkfifo", { args: [`${b}/config.json`] }).outputSync();
    const out = await runBin("xpu-container-runtime", ["create", "--bundle", b, "id"], {
      env: shimEnv(dir),
      timeoutMs: 20_000,
    });
    assertEquals(out.code, 1);
    assertEquals(
      out.stderr,
      `xpu-container-runtime: Cannot load OCI spec "${b}/config.json": it is not a regular file\n`,
    );
  });
});
