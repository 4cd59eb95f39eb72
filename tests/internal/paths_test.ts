import { assertEquals } from "../assert.ts";
import { baseName, cleanPath, climbsAboveRoot } from "../../src/internal/paths.ts";

Deno.test("cleanPath() drops . and empty components and applies ..", () => {
  const cases: [string, string][] = [
    ["/usr/../lib/x", "/lib/x"],
    ["//usr///lib/./x/", "/usr/lib/x"],
    ["/", "/"],
    ["/..", "/"],
    ["/../../etc", "/etc"],
    ["/a/b/../../..", "/"],
    ["a/../../b", "../b"],
    ["./a/.", "a"],
    ["", "."],
  ];
  for (const [path, clean] of cases) assertEquals(cleanPath(path), clean, path);
});

Deno.test("climbsAboveRoot() tells whether a .. climbs above /", () => {
  const cases: [string, boolean][] = [
    ["/usr/../lib/x", false],
    ["/a/b/../..", false],
    ["/../etc", true],
    ["/../../../../etc", true],
    ["/usr/../../etc/x", true],
    ["/a/./../b/..", false],
    ["/a/../..", true],
  ];
  for (const [path, climbs] of cases) assertEquals(climbsAboveRoot(path), climbs, path);
});

Deno.test("baseName() takes the last component", () => {
  assertEquals(baseName("/a/b/xpu-ctk"), "xpu-ctk");
  assertEquals(baseName("xpu-ctk"), "xpu-ctk");
  assertEquals(baseName("/a/b/"), "b");
});
