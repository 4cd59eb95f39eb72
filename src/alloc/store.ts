/**
 * The allocation state on disk: one root-owned directory holding `state.json`. Every
 * read-modify-write holds the directory's flock, the file is replaced atomically (temp file,
 * fsync, rename), and every load drops the entries of containers that no longer live. A
 * process killed anywhere leaves either the old file or the new one, and the kernel drops its
 * lock; the temp file it may leave is removed by the next writer.
 * @module
 */

import { bootId, staleReason } from "./liveness.ts";
import {
  type Entry,
  entryProblem,
  formatState,
  parseState,
  type State,
  StateFileError,
  stateProblem,
} from "./state.ts";
import { lockDir } from "../internal/dir_lock.ts";
import { errorMessage } from "../internal/errors.ts";
import { writeFileAtomic } from "../internal/fs.ts";
import { untrustedReason } from "../internal/trust.ts";
import { decodeUtf8, Utf8Error } from "../internal/utf8.ts";
import { removeStaleTemps } from "../oci/stale_temps.ts";
import { xpuNodeName } from "../discover/xpu_nodes.ts";

const REBOOTED = "the host has restarted since it was recorded";

/** The state file's name in the directory. */
export const STATE_FILE = "state.json";

/** The largest state file read: far more than MAX_ENTRIES entries need. */
export const MAX_STATE_BYTES = 16 * 1024 * 1024;

/** A stale entry a load dropped, and why it is stale. */
export interface Dropped {
  readonly entry: Entry;
  readonly reason: string;
}

/** The live entries of a load, and the stale ones it dropped. */
export interface Loaded {
  readonly entries: readonly Entry[];
  readonly dropped: readonly Dropped[];
}

/** What a change under the lock returns: the new entries (undefined: unchanged) and a result. */
export interface Change<T> {
  readonly entries?: readonly Entry[];
  readonly result: T;
}

/** The allocation state in directory `dir`. */
export class AllocationStore {
  /** Its state file. */
  readonly file: string;

  /** The store in `dir` (absolute; created on the first write). */
  constructor(readonly dir: string) {
    this.file = `${dir.replace(/\/+$/, "")}/${STATE_FILE}`;
  }

  /**
   * The live entries, without the lock and without writing (for display; nothing changes when
   * the directory is missing). Throws for a state that cannot be used.
   */
  read(): Loaded {
    return reconcile(this.#load());
  }

  /**
   * Runs `change` on the live entries holding the directory's lock, at most `waitMs` long for
   * it, and writes the entries it returns (and the dropped stale ones) atomically; `note` gets a
   * line for each stale entry dropped. Throws for a state that cannot be used, naming the file;
   * the file is then left as it is.
   */
  update<T>(
    change: (loaded: Loaded) => Change<T>,
    note?: (line: string) => void,
    waitMs?: number,
  ): T {
    this.#ensureDir();
    const lock = lockDir(this.dir, waitMs);
    try {
      removeStaleTemps(this.dir, STATE_FILE);
      const loaded = reconcile(this.#load());
      for (const { entry, reason } of loaded.dropped) {
        note?.(
          `Dropped the allocation of container "${entry.container}" (${
            entry.devices.map(xpuNodeName).join(", ")
          }): ${reason}`,
        );
      }
      const out = change(loaded);
      if (out.entries !== undefined || loaded.dropped.length > 0) {
        const state: State = { boot: bootId(), entries: out.entries ?? loaded.entries };
        for (const e of state.entries) this.#checkWritable(e);
        writeFileAtomic(this.file, formatState(state), 0o644);
      }
      return out.result;
    } finally {
      lock.release();
    }
  }

  /** Throws, naming the container and the field, for an entry the next load would refuse. */
  #checkWritable(e: Entry): void {
    const problem = entryProblem(e);
    if (problem === undefined) return;
    const id = e.container.length <= 100 ? e.container : `${e.container.slice(0, 100)}…`;
    throw new Error(
      `Cannot record container "${id}" in the allocation state "${this.file}": ${problem}`,
    );
  }

  #ensureDir(): void {
    try {
      Deno.mkdirSync(this.dir, { recursive: true, mode: 0o755 });
    } catch (e) {
      throw new Error(
        `Cannot create the allocation state directory "${this.dir}": ${errorMessage(e)}`,
        {
          cause: e,
        },
      );
    }
    const reason = untrustedReason(this.dir);
    if (reason !== undefined) {
      throw new Error(
        `Cannot use the allocation state directory "${this.dir}": ${reason}; make it owned by ` +
          "root and not writable by group or others (chmod go-w)",
      );
    }
  }

  #load(): State & { readonly current: boolean } {
    const empty = { boot: bootId(), entries: [], current: true };
    let info: Deno.FileInfo;
    try {
      info = Deno.lstatSync(this.file);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return empty;
      throw stateProblem(this.file, errorMessage(e), e);
    }
    if (info.isSymlink) throw stateProblem(this.file, "it is a symbolic link");
    if (!info.isFile) throw stateProblem(this.file, "it is not a regular file");
    if (info.size > MAX_STATE_BYTES) {
      throw stateProblem(this.file, `it is larger than ${MAX_STATE_BYTES / 1024 / 1024} MiB`);
    }
    const reason = untrustedReason(this.file, info);
    if (reason !== undefined) throw stateProblem(this.file, reason);
    let state: State;
    try {
      state = parseState(decodeUtf8(Deno.readFileSync(this.file)), this.file);
    } catch (e) {
      if (e instanceof StateFileError) throw e;
      throw stateProblem(this.file, e instanceof Utf8Error ? e.message : errorMessage(e), e);
    }
    return { ...state, current: state.boot === bootId() };
  }
}

/** `state`'s entries split into the live and the stale (all of them after a reboot). */
function reconcile(state: State & { readonly current: boolean }): Loaded {
  if (!state.current) {
    return { entries: [], dropped: state.entries.map((entry) => ({ entry, reason: REBOOTED })) };
  }
  const entries: Entry[] = [];
  const dropped: Dropped[] = [];
  for (const entry of state.entries) {
    const reason = staleReason(entry);
    if (reason === undefined) entries.push(entry);
    else dropped.push({ entry, reason });
  }
  return { entries, dropped };
}
