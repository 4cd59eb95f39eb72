/**
 * Typed `config get/set`: values parsed by the schema and written into the TOML text
 * surgically, so the operator's comments and layout survive.
 * @module
 */

import { checkValue, ConfigError, configFromObject } from "./load.ts";
import { parseToml } from "./toml.ts";
import { type Config, getKey, isTablePath, keySpec, type KeyValue } from "./schema.ts";
import { splitKey, tomlValue } from "./render.ts";

function unknownKey(key: string): ConfigError {
  const hint = isTablePath(key) ? ` ("${key}" is a table; name one of its keys)` : "";
  return new ConfigError(`Unknown config key "${key}"${hint}`);
}

/** Parses the command-line text of a value for `key`. Throws ConfigError naming the key. */
export function parseCliValue(key: string, text: string): KeyValue {
  const spec = keySpec(key);
  if (!spec) throw unknownKey(key);
  let raw: unknown = text;
  if (spec.type.kind === "boolean") {
    raw = text === "true" ? true : text === "false" ? false : text;
  } else if (spec.type.kind === "string-list") {
    if (text.trimStart().startsWith("[")) {
      raw = parseToml(`v = ${text}`, `value of "${key}"`).v;
    } else {
      raw = text.trim() === "" ? [] : text.split(",").map((s) => s.trim());
    }
  }
  const checked = checkValue(spec, raw);
  if (!checked.ok) throw new ConfigError(`Invalid value: ${checked.problem}`);
  return checked.value;
}

/** Formats a value for `config get`: strings bare, other values in TOML syntax. */
export function formatGet(value: KeyValue): string {
  return typeof value === "string" ? value : tomlValue(value);
}

/** `config get`: the value of `key` in `config`. Throws ConfigError for unknown keys. */
export function getValue(config: Config, key: string): KeyValue {
  if (!keySpec(key)) throw unknownKey(key);
  return getKey(config, key)!;
}

const BARE = /^[A-Za-z0-9_-]+$/;

function normaliseKeyPath(text: string): string | undefined {
  const parts: string[] = [];
  const re = /\s*(?:([A-Za-z0-9_-]+)|"((?:[^"\\]|\\.)*)"|'([^']*)')\s*(\.|$)/y;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    parts.push(m[1] ?? m[2] ?? m[3] ?? "");
    if (m[4] !== ".") return parts.join(".");
  }
  return undefined;
}

/** End index (exclusive) of the TOML value starting at or after `i`, before any comment. */
function valueEnd(text: string, i: number): number {
  while (text[i] === " " || text[i] === "\t") i++;
  const triple = text.startsWith('"""', i) ? '"""' : text.startsWith("'''", i) ? "'''" : "";
  if (triple) {
    let j = i + 3;
    while (j < text.length) {
      if (triple === '"""' && text[j] === "\\") j += 2;
      else if (text.startsWith(triple, j)) {
        j += 3;
        while (text[j] === triple[0]) j++; // up to two quotes may end the content
        return j;
      } else j++;
    }
    return j;
  }
  let depth = 0;
  let j = i;
  while (j < text.length) {
    const c = text[j]!;
    if (c === '"') {
      j++;
      while (j < text.length && text[j] !== '"' && text[j] !== "\n") j += text[j] === "\\" ? 2 : 1;
      j++;
      if (depth === 0) return j;
      continue;
    }
    if (c === "'") {
      j = text.indexOf("'", j + 1) + 1 || text.length;
      if (depth === 0) return j;
      continue;
    }
    if (c === "[" || c === "{") depth++;
    else if (c === "]" || c === "}") {
      depth--;
      if (depth === 0) return j + 1;
    } else if (c === "#" && depth > 0) {
      const nl = text.indexOf("\n", j);
      j = nl < 0 ? text.length : nl;
      continue;
    } else if ((c === "#" || c === "\n" || c === "\r") && depth === 0) break;
    j++;
  }
  let end = j;
  while (end > i && (text[end - 1] === " " || text[end - 1] === "\t")) end--;
  return end;
}

interface Line {
  readonly start: number;
  readonly end: number; // index of the newline (or text length)
  readonly text: string;
}

function linesOf(text: string): Line[] {
  const out: Line[] = [];
  let start = 0;
  while (start <= text.length) {
    const nl = text.indexOf("\n", start);
    const end = nl < 0 ? text.length : nl;
    out.push({ start, end, text: text.slice(start, end) });
    if (nl < 0) break;
    start = nl + 1;
  }
  return out;
}

/**
 * Sets `key` to `value` in TOML `text`, changing only the value's characters where the key
 * exists, else inserting one line into its table (after a commented-out example of it, if any),
 * else appending the table. Returns the new text.
 */
export function setInToml(text: string, key: string, value: KeyValue | undefined): string {
  const { table, name } = splitKey(key);
  const lines = linesOf(text);
  let current = "";
  let tableSeen = table === "";
  let insertAfter = -1; // line index after which a new key line goes
  let commentedAt = -1;
  let skipUntil = -1; // offset up to which a multi-line value was already consumed
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!;
    if (line.start < skipUntil) continue;
    const trimmed = line.text.trim();
    const header = /^\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$/.exec(trimmed);
    if (header || /^\[\[/.test(trimmed)) {
      current = header ? normaliseKeyPath(header[1]!) ?? "" : "[[array]]";
      if (current === table) {
        tableSeen = true;
        insertAfter = n;
      }
      continue;
    }
    const commented = /^#\s*([A-Za-z0-9_"'.-][^=]*?)\s*=/.exec(trimmed);
    if (commented && current === table && normaliseKeyPath(commented[1]!) === name) {
      commentedAt = n;
    }
    const eq = trimmed.startsWith("#") ? -1 : line.text.indexOf("=");
    if (eq < 0) continue;
    const local = normaliseKeyPath(line.text.slice(0, eq));
    if (local === undefined) continue;
    const full = current ? `${current}.${local}` : local;
    const end = valueEnd(text, line.start + eq + 1);
    skipUntil = end;
    if (full === key) {
      if (value === undefined) {
        const nl = text.indexOf("\n", end);
        return text.slice(0, line.start) + (nl < 0 ? "" : text.slice(nl + 1));
      }
      let start = line.start + eq + 1;
      while (text[start] === " " || text[start] === "\t") start++;
      return text.slice(0, start) + tomlValue(value) + text.slice(end);
    }
    if (current === table) {
      insertAfter = n;
      while (insertAfter + 1 < lines.length && lines[insertAfter + 1]!.start < end) insertAfter++;
    }
  }
  if (value === undefined) return text;
  const rendered = `${BARE.test(name) ? name : JSON.stringify(name)} = ${tomlValue(value)}`;
  if (commentedAt >= 0) insertAfter = commentedAt;
  if (tableSeen) {
    if (insertAfter < 0) return `${rendered}\n${text}`;
    const at = lines[insertAfter]!.end;
    return `${text.slice(0, at)}\n${rendered}${text.slice(at)}`;
  }
  const sep = text === "" ? "" : text.endsWith("\n\n") ? "" : text.endsWith("\n") ? "\n" : "\n\n";
  return `${text}${sep}[${table}]\n${rendered}\n`;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  }
  // Before the generic object case: dates have no own keys, so any two would look equal.
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a && b && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length &&
      ka.every((k) =>
        sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])
      );
  }
  return a === b;
}

function withValue(
  doc: Record<string, unknown>,
  key: string,
  value: KeyValue,
): Record<string, unknown> {
  const copy = structuredClone(doc);
  const parts = key.split(".");
  let node = copy;
  for (const part of parts.slice(0, -1)) {
    node = (node[part] ??= {}) as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = Array.isArray(value) ? [...value] : value;
  return copy;
}

/**
 * Applies `assignments` to TOML `text` and proves the result: it must parse, validate, and differ
 * from the original document in exactly the assigned keys. Throws ConfigError.
 */
export function applyAssignments(
  text: string,
  shown: string,
  assignments: readonly (readonly [string, KeyValue])[],
): string {
  let doc = parseToml(text, shown);
  configFromObject(doc, shown);
  let out = text;
  for (const [key, value] of assignments) {
    out = setInToml(out, key, value);
    doc = withValue(doc, key, value);
  }
  const unsupported = new ConfigError(
    `Cannot edit config ${shown} in place: its layout for ${
      assignments.map(([k]) => `"${k}"`).join(", ")
    } is not supported; edit the file by hand`,
  );
  let reparsed: Record<string, unknown>;
  try {
    reparsed = parseToml(out, shown);
  } catch {
    throw unsupported;
  }
  if (!sameValue(reparsed, doc)) throw unsupported;
  configFromObject(reparsed, `${shown} (edited)`);
  return out;
}
