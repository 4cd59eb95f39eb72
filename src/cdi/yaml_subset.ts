/**
 * A parser for the plain subset of YAML that CDI spec files are written in: block mappings and
 * sequences, one-line flow collections, and one-line plain or quoted scalars, typed by YAML 1.2's
 * core schema. It returns what `yaml.parse` returns for such a text, and `undefined` for anything
 * else (anchors, tags, block or multi-line scalars, tabs, several documents, errors), which the
 * caller hands to the full parser. The full library costs tens of milliseconds per call to load
 * and warm up; this parses a spec in well under one.
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

interface Line {
  indent: number;
  /** The line from its first non-space character, trailing spaces kept. */
  text: string;
}

// The core schema's resolution of plain scalars, in its order (npm:yaml dist/schema/core).
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const TRUE = /^(?:[Tt]rue|TRUE)$/;
const FALSE = /^(?:[Ff]alse|FALSE)$/;
const INT_OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

// Only scalars starting with one of these can be anything but a string in the core schema.
const TYPED_FIRST = /^[~nNtTfF0-9+\-.]/;

function resolvePlain(s: string): unknown {
  if (s !== "" && !TYPED_FIRST.test(s)) return s;
  if (NULL.test(s)) return null;
  if (TRUE.test(s)) return true;
  if (FALSE.test(s)) return false;
  if (INT_OCT.test(s)) return parseInt(s.slice(2), 8);
  if (INT.test(s)) return parseInt(s, 10);
  if (INT_HEX.test(s)) return parseInt(s.slice(2), 16);
  if (FLOAT_NAN.test(s)) {
    if (s.endsWith("nan") || s.endsWith("NaN") || s.endsWith("NAN")) return NaN;
    return s[0] === "-" ? -Infinity : Infinity;
  }
  if (FLOAT_EXP.test(s) || FLOAT.test(s)) return parseFloat(s);
  return s;
}

const ESCAPES: Record<string, string> = {
  "\\": "\\",
  '"': '"',
  "/": "/",
  "0": "\0",
  "n": "\n",
  "t": "\t",
  "r": "\r",
};
const HEX_LENGTH: Record<string, number> = { x: 2, u: 4, U: 8 };

/** Reads a quoted scalar starting at `s[i]`; returns it and the index after its closing quote. */
function quoted(s: string, i: number): [string, number] {
  const q = s[i];
  let out = "";
  let j = i + 1;
  for (;;) {
    const c = s[j];
    if (c === undefined) unsupported(); // Continues on the next line.
    if (c === q) {
      if (q === "'" && s[j + 1] === "'") {
        out += "'";
        j += 2;
        continue;
      }
      return [out, j + 1];
    }
    if (c === "\\" && q === '"') {
      const e = s[j + 1] ?? "";
      const hex = HEX_LENGTH[e];
      if (hex !== undefined) {
        const digits = s.slice(j + 2, j + 2 + hex);
        if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== hex) unsupported();
        const code = parseInt(digits, 16);
        if (code > 0x10ffff) unsupported();
        out += String.fromCodePoint(code);
        j += 2 + hex;
        continue;
      }
      const plain = ESCAPES[e];
      if (plain === undefined) unsupported();
      out += plain;
      j += 2;
      continue;
    }
    out += c;
    j++;
  }
}

/** `s` without trailing spaces; trimEnd() would take U+00A0, U+FEFF and more, which YAML keeps. */
function trimSpacesEnd(s: string): string {
  let end = s.length;
  while (s[end - 1] === " ") end--;
  return end === s.length ? s : s.slice(0, end);
}

/** True when `s[i]` is a space or the end of the text. */
function spaceOrEnd(s: string, i: number): boolean {
  return i >= s.length || s[i] === " ";
}

/** Skips spaces from `s[i]`; a `#` after a space (or at the line's start) runs to the end. */
function skipSpaces(s: string, i: number): number {
  let j = i;
  while (s[j] === " ") j++;
  return s[j] === "#" && (j === 0 || s[j - 1] === " ") ? s.length : j;
}

// Characters that may not start a plain scalar here (indicators of constructs outside the
// subset, or of flow collections and quotes, which are handled before plain scalars).
const BAD_FIRST = new Set(["&", "*", "!", "|", ">", "%", "@", "`", "#", ",", "[", "]", "{", "}"]);

// Where a plain scalar ends: a comment, `: ` (or `:` at the end), and in flow an indicator.
// Searched by regular expression: a character loop runs slowly in a process this short-lived.
const BLOCK_END = / #|:(?= |$)/g;
const FLOW_END = / #|:(?=[ ,[\]{}]|$)|[,[\]{}]/g;

/** Reads a plain scalar's text from `s[i]`, ending at a comment, `: ` or (in flow) an indicator. */
function plainText(s: string, i: number, flow: boolean): [string, number] {
  const first = s[i] ?? "";
  if (BAD_FIRST.has(first)) unsupported();
  if ((first === "-" || first === "?" || first === ":") && (spaceOrEnd(s, i + 1))) unsupported();
  const end = flow ? FLOW_END : BLOCK_END;
  end.lastIndex = i;
  const j = end.exec(s)?.index ?? s.length;
  const text = trimSpacesEnd(s.slice(i, j));
  if (text === "") unsupported();
  return [text, j];
}

/** A mapping key at `s[i]`: quoted or plain, always a string; returns it and the index after `:`. */
function key(s: string, i: number, flow: boolean): [string, number] {
  let k: string;
  let j: number;
  if (s[i] === '"' || s[i] === "'") {
    [k, j] = quoted(s, i);
  } else {
    const [text, end] = plainText(s, i, flow);
    if (typeof resolvePlain(text) !== "string") unsupported();
    [k, j] = [text, end];
  }
  while (s[j] === " ") j++;
  if (s[j] !== ":") unsupported();
  // Keys that would be special on a plain object, merge keys, and keys longer than YAML allows
  // an implicit key to be are left to the full parser.
  if (k === "__proto__" || k === "<<" || k.length > 1000) unsupported();
  return [k, j + 1];
}

function setKey(map: Record<string, unknown>, k: string, value: unknown): void {
  if (Object.hasOwn(map, k)) unsupported(); // Duplicate keys are an error for the full parser.
  map[k] = value;
}

/**
 * A flow collection or scalar at `s[i]` within a flow collection, `depth` collections deep;
 * returns it and its end. Deeper collections are left to the full parser, which reports them.
 */
function flowValue(s: string, i: number, depth: number): [unknown, number] {
  const c = s[i];
  if ((c === "[" || c === "{") && depth > MAX_NESTING) unsupported();
  if (c === "[") {
    const out: unknown[] = [];
    let j = skipSpaces(s, i + 1);
    if (s[j] === "]") return [out, j + 1];
    for (;;) {
      const [v, end] = flowValue(s, j, depth + 1);
      out.push(v);
      j = skipSpaces(s, end);
      if (s[j] === "]") return [out, j + 1];
      if (s[j] !== ",") unsupported();
      j = skipSpaces(s, j + 1);
      if (s[j] === "]") unsupported(); // A trailing comma.
    }
  }
  if (c === "{") {
    const out: Record<string, unknown> = {};
    let j = skipSpaces(s, i + 1);
    if (s[j] === "}") return [out, j + 1];
    for (;;) {
      const [k, afterColon] = key(s, j, true);
      j = skipSpaces(s, afterColon);
      if (s[j] === "," || s[j] === "}") unsupported(); // A key without a value.
      const [v, end] = flowValue(s, j, depth + 1);
      setKey(out, k, v);
      j = skipSpaces(s, end);
      if (s[j] === "}") return [out, j + 1];
      if (s[j] !== ",") unsupported();
      j = skipSpaces(s, j + 1);
      if (s[j] === "}") unsupported();
    }
  }
  if (c === '"' || c === "'") return quoted(s, i);
  if (c === undefined) unsupported(); // The collection continues on the next line.
  const [text, end] = plainText(s, i, true);
  return [resolvePlain(text), end];
}

/** A value written on one line (after `key: ` or `- `): flow collection, quoted or plain. */
function inlineValue(s: string): unknown {
  let value: unknown;
  let end: number;
  const c = s[0];
  if (c === "[" || c === "{" || c === '"' || c === "'") {
    [value, end] = flowValue(s, 0, 1);
  } else {
    const [text, j] = plainText(s, 0, false);
    // `a: b: c` is an error for the full parser; a value ending in `:` would be a nested key.
    if (j < s.length && s[j] === ":") unsupported();
    [value, end] = [resolvePlain(text), j];
  }
  if (skipSpaces(s, end) !== s.length) unsupported();
  return value;
}

/** True when `text` (a line without its indentation) starts a block sequence entry. */
function isEntry(text: string): boolean {
  return text[0] === "-" && spaceOrEnd(text, 1);
}

class BlockParser {
  #lines: Line[];
  #at = 0;
  /** How many block collections the parser is in. */
  #depth = 0;

  constructor(lines: Line[]) {
    this.#lines = lines;
  }

  done(): boolean {
    return this.#at >= this.#lines.length;
  }

  #peek(): Line | undefined {
    return this.#lines[this.#at];
  }

  /** The block (mapping or sequence) whose first line is the next one, at its indentation. */
  block(): unknown {
    const line = this.#peek()!;
    return isEntry(line.text) ? this.#sequence(line.indent) : this.#mapping(line.indent);
  }

  /** Enters a block collection; deeper ones are left to the full parser, which reports them. */
  #enter(): void {
    if (++this.#depth > MAX_NESTING) unsupported();
  }

  /** The value of a `key:` or `- ` with nothing after it on its line, at indentation `parent`. */
  #nested(parent: number, allowSequenceAtParent: boolean): unknown {
    const next = this.#peek();
    if (next === undefined || next.indent < parent) return null;
    if (next.indent > parent) return this.block();
    // A mapping's value may be a sequence at the mapping's own indentation.
    if (allowSequenceAtParent && isEntry(next.text)) return this.#sequence(parent);
    return null;
  }

  /** After a one-line value, nothing may be indented deeper than its entry (`indent`). */
  #endOfEntry(indent: number): void {
    const next = this.#peek();
    if (next !== undefined && next.indent > indent) unsupported();
  }

  #mapping(indent: number): Record<string, unknown> {
    this.#enter();
    const out: Record<string, unknown> = {};
    for (let line = this.#peek(); line?.indent === indent; line = this.#peek()) {
      if (isEntry(line.text)) break;
      const [k, afterColon] = key(line.text, 0, false);
      if (!spaceOrEnd(line.text, afterColon)) unsupported();
      const rest = line.text.slice(skipSpaces(line.text, afterColon));
      this.#at++;
      if (rest === "") {
        setKey(out, k, this.#nested(indent, true));
      } else {
        setKey(out, k, inlineValue(rest));
        this.#endOfEntry(indent);
      }
    }
    if (Object.keys(out).length === 0) unsupported();
    const next = this.#peek();
    if (next !== undefined && next.indent > indent) unsupported();
    this.#depth--;
    return out;
  }

  #sequence(indent: number): unknown[] {
    this.#enter();
    const out: unknown[] = [];
    for (let line = this.#peek(); line?.indent === indent; line = this.#peek()) {
      if (!isEntry(line.text)) break;
      const start = skipSpaces(line.text, 1);
      const rest = line.text.slice(start);
      if (rest === "") {
        this.#at++;
        out.push(this.#nested(indent, false));
      } else if (isEntry(rest)) {
        unsupported(); // A compact nested sequence (`- - x`).
      } else if (this.#startsMapping(rest)) {
        // A compact mapping (`- key: value`): its keys line up with the first one.
        this.#lines[this.#at] = { indent: indent + start, text: rest };
        out.push(this.#mapping(indent + start));
      } else {
        this.#at++;
        out.push(inlineValue(rest));
        this.#endOfEntry(indent);
      }
    }
    const next = this.#peek();
    if (next !== undefined && next.indent > indent) unsupported();
    this.#depth--;
    return out;
  }

  /** True when `text` starts with a mapping key (`key:` followed by a space or the end). */
  #startsMapping(text: string): boolean {
    const c = text[0];
    if (c === "[" || c === "{") return false;
    try {
      const [, afterColon] = key(text, 0, false);
      return spaceOrEnd(text, afterColon);
    } catch (e) {
      if (e instanceof Unsupported) return false;
      throw e;
    }
  }
}

/** Splits `text` into content lines; `undefined` when a line is outside the subset. */
function contentLines(text: string): Line[] | undefined {
  const lines: Line[] = [];
  let sawStart = false;
  for (const raw of text.split("\n")) {
    if (raw.includes("\t") || raw.includes("\r")) return undefined;
    // Indentation is spaces only: U+00A0 and the like are content for YAML.
    let indent = 0;
    while (raw[indent] === " ") indent++;
    const t = raw.slice(indent);
    if (t === "" || t[0] === "#") continue;
    if (indent === 0 && (t.startsWith("---") || t.startsWith("..."))) {
      // Only a bare document start before any content.
      if (t !== "---" && !t.startsWith("--- #")) return undefined;
      if (sawStart || lines.length > 0) return undefined;
      sawStart = true;
      continue;
    }
    lines.push({ indent, text: trimSpacesEnd(t) });
  }
  return lines;
}

/**
 * Parses `text` when it is a single YAML document whose top level is a block mapping written in
 * the subset this module reads; returns `undefined` otherwise (use the full parser then).
 */
export function parseYamlSubset(text: string): Record<string, unknown> | undefined {
  if (text.charCodeAt(0) === 0xfeff) return undefined;
  const lines = contentLines(text);
  if (lines === undefined || lines.length === 0 || lines[0]!.indent !== 0) return undefined;
  if (isEntry(lines[0]!.text)) return undefined;
  const parser = new BlockParser(lines);
  try {
    const doc = parser.block();
    return parser.done() ? doc as Record<string, unknown> : undefined;
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
}
