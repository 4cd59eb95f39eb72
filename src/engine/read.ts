/**
 * Reading an engine's file as text, refusing what is not UTF-8 rather than turning it into
 * U+FFFD and writing that back.
 * @module
 */

import { errorMessage } from "../internal/errors.ts";
import { decodeUtf8, Utf8Error } from "../internal/utf8.ts";

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
    return decodeUtf8(bytes);
  } catch (e) {
    if (!(e instanceof Utf8Error)) throw e;
    const byte = (bytes[e.offset] ?? 0).toString(16).toUpperCase().padStart(2, "0");
    throw new Error(
      `Cannot edit "${path}": it is not valid UTF-8 (byte 0x${byte} at offset ${e.offset}); ` +
        "it was left unchanged",
    );
  }
}
