/**
 * Hostile root filesystems through real runc, started by `xpu-ctk run` in csv mode: once with
 * the runtime shim preparing the root at create (in its private mount namespace), once with the
 * helper hook doing it as a createContainer hook in the container's mount namespace (a procfs
 * mounted in the root), which a mount covering the library folder makes the shim leave to it.
 * The decoy host tree must be unchanged, whether the container starts or is refused.
 */

import { assertEquals, assertMatch } from "../assert.ts";
import { runBin, withTempDir } from "../helpers.ts";
import { makeRootfs, runcUnavailable } from "./bundle.ts";
import { csvConfigFile } from "./driver.ts";
import { makeDecoy, snapshot } from "../hook/hostile.ts";

const ignore = runcUnavailable();

/** A layout: what it does to the root, and what it leaves to undo; `rw` runs the root as it is. */
interface Layout {
  readonly setup: (rootfs: string, decoy: string) => (() => void) | void;
  readonly rw?: boolean;
}

const LAYOUTS: [string, Layout][] = [
  ["/etc through a missing component and `..`", {
    setup: (r, d) => {
      Deno.removeSync(`${r}/etc`, { recursive: true });
      Deno.symlinkSync("nx/../h/etc", `${r}/etc`);
      Deno.symlinkSync(d, `${r}/h`);
    },
  }],
  ["/etc and /usr through /proc/self/root and /proc/1/root", {
    setup: (r, d) => {
      Deno.removeSync(`${r}/etc`, { recursive: true });
      Deno.symlinkSync(`/proc/self/root${d}/etc`, `${r}/etc`);
      Deno.symlinkSync(`/proc/1/root${d}/usr`, `${r}/usr`);
    },
  }],
  ["/etc/ld.so.conf.d as an absolute link to the host's", {
    setup: (r, d) => {
      Deno.symlinkSync(`${d}/etc/ld.so.conf.d`, `${r}/etc/ld.so.conf.d`);
      Deno.symlinkSync(`${d}/etc/ld.so.conf`, `${r}/etc/ld.so.conf`);
    },
  }],
  ["an ld.so.conf that includes a host file and names a host directory through /proc/1/root", {
    setup: (r, d) => {
      Deno.writeTextFileSync(
        `${r}/etc/ld.so.conf`,
        `include /proc/1/root${d}/secret\n/proc/1/root${d}/usr/lib\n`,
      );
    },
  }],
  ["ldconfig's aux cache through /proc/1/root", {
    setup: (r, d) => {
      Deno.mkdirSync(`${r}/var`);
      Deno.symlinkSync(`/proc/1/root${d}`, `${r}/var/cache`);
    },
  }],
  ["a procfs mounted in the root before create, and /var/cache through it", {
    rw: true,
    setup: (r, d) => {
      const out = new Deno.Command("mount", { args: ["-t", "proc", "proc", `${r}/proc`] })
        .outputSync();
      if (!out.success) throw new Error("mount proc failed");
      Deno.mkdirSync(`${r}/var`);
      Deno.symlinkSync(`/proc/1/root${d}`, `${r}/var/cache`);
      return () => {
        new Deno.Command("umount", { args: ["-l", `${r}/proc`] }).outputSync();
      };
    },
  }],
];

const WAYS: [string, string[]][] = [
  ["the runtime shim at create", []],
  ["the helper hook", ["--mount", "LIBDIR:/usr/local/xpu/lib64"]],
];

for (const [name, layout] of LAYOUTS) {
  for (const [way, extra] of WAYS) {
    Deno.test({
      name: `escape through runc (${way}): ${name}: the host is unchanged`,
      ignore,
      fn: async () => {
        await withTempDir(async (dir) => {
          const config = csvConfigFile(dir);
          const decoy = makeDecoy(dir);
          const rootfs = makeRootfs(dir);
          Deno.mkdirSync(`${dir}/libdir`);
          const undo = layout.setup(rootfs, decoy);
          const before = snapshot(decoy);
          let out;
          try {
            out = await runBin("xpu-ctk", [
              "--config",
              config,
              "run",
              "--rootfs",
              rootfs,
              ...(layout.rw ? ["--rw"] : []),
              ...extra.map((a) => a.replace("LIBDIR", `${dir}/libdir`)),
              "--xpus",
              "0",
              "--",
              "sh",
              "-c",
              "cat /etc/ld.so.conf.d/00-xpu-container-toolkit.conf",
            ]);
          } finally {
            undo?.();
          }
          assertEquals(snapshot(decoy), before, `${name}: ${out.stderr}`);
          assertEquals(out.stderr.includes("host-secret"), false, out.stderr);
          if (out.code === 0) {
            assertMatch(out.stdout, /^\/usr\/local\/xpu\/lib64$/m);
          } else {
            // Refused, with one line that names the path: the shim's own, or the hook's in
            // runc's error.
            assertMatch(
              out.stderr,
              /(xpu-container-runtime|xpu-ctk hook [a-z-]+): .*("\/[^"]*"|ldconfig)/,
            );
          }
        });
      },
    });
  }
}
