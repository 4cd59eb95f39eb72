/**
 * Temp files a rewrite of config.json (or another file replaced by renames) left when it was
 * killed (kill -9, a crash) between creating its temp file and renaming it over the file.
 * @module
 */

import { errorMessage } from "../internal/errors.ts";
import { isTempNameOf } from "../internal/fs.ts";

/**
 * Removes `<dir>/.NAME.<pid>.<ms>.tmp` files (NAME: `config.json` in a bundle): regular files
 * only (a link is never followed or removed), and only that exact name. The caller must hold
 * the directory's lock, which every rewrite holds while its temp file exists: any such file it
 * sees is a dead call's. Returns a line for the log per file removed, or why it could not be.
 */
export function removeStaleTemps(dir: string, name = "config.json"): string[] {
  const notes: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch {
    // Loading the file reports an unreadable directory.
    return notes;
  }
  for (const entry of entries) {
    if (!isTempNameOf(entry.name, name)) continue;
    const path = `${dir.replace(/\/+$/, "")}/${entry.name}`;
    try {
      // lstat again: readdir's type may be unknown on some file systems.
      if (!entry.isFile || !Deno.lstatSync(path).isFile) continue;
      Deno.removeSync(path);
      notes.push(`Removed "${path}", left by an interrupted rewrite of ${name}`);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) {
        notes.push(`Cannot remove "${path}", left by an interrupted rewrite: ${errorMessage(e)}`);
      }
    }
  }
  return notes;
}
