/**
 * File-system helpers: atomic writes and existence checks.
 * @module
 */

import { errorMessage } from "./errors.ts";

/** The directory part of `path` ("." for a bare name). */
export function dirName(path: string): string {
  const i = path.replace(/\/+$/, "").lastIndexOf("/");
  return i < 0 ? "." : i === 0 ? "/" : path.slice(0, i);
}

/** lstat that answers undefined for a missing path instead of throwing. */
export function lstatOrUndefined(path: string): Deno.FileInfo | undefined {
  try {
    return Deno.lstatSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
      return undefined;
    }
    throw e;
  }
}

/** True when `path` is a regular file (after symlinks) with an execute bit set. */
export function isExecutableFile(path: string): boolean {
  try {
    const info = Deno.statSync(path);
    return info.isFile && ((info.mode ?? 0) & 0o111) !== 0;
  } catch {
    return false;
  }
}

/**
 * Replaces `path` with `data` atomically: a temp file in the same directory, fsync, rename.
 * An existing file keeps its mode; a new one gets `mode`. On failure `path` is untouched.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): void {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  let finalMode = mode;
  try {
    finalMode = (Deno.statSync(path).mode ?? mode) & 0o7777;
  } catch {
    // A new file gets the requested mode.
  }
  const dir = dirName(path);
  const tmp = `${dir}/.${path.slice(dir.length + 1)}.${Deno.pid}.${Date.now()}.tmp`;
  try {
    const file = Deno.openSync(tmp, { write: true, createNew: true, mode: finalMode });
    try {
      let off = 0;
      while (off < bytes.length) off += file.writeSync(bytes.subarray(off));
      file.syncSync();
    } finally {
      file.close();
    }
    // The umask may have narrowed the mode given to open.
    Deno.chmodSync(tmp, finalMode);
    Deno.renameSync(tmp, path);
  } catch (e) {
    try {
      Deno.removeSync(tmp);
    } catch {
      // Nothing to clean up.
    }
    throw new Error(`Cannot write "${path}": ${errorMessage(e)}`, { cause: e });
  }
}
