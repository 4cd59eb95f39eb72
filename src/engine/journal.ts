/**
 * What one call changed on disk, so that a failure half-way (an immutable file, a bind-mounted
 * one that cannot be renamed over) puts every file back as it was instead of leaving a new
 * backup, a record that points at nothing, or half of a plan.
 * @module
 */

import { fsReason } from "./fs_error.ts";
import { readBytes, regularOrMissing } from "./read.ts";
import { removeFile, replaceFile } from "./write.ts";
import { errorMessage } from "../internal/errors.ts";
import { dirName, lstatOrUndefined } from "../internal/fs.ts";

/** A file as it was: its bytes and mode, or null when there was none. */
type Saved = { readonly bytes: Uint8Array; readonly mode: number } | null;

/** The files and directories a call has touched, with their state before it. */
export class Journal {
  readonly #files = new Map<string, Saved>();
  readonly #dirs: string[] = [];

  /** Notes `path` as it is now, before this call first changes it. */
  save(path: string): void {
    if (this.#files.has(path)) return;
    const bytes = readBytes(path);
    const mode = bytes === undefined ? 0 : (regularOrMissing(path)?.mode ?? 0o644) & 0o7777;
    this.#files.set(path, bytes === undefined ? null : { bytes, mode });
  }

  /** Notes that this call has just created `path`. */
  created(path: string): void {
    if (!this.#files.has(path)) this.#files.set(path, null);
  }

  /** Makes `dir` and its missing parents, noting those it made. */
  makeDirs(dir: string): void {
    const missing: string[] = [];
    for (let d = dir; d !== "/" && d !== "." && !lstatOrUndefined(d); d = dirName(d)) {
      missing.push(d);
    }
    try {
      Deno.mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new Error(`Cannot create "${dir}": ${fsReason(e)}`, { cause: e });
    }
    this.#dirs.push(...missing);
  }

  /**
   * Puts back every file noted, the last first, and removes the directories made if empty.
   * Returns why each file that could not be put back could not.
   */
  rollback(): string[] {
    const stuck: string[] = [];
    for (const [path, saved] of [...this.#files].reverse()) {
      try {
        if (saved === null) removeFile(path);
        else if (!same(readBytes(path), saved.bytes)) replaceFile(path, saved.bytes, saved.mode);
      } catch (e) {
        stuck.push(errorMessage(e));
      }
    }
    for (const dir of this.#dirs) {
      try {
        Deno.removeSync(dir);
      } catch {
        // Not empty (someone else's file), or gone: left as it is.
      }
    }
    return stuck;
  }
}

function same(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}
