/**
 * Reading CSV mount specs: every `*.csv` in a directory, one `type, path` entry a line.
 * @module
 */

import { errorMessage } from "../internal/errors.ts";
import { quote } from "../internal/quote.ts";
import { formatSize } from "../internal/size.ts";
import { filesIn } from "../internal/fs.ts";
import { cleanPath, climbsAboveRoot } from "../internal/paths.ts";
import { distrust } from "../internal/trust.ts";
import { readUtf8File, Utf8Error } from "../internal/utf8.ts";

/** Entry types a CSV line can name. */
export type CsvType = "dev" | "lib" | "sym" | "dir";

const TYPES: readonly string[] = ["dev", "lib", "sym", "dir"];

/** The longest line read; a longer one is reported, not silently cut. */
export const MAX_LINE = 64 * 1024;

/** The largest CSV file read; a bigger one is reported, not read. */
export const MAX_FILE = 16 * 1024 * 1024;

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

/**
 * The `*.csv` entries in `dir` other than directories, sorted by name; none when `dir` is
 * missing. readCsvSpecs decides which of them it reads, and says why not.
 */
export function csvFiles(dir: string): string[] {
  return filesIn(dir, (e) => !e.isDirectory && e.name.endsWith(".csv"));
}

/**
 * Parses one CSV file's text; `file` names it in warnings. Paths are normalised (`.`, `//` and
 * `..` applied); one whose `..` climbs above `/` would leave the driver root and is skipped.
 */
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
      warnings.push(`${where}: expected "type, path", found ${quote(line)}; line skipped`);
      return;
    }
    const type = line.slice(0, comma).trim().toLowerCase();
    // The path is everything after the first comma: paths may contain commas.
    const path = line.slice(comma + 1).trim();
    if (!TYPES.includes(type)) {
      warnings.push(
        `${where}: unknown type ${quote(type)} (expected dev, lib, sym or dir); line skipped`,
      );
      return;
    }
    if (!path.startsWith("/")) {
      warnings.push(`${where}: path ${quote(path)} is not absolute; line skipped`);
      return;
    }
    if (climbsAboveRoot(path)) {
      warnings.push(`${where}: path ${quote(path)} leaves the driver root; line skipped`);
      return;
    }
    entries.push({ type: type as CsvType, path: cleanPath(path), file, line: i + 1 });
  });
  return { entries, warnings };
}

/**
 * Why the CSV spec `file` is not read, or undefined. It is looked at before it is opened (a FIFO
 * would block), and a symlink is followed only to a `*.csv` file, so that no other file's content
 * can show in warnings about its lines.
 */
function unusable(file: string): string | undefined {
  const link = Deno.lstatSync(file);
  let info = link;
  if (link.isSymlink) {
    const target = Deno.realPathSync(file);
    info = Deno.statSync(target);
    if (!info.isFile || !target.endsWith(".csv")) {
      return `Ignoring CSV spec "${file}": it is a symlink to "${target}", not to a *.csv file`;
    }
  }
  if (!info.isFile) return `Ignoring CSV spec "${file}": it is not a regular file`;
  if (info.size > MAX_FILE) {
    return `Ignoring CSV spec "${file}": it is larger than ${formatSize(BigInt(MAX_FILE))}`;
  }
  return distrust("CSV spec", file, link);
}

/**
 * Reads the `*.csv` files in `dir` (sorted). A directory or file others than root may write is
 * ignored, as are files that are not regular or too big; each is a warning, as are unreadable
 * files. `files` are the files read.
 */
export function readCsvSpecs(dir: string): CsvSpecs {
  const untrustedDir = distrust("CSV spec directory", dir);
  if (untrustedDir) return { files: [], entries: [], warnings: [untrustedDir] };
  const files: string[] = [];
  const entries: CsvEntry[] = [];
  const warnings: string[] = [];
  for (const file of csvFiles(dir)) {
    let text: string;
    try {
      const problem = unusable(file);
      if (problem) {
        warnings.push(problem);
        continue;
      }
      text = readUtf8File(file, MAX_FILE);
    } catch (e) {
      // Read as U+FFFD, a path would name another file than the one written.
      warnings.push(
        e instanceof Utf8Error
          ? `Ignoring CSV spec "${file}": ${e.message}`
          : `Cannot read CSV spec "${file}": ${errorMessage(e)}`,
      );
      continue;
    }
    // Looked at again once read, before a line of it is used or quoted: in a sticky directory
    // another user may have put a file there after the first look, and taken it away again.
    const swapped = distrust("CSV spec", file, undefined, true);
    if (swapped) {
      warnings.push(swapped);
      continue;
    }
    files.push(file);
    const parsed = parseCsv(text, file);
    entries.push(...parsed.entries);
    warnings.push(...parsed.warnings);
  }
  return { files, entries, warnings };
}
