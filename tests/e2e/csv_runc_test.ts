import { assertEquals, assertMatch, assertNotMatch } from "../assert.ts";
import { configEnv, q, withTempDir } from "../helpers.ts";
import { makeBundle, runcUnavailable, runThroughShim } from "./bundle.ts";
import { makeDriverRoot, XPU_MAJOR, XPUCTRL_MINOR } from "./driver.ts";

const ignore = runcUnavailable();

const SCRIPT = [
  "ls -l /dev/xpu1 /dev/xpuctrl",
  "test -e /dev/xpu0 && echo 'xpu0 visible'",
  // No driver serves the fake major: an open the device cgroup allows fails with ENXIO, one it
  // denies with EPERM. So ENXIO proves the allow rule is there.
  "cat /dev/xpu1 2>&1 | sed 's/^/open xpu1: /'",
  "cat /dev/xpuctrl 2>&1 | sed 's/^/open xpuctrl: /'",
  "(echo x >> /usr/local/xpu/lib64/libxpuml.so.1.2.3) 2>&1 | sed 's/^/write lib: /'",
  "echo link: $(readlink /usr/local/xpu/lib64/libxpuml.so.1)",
  "cat /usr/local/xpu/lib64/libxpuml.so.1",
  "cat /etc/ld.so.conf.d/*",
].join("; ");

Deno.test({
  name:
    "csv mode under runc: the requested device, the control node, a read-only library and its link",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const driver = makeDriverRoot(`${dir}/driver`);
      Deno.mkdirSync(`${dir}/csv`);
      Deno.writeTextFileSync(
        `${dir}/csv/xpu.csv`,
        "# the simulated driver\ndev, /dev/xpu0\ndev, /dev/xpu1\ndev, /dev/xpuctrl\n" +
          "lib, /usr/local/xpu/lib64/libxpuml.so.1\nlib, /usr/local/xpu/lib64/libxpuml.so.1.2.3\n",
      );
      const env = configEnv(
        `${dir}/xdg`,
        `[xpu-container-cli]\nroot = ${
          q(driver)
        }\n[xpu-container-runtime]\nruntimes = ["runc"]\nmode = "csv"\n` +
          `[xpu-container-runtime.modes.csv]\nmount-spec-path = ${q(`${dir}/csv`)}\n`,
      );
      const b = makeBundle(`${dir}/bundle`, {
        args: ["sh", "-c", SCRIPT],
        env: ["CXPU_VISIBLE_DEVICES=1"],
      });
      const out = await runThroughShim(dir, env, b);
      assertEquals(out.code, 0, out.stderr);
      const text = out.stdout;
      assertMatch(
        text,
        new RegExp(`^crw-rw-rw-\\s+1 0\\s+0\\s+${XPU_MAJOR},\\s+1 .* /dev/xpu1$`, "m"),
      );
      assertMatch(
        text,
        new RegExp(
          `^crw-rw-rw-\\s+1 0\\s+0\\s+${XPU_MAJOR},\\s+${XPUCTRL_MINOR} .* /dev/xpuctrl$`,
          "m",
        ),
      );
      assertNotMatch(text, /xpu0 visible/);
      assertMatch(text, /^open xpu1: cat: can't open '\/dev\/xpu1': No such device or address$/m);
      assertMatch(
        text,
        /^open xpuctrl: cat: can't open '\/dev\/xpuctrl': No such device or address$/m,
      );
      assertMatch(
        text,
        /^write lib: sh: can't create \/usr\/local\/xpu\/lib64\/libxpuml\.so\.1\.2\.3: Read-only file system$/m,
      );
      assertMatch(text, /^link: libxpuml\.so\.1\.2\.3$/m);
      assertMatch(text, /^fake libxpuml$/m);
      assertMatch(text, /^# Written by xpu-ctk hook update-ldcache\n\/usr\/local\/xpu\/lib64$/m);
      assertEquals(
        Deno.readTextFileSync(`${driver}/usr/local/xpu/lib64/libxpuml.so.1.2.3`),
        "fake libxpuml\n",
      );
    });
  },
});
