import { assertEquals } from "../assert.ts";
import { discoverHostFiles } from "../../src/discover/host_files.ts";
import { parseCsv } from "../../src/discover/csv_spec.ts";
import { rootOnly, withTempDir } from "../helpers.ts";
import { makeDriverRoot, XPU_MAJOR, XPUCTRL_MINOR } from "../e2e/driver.ts";

Deno.test({
  name:
    "discoverHostFiles() finds device numbers, resolves library links, and warns about the missing",
  ignore: rootOnly("mknod"),
  fn: async () => {
    await withTempDir((dir) => {
      const root = makeDriverRoot(`${dir}/driver`);
      Deno.chmodSync(`${root}/dev/xpu1`, 0o660);
      Deno.mkdirSync(`${root}/usr/local/xpu/bin`, { recursive: true });
      Deno.symlinkSync("libxpuml.so.1", `${root}/usr/local/xpu/lib64/libxpuml.so`);
      const csv = [
        "dev, /dev/xpu0",
        "dev, /dev/xpu1",
        "dev, /dev/xpuctrl",
        "dev, /dev/xpu9",
        "lib, /usr/local/xpu/lib64/libxpuml.so.1",
        "lib, /usr/local/xpu/lib64/libxpuml.so.1.2.3",
        "sym, /usr/local/xpu/lib64/libxpuml.so",
        "dir, /usr/local/xpu/bin",
        "dev, /usr/local/xpu/bin",
      ].join("\n");
      const files = discoverHostFiles(parseCsv(csv, "x.csv").entries, root);
      assertEquals(files.devices.map((d) => [d.path, d.major, d.minor, d.fileMode.toString(8)]), [
        ["/dev/xpu0", XPU_MAJOR, 0, "666"],
        ["/dev/xpu1", XPU_MAJOR, 1, "660"],
        ["/dev/xpuctrl", XPU_MAJOR, XPUCTRL_MINOR, "666"],
      ]);
      assertEquals(files.mounts, [
        {
          path: "/usr/local/xpu/lib64/libxpuml.so.1.2.3",
          hostPath: `${root}/usr/local/xpu/lib64/libxpuml.so.1.2.3`,
        },
        { path: "/usr/local/xpu/bin", hostPath: `${root}/usr/local/xpu/bin` },
      ]);
      assertEquals(files.links, [
        { target: "libxpuml.so.1.2.3", link: "/usr/local/xpu/lib64/libxpuml.so.1" },
        { target: "libxpuml.so.1", link: "/usr/local/xpu/lib64/libxpuml.so" },
      ]);
      assertEquals(files.libraryDirs, ["/usr/local/xpu/lib64"]);
      assertEquals(files.warnings, [
        `x.csv:4: dev "${root}/dev/xpu9" not found; skipped`,
        `x.csv:9: "${root}/usr/local/xpu/bin" is not a character device; skipped`,
      ]);
    });
  },
});

Deno.test("discoverHostFiles() follows symlinks in an entry's directories inside the driver root only", async () => {
  await withTempDir((dir) => {
    const root = `${dir}/driver`;
    Deno.mkdirSync(`${root}/usr/local/xpu/lib64`, { recursive: true });
    Deno.writeTextFileSync(`${root}/usr/local/xpu/lib64/libx.so`, "in root");
    Deno.symlinkSync("local/xpu/lib64", `${root}/usr/lib64`);
    Deno.mkdirSync(`${dir}/outside/sub`, { recursive: true });
    Deno.writeTextFileSync(`${dir}/outside/secret.so`, "outside");
    Deno.symlinkSync(`${dir}/outside`, `${root}/opt`);
    Deno.symlinkSync("../../outside", `${root}/up`);
    const csv = "lib, /usr/lib64/libx.so\nlib, /opt/secret.so\nlib, /up/secret.so\ndir, /opt/sub\n";
    const files = discoverHostFiles(parseCsv(csv, "x.csv").entries, root);
    assertEquals(files.mounts, [
      { path: "/usr/lib64/libx.so", hostPath: `${root}/usr/local/xpu/lib64/libx.so` },
    ]);
    assertEquals(files.warnings, [
      `x.csv:2: lib "${root}${dir}/outside/secret.so" not found; skipped`,
      `x.csv:3: lib "${root}/outside/secret.so" not found; skipped`,
      `x.csv:4: dir "${root}${dir}/outside/sub" not found; skipped`,
    ]);
  });
});
