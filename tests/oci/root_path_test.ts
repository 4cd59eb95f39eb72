import { assertEquals } from "../assert.ts";
import { rootfsPath } from "../../src/oci/root_path.ts";

Deno.test("rootfsPath resolves root.path against the bundle and cleans it as runc does, `..` by name", () => {
  const cases: [unknown, string | undefined][] = [
    ["rootfs", "/b/rootfs"],
    ["rootfs/", "/b/rootfs"],
    ["/abs/rootfs//", "/abs/rootfs"],
    // runc joins and cleans the path (Go's filepath.Join): a link before `..` is not followed.
    ["link/../rootfs", "/b/rootfs"],
    ["./a/./../rootfs", "/b/rootfs"],
    ["../other/rootfs", "/other/rootfs"],
    ["/", "/"],
    ["", undefined],
    [undefined, undefined],
    [7, undefined],
  ];
  for (const [path, want] of cases) {
    assertEquals(rootfsPath({ root: { path: path as string } }, "/b"), want, String(path));
  }
});
