import { assertEquals, assertMatch, assertNotMatch } from "../assert.ts";
import { configEnv, q, run, withTempDir } from "../helpers.ts";
import { makeBundle, makeRootfs, runcUnavailable, runThroughShim } from "./bundle.ts";
import { generateCdiSpec, makeDriverRoot, XPU_MAJOR } from "./driver.ts";
import { havePodman, podmanFlags, RUN_FLAGS } from "./podman.ts";

const ignore = runcUnavailable();
const SCRIPT =
  "ls -l /dev/xpu*; readlink /usr/local/xpu/lib64/libxpuml.so.1; cat /usr/local/xpu/lib64/libxpuml.so.1.2.3; cat /etc/ld.so.conf.d/*";

function checkView(out: string) {
  assertMatch(out, new RegExp(`^crw-rw-rw-\\s+1 0\\s+0\\s+${XPU_MAJOR},\\s+0 .* /dev/xpu0$`, "m"));
  assertMatch(
    out,
    new RegExp(`^crw-rw-rw-\\s+1 0\\s+0\\s+${XPU_MAJOR},\\s+255 .* /dev/xpuctrl$`, "m"),
  );
  assertNotMatch(out, /xpu1/);
  assertMatch(
    out,
    /^libxpuml\.so\.1\.2\.3\nfake libxpuml\n# Written by xpu-ctk hook update-ldcache\n\/usr\/local\/xpu\/lib64\n$/m,
  );
}

async function generate(dir: string): Promise<string> {
  const driver = makeDriverRoot(`${dir}/driver`);
  const spec = `${dir}/xpu-${crypto.randomUUID().slice(0, 8)}.yaml`;
  await generateCdiSpec(driver, spec);
  return spec;
}

function existsSync(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test({
  name: "podman accepts a generated spec: --device kunlunxin.com/xpu=0 gives the node and library",
  ignore: ignore ||
    (!havePodman() && !Deno.env.get("CI") &&
      (console.warn("SKIPPED: podman missing: make deps"), true)),
  fn: async () => {
    await withTempDir(async (dir) => {
      const spec = await generate(dir);
      makeRootfs(dir);
      const tar = await run("tar", ["-C", `${dir}/rootfs`, "-cf", `${dir}/rootfs.tar`, "."]);
      assertEquals(tar.code, 0, tar.stderr);
      const podman = [...podmanFlags(dir), "--runtime", "runc"];
      const image = await run("podman", [...podman, "import", `${dir}/rootfs.tar`, "busybox-xpu"], {
        timeoutMs: 120_000,
      });
      assertEquals(image.code, 0, image.stderr);
      // Debian's podman has no --cdi-spec-dir: the spec goes to /etc/cdi under a unique name.
      const created = !existsSync("/etc/cdi");
      Deno.mkdirSync("/etc/cdi", { recursive: true });
      const installed = `/etc/cdi/${spec.slice(spec.lastIndexOf("/") + 1)}`;
      Deno.copyFileSync(spec, installed);
      try {
        const out = await run("podman", [
          ...podman,
          "run",
          ...RUN_FLAGS,
          "--device",
          "kunlunxin.com/xpu=0",
          "busybox-xpu",
          "sh",
          "-c",
          SCRIPT,
        ], { timeoutMs: 120_000 });
        assertEquals(out.code, 0, out.stderr);
        checkView(out.stdout);
      } finally {
        Deno.removeSync(installed);
        if (created) Deno.removeSync("/etc/cdi");
        await run("podman", [...podman, "rmi", "-af"], { timeoutMs: 60_000 });
      }
    });
  },
});

Deno.test({
  name: "our runtime in cdi mode under runc gives the container the same view",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const spec = await generate(dir);
      Deno.mkdirSync(`${dir}/cdi`);
      Deno.renameSync(spec, `${dir}/cdi/xpu.yaml`);
      const env = configEnv(
        `${dir}/xdg`,
        `[xpu-container-runtime]\nruntimes = ["runc"]\n[xpu-container-runtime.modes.cdi]\nspec-dirs = [${
          q(`${dir}/cdi`)
        }]\ncache-dir = ${q(`${dir}/cache`)}\n`,
      );
      const b = makeBundle(`${dir}/bundle`, {
        args: ["sh", "-c", SCRIPT],
        env: ["CXPU_VISIBLE_DEVICES=kunlunxin.com/xpu=0"],
      });
      const out = await runThroughShim(dir, env, b);
      assertEquals(out.code, 0, out.stderr);
      checkView(out.stdout);
    });
  },
});
