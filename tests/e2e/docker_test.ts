import { assertEquals, assertMatch, assertNotMatch, assertStringIncludes } from "../assert.ts";
import { bin, q, run, runBin, TESTDATA, withTempDir } from "../helpers.ts";
import { runcUnavailable } from "./bundle.ts";
import { generateCdiSpec, makeDriverRoot, XPU_MAJOR } from "./driver.ts";
import { dockerdUnavailable, importBusybox, startDockerd } from "./dockerd.ts";

const ignore = dockerdUnavailable();

Deno.test({
  name: "a real dockerd runs XPU containers in legacy, csv and cdi mode from a symlinked " +
    "daemon.json that two configures at once edited; unconfigure gives the file back",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    await withTempDir(async (dir) => {
      // The operator's daemon.json lives elsewhere and is linked in; two configures run at once,
      // one making xpu the default instead of runc.
      const daemonJson = `${dir}/daemon.json`;
      const original = '{\n  "log-level": "warn",\n  "default-runtime": "runc"\n}\n';
      Deno.mkdirSync(`${dir}/site`);
      Deno.writeTextFileSync(`${dir}/site/daemon.json`, original);
      Deno.symlinkSync("site/daemon.json", daemonJson);
      const ctk = (action: string, ...extra: string[]) =>
        runBin("xpu-ctk", [
          "runtime",
          action,
          "--runtime=docker",
          "--config",
          daemonJson,
          "--runtime-path",
          bin("xpu-container-runtime"),
          ...extra,
        ]);
      for (
        const out of await Promise.all([
          ctk("configure", "--set-as-default"),
          ctk("configure", "--runtime-name", "xpu-b"),
        ])
      ) {
        assertEquals(out.code, 0, out.stderr);
      }
      assertEquals(Deno.lstatSync(daemonJson).isSymlink, true);
      const configured = JSON.parse(Deno.readTextFileSync(daemonJson));
      assertEquals(configured.runtimes.xpu.path, bin("xpu-container-runtime"));
      assertEquals(configured.runtimes["xpu-b"].path, bin("xpu-container-runtime"));
      assertEquals(configured["default-runtime"], "xpu");

      // The shim reads this file on every call, so each mode is one rewrite of it.
      const xdg = `${dir}/xdg/xpu-container-runtime`;
      Deno.mkdirSync(xdg, { recursive: true });
      const driver = makeDriverRoot(`${dir}/driver`);
      Deno.mkdirSync(`${dir}/csv`);
      Deno.writeTextFileSync(
        `${dir}/csv/xpu.csv`,
        "dev, /dev/xpu0\ndev, /dev/xpu1\ndev, /dev/xpuctrl\nlib, /usr/local/xpu/lib64/libxpuml.so.1\n",
      );
      await generateCdiSpec(driver, `${dir}/cdi/xpu.yaml`);
      const common = `[xpu-container-runtime.modes.csv]\nmount-spec-path = ${q(`${dir}/csv`)}\n` +
        `[xpu-container-runtime.modes.cdi]\nspec-dirs = [${q(`${dir}/cdi`)}]\n` +
        `cache-dir = ${q(`${dir}/cache`)}\n` +
        `[xpu-container-runtime-hook]\npath = ${q(bin("xpu-container-runtime-hook"))}\n`;
      const setMode = (mode: string) =>
        Deno.writeTextFileSync(
          `${xdg}/config.toml`,
          `[xpu-container-cli]\nroot = ${q(driver)}\npath = ${
            q(`${TESTDATA}/bin/fake-xpu-container-cli`)
          }\n` +
            `[xpu-container-runtime]\nmode = ${q(mode)}\nruntimes = ["runc"]\n${common}`,
        );
      setMode("legacy");

      const dockerd = await startDockerd(dir, daemonJson, { XDG_CONFIG_HOME: `${dir}/xdg` });
      const docker = dockerd.docker;
      try {
        const info = await docker(["info", "--format", "{{json .Runtimes}} {{.DefaultRuntime}}"]);
        assertStringIncludes(info.stdout, '"xpu"');
        assertStringIncludes(info.stdout, '"xpu-b"');
        assertStringIncludes(info.stdout, "} xpu\n");
        await importBusybox(dir, dockerd, "busybox-xpu");
        const runXpu = (env: string[]) =>
          docker([
            "run",
            "--rm",
            "--runtime=xpu",
            "--network",
            "none",
            ...env.flatMap((e) => ["-e", e]),
            "busybox-xpu",
            "sh",
            "-c",
            "ls -l /dev/",
          ]);

        for (
          const [mode, device] of [["legacy", "CXPU_VISIBLE_DEVICES=0"], [
            "csv",
            "CXPU_VISIBLE_DEVICES=0",
          ], ["cdi", "CXPU_VISIBLE_DEVICES=kunlunxin.com/xpu=0"]]
        ) {
          await t.step(`${mode} mode`, async () => {
            setMode(mode!);
            const out = await runXpu([device!]);
            assertEquals(out.code, 0, out.stderr);
            assertMatch(
              out.stdout,
              new RegExp(`^crw-rw-rw-\\s+1 0\\s+0\\s+${XPU_MAJOR},\\s+0 .* xpu0$`, "m"),
            );
            assertNotMatch(out.stdout, /xpu1/);
            const none = await runXpu([]);
            assertEquals(none.code, 0, none.stderr);
            assertNotMatch(none.stdout, /xpu/);
            if (mode === "legacy") {
              // Without --runtime: the default runtime, which configure made xpu.
              const byDefault = await docker(
                ["run", "--rm", "--network", "none", "-e", device!, "busybox-xpu", "ls", "/dev"],
              );
              assertEquals(byDefault.code, 0, byDefault.stderr);
              assertMatch(byDefault.stdout, /^xpu0$/m);
            }
            const bogus = await runXpu([device!, "CXPU_DRIVER_CAPABILITIES=bogus"]);
            assertEquals(bogus.code, 125);
            assertMatch(
              bogus.stderr,
              /OCI runtime create failed: .*Unsupported CXPU_DRIVER_CAPABILITIES value "bogus": supported are compute, compat32, utility and all/,
            );
          });
        }
      } finally {
        await dockerd.stop();
      }
      assertEquals((await ctk("unconfigure", "--runtime-name", "xpu-b")).code, 0);
      assertEquals((await ctk("unconfigure")).code, 0);
      assertEquals(Deno.lstatSync(daemonJson).isSymlink, true);
      assertEquals(Deno.readTextFileSync(daemonJson), original);
    });
  },
});

Deno.test({
  name: "containerd accepts the drop-in xpu-ctk configures: config dump shows the xpu runtime",
  ignore: runcUnavailable(),
  fn: async () => {
    await withTempDir(async (dir) => {
      Deno.writeTextFileSync(`${dir}/config.toml`, "# site config\nversion = 2\n");
      const out = await runBin("xpu-ctk", [
        "runtime",
        "configure",
        "--runtime=containerd",
        "--config",
        `${dir}/config.toml`,
        "--runtime-path",
        "/usr/bin/xpu-container-runtime",
      ]);
      assertEquals(out.code, 0, out.stderr);
      const dump = await run("containerd", ["--config", `${dir}/config.toml`, "config", "dump"]);
      assertEquals(dump.code, 0, dump.stderr);
      assertMatch(
        dump.stdout,
        /\[plugins\."io\.containerd\.grpc\.v1\.cri"\.containerd\.runtimes\.xpu\]\n(?:.*\n)*?\s+runtime_type = "io\.containerd\.runc\.v2"/,
      );
      assertMatch(
        dump.stdout,
        /\[plugins\."io\.containerd\.grpc\.v1\.cri"\.containerd\.runtimes\.xpu\.options\]\n\s+BinaryName = "\/usr\/bin\/xpu-container-runtime"/,
      );
    });
  },
});
