/**
 * containerd's top-level `imports` (an array of file names or `*` patterns, the only form
 * containerd decodes) read from config.toml and edited in place: an entry goes in and comes out
 * as exactly the characters that went in, so comments and layout stay and unconfigure gives back
 * the original bytes. Every edit is proved by parsing the result.
 * @module
 */

import {
  type ArrayValue,
  lineEnd,
  scanArray,
  type Statement,
  topLevel,
} from "./containerd_scan.ts";
import { containerdKind, parseContainerdToml, sameToml, type Table } from "./containerd_toml.ts";
import { tomlString } from "./toml_text.ts";

/** The comment on an `imports` line that configure added; unconfigure removes such a line. */
export const ADDED_MARK = "# added by xpu-ctk runtime configure";

function importsKind(value: unknown): string {
  return Array.isArray(value) ? "an array that holds more than file names" : containerdKind(value);
}

/**
 * The entries of `doc`'s `imports` ([] when there is none). Throws for any other form: containerd
 * refuses those too ("Can't convert … to []string").
 */
export function importsOf(doc: Table, path: string): string[] {
  const value = doc.imports;
  if (value === undefined) return [];
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value;
  throw new Error(
    `"imports" in "${path}" is ${importsKind(value)}; containerd reads only a top-level array of ` +
      `file names (imports = ["/etc/containerd/conf.d/*.toml"]) and cannot load this file either`,
  );
}

interface Located {
  readonly statements: readonly Statement[];
  readonly firstHeader: number;
  readonly imports?: { readonly statement: Statement; readonly array: ArrayValue };
}

function locate(text: string, path: string): Located {
  const unsupported = (why: string, cause?: unknown) =>
    new Error(`"imports" in "${path}" has a layout xpu-ctk cannot edit in place (${why})`, {
      cause,
    });
  let scanned: ReturnType<typeof topLevel>;
  try {
    scanned = topLevel(text);
  } catch (e) {
    throw unsupported(e instanceof Error ? e.message : String(e), e);
  }
  const found = scanned.statements.filter((s) => s.key[0] === "imports");
  if (found.length === 0) return scanned;
  const statement = found[0]!;
  if (found.length > 1 || statement.key.length > 1 || text[statement.valueStart] !== "[") {
    throw unsupported("an unusual layout");
  }
  return { ...scanned, imports: { statement, array: scanArray(text, statement.valueStart) } };
}

function prove(text: string, path: string, expected: Table): string {
  let reparsed: Table | undefined;
  try {
    reparsed = parseContainerdToml(text, path);
  } catch {
    reparsed = undefined;
  }
  if (!reparsed || !sameToml(reparsed, expected)) {
    throw new Error(`"imports" in "${path}" has a layout xpu-ctk cannot edit in place`);
  }
  return text;
}

function withImports(doc: Table, imports: readonly string[] | undefined): Table {
  const out: Table = { ...doc };
  if (imports === undefined) delete out.imports;
  else out.imports = [...imports];
  return out;
}

function lineStart(text: string, i: number): number {
  return text.lastIndexOf("\n", i - 1) + 1;
}

/** Offset after the spaces and comment that follow `i` on its line, if only they follow. */
function afterTrailing(text: string, i: number): number {
  let j = i;
  while (text[j] === " " || text[j] === "\t") j++;
  if (text[j] === "#") return lineEnd(text, j);
  return text[j] === "\n" || text[j] === "\r" || j === text.length ? j : i;
}

/** The line break the text uses at `i` (a line end), `\n` at the text's end. */
function eolAt(text: string, i: number): string {
  return text[i] === "\r" ? "\r\n" : "\n";
}

/** `text` with `entry` appended to its top-level `imports` (the key added when missing). */
export function addImport(text: string, doc: Table, path: string, entry: string): string {
  const current = importsOf(doc, path);
  const expected = withImports(doc, [...current, entry]);
  const where = locate(text, path);
  const literal = tomlString(entry);
  if (!where.imports) {
    const line = `imports = [${literal}] ${ADDED_MARK}`;
    const last = where.statements.at(-1);
    if (last) {
      const eol = eolAt(text, last.lineEnd);
      return prove(
        text.slice(0, last.lineEnd) + eol + line + text.slice(last.lineEnd),
        path,
        expected,
      );
    }
    if (where.firstHeader >= 0) {
      const bom = text.startsWith("\ufeff") ? 1 : 0;
      const next = `${text.slice(0, bom)}${line}${eolAt(text, lineEnd(text, 0))}${text.slice(bom)}`;
      return prove(next, path, expected);
    }
    // At the end: after a line break of its own when the text lacks one, so that removing
    // the line with the break before it gives the text back.
    const next = text === "" || text.endsWith("\n") ? `${text}${line}\n` : `${text}\n${line}`;
    return prove(next, path, expected);
  }
  const { array } = where.imports;
  const last = array.elements.at(-1);
  const splice = (at: number, s: string, t = text) => t.slice(0, at) + s + t.slice(at);
  if (!last) return prove(splice(array.open + 1, literal), path, expected);
  const multiline = text.slice(array.open, array.close).includes("\n");
  if (!multiline) {
    return prove(
      last.comma === undefined
        ? splice(last.end, `, ${literal}`)
        : splice(last.comma + 1, ` ${literal},`),
      path,
      expected,
    );
  }
  // One new line below the last element, indented like it; a comma after the last element
  // when it had none (the new one then gets none either).
  const indent = /^[ \t]*/.exec(text.slice(lineStart(text, last.start)))![0];
  if (last.comma !== undefined) {
    const at = afterTrailing(text, last.comma + 1);
    return prove(splice(at, `${eolAt(text, at)}${indent}${literal},`), path, expected);
  }
  const at = afterTrailing(text, last.end);
  return prove(
    splice(last.end, ",", splice(at, `${eolAt(text, at)}${indent}${literal}`)),
    path,
    expected,
  );
}

/** Offset before the spaces (and the one newline) that precede `i`. */
function beforeLeading(text: string, i: number): number {
  let j = i;
  while (text[j - 1] === " " || text[j - 1] === "\t") j--;
  if (text[j - 1] === "\n") {
    j--;
    if (text[j - 1] === "\r") j--;
  }
  return j;
}

/**
 * `text` without the `imports` entries that `drop` selects: the exact inverse of `addImport`;
 * a line that configure added goes when it is empty again.
 */
export function removeImports(
  text: string,
  doc: Table,
  path: string,
  drop: (entry: string) => boolean,
): string {
  const current = importsOf(doc, path);
  const rest = current.filter((e) => !drop(e));
  if (rest.length === current.length) return text;
  let out = text;
  let lineRemoved = false;
  // One entry at a time, the last first, so earlier offsets stay valid.
  for (;;) {
    const where = locate(out, path);
    if (!where.imports) break;
    const { statement, array } = where.imports;
    const values = parseContainerdToml(
      `v = ${out.slice(array.open, array.close + 1)}`,
      path,
    ).v as string[];
    const k = values.findLastIndex(drop);
    if (k < 0) break;
    const el = array.elements[k]!;
    const n = array.elements.length;
    if (n === 1) {
      const end = el.comma === undefined ? el.end : el.comma + 1;
      const from = lineStart(out, statement.start);
      const line = out.slice(from, statement.lineEnd);
      const alone =
        out.slice(from, statement.start) === (from === 0 && out[0] === "\ufeff" ? "\ufeff" : "");
      if (line.trimEnd().endsWith(ADDED_MARK) && alone) {
        // The line with its own break, or with the one before it when it is the last line.
        const end = statement.lineEnd;
        const brk = out[end] === "\r" ? 2 : out[end] === "\n" ? 1 : 0;
        const from = brk === 0 && out[statement.start - 1] === "\n"
          ? statement.start - (out[statement.start - 2] === "\r" ? 2 : 1)
          : statement.start;
        out = out.slice(0, from) + out.slice(end + brk);
        lineRemoved = true;
      } else out = out.slice(0, el.start) + out.slice(end);
      continue;
    }
    if (k === n - 1) {
      const prev = array.elements[k - 1]!;
      const from = beforeLeading(out, el.start);
      if (el.comma !== undefined) {
        out = out.slice(0, from) + out.slice(el.comma + 1);
      } else {
        // The previous element's comma was added with this one.
        out = out.slice(0, from) + out.slice(el.end);
        out = out.slice(0, prev.comma!) + out.slice(prev.comma! + 1);
      }
      continue;
    }
    const from = beforeLeading(out, el.start);
    const crossedLine = out.slice(from, el.start).includes("\n");
    if (k > 0 || crossedLine) {
      out = out.slice(0, from) + out.slice(el.comma! + 1);
    } else {
      // The first entry on the bracket's line: the next entry moves up to the bracket.
      let end = el.comma! + 1;
      while (out[end] === " " || out[end] === "\t") end++;
      if (out[end] === "\r" || out[end] === "\n") {
        end += out[end] === "\r" ? 2 : 1;
        while (out[end] === " " || out[end] === "\t") end++;
      }
      out = out.slice(0, el.start) + out.slice(end);
    }
  }
  return prove(out, path, withImports(doc, lineRemoved ? undefined : rest));
}

/** `text` with its top-level `imports` set to `entries` (for a scratch copy: comments in it go). */
export function replaceImports(
  text: string,
  doc: Table,
  path: string,
  entries: readonly string[],
): string {
  const where = locate(text, path);
  const value = `[${entries.map(tomlString).join(", ")}]`;
  const next = where.imports
    ? text.slice(0, where.imports.statement.valueStart) + value +
      text.slice(where.imports.statement.valueEnd)
    : `imports = ${value}\n${text}`;
  return prove(next, path, withImports(doc, entries));
}
