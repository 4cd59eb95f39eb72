/**
 * TOML as every engine writes it (containerd, CRI-O and podman alike): one way to quote a
 * string, one way to write a key, and one way to name a value's kind in a message.
 * @module
 */

/** A TOML basic string. */
export function tomlString(s: string): string {
  // JSON's escapes are all valid TOML escapes, and JSON escapes every control character but
  // DEL, which TOML forbids raw as well.
  return JSON.stringify(s).replaceAll("\x7f", "\\u007F");
}

/** A key, bare when TOML allows it; quoted otherwise, so `x.y` stays one key, not a table. */
export function tomlKey(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : tomlString(key);
}

/** What a parsed TOML value is, for messages: "a string", "an integer", "a table" … */
export function tomlKind(value: unknown): string {
  if (typeof value === "string") return "a string";
  if (typeof value === "bigint") return "an integer";
  if (typeof value === "number") return Number.isInteger(value) ? "a number" : "a float";
  if (typeof value === "boolean") return "a boolean";
  if (value instanceof Date) return "a date";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" && value !== null ? "a table" : "not a TOML value";
}
