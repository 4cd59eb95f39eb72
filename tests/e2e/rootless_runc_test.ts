/**
 * The shim under rootless runc, run by an unprivileged user: the requested node is a bind mount
 * of the driver root's node, the others are absent, and the library is there with its ld cache
 * (made by the helper hook, which runs in the user namespace).
 */
import { assertEquals } from "../assert.ts";
import { bin, configEnv, type Output, rootOnly, run, withTempDir } from "../helpers.ts";
import { makeRootfs, runcUnavailable } from "./bundle.ts";
import { csvConfigFile } from "./driver.ts";

/** nobody: a user with no rights of its own. */
const USER = 65534;
const AS_USER = ["setpriv", `--reuid=${USER}`, `--regid=${USER}`, "--clear-groups"];

const SCRIPT = "for f in /dev/xpu*; do [ ! -e $f ] || echo $f; done; " +
  "cat /usr/local/xpu/lib64/libxpuml.so.1; " +
  "grep -v '^#' /etc/ld.so.conf.d/*; ls /etc/ld.so.cache";

async function must(what: string, out: Promise<Output>): Promise<void> {
  const r = await out;
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.stdout}${r.stderr}`);
}

/** A `runc spec --rootless` busybox bundle made by USER, running SCRIPT. */
export async function rootlessBundle(dir: string, args: string[]): Promise<string> {
  Deno.mkdirSync(dir);
  makeRootfs(dir);
  Deno.mkdirSync(`${dir}/rootfs/usr/local/xpu/lib64`, { recursive: true });
  await must("chown", run("chown", ["-R", `${USER}:${USER}`, dir]));
  await must(
    "runc spec --rootless",
    run(AS_USER[0]!, [...AS_USER.slice(1), "runc", "spec", "--rootless"], { cwd: dir }),
  );
  const spec = JSON.parse(Deno.readTextFileSync(`${dir}/config.json`));
  spec.process.terminal = false;
  spec.process.args = args;
  spec.process.env.push("CXPU_VISIBLE_DEVICES=1");
  Deno.writeTextFileSync(`${dir}/config.json`, JSON.stringify(spec, null, "\t"));
  return dir;
}

Deno.test({
  name:
    "a user's rootless runc through the shim: /dev/xpu1 bound from the driver root, not /dev/xpu0, the library and its ld cache made by the helper hook",
  ignore: rootOnly("mknod and setpriv") || runcUnavailable(),
  fn: async () => {
    await withTempDir(async (dir) => {
      Deno.chmodSync(dir, 0o755);
      const config = Deno.readTextFileSync(csvConfigFile(`${dir}/host`));
      const bundle = await rootlessBundle(`${dir}/user`, ["sh", "-c", SCRIPT]);
      const out = await run(AS_USER[0]!, [
        ...AS_USER.slice(1),
        bin("xpu-container-runtime"),
        "--rootless=true",
        `--root=${dir}/user/state`,
        "run",
        "-b",
        bundle,
        "rootless-xpu",
      ], {
        clearEnv: true,
        env: {
          PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
          ...configEnv(`${dir}/xdg`, config),
        },
        cwd: "/",
        timeoutMs: 60_000,
      });
      assertEquals(
        [out.code, out.stdout],
        [0, "/dev/xpu1\n/dev/xpuctrl\nfake libxpuml\n/usr/local/xpu/lib64\n/etc/ld.so.cache\n"],
        out.stderr,
      );
    });
  },
});
