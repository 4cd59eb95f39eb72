import { assertEquals, assertMatch } from "../assert.ts";
import { bin, configEnv, q, rootOnly, run, runBin, TESTDATA, withTempDir } from "../helpers.ts";
import { checksums } from "../checksums.ts";
import { generateCdiSpec, makeDriverRoot } from "../e2e/driver.ts";

const FAKE_RUNC = `${TESTDATA}/bin/fake-runc`;
const FAKE_CLI = `${TESTDATA}/bin/fake-xpu-container-cli`;
const RUNC_SPEC = Deno.readTextFileSync(`${TESTDATA}/bundles/runc-spec.json`);
const CSV =
  "dev, /dev/xpu0\ndev, /dev/xpu1\ndev, /dev/xpuctrl\nlib, /usr/local/xpu/lib64/libxpuml.so.1\n";
const ignore = rootOnly("mknod");

interface Host {
  bundle: string;
  env: Record<string, string>;
  /** The fake cli's call log. */
  cliLog: string;
  /** The fake runc's call log. */
  runcLog: string;
}

interface HostOptions {
  /** Container env entries after the runc spec's own. */
  env: string[];
  mode: string;
  /** Put the fake cli under the driver root, where every mode finds it. */
  cli?: boolean;
  /** More top-level config keys. */
  toml?: string;
  annotations?: Record<string, string>;
}

/**
 * A host with a driver root (xpu0, xpu1, xpuctrl, libxpuml), its CSV and CDI specs, the fake
 * runc, the real hook, and a bundle from `runc spec` with `opts.env`. Needs root (mknod).
 */
async function host(dir: string, opts: HostOptions): Promise<Host> {
  const driver = makeDriverRoot(`${dir}/driver`);
  if (opts.cli) {
    Deno.mkdirSync(`${driver}/usr/bin`, { recursive: true });
    Deno.copyFileSync(FAKE_CLI, `${driver}/usr/bin/xpu-container-cli`);
    Deno.chmodSync(`${driver}/usr/bin/xpu-container-cli`, 0o755);
  }
  Deno.mkdirSync(`${dir}/csv`);
  Deno.writeTextFileSync(`${dir}/csv/xpu.csv`, CSV);
  await generateCdiSpec(driver, `${dir}/cdi/xpu.yaml`);
  const bundle = `${dir}/bundle`;
  Deno.mkdirSync(bundle);
  const spec = JSON.parse(RUNC_SPEC);
  spec.process.env.push(...opts.env);
  if (opts.annotations) spec.annotations = opts.annotations;
  Deno.writeTextFileSync(`${bundle}/config.json`, JSON.stringify(spec, null, "\t"));
  const cliLog = `${dir}/cli.log`;
  const runcLog = `${dir}/runc.log`;
  const toml = `${opts.toml ?? ""}\n` +
    `[xpu-container-cli]\nroot = ${q(driver)}\nenvironment = [${q(`FAKE_CLI_LOG=${cliLog}`)}]\n` +
    `[xpu-container-runtime]\nruntimes = [${q(FAKE_RUNC)}]\nmode = ${q(opts.mode)}\n` +
    `[xpu-container-runtime.modes.csv]\nmount-spec-path = ${q(`${dir}/csv`)}\n` +
    `[xpu-container-runtime.modes.cdi]\nspec-dirs = [${q(`${dir}/cdi`)}]\ncache-dir = ""\n` +
    `[xpu-container-runtime-hook]\npath = ${q(bin("xpu-container-runtime-hook"))}\n`;
  const env = { ...configEnv(`${dir}/xdg`, toml), FAKE_RUNC_LOG: runcLog, PATH: "/usr/bin:/bin" };
  return { bundle, env, cliLog, runcLog };
}

function readOr(path: string, otherwise: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return otherwise;
  }
}

/** The commands the fake runc was called with. */
function runcCommands(h: Host): string[] {
  return readOr(h.runcLog, "").split("end\n").filter((b) => b.trim()).map((b) =>
    b.split("\n").filter((l) => l.startsWith("arg=")).map((l) => l.slice(4)).join(" ")
  );
}

/** The `cxpu` part of each fake cli call. */
function cxpuCalls(h: Host): string[] {
  return readOr(h.cliLog, "").split("\n").filter((l) => l.startsWith("argv=")).map((l) =>
    l.replace(/^argv=.* cxpu /, "")
  );
}

async function create(h: Host, id: string) {
  return await runBin("xpu-container-runtime", ["create", "--bundle", h.bundle, id], {
    env: h.env,
  });
}

interface SpecHook {
  path: string;
  args: string[];
}

function specOf(h: Host) {
  return JSON.parse(Deno.readTextFileSync(`${h.bundle}/config.json`));
}

/** Our instance hooks in the spec, by lifecycle point. */
function instanceHooks(h: Host): Record<string, string[][]> {
  const hooks = specOf(h).hooks ?? {};
  const out: Record<string, string[][]> = {};
  for (const name of ["createRuntime", "poststop"]) {
    out[name] = ((hooks[name] ?? []) as SpecHook[])
      .filter((hook) => hook.args?.[0] === "xpu-container-runtime-hook")
      .map((hook) => hook.args.slice(-2));
  }
  return out;
}

/** Runs each instance hook the spec holds as runc would, with the state of container `id`. */
async function runInstanceHooks(h: Host, id: string): Promise<void> {
  const hooks = specOf(h).hooks;
  for (const name of ["createRuntime", "poststop"]) {
    for (const hook of hooks[name] as SpecHook[]) {
      const out = await run(hook.path, hook.args.slice(1), {
        env: { FAKE_RUNC_LOG: h.runcLog },
        stdin: JSON.stringify({ ociVersion: "1.0.2", id, pid: 1, bundle: h.bundle }),
      });
      assertEquals(out.code, 0, `${name}: ${out.stderr}`);
    }
  }
}

function test(name: string, fn: () => Promise<void>) {
  Deno.test({ name, ignore, fn });
}

for (const mode of ["auto", "legacy", "csv", "cdi"]) {
  test(`${mode} mode: an image's XPU_VISIBLE_DEVICES=0,1 alone gets no devices, spec untouched`, async () => {
    await withTempDir(async (dir) => {
      const h = await host(dir, { env: ["XPU_VISIBLE_DEVICES=0,1"], mode, cli: true });
      const before = await checksums(dir);
      const out = await create(h, "c1");
      assertEquals(out, { code: 0, stdout: "", stderr: "" });
      assertEquals(runcCommands(h), [`create --bundle ${h.bundle} c1`]);
      delete before["/runc.log"];
      const after = await checksums(dir);
      delete after["/runc.log"];
      assertEquals(after, before);
    });
  });
}

test("accept-xpu-visible-devices-envvar makes XPU_VISIBLE_DEVICES the request, left as it is", async () => {
  await withTempDir(async (dir) => {
    const h = await host(dir, {
      env: ["XPU_VISIBLE_DEVICES=0,1"],
      mode: "csv",
      toml: "accept-xpu-visible-devices-envvar = true",
    });
    const env = specOf(h).process.env;
    assertEquals((await create(h, "c1")).code, 0);
    const spec = specOf(h);
    assertEquals(spec.linux.devices.map((d: { path: string }) => d.path), [
      "/dev/xpu0",
      "/dev/xpu1",
      "/dev/xpuctrl",
    ]);
    assertEquals(spec.process.env, env);
  });
});

test("CXPU_VISIBLE_DEVICES decides over XPU_VISIBLE_DEVICES, which is never rewritten", async () => {
  await withTempDir(async (dir) => {
    for (const toml of ["", "accept-xpu-visible-devices-envvar = true"]) {
      const h = await host(`${dir}/${toml.length}`, {
        env: ["XPU_VISIBLE_DEVICES=0", "CXPU_VISIBLE_DEVICES=1"],
        mode: "csv",
        toml,
      });
      const env = specOf(h).process.env;
      assertEquals((await create(h, "c1")).code, 0);
      const spec = specOf(h);
      assertEquals(spec.linux.devices.map((d: { path: string }) => d.path), [
        "/dev/xpu1",
        "/dev/xpuctrl",
      ]);
      assertEquals(spec.process.env, env);
    }
  });
});

const MODES: [string, string[], string, Record<string, string>?][] = [
  ["legacy", ["CXPU_VISIBLE_DEVICES=1"], "1"],
  ["csv", ["CXPU_VISIBLE_DEVICES=1"], "1"],
  ["csv", ["CXPU_VISIBLE_DEVICES=all"], "all"],
  ["cdi", ["CXPU_VISIBLE_DEVICES=1"], "1"],
  ["cdi", ["CXPU_VISIBLE_DEVICES=kunlunxin.com/xpu=1"], "1"],
  ["cdi", [], "1", { "cdi.k8s.io/test": "kunlunxin.com/xpu=1" }],
];

for (const [mode, devices, list, annotations] of MODES) {
  const what = devices[0] ?? "a CDI annotation";
  test(`${mode} mode, ${what}: the memory instance follows the container being created`, async () => {
    await withTempDir(async (dir) => {
      const h = await host(dir, {
        env: [...devices, "CXPU_CONTAINER_MEMORY_LIMIT=1g"],
        mode,
        cli: true,
        ...(annotations ? { annotations } : {}),
      });
      assertEquals((await create(h, "first-0123456789")).code, 0);
      assertEquals(instanceHooks(h), {
        createRuntime: [["createRuntime", "first-0123456789"]],
        poststop: [["poststop", "first-0123456789"]],
      });
      // The same bundle, created again as another container: the first one's hooks would
      // create or destroy the first container's instance.
      const out = await create(h, "second-0123456789");
      assertEquals(out.code, 0, out.stderr);
      assertEquals(instanceHooks(h), {
        createRuntime: [["createRuntime", "second-0123456789"]],
        poststop: [["poststop", "second-0123456789"]],
      });
      await runInstanceHooks(h, "second-0123456789");
      assertEquals(cxpuCalls(h), [
        `--create --instance=second-01234 --device=${list} --mmem=1073741824`,
        `--destroy --instance=second-01234 --device=${list}`,
      ]);
      const again = Deno.readTextFileSync(`${h.bundle}/config.json`);
      assertEquals((await create(h, "second-0123456789")).code, 0);
      assertEquals(Deno.readTextFileSync(`${h.bundle}/config.json`), again, "idempotent");
    });
  });
}

test("a bundle created again without the memory limit loses the instance hooks", async () => {
  await withTempDir(async (dir) => {
    const h = await host(dir, {
      env: ["CXPU_VISIBLE_DEVICES=1", "XPU_MEMORY_LIMIT=1g"],
      mode: "csv",
      cli: true,
    });
    assertEquals((await create(h, "c1")).code, 0);
    assertEquals(instanceHooks(h).createRuntime, [["createRuntime", "c1"]]);
    const spec = specOf(h);
    spec.process.env = spec.process.env.filter((e: string) => !e.startsWith("XPU_MEMORY_LIMIT="));
    Deno.writeTextFileSync(`${h.bundle}/config.json`, JSON.stringify(spec));
    assertEquals((await create(h, "c2")).code, 0);
    assertEquals(instanceHooks(h), { createRuntime: [], poststop: [] });
  });
});

test("a memory limit with CXPU_VISIBLE_DEVICES=none adds no instance and needs no cli", async () => {
  await withTempDir(async (dir) => {
    const h = await host(dir, {
      env: ["CXPU_VISIBLE_DEVICES=none", "CXPU_CONTAINER_MEMORY_LIMIT=1g"],
      mode: "csv",
    });
    const out = await create(h, "c1");
    assertEquals(out.code, 0, out.stderr);
    assertEquals(instanceHooks(h), { createRuntime: [], poststop: [] });
  });
});

const NO_CLI: [string, string, string[], Record<string, string>?][] = [
  ["csv", "CXPU_CONTAINER_MEMORY_LIMIT", ["CXPU_VISIBLE_DEVICES=1"]],
  ["csv", "XPU_MEMORY_LIMIT", ["CXPU_VISIBLE_DEVICES=1"]],
  ["cdi", "CXPU_CONTAINER_MEMORY_LIMIT", ["CXPU_VISIBLE_DEVICES=kunlunxin.com/xpu=0"]],
  ["cdi", "XPU_MEMORY_LIMIT", [], { "cdi.k8s.io/test": "kunlunxin.com/xpu=0" }],
];

for (const [mode, variable, devices, annotations] of NO_CLI) {
  test(`${mode} mode, ${variable} without the cli: create fails naming both, nothing changed`, async () => {
    await withTempDir(async (dir) => {
      const h = await host(dir, {
        env: [...devices, `${variable}=4g`],
        mode,
        ...(annotations ? { annotations } : {}),
      });
      const before = await checksums(dir);
      const out = await create(h, "c1");
      assertEquals(out.code, 1, out.stderr);
      assertMatch(
        out.stderr,
        new RegExp(
          `^xpu-container-runtime: ${variable} is set, and ${mode} mode needs xpu-container-cli ` +
            `to create the container's XPU memory instance: xpu-container-cli not found: ` +
            `tried ".*; set xpu-container-cli\\.path in the config\\n$`,
        ),
      );
      assertEquals(runcCommands(h), []);
      assertEquals(await checksums(dir), before);
    });
  });
}

test("a memory limit on CDI devices that add no /dev/xpu<N> node is refused", async () => {
  await withTempDir(async (dir) => {
    const h = await host(dir, {
      env: ["CXPU_VISIBLE_DEVICES=vendor.example/thing=x", "CXPU_CONTAINER_MEMORY_LIMIT=4g"],
      mode: "cdi",
      cli: true,
    });
    Deno.writeTextFileSync(
      `${dir}/cdi/thing.yaml`,
      'cdiVersion: "0.3.0"\nkind: vendor.example/thing\ndevices:\n' +
        "  - name: x\n    containerEdits:\n      env: [THING=1]\n",
    );
    const before = await checksums(dir);
    const out = await create(h, "c1");
    assertEquals(out.code, 1, out.stderr);
    assertEquals(
      out.stderr,
      "xpu-container-runtime: CXPU_CONTAINER_MEMORY_LIMIT is set, but the requested CDI " +
        "devices add no /dev/xpu<N> node whose memory it could limit\n",
    );
    assertEquals(await checksums(dir), before);
  });
});

/** Bad request values: each fails create before the mode matters, naming its variable. */
const BAD: [string[], string, string][] = [
  [
    ["CXPU_VISIBLE_DEVICES=99999999999999999999"],
    "",
    'Invalid CXPU_VISIBLE_DEVICES "99999999999999999999": index "99999999999999999999" is out of range (0 to 1048575)',
  ],
  [
    ["CXPU_VISIBLE_DEVICES=123456789012345678901234567890"],
    "",
    'Invalid CXPU_VISIBLE_DEVICES "123456789012345678901234567890": index "123456789012345678901234567890" is out of range (0 to 1048575)',
  ],
  [
    ["CXPU_VISIBLE_DEVICES=none,0"],
    "",
    'Invalid CXPU_VISIBLE_DEVICES "none,0": "none" cannot be combined with other devices',
  ],
  [
    ["CXPU_VISIBLE_DEVICES=2-1"],
    "",
    'Invalid CXPU_VISIBLE_DEVICES "2-1": range "2-1" runs backwards',
  ],
  [
    ["XPU_VISIBLE_DEVICES=0,none"],
    "accept-xpu-visible-devices-envvar = true",
    'Invalid XPU_VISIBLE_DEVICES "0,none": "none" cannot be combined with other devices',
  ],
  [
    ["CXPU_VISIBLE_DEVICES=0", "XPU_MEMORY_LIMIT=99999999999t"],
    "",
    'Invalid XPU_MEMORY_LIMIT "99999999999t": must fit in 64 bits: at most 9223372036854775807 bytes',
  ],
  [
    ["CXPU_VISIBLE_DEVICES=0", "CXPU_CONTAINER_MEMORY_LIMIT=0"],
    "",
    'Invalid CXPU_CONTAINER_MEMORY_LIMIT "0": must be more than 0',
  ],
  [
    ["CXPU_VISIBLE_DEVICES=0", "XPU_DRIVER_CAPABILITIES=graphics"],
    "",
    'Unsupported XPU_DRIVER_CAPABILITIES value "graphics": supported are compute, compat32, utility and all',
  ],
];

for (const [env, toml, message] of BAD) {
  test(`create refuses ${env.at(-1)}: exit 1, the variable named, nothing changed`, async () => {
    await withTempDir(async (dir) => {
      const h = await host(dir, { env, mode: "auto", cli: true, toml });
      const before = await checksums(dir);
      for (const command of ["create", "run"]) {
        const out = await runBin(
          "xpu-container-runtime",
          ["--log", `${dir}/engine.json`, "--log-format", "json", command, "-b", h.bundle, "c1"],
          { env: h.env },
        );
        assertEquals(out, { code: 1, stdout: "", stderr: `xpu-container-runtime: ${message}\n` });
        const logged = readOr(`${dir}/engine.json`, "").trimEnd().split("\n").at(-1)!;
        assertEquals(JSON.parse(logged).msg, message);
      }
      assertEquals(runcCommands(h), []);
      Deno.removeSync(`${dir}/engine.json`);
      assertEquals(await checksums(dir), before);
    });
  });
}
