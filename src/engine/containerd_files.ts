/**
 * Which files containerd loads for a config.toml, in its order: the file, then its `imports`
 * breadth first, each file once (containerd's LoadConfig). An entry with `*` is a Go
 * `filepath.Glob` pattern; another entry is cleaned and joined to its parent's directory.
 * @module
 */

import { importsOf } from "./containerd_imports.ts";
import { parseContainerdToml, type Table } from "./containerd_toml.ts";
import { readIfExists, UnusableFile } from "./read.ts";
import { dirName } from "../internal/fs.ts";
import { cleanPath } from "../internal/paths.ts";

/** One loaded file. */
export interface LoadedFile {
  readonly path: string;
  readonly doc: Table;
}

function literal(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** A Go `path.Match` pattern as a RegExp over one path component. */
function patternRegExp(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "\\" && i + 1 < pattern.length) re += literal(pattern[++i]!);
    else if (c === "[") {
      const close = pattern.indexOf("]", i + 2);
      if (close < 0) return /(?!)/; // Go reports ErrBadPattern; containerd then fails.
      re += `[${pattern.slice(i + 1, close)}]`;
      i = close;
    } else re += literal(c);
  }
  return new RegExp(`^${re}$`);
}

const META = /[*?[\\]/;

function entries(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  } catch {
    return [];
  }
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Go's `filepath.Glob`: the paths matching `pattern`, sorted per directory. */
export function glob(pattern: string): string[] {
  if (!META.test(pattern)) return exists(pattern) ? [pattern] : [];
  const slash = pattern.lastIndexOf("/");
  const dir = slash < 0 ? "." : slash === 0 ? "/" : pattern.slice(0, slash);
  const base = pattern.slice(slash + 1);
  const dirs = META.test(dir) ? glob(dir) : [dir];
  const re = patternRegExp(base);
  return dirs.flatMap((d) =>
    entries(d).filter((name) => re.test(name)).map((name) =>
      slash < 0 ? name : `${d === "/" ? "" : d}/${name}`
    )
  );
}

/**
 * Where one `imports` entry of `parent` points. containerd 1.x globs a pattern as it stands (a
 * relative one from its working directory, `/` under systemd); 2.x first joins it to the parent's
 * directory, as both do with every other relative entry.
 */
function target(parent: string, entry: string, joinPatterns: boolean): string {
  if (entry.startsWith("/")) return cleanPath(entry);
  const pattern = entry.includes("*");
  return cleanPath(pattern && !joinPatterns ? `/${entry}` : `${dirName(parent)}/${entry}`);
}

/** The files one `imports` entry of `parent` names (see `target`). */
export function resolveImport(parent: string, entry: string, joinPatterns: boolean): string[] {
  const path = target(parent, entry, joinPatterns);
  return entry.includes("*") ? glob(path) : [path];
}

/** True when `entry` of `parent` names `file`, which need not exist yet. */
export function importNames(
  parent: string,
  entry: string,
  file: string,
  joinPatterns: boolean,
): boolean {
  const path = target(parent, entry, joinPatterns);
  if (!entry.includes("*")) return path === file;
  const parts = path.split("/");
  const names = file.split("/");
  return parts.length === names.length && parts.every((p, i) => patternRegExp(p).test(names[i]!));
}

/**
 * The files containerd loads for `root`, in order, skipping `skip`. A file in `known` is taken
 * as that document instead of being read (the root as parsed, a drop-in not written yet).
 * Throws naming a file that cannot be read or parsed: containerd would not start either.
 */
export function loadOrder(
  root: string,
  known: ReadonlyMap<string, Table>,
  joinPatterns: boolean,
  skip?: (path: string) => boolean,
): LoadedFile[] {
  const out: LoadedFile[] = [];
  const seen = new Set<string>();
  const pending: { path: string; parent: string }[] = [{ path: root, parent: root }];
  while (pending.length > 0) {
    const { path, parent } = pending.shift()!;
    if (seen.has(path) || skip?.(path)) continue;
    seen.add(path);
    let doc = known.get(path);
    if (doc === undefined) {
      let text: string | undefined;
      try {
        // Strictly, as the files configure edits: no FIFO to hang on, no U+FFFD copied along.
        text = readIfExists(path);
      } catch (e) {
        if (!(e instanceof UnusableFile)) throw e;
        throw new Error(`"${path}", imported by "${parent}", ${e.reason}`, { cause: e });
      }
      if (text === undefined) {
        throw new Error(`"${path}", imported by "${parent}", cannot be read: it does not exist`);
      }
      doc = parseContainerdToml(text, path);
    }
    out.push({ path, doc });
    for (const entry of importsOf(doc, path)) {
      for (const p of resolveImport(path, entry, joinPatterns)) {
        pending.push({ path: p, parent: path });
      }
    }
  }
  return out;
}
