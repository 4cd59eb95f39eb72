import { assertEquals, assertMatch } from "../assert.ts";
import { bin, configEnv, q, rootOnly, run, runBin, TESTDATA, withTempDir } from "../helpers.ts";
import { makeDriverRoot } from "../e2e/driver.ts";

const FAKE_RUNC = `${TESTDATA}/bin/fake-runc`;
const CSV =
  "dev, /dev/xpu0\ndev, /dev/xpu1\ndev, /dev/xpuctrl\nlib, /usr/local/xpu/lib64/libxpuml.so.1\n";
const ignore = rootOnly("mknod");

/** A host with a driver root and CSV specs; `cli` also puts a cli under the driver root. */
function host(dir: string, mode: string, cli = false) {
  const driver = makeDriverRoot(`${dir}/driver`);
  if (cli) {
    Deno.mkdirSync(`${driver}/usr/bin`, { recursive: true });
    Deno.copyFileSync(
      `${TESTDATA}/bin/fake-xpu-container-cli`,
      `${driver}/usr/bin/xpu-container-cli`,
    );
    Deno.chmodSync(`${driver}/usr/bin/xpu-container-cli`, 0o755);
  }
  Deno.mkdirSync(`${dir}/csv`);
  Deno.writeTextFileSync(`${dir}/csv/xpu.csv`, CSV);
  const b = `${dir}/bundle`;
  Deno.mkdirSync(b);
  const spec = JSON.parse(Deno.readTextFileSync(`${TESTDATA}/bundles/runc-spec.json`));
  spec.process.env.push("CXPU_VISIBLE_DEVICES=1");
  Deno.writeTextFileSync(`${b}/config.json`, JSON.stringify(spec, null, "\t"));
  const env = {
    ...configEnv(
      `${dir}/xdg`,
      `[xpu-container-cli]\nroot = ${q(driver)}\n[xpu-container-runtime]\nruntimes = [${
        q(FAKE_RUNC)
      }]\nmode = ${q(mode)}\n` +
        `[xpu-container-runtime.modes.csv]\nmount-spec-path = ${q(`${dir}/csv`)}\n` +
        `[xpu-container-runtime-hook]\npath = ${q(bin("xpu-container-runtime-hook"))}\n`,
    ),
    PATH: "/usr/bin:/bin",
  };
  return { b, env, driver };
}

Deno.test({
  name: "create in csv mode puts the device, mounts and helper hooks into the spec",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const { b, env, driver } = host(dir, "csv");
      const out = await runBin("xpu-container-runtime", ["create", "--bundle", b, "id"], { env });
      assertEquals(out.code, 0, out.stderr);
      const spec = JSON.parse(Deno.readTextFileSync(`${b}/config.json`));
      assertEquals(spec.linux.devices.map((d: { path: string }) => d.path), [
        "/dev/xpu1",
        "/dev/xpuctrl",
      ]);
      assertEquals(spec.mounts.at(-1), {
        destination: "/usr/local/xpu/lib64/libxpuml.so.1.2.3",
        type: "bind",
        source: `${driver}/usr/local/xpu/lib64/libxpuml.so.1.2.3`,
        options: ["nosuid", "nodev", "bind", "ro"],
      });
      const hooks = spec.hooks.createContainer.map((
        h: { path: string; args: string[] },
      ) => [h.path, h.args.slice(2, 3)]);
      assertEquals(hooks, [[bin("xpu-ctk"), ["create-symlinks"]], [bin("xpu-ctk"), [
        "update-ldcache",
      ]]]);
      assertEquals(spec.hooks.prestart, undefined);
    });
  },
});

Deno.test({
  name:
    "mode auto picks csv on a host without the cli, legacy when the cli and libxpuml.so.1 are there",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const csvHost = host(`${dir}/a`, "auto");
      await runBin("xpu-container-runtime", [
        "--debug",
        "--log",
        `${dir}/a.log`,
        "create",
        "--bundle",
        csvHost.b,
        "id",
      ], {
        env: csvHost.env,
      });
      const a = JSON.parse(Deno.readTextFileSync(`${csvHost.b}/config.json`));
      assertEquals([a.hooks.prestart, a.linux.devices.length], [undefined, 2]);
      assertMatch(
        Deno.readTextFileSync(`${dir}/a.log`),
        /mode csv \(xpu-container-cli not found: tried .*; set xpu-container-cli\.path in the config; CSV specs: .*xpu\.csv\)/,
      );

      const legacyHost = host(`${dir}/b`, "auto", true);
      await runBin("xpu-container-runtime", ["create", "--bundle", legacyHost.b, "id"], {
        env: legacyHost.env,
      });
      const l = JSON.parse(Deno.readTextFileSync(`${legacyHost.b}/config.json`));
      assertEquals([l.hooks.prestart.length, l.linux.devices ?? []], [1, []]);
    });
  },
});

Deno.test({
  name: "csv mode with a bad request fails clearly and leaves the spec alone",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const { b, env } = host(dir, "csv");
      const text = Deno.readTextFileSync(`${b}/config.json`).replace(
        "CXPU_VISIBLE_DEVICES=1",
        "CXPU_VISIBLE_DEVICES=5",
      );
      Deno.writeTextFileSync(`${b}/config.json`, text);
      const out = await runBin("xpu-container-runtime", ["create", "--bundle", b, "id"], { env });
      assertEquals(out.code, 1);
      assertEquals(
        out.stderr,
        'xpu-container-runtime: XPU "5" is not available: the CSV specs list "/dev/xpu0", "/dev/xpu1"\n',
      );
      assertEquals(Deno.readTextFileSync(`${b}/config.json`), text);
    });
  },
});

Deno.test({
  name: "helper hooks use the xpu-ctk beside the shim, also when it was called by a relative path",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const { b, env } = host(dir, "csv");
      const binDir = bin("xpu-ctk").slice(0, -"/xpu-ctk".length);
      const out = await run("./xpu-container-runtime", ["create", "--bundle", b, "id"], {
        env,
        cwd: binDir,
      });
      assertEquals(out.code, 0, out.stderr);
      const spec = JSON.parse(Deno.readTextFileSync(`${b}/config.json`));
      assertEquals(spec.hooks.createContainer[0].path, `${binDir}/xpu-ctk`);
    });
  },
});
