import { assertEquals, assertNotMatch } from "../assert.ts";
import {
  csvFiles,
  MAX_FILE,
  MAX_LINE,
  parseCsv,
  readCsvSpecs,
} from "../../src/discover/csv_spec.ts";
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

Deno.test("parseCsv() normalises paths and skips those whose .. leaves the driver root", () => {
  const text = [
    "dir, /../../../../etc",
    "dev, /../../dev/null",
    "lib, /usr/../../etc/x",
    "lib, /usr/../lib/x",
    "lib, //usr/./lib64//libx.so/",
    "dir, /a/b/../..",
  ].join("\n");
  const { entries, warnings } = parseCsv(text, "/c/x.csv");
  assertEquals(entries.map((e) => [e.path, e.line]), [
    ["/lib/x", 4],
    ["/usr/lib64/libx.so", 5],
    ["/", 6],
  ]);
  assertEquals(warnings, [
    '/c/x.csv:1: path "/../../../../etc" leaves the driver root; line skipped',
    '/c/x.csv:2: path "/../../dev/null" leaves the driver root; line skipped',
    '/c/x.csv:3: path "/usr/../../etc/x" leaves the driver root; line skipped',
  ]);
});

Deno.test("parseCsv() quotes at most 100 characters of a bad line", () => {
  const long = `${"s".repeat(300)}`;
  const { warnings } = parseCsv(`${long}\n${long}, /x\nlib, ${long}\n`, "a.csv");
  assertEquals(warnings, [
    `a.csv:1: expected "type, path", found "${"s".repeat(100)}…"; line skipped`,
    `a.csv:2: unknown type "${"s".repeat(100)}…" (expected dev, lib, sym or dir); line skipped`,
    `a.csv:3: path "${"s".repeat(100)}…" is not absolute; line skipped`,
  ]);
});

Deno.test("readCsvSpecs() follows a symlink only to a *.csv file and never shows another file's content", async () => {
  await withTempDir((dir) => {
    Deno.mkdirSync(`${dir}/csv`);
    Deno.mkdirSync(`${dir}/elsewhere`);
    const secret = "root:SECRET-HASH:19000:0:99999:7:::\nsecond SECRET line\n";
    Deno.writeTextFileSync(`${dir}/elsewhere/shadow`, secret);
    Deno.writeTextFileSync(`${dir}/elsewhere/real.csv`, "dev, /dev/xpu0\n");
    Deno.symlinkSync(`${dir}/elsewhere/shadow`, `${dir}/csv/a.csv`);
    Deno.symlinkSync(`${dir}/elsewhere`, `${dir}/csv/b.csv`);
    Deno.symlinkSync(`${dir}/elsewhere/real.csv`, `${dir}/csv/c.csv`);
    const specs = readCsvSpecs(`${dir}/csv`);
    assertEquals(specs.files, [`${dir}/csv/c.csv`]);
    assertEquals(specs.entries.map((e) => e.path), ["/dev/xpu0"]);
    assertEquals(specs.warnings, [
      `Ignoring CSV spec "${dir}/csv/a.csv": it is a symlink to "${dir}/elsewhere/shadow", not to a *.csv file`,
      `Ignoring CSV spec "${dir}/csv/b.csv": it is a symlink to "${dir}/elsewhere", not to a *.csv file`,
    ]);
    assertNotMatch(JSON.stringify(specs), /SECRET/);
  });
});

Deno.test("readCsvSpecs() skips a FIFO without opening it, and a file over the size cap", async () => {
  await withTempDir((dir) => {
    const mkfifo = new Deno.Command("mkfifo", { args: [`${dir}/fifo.csv`] }).outputSync();
    assertEquals(mkfifo.code, 0);
    Deno.symlinkSync(`${dir}/fifo.csv`, `${dir}/link-to-fifo.csv`);
    const big = Deno.openSync(`${dir}/big.csv`, { write: true, create: true });
    big.truncateSync(MAX_FILE + 1);
    big.close();
    Deno.writeTextFileSync(`${dir}/ok.csv`, "lib, /l\n");
    const specs = readCsvSpecs(dir);
    assertEquals(specs.files, [`${dir}/ok.csv`]);
    assertEquals(specs.warnings, [
      `Ignoring CSV spec "${dir}/big.csv": it is larger than 16 MiB`,
      `Ignoring CSV spec "${dir}/fifo.csv": it is not a regular file`,
      `Ignoring CSV spec "${dir}/link-to-fifo.csv": it is a symlink to "${dir}/fifo.csv", not to a *.csv file`,
    ]);
  });
});

Deno.test("readCsvSpecs() ignores a directory or file others may write, with a warning", async () => {
  await withTempDir((dir) => {
    Deno.mkdirSync(`${dir}/open`);
    Deno.writeTextFileSync(`${dir}/open/a.csv`, "dev, /dev/xpu0\n");
    Deno.chmodSync(`${dir}/open`, 0o777);
    assertEquals(readCsvSpecs(`${dir}/open`), {
      files: [],
      entries: [],
      warnings: [
        `Ignoring CSV spec directory "${dir}/open": it is writable by group and others (mode ` +
        "0777); make it owned by root and not writable by group or others (chmod go-w)",
      ],
    });
    Deno.mkdirSync(`${dir}/csv`);
    Deno.writeTextFileSync(`${dir}/csv/a.csv`, "dev, /dev/xpu0\n");
    Deno.writeTextFileSync(`${dir}/csv/b.csv`, "dev, /dev/xpu1\n");
    Deno.chmodSync(`${dir}/csv/a.csv`, 0o646);
    const specs = readCsvSpecs(`${dir}/csv`);
    assertEquals(specs.entries.map((e) => e.path), ["/dev/xpu1"]);
    assertEquals(specs.warnings, [
      `Ignoring CSV spec "${dir}/csv/a.csv": it is writable by others (mode 0646); make it owned ` +
      "by root and not writable by group or others (chmod go-w)",
    ]);
  });
});
