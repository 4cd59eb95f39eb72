/**
 * Decoding input files as UTF-8 without turning bad bytes into U+FFFD: a file the toolkit reads
 * or rewrites is taken exactly as written, or refused with the offset of its first bad byte.
 * @module
 */

import { encoder } from "./io.ts";
import { readRegularFile } from "./read_file.ts";

// A byte-order mark stays in the text, as Deno.readTextFileSync keeps it.
const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const lenient = new TextDecoder("utf-8", { ignoreBOM: true });

/** Bytes that are not UTF-8; the message names the first bad byte and its offset. */
export class Utf8Error extends Error {
  override name = "Utf8Error";
  /** Offset of the first byte that is not part of valid UTF-8. */
  readonly offset: number;

  constructor(offset: number, byte: number) {
    const hex = byte.toString(16).toUpperCase().padStart(2, "0");
    super(`invalid UTF-8 at byte ${offset} (0x${hex})`);
    this.offset = offset;
  }
}

/** The offset of the first byte of `bytes` that is not part of valid UTF-8, or -1. */
export function invalidUtf8Offset(bytes: Uint8Array): number {
  try {
    strict.decode(bytes);
    return -1;
  } catch {
    // A valid prefix survives decoding and encoding unchanged; the first bad byte does not.
    const again = encoder.encode(lenient.decode(bytes));
    let i = 0;
    while (i < bytes.length && bytes[i] === again[i]) i++;
    return i;
  }
}

/** `bytes` as text. Throws Utf8Error when they are not UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return strict.decode(bytes);
  } catch {
    const at = invalidUtf8Offset(bytes);
    throw new Utf8Error(at, bytes[at] ?? 0);
  }
}

/** `bytes` as text, with U+FFFD for bytes that are not UTF-8 (for text only shown, never kept). */
export function decodeLenient(bytes: Uint8Array): string {
  return lenient.decode(bytes);
}

/**
 * The text of the regular file at `path`, of at most `maxBytes`. Throws Deno's errors,
 * UnreadableFileError (see readRegularFile), and Utf8Error when it is not UTF-8.
 */
export function readUtf8File(path: string, maxBytes: number): string {
  return decodeUtf8(readRegularFile(path, maxBytes));
}
