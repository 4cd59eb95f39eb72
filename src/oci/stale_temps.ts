/**
 * Temp files a rewrite of config.json left in a bundle when it was killed (kill -9, a crash)
 * between creating its temp file and renaming it over the spec.
 * @module
 */

import { errorMessage } from "../internal/errors.ts";
import { isTempNameOf } from "../internal/fs.ts";

/**
 * Removes `<bundle>/.config.json.<pid>.<ms>.tmp` files: regular files only (a link is never
 * followed or removed), and only that exact name. The caller must hold the bundle's lock, which
 * every rewrite holds while its temp file exists: any such file it sees is a dead call's.
 * Returns a line for the log per file removed, or why it could not be.
 */
export function removeStaleTemps(bundle: string): string[] {
  const notes: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(bundle)];
  } catch {
    // Loading the spec reports an unreadable bundle.
    return notes;
  }
  for (const entry of entries) {
    if (!isTempNameOf(entry.name, "config.json")) continue;
    const path = `${bundle.replace(/\/+$/, "")}/${entry.name}`;
    try {
      // lstat again: readdir's type may be unknown on some file systems.
      if (!entry.isFile || !Deno.lstatSync(path).isFile) continue;
      Deno.removeSync(path);
      notes.push(`Removed "${path}", left by an interrupted rewrite of config.json`);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) {
        notes.push(`Cannot remove "${path}", left by an interrupted rewrite: ${errorMessage(e)}`);
      }
    }
  }
  return notes;
}
