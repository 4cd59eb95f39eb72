/**
 * Quoting a value in a message.
 * @module
 */

// What a container or file holds is not echoed at length.
const QUOTED_CHARS = 100;

/** `text` as a double-quoted JSON string, cut to its first 100 characters. */
export function quote(text: string): string {
  return JSON.stringify(text.length > QUOTED_CHARS ? `${text.slice(0, QUOTED_CHARS)}…` : text);
}

/**
 * `value` as one word for sh and bash, whatever bytes it holds: as it is when plain, else
 * single-quoted (where nothing is special), each `'` written as `'\''`; `''` when empty.
 */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9/._+=:@%,-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}
