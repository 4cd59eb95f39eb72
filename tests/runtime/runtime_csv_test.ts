import { assertEquals, assertMatch } from "../assert.ts";
import {
  bin,
  configEnv,
  mountsUnder,
  q,
  rootOnly,
  run,
  runBin,
  TESTDATA,
  withTempDir,
} from "../helpers.ts";
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
  name: "create in csv mode puts the device, mounts and one helper hook into the spec",
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
      // The bundle has no root filesystem to prepare: one hook process does the work later.
      assertEquals(
        spec.hooks.createContainer.map((h: { path: string; args: string[] }) => [
          h.path,
          h.args,
        ]),
        [[bin("xpu-ctk"), [
          "xpu-ctk",
          "hook",
          "update-ldcache",
          "--config",
          `${dir}/xdg/xpu-container-runtime/config.toml`,
          "--link",
          "libxpuml.so.1.2.3::/usr/local/xpu/lib64/libxpuml.so.1",
          "--folder",
          "/usr/local/xpu/lib64",
        ]]],
      );
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

/** `host(dir, "csv")` with a root filesystem in the bundle, as engines have mounted it at create. */
function hostWithRoot(dir: string) {
  const h = host(dir, "csv");
  for (const d of ["etc", "usr/local/xpu/lib64"]) {
    Deno.mkdirSync(`${h.b}/rootfs/${d}`, { recursive: true });
  }
  return h;
}

Deno.test({
  name:
    "create in csv mode makes the links, the ld.so.conf.d entry and the ld cache in the root itself: no helper hook",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const { b, env } = hostWithRoot(dir);
      const mounts = mountsUnder(dir);
      const out = await runBin("xpu-container-runtime", ["create", "--bundle", b, "id"], { env });
      assertEquals(out.code, 0, out.stderr);
      const spec = JSON.parse(Deno.readTextFileSync(`${b}/config.json`));
      assertEquals(spec.hooks?.createContainer, undefined);
      assertEquals(spec.mounts.at(-1).destination, "/usr/local/xpu/lib64/libxpuml.so.1.2.3");
      const r = `${b}/rootfs`;
      assertEquals(
        Deno.readLinkSync(`${r}/usr/local/xpu/lib64/libxpuml.so.1`),
        "libxpuml.so.1.2.3",
      );
      assertEquals(
        Deno.readTextFileSync(`${r}/etc/ld.so.conf.d/00-xpu-container-toolkit.conf`),
        "# Written by xpu-ctk hook update-ldcache\n/usr/local/xpu/lib64\n",
      );
      assertEquals(Deno.statSync(`${r}/etc/ld.so.cache`).isFile, true);
      // The library's mount point, as runc makes it: the mount itself went with the namespace.
      const point = Deno.statSync(`${r}/usr/local/xpu/lib64/libxpuml.so.1.2.3`);
      assertEquals([point.isFile, point.size, point.mode! & 0o777], [true, 0, 0o755]);
      assertEquals(mountsUnder(dir), mounts);
    });
  },
});

Deno.test({
  name: "a second create of a bundle whose root the shim prepared leaves its config.json as it was",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const { b, env } = hostWithRoot(dir);
      const create = () =>
        runBin("xpu-container-runtime", ["create", "--bundle", b, "id"], { env });
      const first = await create();
      assertEquals(first.code, 0, first.stderr);
      const prepared = Deno.readFileSync(`${b}/config.json`);
      const again = await create();
      assertEquals(again.code, 0, again.stderr);
      assertEquals(Deno.readFileSync(`${b}/config.json`), prepared);
    });
  },
});

Deno.test({
  name:
    "create in csv mode keeps one helper hook when a mount of the spec covers what it would write",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const { b, env } = hostWithRoot(dir);
      const text = Deno.readTextFileSync(`${b}/config.json`);
      const spec = JSON.parse(text);
      // The image's /usr/local leads to /opt, where the engine mounts a volume: runc would put
      // the library's mount point and link into that volume, so the hook must do the work there.
      Deno.removeSync(`${b}/rootfs/usr/local`, { recursive: true });
      Deno.mkdirSync(`${b}/rootfs/opt`);
      Deno.symlinkSync("/opt", `${b}/rootfs/usr/local`);
      spec.mounts.push({ destination: "/opt", type: "tmpfs", source: "tmpfs", options: [] });
      Deno.writeTextFileSync(`${b}/config.json`, JSON.stringify(spec));
      const out = await runBin("xpu-container-runtime", [
        "--debug",
        "--log",
        `${dir}/log`,
        "create",
        "--bundle",
        b,
        "id",
      ], { env });
      assertEquals(out.code, 0, out.stderr);
      const hooks = JSON.parse(Deno.readTextFileSync(`${b}/config.json`)).hooks.createContainer;
      assertEquals(hooks.map((h: { args: string[] }) => h.args[2]), ["update-ldcache"]);
      assertMatch(
        Deno.readTextFileSync(`${dir}/log`),
        /Helper hook kept: the spec's mount \\"\/opt\\" covers \\"\/usr\/local\/xpu\/lib64/,
      );
      assertEquals([...Deno.readDirSync(`${b}/rootfs/opt`)], []);
      assertEquals([...Deno.readDirSync(`${b}/rootfs/etc`)], []);
    });
  },
});

Deno.test({
  name:
    "create under --rootless=true binds the host's nodes from the driver root instead of device entries and cgroup rules",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const { b, env, driver } = host(dir, "csv");
      const out = await runBin(
        "xpu-container-runtime",
        ["--rootless=true", "create", "--bundle", b, "id"],
        { env },
      );
      assertEquals(out.code, 0, out.stderr);
      const spec = JSON.parse(Deno.readTextFileSync(`${b}/config.json`));
      assertEquals(spec.linux.devices, undefined);
      assertEquals(
        (spec.linux.resources?.devices ?? []).filter((r: { allow: boolean }) => r.allow),
        [],
      );
      const binds = spec.mounts.filter((m: { destination: string }) =>
        m.destination.startsWith("/dev/xpu")
      );
      assertEquals(
        binds,
        ["xpu1", "xpuctrl"].map((n) => ({
          destination: `/dev/${n}`,
          type: "bind",
          source: `${driver}/dev/${n}`,
          options: ["bind", "nosuid", "noexec", "rw"],
        })),
      );
    });
  },
});

Deno.test({
  name:
    "create under --rootless=true refuses legacy mode and a memory limit, naming why, and leaves the spec alone",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const legacy = host(`${dir}/legacy`, "legacy", true);
      const before = Deno.readTextFileSync(`${legacy.b}/config.json`);
      const out = await runBin(
        "xpu-container-runtime",
        ["--rootless", "true", "create", "--bundle", legacy.b, "id"],
        { env: legacy.env },
      );
      assertEquals(out.code, 1, out.stderr);
      assertMatch(out.stderr, /Mode "legacy" cannot give devices under a rootless runtime/);
      assertEquals(Deno.readTextFileSync(`${legacy.b}/config.json`), before);

      const limited = host(`${dir}/limit`, "csv", true);
      const spec = JSON.parse(Deno.readTextFileSync(`${limited.b}/config.json`));
      spec.process.env.push("CXPU_CONTAINER_MEMORY_LIMIT=1g");
      Deno.writeTextFileSync(`${limited.b}/config.json`, JSON.stringify(spec, null, "\t"));
      const limitedBefore = Deno.readTextFileSync(`${limited.b}/config.json`);
      const refused = await runBin(
        "xpu-container-runtime",
        ["--rootless=true", "create", "--bundle", limited.b, "id"],
        { env: limited.env },
      );
      assertEquals(refused.code, 1, refused.stderr);
      assertMatch(refused.stderr, /A memory limit cannot be set under a rootless runtime/);
      assertEquals(Deno.readTextFileSync(`${limited.b}/config.json`), limitedBefore);
    });
  },
});
