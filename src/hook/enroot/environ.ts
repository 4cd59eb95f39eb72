/**
 * ENROOT_ENVIRON, the `KEY=VALUE` lines enroot gives the container: where an enroot hook reads
 * the container's request (as NVIDIA's 98-nvidia.sh does: the hook's own environment first, then
 * the file's last value), and the library path it extends. The file holds what the image's
 * /etc/environment and earlier hooks put there, so nothing in it is trusted: only request
 * variables are decoded (strictly), and nothing else of it is ever run or mounted.
 * @module
 */

import { isRequestVariable } from "../../config/variables.ts";
import { decodeUtf8, Utf8Error } from "../../internal/utf8.ts";
import { quote } from "../../internal/quote.ts";

/** The largest ENROOT_ENVIRON read; a bigger one is refused, not cut. */
export const MAX_ENVIRON = 16 * 1024 * 1024;

const NEWLINE = 0x0a;
const EQUALS = 0x3d;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ascii = new TextDecoder("latin1");

/** One `NAME=VALUE` line: its number, the name, and the value's bytes and offset. */
interface Line {
  readonly line: number;
  readonly name: string;
  readonly value: Uint8Array;
  readonly offset: number;
}

/** The `NAME=VALUE` lines of `bytes` (others skipped, as enroot skips them). */
function* assignments(bytes: Uint8Array): Generator<Line> {
  let start = 0;
  for (let line = 1; start < bytes.length; line++) {
    let end = bytes.indexOf(NEWLINE, start);
    if (end < 0) end = bytes.length;
    const eq = bytes.subarray(start, end).indexOf(EQUALS);
    // A variable name is short: a line that is not one is skipped without decoding it.
    if (eq > 0 && eq <= 256) {
      const name = ascii.decode(bytes.subarray(start, start + eq));
      if (NAME.test(name)) {
        yield { line, name, value: bytes.subarray(start + eq + 1, end), offset: start + eq + 1 };
      }
    }
    start = end + 1;
  }
}

/**
 * The request variables for the container: the last value of each in `environ` (the bytes of
 * the file `file`), overridden by the hook's own environment `host`. Throws, naming the file
 * and line, when a request variable's value is not UTF-8.
 */
export function requestEnvironment(
  host: Readonly<Record<string, string>>,
  environ: Uint8Array,
  file: string,
): Map<string, string> {
  const found = new Map<string, string>();
  for (const { line, name, value, offset } of assignments(environ)) {
    if (!isRequestVariable(name)) continue;
    try {
      found.set(name, decodeUtf8(value));
    } catch (e) {
      if (!(e instanceof Utf8Error)) throw e;
      const at = offset + e.offset;
      const hex = environ[at]!.toString(16).toUpperCase().padStart(2, "0");
      const shown = quote(file);
      const why = `line ${line}: ${name}: invalid UTF-8 at byte ${at} (0x${hex})`;
      throw new Error(`Invalid ENROOT_ENVIRON ${shown}: ${why}`, { cause: e });
    }
  }
  for (const [name, value] of Object.entries(host)) {
    if (isRequestVariable(name)) found.set(name, value);
  }
  return found;
}

/** The bytes of the last value of `name` in `environ`, or undefined when it has none. */
export function lastValue(environ: Uint8Array, name: string): Uint8Array | undefined {
  let last: Uint8Array | undefined;
  for (const line of assignments(environ)) if (line.name === name) last = line.value;
  return last;
}

/** The variable the container's loader searches first; enroot runs no ldconfig after mounts. */
export const LIBRARY_PATH = "LD_LIBRARY_PATH";

/**
 * The ENROOT_ENVIRON line putting `dirs` in front of `previous` (the bytes of the container's
 * LD_LIBRARY_PATH, kept as they are). Throws for a directory the list cannot carry.
 */
export function libraryPathLine(
  dirs: readonly string[],
  previous: Uint8Array | undefined,
): Uint8Array {
  for (const dir of dirs) {
    if (/[:\n\r\0]/.test(dir) || !dir.startsWith("/")) {
      throw new Error(
        `Cannot add the library directory ${
          quote(dir)
        } to ${LIBRARY_PATH}: it is not an absolute path without colons and line breaks`,
      );
    }
  }
  const head = new TextEncoder().encode(
    `${LIBRARY_PATH}=${dirs.join(":")}${previous?.length ? ":" : ""}`,
  );
  const line = new Uint8Array(head.length + (previous?.length ?? 0) + 1);
  line.set(head);
  if (previous) line.set(previous, head.length);
  line[line.length - 1] = NEWLINE;
  return line;
}
