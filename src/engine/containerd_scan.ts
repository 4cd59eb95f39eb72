/**
 * A lexical scan of a TOML document's top level: where each key/value statement before the first
 * table header starts and ends, and the elements of an array value, with their commas. Enough to
 * edit containerd's `imports` in place without touching a comment. Only valid TOML is scanned
 * (the caller parsed it first).
 * @module
 */

/** One `key = value` statement of the top level. */
export interface Statement {
  /** The key's parts (`a."b.c"` is `["a", "b.c"]`). */
  readonly key: readonly string[];
  /** Offset of the key's first character. */
  readonly start: number;
  readonly valueStart: number;
  readonly valueEnd: number;
  /** Offset of the end of the statement's line (see `lineEnd`). */
  readonly lineEnd: number;
}

/** One element of an array value. */
export interface Element {
  readonly start: number;
  readonly end: number;
  /** The comma after the element, if any. */
  readonly comma?: number;
}

/** An array value: its brackets and elements. */
export interface ArrayValue {
  readonly open: number;
  readonly close: number;
  readonly elements: readonly Element[];
}

const SPACE = new Set([" ", "\t"]);

function skipSpace(text: string, i: number): number {
  while (SPACE.has(text[i] ?? "")) i++;
  return i;
}

/** Offset of the end of `i`'s line: its `\r\n` or `\n`, or the text's end. */
export function lineEnd(text: string, i: number): number {
  const nl = text.indexOf("\n", i);
  return nl < 0 ? text.length : text[nl - 1] === "\r" && nl - 1 >= i ? nl - 1 : nl;
}

/** Skips spaces, newlines and comments. */
function skipBlank(text: string, i: number): number {
  for (;;) {
    const c = text[i];
    if (c === " " || c === "\t" || c === "\n" || c === "\r") i++;
    else if (c === "#") i = lineEnd(text, i);
    else return i;
  }
}

/** End (exclusive) of the string starting at `i`. */
function stringEnd(text: string, i: number): number {
  const q = text[i]!;
  const triple = text.startsWith(q.repeat(3), i);
  let j = i + (triple ? 3 : 1);
  while (j < text.length) {
    if (q === '"' && text[j] === "\\") j += 2;
    else if (triple ? text.startsWith(q.repeat(3), j) : text[j] === q) {
      if (!triple) return j + 1;
      j += 3;
      // Up to two more quotes belong to the content.
      while (text[j] === q && j < text.length) j++;
      return j;
    } else j++;
  }
  throw new SyntaxError("Unterminated string");
}

/** End (exclusive) of the value starting at `i`. */
function valueEnd(text: string, i: number): number {
  const c = text[i];
  if (c === '"' || c === "'") return stringEnd(text, i);
  if (c === "[") return scanArray(text, i).close + 1;
  if (c === "{") {
    let j = skipBlank(text, i + 1);
    while (text[j] !== "}") {
      j = skipBlank(text, keyEnd(text, j).end + 1);
      j = skipBlank(text, valueEnd(text, j));
      if (text[j] === ",") j = skipBlank(text, j + 1);
      if (j >= text.length) throw new SyntaxError("Unterminated inline table");
    }
    return j + 1;
  }
  let j = i;
  while (j < text.length && !/[\s#,\]}]/.test(text[j]!)) j++;
  if (j === i) throw new SyntaxError("Missing value");
  return j;
}

/** The array whose `[` is at `open`. */
export function scanArray(text: string, open: number): ArrayValue {
  const elements: Element[] = [];
  let j = skipBlank(text, open + 1);
  while (text[j] !== "]") {
    if (j >= text.length) throw new SyntaxError("Unterminated array");
    const start = j;
    const end = valueEnd(text, j);
    j = skipBlank(text, end);
    if (text[j] === ",") {
      elements.push({ start, end, comma: j });
      j = skipBlank(text, j + 1);
    } else elements.push({ start, end });
  }
  return { open, close: j, elements };
}

/** The parts of the key starting at `i`, and the offset of its `=`. */
function keyEnd(text: string, i: number): { parts: string[]; end: number } {
  const parts: string[] = [];
  let j = i;
  for (;;) {
    j = skipSpace(text, j);
    const c = text[j];
    if (c === '"' || c === "'") {
      const end = stringEnd(text, j);
      const raw = text.slice(j + 1, end - 1);
      parts.push(c === '"' ? JSON.parse(`"${raw}"`) as string : raw);
      j = end;
    } else {
      const m = /^[A-Za-z0-9_-]+/.exec(text.slice(j, j + 256));
      if (!m) throw new SyntaxError("Missing key");
      parts.push(m[0]);
      j += m[0].length;
    }
    j = skipSpace(text, j);
    if (text[j] === "=") return { parts, end: j };
    if (text[j] !== ".") throw new SyntaxError(`Missing "="`);
    j++;
  }
}

/** The top-level statements (before the first table header), and where that header starts. */
export function topLevel(text: string): { statements: Statement[]; firstHeader: number } {
  const statements: Statement[] = [];
  // A byte-order mark is no key: TOML readers skip it.
  let i = skipBlank(text, text.startsWith("\ufeff") ? 1 : 0);
  while (i < text.length && text[i] !== "[") {
    const key = keyEnd(text, i);
    const valueStart = skipSpace(text, key.end + 1);
    const end = valueEnd(text, valueStart);
    statements.push({
      key: key.parts,
      start: i,
      valueStart,
      valueEnd: end,
      lineEnd: lineEnd(text, end),
    });
    i = skipBlank(text, end);
  }
  return { statements, firstHeader: i < text.length ? i : -1 };
}
