/**
 * Writing an engine's files: whole and atomically (a temp file beside it, fsync, rename), only
 * over a regular file or nothing, so a device node named by `--config` is never replaced; and a
 * backup only where nothing is, so an operator's file of that name is never replaced either.
 * @module
 */

import { fsReason } from "./fs_error.ts";
import { regularOrMissing } from "./read.ts";
import { removeQuietly, writeFileAtomic, writeTemp } from "../internal/fs.ts";

/**
 * Replaces the regular file `path` (or creates it) with `data`. An existing file keeps its mode,
 * a new one gets `mode`. On failure `path` is untouched. Throws naming `path` and the reason.
 */
export function replaceFile(path: string, data: string | Uint8Array, mode = 0o644): void {
  regularOrMissing(path);
  try {
    writeFileAtomic(path, data, mode);
  } catch (e) {
    // The file system's own reason, without the Deno suffix writeFileAtomic keeps.
    const reason = e instanceof Error && e.cause !== undefined ? e.cause : e;
    throw new Error(`Cannot write "${path}": ${fsReason(reason)}`, { cause: e });
  }
}

/**
 * Creates `path` holding `data` only if nothing (not even a dangling link) is there, atomically:
 * false, writing nothing, when something is.
 */
export function createFile(path: string, data: string | Uint8Array, mode: number): boolean {
  let tmp: string | undefined;
  try {
    tmp = writeTemp(path, data, mode);
    // link(2), unlike rename(2), fails rather than replace what is there.
    Deno.linkSync(tmp, path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) return false;
    throw new Error(`Cannot write "${path}": ${fsReason(e)}`, { cause: e });
  } finally {
    if (tmp !== undefined) removeQuietly(tmp);
  }
}

/** Removes the regular file `path` (not a link's target); false when it was not there. */
export function removeFile(path: string): boolean {
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw new Error(`Cannot remove "${path}": ${fsReason(e)}`, { cause: e });
  }
  if (!info.isFile) {
    throw new Error(`Cannot remove "${path}": it is not a regular file`);
  }
  try {
    Deno.removeSync(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw new Error(`Cannot remove "${path}": ${fsReason(e)}`, { cause: e });
  }
}
