/**
 * Reading an engine's file: only a regular file (through its links) or nothing, checked before it
 * is opened, so a FIFO cannot hang a call that holds the lock and a device is never read; and only
 * UTF-8, refused rather than turned into U+FFFD and written back.
 * @module
 */

import { fsReason } from "./fs_error.ts";
import { decodeUtf8, Utf8Error } from "../internal/utf8.ts";
import { concatBytes } from "../internal/bytes.ts";

/** A file an engine cannot use; `reason` follows its name ("is a FIFO, not a regular file"). */
export class UnusableFile extends Error {
  /** The file. */
  readonly path: string;
  /** Why, as the rest of a sentence that starts with the file. */
  readonly reason: string;

  constructor(path: string, reason: string, options?: ErrorOptions) {
    super(`Cannot edit "${path}": it ${reason}; it was left unchanged`, options);
    this.path = path;
    this.reason = reason;
  }
}

/** What a file that is not regular is, for messages. */
function kindOf(info: Deno.FileInfo): string {
  if (info.isDirectory) return "a directory";
  if (info.isCharDevice) return "a character device";
  if (info.isBlockDevice) return "a block device";
  if (info.isFifo) return "a FIFO";
  if (info.isSocket) return "a socket";
  return "not a regular file";
}

function missing(e: unknown): boolean {
  return e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory;
}

function refuse(path: string, info: Deno.FileInfo): never {
  const kind = kindOf(info);
  throw new UnusableFile(
    path,
    kind.startsWith("not") ? `is ${kind}` : `is ${kind}, not a regular file`,
  );
}

/**
 * What `path` is through its links: undefined when nothing is there (or a link leads nowhere).
 * Throws UnusableFile for anything but a regular file.
 */
export function regularOrMissing(path: string): Deno.FileInfo | undefined {
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(path);
  } catch (e) {
    if (missing(e)) return undefined;
    throw new UnusableFile(path, `cannot be read: ${fsReason(e)}`, { cause: e });
  }
  if (!info.isFile) refuse(path, info);
  return info;
}

/** The largest engine file read: stock files are a few KiB; a bigger one is surely not one. */
export const MAX_ENGINE_FILE = 16 * 1024 * 1024;

/** The bytes of the regular file `path`, or undefined when it does not exist. */
export function readBytes(path: string): Uint8Array | undefined {
  const seen = regularOrMissing(path);
  if (seen === undefined) return undefined;
  const tooLarge = () => new UnusableFile(path, `is larger than ${MAX_ENGINE_FILE >> 20} MiB`);
  if (seen.size > MAX_ENGINE_FILE) throw tooLarge();
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch (e) {
    if (missing(e)) return undefined;
    throw new UnusableFile(path, `cannot be read: ${fsReason(e)}`, { cause: e });
  }
  try {
    // Swapped between the check and the open (by root, in a root-owned directory): still refused.
    const info = file.statSync();
    if (!info.isFile) refuse(path, info);
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(64 * 1024);
    let total = 0;
    for (;;) {
      const n = file.readSync(buf);
      if (n === null || n === 0) break;
      total += n;
      if (total > MAX_ENGINE_FILE) throw tooLarge();
      chunks.push(buf.slice(0, n));
    }
    return concatBytes(chunks);
  } catch (e) {
    if (e instanceof UnusableFile) throw e;
    throw new UnusableFile(path, `cannot be read: ${fsReason(e)}`, { cause: e });
  } finally {
    file.close();
  }
}

/** `bytes` of `path` as text; throws UnusableFile naming the first byte that is not UTF-8. */
function decodeStrict(path: string, bytes: Uint8Array): string {
  try {
    return decodeUtf8(bytes);
  } catch (e) {
    if (!(e instanceof Utf8Error)) throw e;
    const byte = (bytes[e.offset] ?? 0).toString(16).toUpperCase().padStart(2, "0");
    throw new UnusableFile(path, `is not valid UTF-8 (byte 0x${byte} at offset ${e.offset})`);
  }
}

/**
 * The current text of `path`, or undefined when it does not exist. Throws UnusableFile for a
 * path that is not a regular file, cannot be read, or is not UTF-8.
 */
export function readIfExists(path: string): string | undefined {
  const bytes = readBytes(path);
  return bytes === undefined ? undefined : decodeStrict(path, bytes);
}
