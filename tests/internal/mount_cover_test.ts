import { assertEquals } from "../assert.ts";
import { outermost } from "../../src/internal/mount_ns.ts";
import { inUserNamespace } from "../../src/internal/userns.ts";

Deno.test("outermost() keeps the mount points no other one holds: covering them hides the rest", () => {
  assertEquals(
    outermost([
      "/r/sys/fs/cgroup/unified",
      "/r/sys/fs/cgroup/cpu",
      "/r/sys/fs/cgroup",
      "/r/sys",
      "/r/proc/sys/fs/binfmt_misc",
      "/r/proc",
      "/r/proc",
      "/r/system",
    ]),
    ["/r/proc", "/r/sys", "/r/system"],
  );
});

Deno.test("inUserNamespace() is false only for the initial namespace's identity map", () => {
  assertEquals(inUserNamespace("         0          0 4294967295\n"), false);
  assertEquals(inUserNamespace("         0      65534          1\n"), true);
  assertEquals(
    inUserNamespace("         0       1000          1\n         1     100000      65536\n"),
    true,
  );
});
