/**
 * Temp files that a killed xpu-ctk left behind: every write goes through `.NAME.PID.MS.tmp`
 * beside its file (write.ts), and a `kill -9` between creating and renaming it leaves it there
 * for ever. The next call, holding the directory's lock, removes those of processes that are gone.
 * @module
 */

import { dirName } from "../internal/fs.ts";

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** True when process `pid` is running; also when that cannot be told (no /proc). */
function running(pid: number): boolean {
  try {
    Deno.lstatSync("/proc/self");
  } catch {
    return true;
  }
  try {
    Deno.lstatSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes the temp files of `file` (a link target), of its backups and of its record that belong
 * to processes no longer running: exactly `.NAME.PID.MS.tmp`, regular files only (lstat, so a
 * link is neither followed nor removed). Returns the paths removed.
 */
export function removeStaleTemps(file: string): string[] {
  const dir = dirName(file);
  const base = escape(file.slice(file.lastIndexOf("/") + 1));
  const pattern = new RegExp(
    `^\\.${base}(?:\\.bak(?:\\.[1-9][0-9]*)?|\\.xpu-ctk-original)?\\.([1-9][0-9]*)\\.[0-9]+\\.tmp$`,
  );
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const entry of entries) {
    const m = pattern.exec(entry.name);
    if (!m || !entry.isFile || Number(m[1]) === Deno.pid || running(Number(m[1]))) continue;
    const path = `${dir}/${entry.name}`;
    try {
      if (!Deno.lstatSync(path).isFile) continue;
      Deno.removeSync(path);
      removed.push(path);
    } catch {
      // Gone already, or not ours to remove after all: left as it is.
    }
  }
  return removed.sort();
}
