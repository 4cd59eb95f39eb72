/**
 * What an operator's engine file was before the first configure changed it, so unconfigure can
 * put it back: `FILE.bak` holds its bytes, and `FILE.xpu-ctk-original` records that changes are
 * outstanding and whether the file existed at all. Both sit beside the file's link target. The
 * record goes once the file is back as it was; while it is there, later configures leave `.bak`
 * alone, so it never receives an already-edited file.
 * @module
 */

import { readIfExists } from "./read.ts";
import { linkTarget } from "./target.ts";
import { writeFileAtomic } from "../internal/fs.ts";

/** A file before the first configure: missing, or its text. */
export type Original =
  | { readonly existed: false }
  | { readonly existed: true; readonly text: string };

function backupOf(target: string): string {
  return `${target}.bak`;
}

function recordOf(target: string): string {
  return `${target}.xpu-ctk-original`;
}

/** Whether the record beside `target` says the file existed; undefined without a record. */
function recordedExisted(target: string): boolean | undefined {
  const text = readIfExists(recordOf(target));
  if (text === undefined) return undefined;
  try {
    const existed = (JSON.parse(text) as { existed?: unknown }).existed;
    return typeof existed === "boolean" ? existed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What `path` (through its links) was before the first configure; undefined when no configure
 * is outstanding or its backup is gone, so callers fall back to removing only their own keys.
 */
export function originalOf(path: string): Original | undefined {
  const target = linkTarget(path);
  const existed = recordedExisted(target);
  if (existed !== true) return existed === false ? { existed } : undefined;
  const text = readIfExists(backupOf(target));
  return text === undefined ? undefined : { existed, text };
}

/**
 * Before a change to the file at `target`: on the first one, its bytes go to `.bak` and the
 * record is written. Returns what was done, for the operator.
 */
export function keepOriginal(target: string): string[] {
  if (recordedExisted(target) !== undefined) return [];
  const old = readIfExists(target);
  const done: string[] = [];
  if (old !== undefined) {
    // The copy may hold what the file does (registry credentials, say): no wider access.
    writeFileAtomic(backupOf(target), old, (Deno.statSync(target).mode ?? 0o600) & 0o777);
    done.push(`backed up ${target} to ${backupOf(target)}`);
  }
  writeFileAtomic(
    recordOf(target),
    `${
      JSON.stringify({
        comment: "xpu-ctk runtime configure: whether the file existed before (its bytes are in " +
          ".bak); removed when unconfigure has put the file back",
        existed: old !== undefined,
      })
    }\n`,
    0o600,
  );
  return done;
}

/**
 * After a change to the file at `target`: the record goes when its `text` (undefined: the file is
 * gone) is the original again.
 */
export function settleOriginal(target: string, text: string | undefined): void {
  const existed = recordedExisted(target);
  if (existed === undefined) return;
  const original = existed ? readIfExists(backupOf(target)) : undefined;
  if (original === text) Deno.removeSync(recordOf(target));
}
