import { assertEquals, assertThrows } from "../assert.ts";
import { resolveInRoot, writeFileAtomic } from "../../src/internal/fs.ts";
import { withTempDir } from "../helpers.ts";

Deno.test("resolveInRoot() never leaves the root", async () => {
  await withTempDir((dir) => {
    const root = `${dir}/root`;
    Deno.mkdirSync(`${root}/usr/lib`, { recursive: true });
    Deno.mkdirSync(`${dir}/outside`);
    Deno.symlinkSync(`${dir}/outside`, `${root}/etc`); // absolute: re-rooted
    Deno.symlinkSync("../../..", `${root}/usr/lib/up`); // climbs past the root
    Deno.symlinkSync("/", `${root}/slash`);
    Deno.symlinkSync("usr/lib", `${root}/rel`);
    Deno.symlinkSync("loop", `${root}/loop`);
    // A missing component and a `..` after it: looking resumes where components exist.
    Deno.symlinkSync("nx/../h/etc", `${root}/climb`);
    Deno.symlinkSync(`${dir}/outside`, `${root}/h`);
    const cases: [string, string][] = [
      ["/etc/passwd", `${root}${dir}/outside/passwd`],
      ["/usr/lib/up/evil", `${root}/evil`],
      ["/../../../etc", `${root}${dir}/outside`],
      ["/slash/usr/lib", `${root}/usr/lib`],
      ["/rel/x", `${root}/usr/lib/x`],
      ["/usr/./lib/../lib/y", `${root}/usr/lib/y`],
      ["/missing/a/b", `${root}/missing/a/b`],
      ["/climb/ld.so.conf.d", `${root}${dir}/outside/etc/ld.so.conf.d`],
      ["/missing/../h", `${root}${dir}/outside`],
      ["/", root],
    ];
    for (const [path, expected] of cases) assertEquals(resolveInRoot(root, path), expected, path);
    assertThrows(() => resolveInRoot(root, "/loop/x"), Error, "Too many symlinks");
  });
});

Deno.test("writeFileAtomic() writes new files with the given mode and keeps an existing mode", async () => {
  await withTempDir((dir) => {
    writeFileAtomic(`${dir}/a`, "one", 0o640);
    assertEquals((Deno.statSync(`${dir}/a`).mode ?? 0) & 0o777, 0o640);
    Deno.chmodSync(`${dir}/a`, 0o600);
    writeFileAtomic(`${dir}/a`, "two");
    assertEquals(Deno.readTextFileSync(`${dir}/a`), "two");
    assertEquals((Deno.statSync(`${dir}/a`).mode ?? 0) & 0o777, 0o600);
  });
});
