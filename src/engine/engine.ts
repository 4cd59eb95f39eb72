/**
 * What configuring an engine produces: files to write or remove, and advice. Nothing is written
 * here: `apply` does that (or `--dry-run` prints it).
 * @module
 */

import { errorMessage } from "../internal/errors.ts";
import { dirName, lstatOrUndefined, writeFileAtomic } from "../internal/fs.ts";

/** One change to the host. */
export type Change =
  | {
    readonly kind: "write";
    readonly path: string;
    readonly content: string;
    readonly backup: boolean;
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
  /** The runtime shim (or, for podman, the hook). */
  readonly runtimePath: string;
  readonly setAsDefault: boolean;
}

/** The current text of `path`, or undefined when it does not exist. Throws on other errors. */
export function readIfExists(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw new Error(`Cannot read "${path}": ${errorMessage(e)}`);
  }
}

/** A write of `content` to `path`, or nothing when the file already holds exactly that. */
export function writeIfChanged(path: string, content: string, backup = true): Change[] {
  return readIfExists(path) === content ? [] : [{ kind: "write", path, content, backup }];
}

/** Carries out `plan`: a `.bak` of each file before its first change, then atomic writes. */
export function apply(plan: Plan): string[] {
  const done: string[] = [];
  for (const change of plan.changes) {
    if (change.kind === "remove") {
      if (lstatOrUndefined(change.path)) {
        Deno.removeSync(change.path);
        done.push(`removed ${change.path}`);
      }
      continue;
    }
    const old = readIfExists(change.path);
    if (old !== undefined && change.backup) {
      writeFileAtomic(`${change.path}.bak`, old);
      done.push(`backed up ${change.path} to ${change.path}.bak`);
    }
    Deno.mkdirSync(dirName(change.path), { recursive: true });
    writeFileAtomic(change.path, change.content, 0o644);
    done.push(`wrote ${change.path}`);
  }
  return done;
}
