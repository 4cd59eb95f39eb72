import { assertEquals, assertMatch, assertNotMatch, assertStringIncludes } from "../assert.ts";
import { bin, configEnv, type Output, q, runBin, TESTDATA, withTempDir } from "../helpers.ts";
import { makeDriverRoot, XPU_MAJOR } from "./driver.ts";
import {
  cleanUp,
  hooksDirsOfPodman,
  IMAGE,
  importImage,
  podman,
  podmanUnavailable,
  RUN_FLAGS,
} from "./podman.ts";

const ignore = podmanUnavailable();
const FAKE_CLI = `${TESTDATA}/bin/fake-xpu-container-cli`;
const HOOK_FILE = "99-xpu-container-runtime-hook.json";
const LIST = ["sh", "-c", "ls -l /dev"];

function nodeLine(name: string, minor: number): RegExp {
  return new RegExp(`^crw-rw-rw-\\s+1 0\\s+0\\s+${XPU_MAJOR},\\s+${minor} .* ${name}$`, "m");
}

/** A temp dir with a podman image in private storage, cleaned up afterwards. */
async function withPodman(fn: (dir: string) => Promise<void>): Promise<void> {
  await withTempDir(async (dir) => {
    await importImage(dir);
    try {
      await fn(dir);
    } finally {
      await cleanUp(dir);
    }
  });
}

/** The path of the first file a --dry-run prints. */
function dryRunPath(out: Output): string {
  assertEquals(out.code, 0, out.stderr);
  return /^==> (.*) <==$/m.exec(out.stdout)?.[1] ?? "";
}

function configureHookDryRun(env: Record<string, string>): Promise<Output> {
  return runBin("xpu-ctk", [
    "runtime",
    "configure",
    "--runtime=podman",
    "--mode=hook",
    "--dry-run",
  ], { env });
}

Deno.test({
  name: "podman --mode hook: the hook file goes to the directory podman reads hooks from",
  ignore,
  fn: () =>
    withPodman(async (dir) => {
      // hooks_dir set: podman reads every directory, a later one's file winning; ours goes last.
      Deno.writeTextFileSync(
        `${dir}/set.conf`,
        `[engine]\nhooks_dir = [${q(`${dir}/h1`)}, ${q(`${dir}/h2`)}]\n`,
      );
      let env = { CONTAINERS_CONF: `${dir}/set.conf` };
      assertEquals(await hooksDirsOfPodman(dir, env), [`${dir}/h1`, `${dir}/h2`]);
      assertEquals(dryRunPath(await configureHookDryRun(env)), `${dir}/h2/${HOOK_FILE}`);

      // hooks_dir unset: the version's default, not /etc/containers/oci/hooks.d.
      Deno.writeTextFileSync(`${dir}/unset.conf`, `[engine]\nevents_logger = "file"\n`);
      env = { CONTAINERS_CONF: `${dir}/unset.conf` };
      const dirs = await hooksDirsOfPodman(dir, env);
      assertEquals(dirs, ["/usr/share/containers/oci/hooks.d"]);
      assertEquals(dryRunPath(await configureHookDryRun(env)), `${dirs[0]}/${HOOK_FILE}`);

      // This host's own containers.conf files, read only.
      const host = await hooksDirsOfPodman(dir, {});
      assertEquals(dryRunPath(await configureHookDryRun({})), `${host.at(-1)}/${HOOK_FILE}`);
    }),
});

Deno.test({
  name:
    "podman --mode hook: an XPU container gets /dev/xpu0 through the hook and the cli, others run untouched",
  ignore,
  fn: () =>
    withPodman(async (dir) => {
      const driver = makeDriverRoot(`${dir}/driver`);
      const xdg = configEnv(
        `${dir}/xdg`,
        `[xpu-container-cli]\npath = ${q(FAKE_CLI)}\nroot = ${q(driver)}\n` +
          `environment = [${q(`FAKE_CLI_LOG=${dir}/cli.log`)}]\n`,
      );
      Deno.writeTextFileSync(
        `${dir}/containers.conf`,
        `[engine]\nhooks_dir = [${q(`${dir}/hooks.d`)}]\n`,
      );
      const env = { ...xdg, CONTAINERS_CONF: `${dir}/containers.conf` };
      const args = ["runtime", "configure", "--runtime=podman", "--mode", "hook"];
      const configured = await runBin("xpu-ctk", [
        ...args,
        "--runtime-path",
        bin("xpu-container-runtime-hook"),
      ], { env });
      assertEquals(configured.code, 0, configured.stderr);
      assertStringIncludes(configured.stderr, `wrote ${dir}/hooks.d/${HOOK_FILE}`);

      const xpu = await podman(dir, [
        "--runtime",
        "runc",
        "run",
        ...RUN_FLAGS,
        "-e",
        "CXPU_VISIBLE_DEVICES=0",
        IMAGE,
        ...LIST,
      ], env);
      assertEquals(xpu.code, 0, xpu.stderr);
      assertMatch(xpu.stdout, nodeLine("xpu0", 0));
      assertMatch(xpu.stdout, nodeLine("xpuctrl", 255));
      assertNotMatch(xpu.stdout, /xpu1/);

      const plain = await podman(
        dir,
        ["--runtime", "runc", "run", ...RUN_FLAGS, IMAGE, ...LIST],
        env,
      );
      assertEquals(plain.code, 0, plain.stderr);
      assertEquals(plain.stderr, "");
      assertNotMatch(plain.stdout, /xpu/);

      const removed = await runBin("xpu-ctk", [
        "runtime",
        "unconfigure",
        "--runtime=podman",
        "--mode=hook",
      ], {
        env,
      });
      assertEquals(removed.code, 0, removed.stderr);
      assertEquals([...Deno.readDirSync(`${dir}/hooks.d`)].map((e) => e.name), []);
    }),
});

Deno.test({
  name: "podman with the hook on a csv-only host fails with one line naming --runtime and CDI",
  ignore,
  fn: () =>
    withPodman(async (dir) => {
      const driver = makeDriverRoot(`${dir}/driver`);
      Deno.mkdirSync(`${dir}/csv`);
      Deno.writeTextFileSync(`${dir}/csv/x.csv`, "dev, /dev/xpu0\ndev, /dev/xpuctrl\n");
      const env = configEnv(
        `${dir}/xdg`,
        `[xpu-container-cli]\npath = ${q(`${dir}/no-cli`)}\nroot = ${q(driver)}\n` +
          `[xpu-container-runtime.modes.csv]\nmount-spec-path = ${q(`${dir}/csv`)}\n`,
      );
      const configured = await runBin("xpu-ctk", [
        "runtime",
        "configure",
        "--runtime=podman",
        "--mode=hook",
        "--config",
        `${dir}/hooks/xpu.json`,
        "--runtime-path",
        bin("xpu-container-runtime-hook"),
      ], { env });
      assertEquals(configured.code, 0, configured.stderr);
      // configure already says the hook cannot serve this host.
      assertStringIncludes(configured.stderr, "Warning: this host needs csv mode");

      const hooks = ["--runtime", "runc", "--hooks-dir", `${dir}/hooks`];
      const xpu = await podman(dir, [
        ...hooks,
        "run",
        ...RUN_FLAGS,
        "-e",
        "CXPU_VISIBLE_DEVICES=0",
        IMAGE,
        "true",
      ]);
      assertEquals(xpu.code === 0, false);
      const shim = bin("xpu-container-runtime");
      assertStringIncludes(
        xpu.stderr,
        `stderr: xpu-container-runtime-hook: prestart: This host needs csv mode, which a hook ` +
          `cannot carry out: run podman with --runtime ${shim} or use CDI (--device kunlunxin.com/xpu=0)\n`,
      );

      const plain = await podman(dir, [...hooks, "run", ...RUN_FLAGS, IMAGE, ...LIST]);
      assertEquals(plain.code, 0, plain.stderr);
      assertNotMatch(plain.stdout, /xpu/);
    }),
});

Deno.test({
  name:
    "podman --mode runtime --set-as-default: containers run through the shim (csv mode gives /dev/xpu1); runc stays",
  ignore,
  fn: () =>
    withPodman(async (dir) => {
      const driver = makeDriverRoot(`${dir}/driver`);
      Deno.mkdirSync(`${dir}/csv`);
      Deno.writeTextFileSync(
        `${dir}/csv/x.csv`,
        "dev, /dev/xpu0\ndev, /dev/xpu1\ndev, /dev/xpuctrl\n",
      );
      configEnv(
        `${dir}/xdg`,
        `[xpu-container-cli]\nroot = ${q(driver)}\n[xpu-container-runtime]\nmode = "csv"\n` +
          `runtimes = ["runc"]\n[xpu-container-runtime.modes.csv]\nmount-spec-path = ${
            q(`${dir}/csv`)
          }\n`,
      );
      // Podman hands the runtime no XDG_CONFIG_HOME: a wrapper gives the shim the test's config.
      Deno.writeTextFileSync(
        `${dir}/shim`,
        `#!/bin/sh\nXDG_CONFIG_HOME=${dir}/xdg exec ${bin("xpu-container-runtime")} "$@"\n`,
      );
      Deno.chmodSync(`${dir}/shim`, 0o755);
      const dropIn = `${dir}/containers.conf.d/99-xpu.conf`;
      const configured = await runBin("xpu-ctk", [
        "runtime",
        "configure",
        "--runtime=podman",
        "--mode=runtime",
        "--set-as-default",
        "--config",
        dropIn,
        "--runtime-path",
        `${dir}/shim`,
      ]);
      assertEquals(configured.code, 0, configured.stderr);
      const env = { CONTAINERS_CONF: dropIn };

      const info = await podman(dir, ["info", "--format", "{{.Host.OCIRuntime.Name}}"], env);
      assertEquals(info.stdout.trim(), "xpu", info.stderr);
      const xpu = await podman(dir, [
        "run",
        ...RUN_FLAGS,
        "-e",
        "CXPU_VISIBLE_DEVICES=1",
        IMAGE,
        ...LIST,
      ], env);
      assertEquals(xpu.code, 0, xpu.stderr);
      assertMatch(xpu.stdout, nodeLine("xpu1", 1));
      assertNotMatch(xpu.stdout, /xpu0/);

      const named = await podman(dir, [
        "--runtime",
        "xpu",
        "run",
        ...RUN_FLAGS,
        "-e",
        "CXPU_VISIBLE_DEVICES=0",
        IMAGE,
        ...LIST,
      ], env);
      assertEquals(named.code, 0, named.stderr);
      assertMatch(named.stdout, nodeLine("xpu0", 0));

      const runc = await podman(
        dir,
        ["--runtime", "runc", "run", ...RUN_FLAGS, IMAGE, ...LIST],
        env,
      );
      assertEquals(runc.code, 0, runc.stderr);
    }),
});

Deno.test({
  name: "podman --mode cdi: --device KIND=0 gives /dev/xpu0 from the generated spec",
  ignore,
  fn: () =>
    withPodman(async (dir) => {
      const driver = makeDriverRoot(`${dir}/driver`);
      Deno.mkdirSync(`${dir}/csv`);
      // A kind of its own, so no other test's spec in the same directory conflicts with it.
      const kind = `kunlunxin.com/xpu${crypto.randomUUID().slice(0, 8)}`;
      const env = configEnv(
        `${dir}/xdg`,
        `[xpu-container-cli]\nroot = ${q(driver)}\n[xpu-container-runtime.modes.csv]\n` +
          `mount-spec-path = ${
            q(`${dir}/csv`)
          }\n[xpu-container-runtime.modes.cdi]\ndefault-kind = ${q(kind)}\n`,
      );
      // Debian's podman has no --cdi-spec-dir; /var/run/cdi, unlike /etc/cdi, is used by no
      // other test.
      const specDir = "/var/run/cdi";
      const created = (() => {
        try {
          Deno.lstatSync(specDir);
          return false;
        } catch {
          return true;
        }
      })();
      const spec = `${specDir}/${kind.replace("/", "_")}.yaml`;
      const args = ["--runtime=podman", "--config", spec];
      try {
        const configured = await runBin("xpu-ctk", ["runtime", "configure", ...args], { env });
        assertEquals(configured.code, 0, configured.stderr);
        assertStringIncludes(configured.stderr, `podman run --device ${kind}=0`);
        const xpu = await podman(dir, [
          "--runtime",
          "runc",
          "run",
          ...RUN_FLAGS,
          "--device",
          `${kind}=0`,
          IMAGE,
          ...LIST,
        ]);
        assertEquals(xpu.code, 0, xpu.stderr);
        assertMatch(xpu.stdout, nodeLine("xpu0", 0));
        assertMatch(xpu.stdout, nodeLine("xpuctrl", 255));
        assertNotMatch(xpu.stdout, /xpu1/);
        const removed = await runBin("xpu-ctk", ["runtime", "unconfigure", ...args], { env });
        assertEquals(removed.code, 0, removed.stderr);
      } finally {
        try {
          Deno.removeSync(spec);
        } catch {
          // Removed by unconfigure.
        }
        if (created) {
          try {
            Deno.removeSync(specDir);
          } catch {
            // Another run's spec is there now.
          }
        }
      }
    }),
});
