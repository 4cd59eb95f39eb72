/**
 * One engine change at a time per directory: an exclusive flock(2) on the directory that holds
 * the engine's file, so concurrent `xpu-ctk runtime configure` calls read, plan and write one
 * after another instead of losing each other's edits.
 * @module
 */

import { fsReason } from "./fs_error.ts";

/** How long a call waits for the others before it gives up. */
const WAIT_MS = 60_000;

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Runs `fn` holding an exclusive lock on the existing directory `dir`, waiting at most `waitMs`
 * for it. The directory, not the
 * file: every write renames a new file over the old one, so a lock on the file would stay with an
 * inode that is no longer the file; and a lock file would be left behind in /etc/docker. The
 * kernel drops the lock when the process ends, however it ends.
 */
export function withDirLock<T>(dir: string, fn: () => T, waitMs = WAIT_MS): T {
  let handle: Deno.FsFile;
  try {
    handle = Deno.openSync(dir, { read: true });
  } catch (e) {
    throw new Error(`Cannot lock "${dir}": ${fsReason(e)}`, { cause: e });
  }
  try {
    const end = Date.now() + waitMs;
    let pause = 1;
    while (!tryLock(handle, dir)) {
      if (Date.now() > end) {
        throw new Error(
          `Cannot lock "${dir}": another xpu-ctk has held it for ${waitMs / 1000} s`,
        );
      }
      Atomics.wait(sleeper, 0, 0, pause);
      pause = Math.min(pause * 2, 50);
    }
    return fn();
  } finally {
    handle.close();
  }
}

function tryLock(handle: Deno.FsFile, dir: string): boolean {
  try {
    return handle.tryLockSync(true);
  } catch (e) {
    throw new Error(`Cannot lock "${dir}": ${fsReason(e)}`, { cause: e });
  }
}
