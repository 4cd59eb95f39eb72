/**
 * What configuring an engine produces: files to write or remove, and advice. Planning reads the
 * files and writes nothing; `apply` plans under a lock and carries the plan out (`--dry-run`
 * only prints a plan).
 * @module
 */

import type { Resolution } from "../modes/resolve.ts";
import { readIfExists } from "./read.ts";
import { withDirLock } from "../internal/dir_lock.ts";
import { linkTarget } from "./target.ts";
import { keepOriginal, settleOriginal } from "./original.ts";
import { Journal } from "./journal.ts";
import { removeStaleTemps } from "./stale.ts";
import { removeFile, replaceFile } from "./write.ts";
import { fsReason } from "./fs_error.ts";
import { errorMessage } from "../internal/errors.ts";
import { dirName } from "../internal/fs.ts";

/** The current text of a file (strict UTF-8), or undefined when it does not exist. */
export { readIfExists };
/** What an operator's file was before the first configure (for unconfigure). */
export { type Original, originalOf } from "./original.ts";

/** One change to the host. */
export type Change =
  | {
    readonly kind: "write";
    readonly path: string;
    readonly content: string;
    /**
     * Keep the file's original (a backup and a record) before the first change, so unconfigure
     * can restore it. Unconfigure never does: it would record an edited file as the original.
     */
    readonly backup: boolean;
    /** The mode of a new file (an existing one keeps its own); 0644 unless given. */
    readonly mode?: number;
  }
  | { readonly kind: "remove"; readonly path: string };

/** The changes for one configure or unconfigure call. */
export interface Plan {
  readonly changes: readonly Change[];
  /** Lines for the operator (what to restart, alternatives). */
  readonly notes: readonly string[];
}

/** What every engine's configure needs. */
export interface EngineOptions {
  /** The engine's config file (daemon.json, config.toml, crio.conf, hooks.d file). */
  readonly config: string;
  readonly runtimeName: string;
  /** The runtime shim (or, for podman, the hook; for enroot, xpu-ctk). */
  readonly runtimePath: string;
  readonly setAsDefault: boolean;
  /** What engines that run the toolkit themselves need to know of it (see registry `toolkit`). */
  readonly toolkit?: ToolkitFacts;
}

/** The toolkit as an engine's files and advice need it. */
export interface ToolkitFacts {
  /** A config file other than the default, which the engine's hook must be told to read. */
  readonly configPath: string | undefined;
  /** The mode an XPU container on this host gets, and why. */
  readonly host: Resolution;
}

/** A plan that was carried out, and what it did (one line each; none when nothing changed). */
export interface Applied {
  readonly plan: Plan;
  readonly done: readonly string[];
  /** Temp files of killed calls that were removed (see stale.ts). */
  readonly swept: readonly string[];
}

/** A write of `content` to `path`, or nothing when the file already holds exactly that. */
export function writeIfChanged(path: string, content: string, backup = true): Change[] {
  return readIfExists(path) === content ? [] : [{ kind: "write", path, content, backup }];
}

function isDirectory(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

/**
 * Makes the plan that `planner` computes and carries it out, holding an exclusive lock on the
 * directory of `config` (the engine's file, through its links) from before the planner reads
 * until the last write: concurrent calls each see the others' changes.
 */
export function apply(config: string, planner: () => Plan): Applied {
  const dir = dirName(linkTarget(config));
  if (!isDirectory(dir)) {
    // No directory, no file to read: only a plan that writes needs it made (and then a plan
    // made again under the lock, in case another call made it first).
    const plan = planner();
    if (!plan.changes.some((c) => c.kind === "write")) {
      return { plan, done: carryOut(plan), swept: [] };
    }
    try {
      Deno.mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new Error(`Cannot create "${dir}": ${fsReason(e)}`, { cause: e });
    }
  }
  return withDirLock(dir, () => {
    const plan = planner();
    const files = new Set([config, ...plan.changes.map((c) => c.path)].map(linkTarget));
    const swept = [...files].flatMap(removeStaleTemps);
    return { plan, done: carryOut(plan), swept };
  });
}

/**
 * Atomic writes and removals through symlinks to their targets, the original kept before the
 * first change; on a failure, every file is put back as it was.
 */
function carryOut(plan: Plan): string[] {
  const journal = new Journal();
  const done: string[] = [];
  try {
    for (const change of plan.changes) done.push(...carryOutOne(change, journal));
  } catch (e) {
    const stuck = journal.rollback();
    const message = errorMessage(e);
    const hint = stuck.length > 0
      ? `; putting the files back failed too: ${stuck.join("; ")}`
      : message.endsWith("left unchanged")
      ? ""
      : "; nothing was changed";
    throw new Error(`${message}${hint}`, { cause: e });
  }
  return done;
}

function carryOutOne(change: Change, journal: Journal): string[] {
  const target = linkTarget(change.path);
  const done: string[] = [];
  if (change.kind === "remove") {
    journal.save(target);
    // A link stays, as it was before configure made its target.
    if (removeFile(target)) done.push(`removed ${target}`);
    return [...done, ...settleOriginal(target, undefined, journal)];
  }
  journal.makeDirs(dirName(target));
  if (change.backup) done.push(...keepOriginal(target, journal));
  journal.save(target);
  replaceFile(target, change.content, change.mode ?? 0o644);
  done.push(`wrote ${change.path}`);
  return [...done, ...settleOriginal(target, change.content, journal)];
}
