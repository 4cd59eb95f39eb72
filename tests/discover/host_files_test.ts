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
