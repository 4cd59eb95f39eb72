/**
 * Reading an engine's file as text, refusing what is not UTF-8 rather than turning it into
 * U+FFFD and writing that back.
 * @module
 */

import { encoder } from "../internal/io.ts";
import { errorMessage } from "../internal/errors.ts";

// The BOM is kept so that the text written back starts with the same bytes.
const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const lenient = new TextDecoder("utf-8", { ignoreBOM: true });

/** The offset of the first byte of `bytes` that is not part of valid UTF-8. */
function firstInvalid(bytes: Uint8Array): number {
  // A valid prefix survives decoding and encoding unchanged; the first bad byte does not.
  const again = encoder.encode(lenient.decode(bytes));
  let i = 0;
  while (i < bytes.length && bytes[i] === again[i]) i++;
  return i;
}

/**
 * The current text of `path`, or undefined when it does not exist. Throws on other errors and
 * on bytes that are not UTF-8 (naming the file and the first such byte).
 */
export function readIfExists(path: string): string | undefined {
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw new Error(`Cannot read "${path}": ${errorMessage(e)}`, { cause: e });
  }
  try {
    return strict.decode(bytes);
  } catch {
    const at = firstInvalid(bytes);
    const byte = (bytes[at] ?? 0).toString(16).toUpperCase().padStart(2, "0");
    throw new Error(
      `Cannot edit "${path}": it is not valid UTF-8 (byte 0x${byte} at offset ${at}); ` +
        "it was left unchanged",
    );
  }
}
