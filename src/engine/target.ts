/**
 * The file an engine path names: a symlinked daemon.json is edited at its target, so the link
 * stays a link and every spelling of the path shares one lock and one backup.
 * @module
 */

import { fsReason } from "./fs_error.ts";
import { dirName, lstatOrUndefined } from "../internal/fs.ts";

/** As many links as Linux follows in one lookup. */
const MAX_LINKS = 40;

/** `path` with its directory made canonical when it exists, so messages name the real file. */
function canonicalDir(path: string): string {
  const name = path.slice(path.lastIndexOf("/") + 1);
  try {
    return `${Deno.realPathSync(dirName(path)).replace(/\/$/, "")}/${name}`;
  } catch {
    return path;
  }
}

/**
 * `path` with its last component's symlinks followed (to a target that may not exist yet); a
 * path that is no link comes back as given. Links in directories on the way need no following:
 * the kernel follows those on every access, and the lock is taken on the directory itself.
 */
export function linkTarget(path: string): string {
  let current = path;
  for (let hops = 0; hops <= MAX_LINKS; hops++) {
    let target: string | undefined;
    try {
      target = lstatOrUndefined(current)?.isSymlink ? Deno.readLinkSync(current) : undefined;
    } catch (e) {
      throw new Error(`Cannot follow "${current}": ${fsReason(e)}`, { cause: e });
    }
    if (target === undefined) return current;
    current = canonicalDir(target.startsWith("/") ? target : `${dirName(current)}/${target}`);
  }
  throw new Error(`Cannot follow "${path}": too many levels of symbolic links`);
}
