/**
 * Rendering configuration as TOML: the effective config and the commented default file.
 * @module
 */

import { stringify } from "smol-toml";
import { type Config, getKey, KEYS, type KeyValue } from "./schema.ts";

/** One value in TOML syntax: `"s"`, `true`, `["a", "b"]`. */
export function tomlValue(value: KeyValue): string {
  if (Array.isArray(value)) return `[${value.map((v) => tomlValue(v)).join(", ")}]`;
  // smol-toml knows TOML's escaping rules (control characters, DEL) better than JSON does.
  return stringify({ v: value }).trim().slice("v = ".length);
}

/** The table part and the key part of a dotted key. */
export function splitKey(key: string): { table: string; name: string } {
  const dot = key.lastIndexOf(".");
  return dot < 0
    ? { table: "", name: key }
    : { table: key.slice(0, dot), name: key.slice(dot + 1) };
}

/**
 * `config` as a TOML document in schema order. With `commented`, every key gets its
 * description and keys that are unset show their example, commented out (the default file).
 */
export function renderConfig(config: Config, commented: boolean): string {
  const lines: string[] = [];
  if (commented) {
    lines.push(
      "# XPU Container Toolkit configuration.",
      "# Commented-out keys show an example; their default is unset.",
      "",
    );
  }
  let table = "";
  for (const spec of KEYS) {
    const { table: keyTable, name } = splitKey(spec.key);
    if (keyTable !== table) {
      table = keyTable;
      lines.push("", `[${table}]`);
    }
    const value = getKey(config, spec.key)!;
    if (commented) lines.push(`# ${spec.doc}`);
    if (value === "" && spec.example !== undefined) {
      if (commented) lines.push(`#${name} = ${tomlValue(spec.example)}`);
      continue;
    }
    lines.push(`${name} = ${tomlValue(value)}`);
  }
  return `${lines.join("\n").replace(/^\n/, "")}\n`;
}
