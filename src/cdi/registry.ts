/**
 * The CDI devices defined in the spec directories.
 * @module
 */

import { type CdiDevice, type CdiSpec, MAX_SPEC_BYTES, SPEC_EXTENSIONS } from "./spec.ts";
import { qualify } from "../internal/cdi_names.ts";
import { SpecCache } from "./cache.ts";
import { filesIn } from "../internal/fs.ts";
import { distrust } from "../internal/trust.ts";
import { decodeLenient } from "../internal/utf8.ts";
import { readRegularFile, UnreadableFileError } from "../internal/read_file.ts";

/** A device and the spec and file that define it. */
export interface RegisteredDevice {
  readonly name: string;
  readonly device: CdiDevice;
  readonly spec: CdiSpec;
  readonly file: string;
}

/**
 * A spec file that could not be used, and what it declares as far as that could be read: the
 * kind from a plain `kind:` line or the parsed document, the device names from the document.
 */
export interface BrokenSpec {
  readonly file: string;
  readonly problems: readonly string[];
  readonly kind?: string;
  readonly names?: readonly string[];
}

/** Devices by fully-qualified name, and what made files or devices unusable. */
export interface Registry {
  readonly devices: ReadonlyMap<string, RegisteredDevice>;
  /** Every problem, as a warning names it (broken files' problems included). */
  readonly problems: readonly string[];
  /** Spec files that were skipped because they cannot be used. */
  readonly broken: readonly BrokenSpec[];
}

/** Spec files in `dir`, sorted; none when the directory is missing. */
export function specFiles(dir: string): string[] {
  return filesIn(dir, (e) => !e.isDirectory && SPEC_EXTENSIONS.some((x) => e.name.endsWith(x)));
}

// Only a YAML top-level key starts in column 0; JSON is always parsed (natively, and fast).
const KIND_LINE = /^kind:[ \t]*["']?([^"'\s#]+)["']?[ \t]*(?:#.*)?$/m;

/** The kind a YAML spec file declares, read without parsing it (undefined when not plain). */
export function peekKind(file: string, text: string): string | undefined {
  return file.endsWith(".json") ? undefined : KIND_LINE.exec(text)?.[1];
}

/**
 * Reads every spec in `dirs`. A later directory overrides an earlier one for the same device;
 * the same device twice in one directory is a conflict, and neither definition is used. With
 * `kinds`, files that plainly declare another kind are skipped unparsed (YAML parsing is the
 * costly part of a container start in cdi mode). With a `cache`, files unchanged since they were
 * last read are not read again; the cache is updated, and the caller saves it. A spec can make
 * the runtime run any host binary as root: a directory or file others than root may write is
 * ignored, a problem, before anything is read from it or the cache.
 */
export async function loadRegistry(
  dirs: readonly string[],
  kinds?: ReadonlySet<string>,
  cache?: SpecCache,
): Promise<Registry> {
  const devices = new Map<string, RegisteredDevice>();
  const problems: string[] = [];
  const broken: BrokenSpec[] = [];
  const seen = new Set<string>();
  for (const dir of dirs) {
    const untrusted = distrust("CDI spec directory", dir);
    if (untrusted) {
      problems.push(untrusted);
      continue;
    }
    const inDir = new Map<string, RegisteredDevice>();
    const conflicted = new Set<string>();
    for (const file of specFiles(dir)) {
      seen.add(file);
      const spec = await readSpec(file, kinds, cache, problems, broken);
      if (!spec) continue;
      for (const device of spec.devices) {
        const name = qualify(spec.kind, device.name);
        const earlier = inDir.get(name);
        if (earlier) {
          problems.push(
            `${name} is defined twice in ${dir}: ${earlier.file} and ${file}; neither is used`,
          );
          conflicted.add(name);
          continue;
        }
        inDir.set(name, { name, device, spec, file });
      }
    }
    for (const name of conflicted) inDir.delete(name);
    for (const [name, entry] of inDir) devices.set(name, entry);
  }
  cache?.retainOnly(seen);
  return { devices, problems, broken };
}

/**
 * The valid spec in `file`, unless it is of a kind not in `kinds` or cannot be used (then it is
 * in `problems`, and in `broken` when it is invalid).
 */
async function readSpec(
  file: string,
  kinds: ReadonlySet<string> | undefined,
  cache: SpecCache | undefined,
  problems: string[],
  broken: BrokenSpec[],
): Promise<CdiSpec | undefined> {
  let info: Deno.FileInfo | undefined;
  try {
    info = Deno.lstatSync(file);
  } catch {
    // loadSpecFile reports it.
  }
  const untrusted = distrust("CDI spec", file, info);
  if (untrusted) {
    problems.push(untrusted);
    return undefined;
  }
  if (cache && info) {
    try {
      // The cache knows a file by what it leads to.
      if (info.isSymlink) info = Deno.statSync(file);
      const hit = cache.get(file, SpecCache.identity(info));
      if (hit && kinds && !kinds.has(hit.kind)) return undefined;
      if (hit?.spec) return hit.spec;
    } catch {
      // loadSpecFile reports it.
      info = undefined;
    }
  }
  let bytes: Uint8Array | undefined;
  try {
    bytes = readRegularFile(file, MAX_SPEC_BYTES);
  } catch (e) {
    if (e instanceof UnreadableFileError) {
      problems.push(`Ignoring CDI spec "${file}": ${e.message}`);
      return undefined;
    }
    // loadSpecFile reports it.
  }
  // Only to skip other kinds and to say what a broken file was for; parsing refuses bad bytes.
  const peeked = bytes === undefined ? undefined : peekKind(file, decodeLenient(bytes));
  if (kinds && peeked !== undefined && !kinds.has(peeked)) {
    if (info) cache?.set(file, info, peeked);
    return undefined;
  }
  // Parsing and validation are loaded only when a file is not in the cache.
  const { loadSpecFile } = await import("./parse.ts");
  const loaded = await loadSpecFile(file, bytes);
  if (!loaded.ok) {
    problems.push(...loaded.problems);
    const kind = loaded.kind ?? peeked;
    broken.push({
      file,
      problems: loaded.problems,
      ...(kind !== undefined ? { kind } : {}),
      ...(loaded.names ? { names: loaded.names } : {}),
    });
    return undefined;
  }
  // Looked at again once read: in a sticky directory another user may have put a file there
  // after the first look, and taken it away again.
  const swapped = distrust("CDI spec", file, undefined, true);
  if (swapped) {
    problems.push(swapped);
    return undefined;
  }
  if (info) cache?.set(file, info, loaded.spec.kind, loaded.spec);
  return loaded.spec;
}
