import { assertEquals, assertThrows } from "../assert.ts";
import { withTempDir } from "../helpers.ts";
import { glob, importNames, loadOrder, resolveImport } from "../../src/engine/containerd_files.ts";
import { parseContainerdToml } from "../../src/engine/containerd_toml.ts";

function write(path: string, text: string): void {
  Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  Deno.writeTextFileSync(path, text);
}

Deno.test("glob() matches like Go's filepath.Glob: *, ?, classes, sorted, dot files too", async () => {
  await withTempDir((dir) => {
    for (const f of ["b.toml", "a.toml", ".h.toml", "a.json", "c1.toml", "sub/x.toml"]) {
      write(`${dir}/d/${f}`, "");
    }
    assertEquals(glob(`${dir}/d/*.toml`), [
      `${dir}/d/.h.toml`,
      `${dir}/d/a.toml`,
      `${dir}/d/b.toml`,
      `${dir}/d/c1.toml`,
    ]);
    assertEquals(glob(`${dir}/d/?.toml`), [`${dir}/d/a.toml`, `${dir}/d/b.toml`]);
    assertEquals(glob(`${dir}/d/[ab].*`), [
      `${dir}/d/a.json`,
      `${dir}/d/a.toml`,
      `${dir}/d/b.toml`,
    ]);
    assertEquals(glob(`${dir}/*/x.toml`), []);
    assertEquals(glob(`${dir}/d/*/x.toml`), [`${dir}/d/sub/x.toml`]);
    assertEquals(glob(`${dir}/none/*.toml`), []);
    assertEquals(glob(`${dir}/d/a.toml`), [`${dir}/d/a.toml`]);
  });
});

Deno.test("resolveImport() joins a relative entry to the parent's directory; 1.x globs a relative pattern from /", () => {
  assertEquals(resolveImport("/etc/containerd/config.toml", "conf.d/../x.toml", false), [
    "/etc/containerd/x.toml",
  ]);
  assertEquals(resolveImport("/etc/containerd/config.toml", "/a//b.toml", false), ["/a/b.toml"]);
  assertEquals(importNames("/e/config.toml", "conf.d/*.toml", "/conf.d/99-xpu.toml", false), true);
  assertEquals(importNames("/e/config.toml", "conf.d/*.toml", "/e/conf.d/99-xpu.toml", true), true);
  assertEquals(
    importNames("/e/config.toml", "/e/conf.d/9?-*", "/e/conf.d/99-xpu.toml", false),
    true,
  );
  assertEquals(
    importNames("/e/config.toml", "/e/conf.d/*.conf", "/e/conf.d/99-xpu.toml", false),
    false,
  );
  assertEquals(
    importNames("/e/config.toml", "./conf.d/99-xpu.toml", "/e/conf.d/99-xpu.toml", false),
    true,
  );
});

Deno.test("loadOrder() is containerd's: the root, then imports breadth first, each file once", async () => {
  await withTempDir((dir) => {
    const root = `${dir}/config.toml`;
    const rootDoc = parseContainerdToml(`imports = ["a.toml", "${dir}/d/*.toml"]\n`, root);
    write(`${dir}/a.toml`, 'imports = ["deep.toml", "config.toml"]\n');
    write(`${dir}/deep.toml`, "");
    write(`${dir}/d/1.toml`, `imports = ["${dir}/a.toml"]\n`);
    write(`${dir}/d/2.toml`, "");
    const order = loadOrder(root, new Map([[root, rootDoc]]), false).map((f) => f.path);
    assertEquals(order, [
      root,
      `${dir}/a.toml`,
      `${dir}/d/1.toml`,
      `${dir}/d/2.toml`,
      `${dir}/deep.toml`,
    ]);
    const skipped = loadOrder(root, new Map([[root, rootDoc]]), false, (p) => p.endsWith("1.toml"));
    assertEquals(skipped.length, 4);
  });
});

Deno.test("loadOrder() names an imported file that is missing or broken, as containerd fails on it", async () => {
  await withTempDir((dir) => {
    const root = `${dir}/config.toml`;
    const doc = parseContainerdToml('imports = ["gone.toml"]\n', root);
    assertThrows(
      () => loadOrder(root, new Map([[root, doc]]), false),
      Error,
      `"${dir}/gone.toml", imported by "${root}", cannot be read: it does not exist`,
    );
    write(`${dir}/gone.toml`, "[plugins\n");
    assertThrows(
      () => loadOrder(root, new Map([[root, doc]]), false),
      Error,
      `Invalid config "${dir}/gone.toml": line 1, column`,
    );
  });
});
