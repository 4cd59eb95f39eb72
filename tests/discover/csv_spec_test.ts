import { assertEquals } from "../assert.ts";
import { csvFiles, MAX_LINE, parseCsv, readCsvSpecs } from "../../src/discover/csv_spec.ts";
import { withTempDir } from "../helpers.ts";

Deno.test("parseCsv() reads types and paths, skipping comments and blank lines", () => {
  const text =
    "# driver files\n\ndev, /dev/xpu0\nlib,/usr/lib/libxpuml.so.1\r\n  SYM , /usr/lib/libx.so\ndir, /usr/local/xpu/share\n";
  const { entries, warnings } = parseCsv(text, "a.csv");
  assertEquals(entries.map((e) => [e.type, e.path, e.line]), [
    ["dev", "/dev/xpu0", 3],
    ["lib", "/usr/lib/libxpuml.so.1", 4],
    ["sym", "/usr/lib/libx.so", 5],
    ["dir", "/usr/local/xpu/share", 6],
  ]);
  assertEquals(warnings, []);
});

Deno.test("parseCsv() keeps commas in paths", () => {
  const { entries } = parseCsv("lib, /opt/a,b/lib,c.so\n", "a.csv");
  assertEquals(entries[0]?.path, "/opt/a,b/lib,c.so");
});

Deno.test("parseCsv() warns about bad lines with file:line and skips them", () => {
  const text = "dev /dev/xpu0\nblob, /x\nlib, relative/path\nlib, /ok\n";
  const { entries, warnings } = parseCsv(text, "/etc/x.csv");
  assertEquals(entries.map((e) => e.path), ["/ok"]);
  assertEquals(warnings, [
    '/etc/x.csv:1: expected "type, path", found "dev /dev/xpu0"; line skipped',
    '/etc/x.csv:2: unknown type "blob" (expected dev, lib, sym or dir); line skipped',
    '/etc/x.csv:3: path "relative/path" is not absolute; line skipped',
  ]);
});

Deno.test("parseCsv() reports a line over 64 KiB and goes on with the next", () => {
  const text = `lib, /a\nlib, /${"x".repeat(MAX_LINE)}\nlib, /b\n`;
  const { entries, warnings } = parseCsv(text, "big.csv");
  assertEquals(entries.map((e) => e.path), ["/a", "/b"]);
  assertEquals(warnings, [`big.csv:2: line longer than ${MAX_LINE} bytes skipped`]);
});

Deno.test("csvFiles() lists only *.csv files, sorted; a missing directory has none", async () => {
  await withTempDir((dir) => {
    for (const name of ["b.csv", "a.csv", "notes.txt", "c.csv.bak"]) {
      Deno.writeTextFileSync(`${dir}/${name}`, "");
    }
    Deno.mkdirSync(`${dir}/d.csv`);
    assertEquals(csvFiles(dir), [`${dir}/a.csv`, `${dir}/b.csv`]);
    assertEquals(csvFiles(`${dir}/missing`), []);
  });
});

Deno.test("readCsvSpecs() reads every file in order", async () => {
  await withTempDir((dir) => {
    Deno.writeTextFileSync(`${dir}/20-libs.csv`, "lib, /l\n");
    Deno.writeTextFileSync(`${dir}/10-devs.csv`, "dev, /dev/xpu0\nbad\n");
    const specs = readCsvSpecs(dir);
    assertEquals(specs.entries.map((e) => `${e.file.slice(dir.length + 1)}:${e.line}`), [
      "10-devs.csv:1",
      "20-libs.csv:1",
    ]);
    assertEquals(specs.warnings, [
      `${dir}/10-devs.csv:2: expected "type, path", found "bad"; line skipped`,
    ]);
  });
});
