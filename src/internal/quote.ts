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
