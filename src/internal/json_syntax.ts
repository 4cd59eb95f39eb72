/**
 * Where JSON text first breaks the grammar, for a one-line message with line and column: V8's
 * own messages quote the text around the error, line breaks included, and some give no place.
 * @module
 */

/** The first syntax error: 1-based line and column (in characters), and what is wrong. */
export interface JsonSyntaxError {
  readonly line: number;
  readonly column: number;
  readonly reason: string;
}

const SPACE = new Set([" ", "\t", "\n", "\r"]);
const ESCAPES = new Set(['"', "\\", "/", "b", "f", "n", "r", "t"]);
const LITERAL = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|null/y;

/** A character as a message shows it: quoted, or as U+XXXX when it would not be seen. */
function shown(c: string): string {
  const code = c.codePointAt(0)!;
  return code > 0x20 && code < 0x7f
    ? `"${c}"`
    : `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** Where the string starting at `i` (a quote) ends, or an error at an offset. */
function stringEnd(text: string, i: number): number | { at: number; reason: string } {
  let j = i + 1;
  while (j < text.length) {
    const c = text[j]!;
    if (c === '"') return j + 1;
    if (c === "\\") {
      const e = text[j + 1];
      if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(j + 2, j + 6))) j += 6;
      else if (e !== undefined && ESCAPES.has(e)) j += 2;
      else return { at: j, reason: "a bad escape in a string" };
    } else if (c < " ") {
      return { at: j, reason: `an unescaped ${shown(c)} in a string` };
    } else j++;
  }
  return { at: text.length, reason: "a string that does not end" };
}

type Want = "value" | "first-value" | "key" | "first-key" | "colon" | "next" | "end";

/** The first syntax error in `text`, or undefined when it is valid JSON. */
export function jsonSyntaxError(text: string): JsonSyntaxError | undefined {
  const stack: string[] = [];
  // What may come next: a value, a key, a colon, a comma or closing bracket, or nothing.
  let want: Want = "value" as Want;
  let i = 0;
  const fail = (at: number, reason: string): JsonSyntaxError => {
    const before = text.slice(0, at);
    const lineStart = before.lastIndexOf("\n") + 1;
    return {
      line: before.split("\n").length,
      column: [...before.slice(lineStart)].length + 1,
      reason,
    };
  };
  const afterValue = (): Want => stack.length === 0 ? "end" : "next";
  for (;;) {
    while (i < text.length && SPACE.has(text[i]!)) i++;
    if (i >= text.length) return want === "end" ? undefined : fail(i, "unexpected end of file");
    const c = text[i]!;
    const char = shown(String.fromCodePoint(text.codePointAt(i)!));
    if (want === "end") return fail(i, `unexpected ${char} after the JSON value`);
    if (want === "colon") {
      if (c !== ":") return fail(i, `expected ":" after a property name, not ${char}`);
      i++;
      want = "value";
    } else if (want === "next") {
      const close = stack.at(-1) === "{" ? "}" : "]";
      if (c === ",") {
        i++;
        want = close === "}" ? "key" : "value";
      } else if (c === close) {
        i++;
        stack.pop();
        want = afterValue();
      } else return fail(i, `expected "," or "${close}", not ${char}`);
    } else if (want === "key" || want === "first-key") {
      if (c === "}" && want === "first-key") {
        i++;
        stack.pop();
        want = afterValue();
        continue;
      }
      if (c !== '"') return fail(i, `expected a property name in double quotes, not ${char}`);
      const end = stringEnd(text, i);
      if (typeof end !== "number") return fail(end.at, end.reason);
      i = end;
      want = "colon";
    } else {
      if (c === "]" && want === "first-value") {
        i++;
        stack.pop();
        want = afterValue();
      } else if (c === "{" || c === "[") {
        stack.push(c);
        i++;
        want = c === "{" ? "first-key" : "first-value";
      } else if (c === '"') {
        const end = stringEnd(text, i);
        if (typeof end !== "number") return fail(end.at, end.reason);
        i = end;
        want = afterValue();
      } else {
        LITERAL.lastIndex = i;
        const m = LITERAL.exec(text);
        if (!m) return fail(i, `unexpected ${char}`);
        i += m[0].length;
        want = afterValue();
      }
    }
  }
}

/**
 * One line saying why `text` is not JSON: `line 3, column 7: …` where the grammar breaks, else
 * the parser's own message `e` with its line breaks folded.
 */
export function jsonSyntaxMessage(text: string, e: unknown): string {
  const found = jsonSyntaxError(text);
  if (found) return `line ${found.line}, column ${found.column}: ${found.reason}`;
  return (e instanceof Error ? e.message : String(e)).replace(/\s+/g, " ");
}
