/**
 * Validated CDI specs remembered between calls, so a container start in cdi mode reads and
 * parses only the spec files that changed since the last one. Each entry is keyed by its file's
 * identity (device, inode, size, modification and change times): writing a file, replacing it or
 * renaming another over it changes that. A file changed in the last two seconds is not remembered
 * yet, so a change within one clock tick of the one remembered cannot go unnoticed. The cache is
 * trusted only in a directory and file that this user owns and nobody else may write, and it is
 * dropped whole when the toolkit's build changes (its validation may have).
 * @module
 */

import type { CdiSpec } from "./spec.ts";
import { ownedPrivately, writeFileAtomic } from "../internal/fs.ts";
import { errorMessage } from "../internal/errors.ts";
import { untrustedReason } from "../internal/trust.ts";
import { buildCommit, VERSION } from "../version.ts";

/** The cache file's name in its directory. */
export const CACHE_FILE = "cdi-specs.json";

const RACY_MS = 2000;

/** What is remembered of one spec file: its kind and, once validated, the spec. */
export interface CachedSpec {
  readonly id: string;
  readonly kind: string;
  readonly spec?: CdiSpec;
}

interface CacheFile {
  build: string;
  entries: Record<string, CachedSpec>;
}

/** The spec cache in one directory. */
export class SpecCache {
  readonly path: string;
  readonly #build: string;
  readonly #racyMs: number;
  #entries: Map<string, CachedSpec>;
  #dirty = false;

  private constructor(
    path: string,
    build: string,
    racyMs: number,
    entries: [string, CachedSpec][],
  ) {
    this.path = path;
    this.#build = build;
    this.#racyMs = racyMs;
    this.#entries = new Map(entries);
  }

  /**
   * The cache in `dir` (created 0700 when missing), or why it cannot be used. An unreadable,
   * corrupt or foreign cache file is started afresh. `racyMs` is for tests.
   */
  static open(dir: string, racyMs = RACY_MS): SpecCache | string {
    const clean = dir.replace(/\/+$/, "");
    let info: Deno.FileInfo;
    try {
      info = Deno.lstatSync(clean);
    } catch {
      try {
        Deno.mkdirSync(clean, { mode: 0o700 });
        info = Deno.lstatSync(clean);
      } catch (e) {
        return `cannot create ${clean}: ${errorMessage(e)}`;
      }
    }
    // The cache decides which specs are used, as the spec files do: the same rule, whole path.
    if (!info.isDirectory || !ownedPrivately(info) || untrustedReason(clean) !== undefined) {
      return `${clean} is not a directory that only this user may write`;
    }
    const path = `${clean}/${CACHE_FILE}`;
    const build = `${VERSION}+${buildCommit()}`;
    let entries: [string, CachedSpec][] = [];
    try {
      const found = Deno.lstatSync(path);
      // Another user's file, or one others may write, is never read; it is replaced.
      if (!found.isFile || !ownedPrivately(found)) Deno.removeSync(path, { recursive: true });
      else {
        const file = JSON.parse(Deno.readTextFileSync(path)) as Partial<CacheFile>;
        if (file.build === build && typeof file.entries === "object" && file.entries !== null) {
          entries = Object.entries(file.entries);
        }
      }
    } catch {
      // No cache yet, or one that cannot be used: start afresh.
    }
    return new SpecCache(path, build, racyMs, entries);
  }

  /** The identity of a spec file as statted. */
  static identity(info: Deno.FileInfo): string {
    return `${info.dev}:${info.ino}:${info.size}:${info.mtime?.getTime()}:${info.ctime?.getTime()}`;
  }

  /** What is remembered of `file` if it is still the file `id` describes. */
  get(file: string, id: string): CachedSpec | undefined {
    const entry = this.#entries.get(file);
    return entry?.id === id ? entry : undefined;
  }

  /** Remembers `file` (statted as `info`), unless it changed too recently to be sure of. */
  set(file: string, info: Deno.FileInfo, kind: string, spec?: CdiSpec): void {
    const changed = Math.max(info.mtime?.getTime() ?? Infinity, info.ctime?.getTime() ?? Infinity);
    if (!(changed < Date.now() - this.#racyMs)) return;
    this.#entries.set(file, { id: SpecCache.identity(info), kind, ...(spec ? { spec } : {}) });
    this.#dirty = true;
  }

  /** Forgets every file not in `present` (the spec files of the directories just read). */
  retainOnly(present: ReadonlySet<string>): void {
    for (const file of this.#entries.keys()) {
      if (!present.has(file)) {
        this.#entries.delete(file);
        this.#dirty = true;
      }
    }
  }

  /** Writes the cache if it changed (0600, atomically); returns a problem instead of throwing. */
  save(): string | undefined {
    if (!this.#dirty) return undefined;
    const file: CacheFile = { build: this.#build, entries: Object.fromEntries(this.#entries) };
    try {
      writeFileAtomic(this.path, JSON.stringify(file), 0o600);
      this.#dirty = false;
      return undefined;
    } catch (e) {
      return errorMessage(e);
    }
  }
}
