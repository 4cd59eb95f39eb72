import { assertEquals, assertTrue } from "../assert.ts";
import { forAll, type Gen } from "../gen.ts";
import { type CsvEntry, MAX_LINE, parseCsv } from "../../src/discover/csv_spec.ts";

const FILE = "/etc/xpu-container-runtime/host-files-for-container.d/x.csv";

/** `path` normalised by rewriting until nothing changes: an independent model of cleanPath. */
function normalised(path: string): string {
  let p = `${path}/`;
  for (let prev = ""; prev !== p;) {
    prev = p;
    p = p.replace(/\/\/+/g, "/").replace(/\/\.\//g, "/").replace(/\/(?!\.\.?\/)[^/]+\/\.\.\//, "/");
  }
  p = p.replace(/^(\/\.\.)+\//, "/");
  return p === "/" ? p : p.slice(0, -1);
}

/** Whether applying the `..` of `path` goes above `/`, counted component by component. */
function climbs(path: string): boolean {
  let depth = 0;
  for (const c of path.split("/")) {
    if (c === "..") depth--;
    else if (c !== "" && c !== ".") depth++;
    if (depth < 0) return true;
  }
  return false;
}

/** What one line should give: nothing, an entry, or a warning that starts with `prefix`. */
function expectLine(raw: string): { entry?: Omit<CsvEntry, "file" | "line">; warning?: string } {
  if (raw.length > MAX_LINE) return { warning: "line longer than" };
  const line = raw.replace(/\r$/, "").trim();
  if (line === "" || line.startsWith("#")) return {};
  const [type, ...rest] = line.split(",");
  if (rest.length === 0) return { warning: 'expected "type, path"' };
  const t = type!.trim().toLowerCase();
  if (!["dev", "lib", "sym", "dir"].includes(t)) return { warning: "unknown type" };
  const path = rest.join(",").trim();
  if (!path.startsWith("/")) return { warning: "path" };
  if (climbs(path)) return { warning: "path" };
  return { entry: { type: t as CsvEntry["type"], path: normalised(path) } };
}

const COMPONENTS = ["usr", "lib", "a b", "x,y", ".", "..", "", "é", "\ufffd", "#", "-", "dev"];

/** One CSV line: mostly entries, with every kind of mistake and odd character. */
function csvLine(g: Gen): string {
  const r = g.int(20);
  if (r === 0) return "";
  if (r === 1) return `${g.pick(["#", " #", "\t#"])}${g.text()}`;
  if (r === 2) return g.text(20);
  const type = g.chance(0.9) ? g.pick(["dev", "lib", "sym", "dir", "DEV", " Lib "]) : g.text(4);
  const path = (g.chance(0.9) ? "/" : "") +
    g.array(6, (g) => g.chance(0.15) ? g.decoded() : g.pick(COMPONENTS)).join("/") +
    (g.chance(0.1) ? "/" : "");
  const sep = g.pick([",", ", ", " ,\t", ",,"]);
  return `${g.pick(["", " ", "\t"])}${type}${g.chance(0.95) ? sep : " "}${path}${
    g.pick(["", " ", "\r", "\t"])
  }`;
}

/** A CSV file's text: lines joined by LF, sometimes CRLF, sometimes without a final newline. */
function csvText(g: Gen): string {
  const lines = g.array(12, csvLine);
  if (g.chance(0.05)) lines.push(`dev, /${"x".repeat(MAX_LINE)}`);
  if (g.chance(0.05)) lines.push(`dev, /${"é".repeat(MAX_LINE / 2)}`);
  return lines.join(g.chance(0.8) ? "\n" : "\r\n") + (g.chance(0.7) ? "\n" : "");
}

function checkParse(text: string): void {
  const { entries, warnings } = parseCsv(text, FILE);
  const lines = text.split("\n");
  const expected = lines.map(expectLine);
  const byLine = new Map<number, string>();
  for (const w of warnings) {
    const m = /^(.*):([0-9]+): (.*)$/s.exec(w);
    assertTrue(m !== null && m[1] === FILE, `the warning names the file and line: ${w}`);
    const n = Number(m![2]);
    assertTrue(n >= 1 && n <= lines.length && !byLine.has(n), `line ${n} of ${lines.length}`);
    byLine.set(n, m![3]!);
    assertTrue(w.length < FILE.length + 300, "a warning quotes a line only in part");
  }
  expected.forEach((e, i) => {
    const got = byLine.get(i + 1);
    if (e.warning === undefined) assertEquals(got, undefined, `line ${i + 1}`);
    else assertTrue(got?.startsWith(e.warning), `line ${i + 1}: ${got} for ${e.warning}`);
  });
  assertEquals(
    entries,
    expected.flatMap((e, i) => e.entry ? [{ ...e.entry, file: FILE, line: i + 1 }] : []),
  );
  for (const { path } of entries) {
    const parts = path.split("/");
    assertTrue(
      path === "/" || parts[0] === "" && parts.slice(1).every((c) => !["", ".", ".."].includes(c)),
      `normalised: ${path}`,
    );
  }
}

Deno.test("parseCsv() agrees with a line model: warnings name file:line, paths normalised (generated)", () => {
  forAll(20260301, 3000, csvText, checkParse);
});

Deno.test("parseCsv() never throws, on any text at all (generated)", () => {
  forAll(20260302, 3000, (g) => g.text(200), checkParse);
});

Deno.test("parseCsv() reads 400,000 lines (8 MB) in linear time, every line numbered", () => {
  const lines = Array.from(
    { length: 400_000 },
    (_, i) =>
      i % 4 === 0
        ? `lib, /usr/lib/x${i}/../libx.so.${i}`
        : i % 4 === 1
        ? `bogus ${i}`
        : "dev, /dev/xpu0",
  );
  const start = Date.now();
  const { entries, warnings } = parseCsv(lines.join("\n"), FILE);
  // A bound only quadratic work breaks, however loaded the machine.
  assertTrue(Date.now() - start < 20_000, `${Date.now() - start} ms`);
  assertEquals(entries.length, 300_000);
  assertEquals(entries[0], { type: "lib", path: "/usr/lib/libx.so.0", file: FILE, line: 1 });
  assertEquals(warnings.length, 100_000);
  assertEquals(
    warnings.at(-1),
    `${FILE}:399998: expected "type, path", found "bogus 399997"; line skipped`,
  );
});
