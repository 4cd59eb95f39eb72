/**
 * A parser for the plain subset of TOML that config.toml files are written in: comments,
 * `[table]` headers, `key = value` lines with strings, booleans, integers and arrays of those.
 * It returns what the full parser (smol-toml, integers as BigInt only when needed) returns for
 * such a text, and `undefined` for anything else (dotted keys, inline tables, floats, dates,
 * multi-line strings, arrays of tables, redefinitions, errors), which the caller hands to the
 * full parser. Every call of the toolkit reads its config, and this keeps the full parser (and
 * its loading) off that path.
 * @module
 */

import { MAX_NESTING } from "../internal/nesting.ts";

/** Thrown inside the parser when the text leaves the subset; never escapes it. */
class Unsupported extends Error {}

// One instance, thrown each time: it never escapes, so it needs no stack trace of its own.
const UNSUPPORTED = new Unsupported();

function unsupported(): never {
  throw UNSUPPORTED;
}

type Table = Record<string, unknown>;

const BARE_KEY = /^[A-Za-z0-9_-]+/;
const INTEGER = /^[+-]?(?:0|[1-9][0-9]*)(?![0-9A-Za-z_.:+-])/;
const BOOLEAN = /^(?:true|false)(?![0-9A-Za-z_.:+-])/;
const ESCAPES: Record<string, string> = {
  b: "\b",
  t: "\t",
  n: "\n",
  f: "\f",
  r: "\r",
  '"': '"',
  "\\": "\\",
};

/** A cursor over the text: the current line and a position in it. */
class Cursor {
  #lines: string[];
  #next = 0;
  text = "";
  pos = 0;
  /** How many arrays the cursor is in. */
  depth = 0;

  constructor(text: string) {
    this.#lines = text.split("\n");
  }

  /** Moves to the next line; false at the end of the text. */
  nextLine(): boolean {
    if (this.#next >= this.#lines.length) return false;
    this.text = this.#lines[this.#next++]!;
    this.pos = 0;
    return true;
  }

  peek(): string | undefined {
    return this.text[this.pos];
  }

  skipSpace(): void {
    while (this.text[this.pos] === " " || this.text[this.pos] === "\t") this.pos++;
  }

  /** True at the end of the line or at a comment. */
  atEnd(): boolean {
    this.skipSpace();
    return this.pos >= this.text.length || this.text[this.pos] === "#";
  }

  /** Within an array: skips blank and comment lines up to the next token. */
  skipToToken(): void {
    while (this.atEnd()) if (!this.nextLine()) unsupported();
  }

  string(): string {
    const quote = this.text[this.pos]!;
    if (this.text.startsWith(quote.repeat(3), this.pos)) unsupported(); // Multi-line strings.
    if (quote === "'") {
      const end = this.text.indexOf("'", this.pos + 1);
      if (end < 0) unsupported();
      const s = this.text.slice(this.pos + 1, end);
      this.pos = end + 1;
      return s;
    }
    let out = "";
    for (let i = this.pos + 1; i < this.text.length; i++) {
      const c = this.text[i]!;
      if (c === '"') {
        this.pos = i + 1;
        return out;
      }
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = this.text[i + 1] ?? "";
      const len = e === "u" ? 4 : e === "U" ? 8 : 0;
      if (len > 0) {
        const hex = this.text.slice(i + 2, i + 2 + len);
        if (hex.length !== len || !/^[0-9A-Fa-f]+$/.test(hex)) unsupported();
        const code = parseInt(hex, 16);
        if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) unsupported();
        out += String.fromCodePoint(code);
        i += 1 + len;
        continue;
      }
      const plain = ESCAPES[e];
      if (plain === undefined) unsupported();
      out += plain;
      i++;
    }
    return unsupported(); // Unterminated.
  }

  key(): string {
    const c = this.text[this.pos];
    if (c === '"' || c === "'") {
      const k = this.string();
      if (k === "" || k === "__proto__") unsupported();
      return k;
    }
    const m = this.text.slice(this.pos).match(BARE_KEY);
    if (!m || m[0] === "__proto__") unsupported();
    this.pos += m[0].length;
    return m[0];
  }

  /** A value: string, boolean, integer, or an array of values (which may span lines). */
  value(): unknown {
    const c = this.text[this.pos];
    if (c === '"' || c === "'") return this.string();
    if (c === "[") return this.array();
    const rest = this.text.slice(this.pos);
    const b = rest.match(BOOLEAN);
    if (b) {
      this.pos += b[0].length;
      return b[0] === "true";
    }
    const n = rest.match(INTEGER);
    if (!n) unsupported();
    this.pos += n[0].length;
    const big = BigInt(n[0]);
    const small = Number(big);
    return Number.isSafeInteger(small) ? small : big;
  }

  array(): unknown[] {
    // Deeper arrays go to the full parser, which refuses them with a message (nesting.ts).
    if (++this.depth > MAX_NESTING) unsupported();
    this.pos++;
    const out: unknown[] = [];
    for (;;) {
      this.skipToToken();
      if (this.peek() === "]") break;
      out.push(this.value());
      this.skipToToken();
      if (this.peek() === ",") {
        this.pos++;
        continue;
      }
      if (this.peek() !== "]") unsupported();
      break;
    }
    this.pos++;
    this.depth--;
    return out;
  }
}

// Tables have no prototype, as the full parser's do.
function newTable(): Table {
  return Object.create(null) as Table;
}

function child(table: Table, key: string): Table {
  const t = newTable();
  table[key] = t;
  return t;
}

function isTable(value: unknown): value is Table {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Parses `text` when it is TOML written in the subset this module reads; returns `undefined`
 * otherwise (use the full parser then).
 */
export function parseTomlSubset(text: string): Table | undefined {
  // Control characters other than tab and newline are errors (or CRLF) for the full parser.
  // deno-lint-ignore no-control-regex
  if (/[\x00-\x08\x0b-\x1f\x7f\ufeff]/.test(text)) return undefined;
  const cur = new Cursor(text);
  const root = newTable();
  let current = root;
  // Tables named by a header so far; walking through one made on the way to another is fine.
  const defined = new Set<Table>([root]);
  try {
    while (cur.nextLine()) {
      if (cur.atEnd()) continue;
      if (cur.peek() === "[") {
        cur.pos++;
        if (cur.peek() === "[") return undefined; // Arrays of tables.
        let table = root;
        for (;;) {
          cur.skipSpace();
          const k = cur.key();
          const existing = table[k];
          if (existing === undefined) table = child(table, k);
          else if (isTable(existing)) table = existing;
          else return undefined;
          cur.skipSpace();
          if (cur.peek() !== ".") break;
          cur.pos++;
        }
        if (cur.peek() !== "]") return undefined;
        cur.pos++;
        if (defined.has(table) || !cur.atEnd()) return undefined;
        defined.add(table);
        current = table;
        continue;
      }
      const k = cur.key();
      cur.skipSpace();
      if (cur.peek() !== "=" || Object.hasOwn(current, k)) return undefined; // Dotted keys, too.
      cur.pos++;
      cur.skipSpace();
      current[k] = cur.value();
      if (!cur.atEnd()) return undefined;
    }
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
  return root;
}
