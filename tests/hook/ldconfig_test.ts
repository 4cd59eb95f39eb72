import { assertEquals, assertMatch, assertNotMatch } from "../assert.ts";
import { rootOnly, withTempDir } from "../helpers.ts";
import { LDCONFIG_LIMITS, runLdconfig } from "../../src/internal/ldconfig.ts";
import { mountsBelow } from "../../src/internal/mount_ns.ts";
import { Logger } from "../../src/internal/log.ts";

Deno.test("mountsBelow() finds the host file systems at or below a directory, deepest first", () => {
  const info = [
    "22 1 0:5 / /proc rw,nosuid - proc proc rw",
    "80 70 0:55 / /b/rootfs/proc rw - proc proc rw",
    "81 80 0:56 / /b/rootfs/proc/sys/fs/binfmt_misc rw - binfmt_misc x rw",
    "82 70 0:57 / /b/rootfs/sys ro - sysfs sysfs ro",
    "83 70 0:58 / /b/rootfs/dev rw - tmpfs tmpfs rw",
    "84 70 0:59 / /b/rootfs2/proc rw - proc proc rw",
    "85 70 0:60 / /b/root\\040fs/proc rw - proc proc rw",
    "86 70 0:61 / /b/rootfs rw master:1 - proc proc rw",
    "",
  ].join("\n");
  assertEquals(mountsBelow(info, "/b/rootfs", new Set(["proc", "sysfs", "binfmt_misc"])), [
    "/b/rootfs/proc/sys/fs/binfmt_misc",
    "/b/rootfs/proc",
    "/b/rootfs/sys",
    "/b/rootfs",
  ]);
  assertEquals(mountsBelow(info, "/b/root fs", new Set(["proc"])), ["/b/root fs/proc"]);
});

Deno.test({
  name: "ldconfig stops at its address-space limit when the image makes it read /dev/zero",
  ignore: rootOnly("mknod needs root"),
  fn: async () => {
    await withTempDir((dir) => {
      const root = `${dir}/rootfs`;
      Deno.mkdirSync(`${root}/etc`, { recursive: true });
      Deno.mkdirSync(`${root}/dev`);
      new Deno.Command("mknod", { args: [`${root}/dev/zero`, "c", "1", "5"] }).outputSync();
      Deno.writeTextFileSync(`${root}/etc/ld.so.conf`, "include /dev/zero\n");
      let message = "";
      try {
        runLdconfig("/sbin/ldconfig", root, new Logger(), {
          ...LDCONFIG_LIMITS,
          maxBytes: 64 << 20,
          timeoutMs: 60_000,
          isolate: false,
        });
      } catch (e) {
        message = (e as Error).message;
      }
      // Without the limit it would read until the time limit (or the host's memory) ran out.
      assertNotMatch(message, /did not finish/);
      if (message) assertMatch(message, /^"\/sbin\/ldconfig -r .*" (failed|was killed)/);
    });
  },
});

Deno.test({
  name: "ldconfig made to write without end by the image's conf files stops at its time limit",
  ignore: rootOnly("ldconfig -r writes the root's cache"),
  fn: async () => {
    await withTempDir((dir) => {
      // Each conf file includes both, and each inclusion prints a warning: ldconfig writes its
      // stderr faster than 100 MB/s until it is killed.
      const root = `${dir}/rootfs`;
      const conf = `${root}/etc/ld.so.conf.d`;
      Deno.mkdirSync(conf, { recursive: true });
      Deno.writeTextFileSync(`${root}/etc/ld.so.conf`, "include /etc/ld.so.conf.d/*.conf\n");
      for (const name of ["a", "b"]) {
        Deno.writeTextFileSync(
          `${conf}/${name}.conf`,
          "hwcap 1 x\ninclude /etc/ld.so.conf.d/*.conf\n",
        );
      }
      let message = "";
      try {
        runLdconfig("/sbin/ldconfig", root, new Logger(), {
          ...LDCONFIG_LIMITS,
          timeoutMs: 1000,
          isolate: false,
        });
      } catch (e) {
        message = (e as Error).message;
      }
      assertEquals(
        message,
        `"/sbin/ldconfig -r ${Deno.realPathSync(root)}" did not finish within 1 s`,
      );
    });
  },
});
