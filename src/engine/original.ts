/**
 * What an operator's engine file was before the first configure changed it, so unconfigure can
 * put it back: a backup holds its bytes, and `FILE.xpu-ctk-original` records that changes are
 * outstanding, whether the file existed at all, and which backup is ours. The backup is
 * `FILE.bak`, or when something the tool did not write is there, the first free `FILE.bak.N`:
 * an operator's file is never replaced. Both sit beside the file's link target. While the record
 * is there, later configures leave the backup alone, so it never receives an already-edited file;
 * once the file is back as it was, the record and the backup go.
 * @module
 */

import type { Journal } from "./journal.ts";
import { readIfExists, regularOrMissing } from "./read.ts";
import { linkTarget } from "./target.ts";
import { baseName } from "../internal/paths.ts";
import { createFile, removeFile, replaceFile } from "./write.ts";

/** A file before the first configure: missing, or its text. */
export type Original =
  | { readonly existed: false }
  | { readonly existed: true; readonly text: string };

/** Backup names tried before giving up (`.bak`, `.bak.1` … `.bak.99`). */
const MAX_BACKUPS = 100;

interface Recorded {
  readonly existed: boolean;
  /** The backup's path (when the file existed). */
  readonly backup: string;
}

function recordOf(target: string): string {
  return `${target}.xpu-ctk-original`;
}

/** The backup the record names: only `NAME.bak` or `NAME.bak.N` beside the file. */
function backupIn(target: string, named: unknown): string | undefined {
  const base = baseName(target);
  if (named === undefined) return `${target}.bak`; // Records from before the name was kept.
  if (typeof named !== "string" || !named.startsWith(`${base}.bak`)) return undefined;
  const rest = named.slice(base.length + 4);
  return rest === "" || /^\.[1-9][0-9]*$/.test(rest)
    ? `${target.slice(0, target.lastIndexOf("/") + 1)}${named}`
    : undefined;
}

/** The record beside `target`; undefined without one (or one that says nothing usable). */
function recordAt(target: string): Recorded | undefined {
  const text = readIfExists(recordOf(target));
  if (text === undefined) return undefined;
  let doc: { existed?: unknown; backup?: unknown };
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof doc?.existed !== "boolean") return undefined;
  const backup = backupIn(target, doc.backup);
  return backup === undefined ? undefined : { existed: doc.existed, backup };
}

/**
 * What `path` (through its links) was before the first configure; undefined when no configure
 * is outstanding or its backup is gone, so callers fall back to removing only their own keys.
 */
export function originalOf(path: string): Original | undefined {
  const record = recordAt(linkTarget(path));
  if (record === undefined) return undefined;
  if (!record.existed) return { existed: false };
  const text = readIfExists(record.backup);
  return text === undefined ? undefined : { existed: true, text };
}

/** Copies `old` to the first free backup name beside `target`; that name. */
function backUp(target: string, old: string, journal: Journal): string {
  // The copy may hold what the file does (registry credentials, say): no wider access.
  const mode = (regularOrMissing(target)?.mode ?? 0o600) & 0o777;
  for (let n = 0; n < MAX_BACKUPS; n++) {
    const backup = n === 0 ? `${target}.bak` : `${target}.bak.${n}`;
    if (createFile(backup, old, mode)) {
      journal.created(backup);
      return backup;
    }
  }
  throw new Error(
    `Cannot back up "${target}": "${target}.bak" to "${target}.bak.${MAX_BACKUPS - 1}" all exist`,
  );
}

/**
 * Before a change to the file at `target`: on the first one, its bytes go to a free backup name
 * and the record is written. Returns what was done, for the operator.
 */
export function keepOriginal(target: string, journal: Journal): string[] {
  if (recordAt(target) !== undefined) return [];
  const old = readIfExists(target);
  const done: string[] = [];
  let backup: string | undefined;
  if (old !== undefined) {
    backup = backUp(target, old, journal);
    done.push(`backed up ${target} to ${backup}`);
  }
  const record = recordOf(target);
  journal.save(record);
  replaceFile(
    record,
    `${
      JSON.stringify({
        comment: "xpu-ctk runtime configure: whether the file existed before, and which file " +
          "holds its bytes; removed with that file when unconfigure has put the file back",
        existed: old !== undefined,
        ...(backup === undefined ? {} : { backup: baseName(backup) }),
      })
    }\n`,
    0o600,
  );
  return done;
}

/**
 * After a change to the file at `target`: when its `text` (undefined: the file is gone) is the
 * original again, the record and the backup go. Returns what was done, for the operator.
 */
export function settleOriginal(
  target: string,
  text: string | undefined,
  journal: Journal,
): string[] {
  const record = recordAt(target);
  if (record === undefined) return [];
  const original = record.existed ? readIfExists(record.backup) : undefined;
  // A backup that is gone says nothing about what the file was.
  if (original !== text || (record.existed && original === undefined)) return [];
  const done: string[] = [];
  if (record.existed) {
    journal.save(record.backup);
    removeFile(record.backup);
    done.push(`removed ${record.backup}`);
  }
  journal.save(recordOf(target));
  removeFile(recordOf(target));
  return done;
}
