/**
 * Reading CSV mount specs: every `*.csv` in a directory, one `type, path` entry a line.
 * @module
 */

import { errorMessage } from "../internal/errors.ts";
import { filesIn } from "../internal/fs.ts";

/** Entry types a CSV line can name. */
export type CsvType = "dev" | "lib" | "sym" | "dir";

const TYPES: readonly string[] = ["dev", "lib", "sym", "dir"];

/** The longest line read; a longer one is reported, not silently cut. */
export const MAX_LINE = 64 * 1024;

/** One entry and where it came from. */
export interface CsvEntry {
  readonly type: CsvType;
  readonly path: string;
  readonly file: string;
  readonly line: number;
}

/** Entries found, in file then line order, and what was skipped. */
export interface CsvSpecs {
  readonly files: readonly string[];
  readonly entries: readonly CsvEntry[];
  readonly warnings: readonly string[];
}

/** The `*.csv` files in `dir`, sorted by name; none when `dir` is missing. */
export function csvFiles(dir: string): string[] {
  return filesIn(dir, (e) => (e.isFile || e.isSymlink) && e.name.endsWith(".csv"));
}

/** Parses one CSV file's text; `file` names it in warnings. */
export function parseCsv(text: string, file: string): { entries: CsvEntry[]; warnings: string[] } {
  const entries: CsvEntry[] = [];
  const warnings: string[] = [];
  text.split("\n").forEach((raw, i) => {
    const where = `${file}:${i + 1}`;
    if (raw.length > MAX_LINE) {
      warnings.push(`${where}: line longer than ${MAX_LINE} bytes skipped`);
      return;
    }
    const line = raw.replace(/\r$/, "").trim();
    if (line === "" || line.startsWith("#")) return;
    const comma = line.indexOf(",");
    if (comma < 0) {
      warnings.push(`${where}: expected "type, path", found ${JSON.stringify(line)}; line skipped`);
      return;
    }
    const type = line.slice(0, comma).trim().toLowerCase();
    // The path is everything after the first comma: paths may contain commas.
    const path = line.slice(comma + 1).trim();
    if (!TYPES.includes(type)) {
      warnings.push(
        `${where}: unknown type ${
          JSON.stringify(type)
        } (expected dev, lib, sym or dir); line skipped`,
      );
      return;
    }
    if (!path.startsWith("/")) {
      warnings.push(`${where}: path ${JSON.stringify(path)} is not absolute; line skipped`);
      return;
    }
    entries.push({
      type: type as CsvType,
      path: path.replace(/\/+$/, "") || "/",
      file,
      line: i + 1,
    });
  });
  return { entries, warnings };
}

/** Reads every `*.csv` file in `dir` (sorted). Unreadable files are warnings. */
export function readCsvSpecs(dir: string): CsvSpecs {
  const files = csvFiles(dir);
  const entries: CsvEntry[] = [];
  const warnings: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = Deno.readTextFileSync(file);
    } catch (e) {
      warnings.push(`Cannot read CSV spec "${file}": ${errorMessage(e)}`);
      continue;
    }
    const parsed = parseCsv(text, file);
    entries.push(...parsed.entries);
    warnings.push(...parsed.warnings);
  }
  return { files, entries, warnings };
}
