/**
 * File-system helpers: atomic writes and existence checks.
 * @module
 */

import { errorMessage } from "./errors.ts";
import { writeAll } from "./io.ts";

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

/** Owned by this process's user and writable by nobody else. */
export function ownedPrivately(info: Deno.FileInfo): boolean {
  return info.uid === Deno.uid() && ((info.mode ?? 0o777) & 0o022) === 0;
}

/** The paths of the entries of `dir` that `accept` takes, sorted; none when `dir` is missing. */
export function filesIn(dir: string, accept: (entry: Deno.DirEntry) => boolean): string[] {
  try {
    return [...Deno.readDirSync(dir)]
      .filter(accept)
      .map((e) => `${dir.replace(/\/+$/, "")}/${e.name}`)
      .sort();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return [];
    throw e;
  }
}

/** The name writeFileAtomic gives the temp file for `name`: `.NAME.PID.MS.tmp`. */
function tempNameOf(name: string): string {
  return `.${name}.${Deno.pid}.${Date.now()}.tmp`;
}

/** True when `entry` is named as writeFileAtomic names a temp file for `name`. */
export function isTempNameOf(entry: string, name: string): boolean {
  return entry.length > name.length + 1 && entry.startsWith(`.${name}.`) &&
    /^\.[0-9]+\.[0-9]+\.tmp$/.test(entry.slice(name.length + 1));
}

/**
 * A new file beside `path` (`.NAME.PID.MS.tmp`, see isTempNameOf) holding `data` with `mode`,
 * synced, for a rename or link over `path`; its path. Never through a link or over a file
 * (createNew); removed again on failure. Throws what the file system threw.
 */
export function writeTemp(path: string, data: string | Uint8Array, mode: number): string {
  const dir = dirName(path);
  const tmp = `${dir}/${tempNameOf(path.slice(dir.length + 1))}`;
  const file = Deno.openSync(tmp, { write: true, createNew: true, mode });
  try {
    writeAll(file, data);
    file.syncSync();
    file.close();
    // The umask may have narrowed the mode given to open.
    Deno.chmodSync(tmp, mode);
    return tmp;
  } catch (e) {
    try {
      file.close();
    } catch {
      // Closed already.
    }
    removeQuietly(tmp);
    throw e;
  }
}

/** Removes `path` if it is there; a failure matters less than the one being reported. */
export function removeQuietly(path: string): void {
  try {
    Deno.removeSync(path);
  } catch {
    // Already gone, or nothing more can be done.
  }
}

/**
 * Replaces `path` with `data` atomically: a temp file in the same directory, fsync, rename.
 * An existing file keeps its mode; a new one gets `mode`. On failure `path` is untouched.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): void {
  let finalMode = mode;
  try {
    finalMode = (Deno.statSync(path).mode ?? mode) & 0o7777;
  } catch {
    // A new file gets the requested mode.
  }
  let tmp: string | undefined;
  try {
    tmp = writeTemp(path, data, finalMode);
    Deno.renameSync(tmp, path);
  } catch (e) {
    if (tmp !== undefined) removeQuietly(tmp);
    throw new Error(`Cannot write "${path}": ${errorMessage(e)}`, { cause: e });
  }
}

const MAX_SYMLINKS = 40;

/**
 * Resolves `path` inside `root` the way the container will see it, without ever leaving `root`:
 * every existing component is looked at with lstat, a symlink's target is followed relative to
 * the root (an absolute target starts again at the root), and `..` at the root stays at the
 * root. Missing components are kept as they are. Returns the host path (always below `root`).
 * For host trees such as the driver root; inside a container's root, where the image may swap
 * links while the toolkit works, use `Root` (in_root.ts), which holds descriptors instead.
 */
export function resolveInRoot(root: string, path: string): string {
  const base = root.replace(/\/+$/, "");
  const resolved: string[] = [];
  let pending = path.split("/").filter((c) => c !== "" && c !== ".");
  let hops = 0;
  // How many components of `resolved` exist; those after a missing one are kept as they are,
  // until a `..` climbs back to where they exist and looking resumes.
  let existing = Infinity;
  while (pending.length > 0) {
    const [part, ...rest] = pending as [string, ...string[]];
    pending = rest;
    if (part === "..") {
      resolved.pop();
      continue;
    }
    resolved.push(part);
    if (resolved.length > existing + 1) continue;
    existing = Infinity;
    const host = `${base}/${resolved.join("/")}`;
    const info = lstatOrUndefined(host);
    if (!info) {
      existing = resolved.length - 1;
      continue;
    }
    if (!info.isSymlink) continue;
    if (++hops > MAX_SYMLINKS) {
      throw new Error(`Too many symlinks resolving "${path}" in "${root}"`);
    }
    const target = Deno.readLinkSync(host);
    resolved.pop();
    if (target.startsWith("/")) resolved.length = 0;
    pending = [...target.split("/").filter((c) => c !== "" && c !== "."), ...pending];
  }
  return resolved.length === 0 ? base || "/" : `${base}/${resolved.join("/")}`;
}
