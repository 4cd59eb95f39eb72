/**
 * Hostile root filesystems through real runc: the helper hooks run as createContainer hooks in
 * the container's mount namespace (a procfs mounted in the root), started by `xpu-ctk run` in
 * csv mode. The decoy host tree must be unchanged, whether the container starts or is refused.
 */

import { assertEquals, assertMatch } from "../assert.ts";
import { runBin, withTempDir } from "../helpers.ts";
import { makeRootfs, runcUnavailable } from "./bundle.ts";
import { csvConfigFile } from "./driver.ts";
import { makeDecoy, snapshot } from "../hook/hostile.ts";

const ignore = runcUnavailable();

const LAYOUTS: [string, (rootfs: string, decoy: string) => void][] = [
  ["/etc through a missing component and `..`", (r, d) => {
    Deno.removeSync(`${r}/etc`, { recursive: true });
    Deno.symlinkSync("nx/../h/etc", `${r}/etc`);
    Deno.symlinkSync(d, `${r}/h`);
  }],
  ["/etc and /usr through /proc/self/root and /proc/1/root", (r, d) => {
    Deno.removeSync(`${r}/etc`, { recursive: true });
    Deno.symlinkSync(`/proc/self/root${d}/etc`, `${r}/etc`);
    Deno.symlinkSync(`/proc/1/root${d}/usr`, `${r}/usr`);
  }],
  ["/etc/ld.so.conf.d as an absolute link to the host's", (r, d) => {
    Deno.symlinkSync(`${d}/etc/ld.so.conf.d`, `${r}/etc/ld.so.conf.d`);
    Deno.symlinkSync(`${d}/etc/ld.so.conf`, `${r}/etc/ld.so.conf`);
  }],
];

for (const [name, setup] of LAYOUTS) {
  Deno.test({
    name: `escape through runc: ${name}: the host is unchanged`,
    ignore,
    fn: async () => {
      await withTempDir(async (dir) => {
        const config = csvConfigFile(dir);
        const decoy = makeDecoy(dir);
        const rootfs = makeRootfs(dir);
        setup(rootfs, decoy);
        const before = snapshot(decoy);
        const out = await runBin("xpu-ctk", [
          "--config",
          config,
          "run",
          "--rootfs",
          rootfs,
          "--xpus",
          "0",
          "--",
          "sh",
          "-c",
          "cat /etc/ld.so.conf.d/00-xpu-container-toolkit.conf",
        ]);
        assertEquals(snapshot(decoy), before, `${name}: ${out.stderr}`);
        if (out.code === 0) {
          assertMatch(out.stdout, /^\/usr\/local\/xpu\/lib64$/m);
        } else {
          // Refused: runc shows the hook's one line, which names the path.
          assertMatch(out.stderr, /xpu-ctk hook [a-z-]+: .*"\/[^"]*"/);
        }
      });
    },
  });
}
