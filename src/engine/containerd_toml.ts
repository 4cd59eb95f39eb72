/**
 * containerd's TOML: read with integers and floats kept apart (containerd's Go decoder refuses a
 * float where it wants an int), and written back as tables in a stable order.
 * @module
 */

import { parse, TomlError } from "smol-toml";
import { tomlKey, tomlKind, tomlString } from "./toml_text.ts";
import { errorMessage } from "../internal/errors.ts";
import { isStackOverflow, MAX_NESTING, nestingProblem, TOO_DEEP } from "../internal/nesting.ts";

/** A parsed TOML table. */
export type Table = Record<string, unknown>;

/** Parses `text` (integers as bigint, floats as number); throws naming `path`, line and column. */
export function parseContainerdToml(text: string, path: string): Table {
  let doc: Table;
  try {
    doc = parse(text, { integersAsBigInt: true, maxDepth: MAX_NESTING }) as Table;
  } catch (e) {
    if (isStackOverflow(e)) throw new Error(`Invalid config "${path}": ${TOO_DEEP}`);
    if (e instanceof TomlError) {
      let reason = e.message.split("\n")[0]!.replace(/^Invalid TOML document: /, "");
      // smol-toml's own words for its maxDepth, which is MAX_NESTING.
      if (/excessively nested/.test(reason)) reason = TOO_DEEP;
      throw new Error(`Invalid config "${path}": line ${e.line}, column ${e.column}: ${reason}`, {
        cause: e,
      });
    }
    throw new Error(`Invalid config "${path}": ${errorMessage(e)}`, { cause: e });
  }
  // Deep table headers (`[a.a.a…]`) pass the parser; copying and comparing tables recurse.
  const depthProblem = nestingProblem(doc);
  if (depthProblem) throw new Error(`Invalid config "${path}": ${depthProblem}`);
  return doc;
}

/** What a value of containerd's TOML is, for messages (integers are bigints: a number is a float). */
export function containerdKind(value: unknown): string {
  return typeof value === "number" ? "a float" : tomlKind(value);
}

/**
 * `value`, the key `key` of `path`, when it is a table or missing. Throws for anything else:
 * containerd cannot decode that file either, and it must not be copied into a drop-in.
 */
export function tableOrMissing(value: unknown, key: string, path: string): Table | undefined {
  if (value === undefined || isTomlTable(value)) return value;
  throw new Error(
    // deno-lint-ignore xpu-messages/values-quoted -- a TOML key path, quoted as TOML needs
    `${key} in "${path}" is ${
      containerdKind(value)
    }, not a table; containerd cannot load it either`,
  );
}

/** True for a TOML table (not an array, date or scalar). */
export function isTomlTable(value: unknown): value is Table {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    !(value instanceof Date);
}

function scalar(value: unknown): string {
  if (typeof value === "string") return tomlString(value);
  if (typeof value === "bigint" || typeof value === "boolean") return String(value);
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "nan";
    if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
    // A float must stay a float: 1 would read back as an integer.
    return Number.isInteger(value) && Math.abs(value) < 1e16 ? `${value}.0` : String(value);
  }
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return `[${value.map(scalar).join(", ")}]`;
  if (isTomlTable(value)) {
    const parts = Object.keys(value).sort().map((k) => `${tomlKey(k)} = ${scalar(value[k])}`);
    return parts.length === 0 ? "{}" : `{ ${parts.join(", ")} }`;
  }
  throw new TypeError(`Cannot write ${typeof value} as TOML`);
}

/**
 * `table` as TOML lines: keys sorted, values before sub-tables, a header for each table that
 * holds a value or is empty (a table of tables needs none), keys indented under it.
 */
export function renderTables(table: Table, path: readonly string[] = []): string[] {
  const keys = Object.keys(table).sort();
  const values = keys.filter((k) => !isTomlTable(table[k]));
  const tables = keys.filter((k) => isTomlTable(table[k]));
  const lines: string[] = [];
  if (path.length > 0 && (values.length > 0 || tables.length === 0)) {
    lines.push("", `[${path.map(tomlKey).join(".")}]`);
  }
  const indent = path.length > 0 ? "  " : "";
  for (const k of values) lines.push(`${indent}${tomlKey(k)} = ${scalar(table[k])}`);
  for (const k of tables) lines.push(...renderTables(table[k] as Table, [...path, k]));
  return lines;
}

/** Deep equality over parsed TOML values (bigints, dates and tables included). */
export function sameToml(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length &&
      a.every((v, i) => sameToml(v, b[i]));
  }
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.toISOString() === b.toISOString();
  }
  if (isTomlTable(a) || isTomlTable(b)) {
    if (!isTomlTable(a) || !isTomlTable(b)) return false;
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return sameToml(ka, kb) && ka.every((k) => sameToml(a[k], b[k]));
  }
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

/** A deep copy of a parsed TOML value. */
export function cloneToml<T>(value: T): T {
  if (Array.isArray(value)) return value.map(cloneToml) as T;
  if (isTomlTable(value)) {
    const out: Table = {};
    for (const [k, v] of Object.entries(value)) out[k] = cloneToml(v);
    return out as T;
  }
  return value;
}
