/**
 * Podman's containers.conf files, read the way podman 4.x reads them, for the one setting the
 * hook mode needs: where podman reads OCI hooks from.
 * @module
 */

import { parseToml } from "../config/toml.ts";
import { errorMessage } from "../internal/errors.ts";
import { readIfExists, UnusableFile } from "./read.ts";
import { tomlKind } from "./toml_text.ts";

/** Podman's system containers.conf files, lowest precedence first. */
export const CONTAINERS_CONF_FILES: readonly string[] = [
  "/usr/share/containers/containers.conf",
  "/etc/containers/containers.conf",
];

/** Podman's drop-in directory: every `*.conf` in it, by name, after CONTAINERS_CONF_FILES. */
export const CONTAINERS_CONF_D = "/etc/containers/containers.conf.d";

/**
 * Where podman reads hooks when no containers.conf sets `hooks_dir`: the default of every
 * podman since containers.conf has existed (4.3.1 reads only it; a file in
 * /etc/containers/oci/hooks.d is ignored there).
 */
export const DEFAULT_HOOKS_DIR = "/usr/share/containers/oci/hooks.d";

/**
 * The containers.conf files podman reads, lowest precedence first: `$CONTAINERS_CONF` alone
 * when set (podman then reads no other), else CONTAINERS_CONF_FILES and the drop-ins under
 * `dropInDir` that exist.
 */
export function containersConfFiles(
  containersConf: string | undefined,
  files: readonly string[] = CONTAINERS_CONF_FILES,
  dropInDir = CONTAINERS_CONF_D,
): string[] {
  if (containersConf) return [containersConf];
  let dropIns: string[] = [];
  try {
    dropIns = [...Deno.readDirSync(dropInDir)]
      .filter((e) => e.name.endsWith(".conf") && !e.isDirectory)
      .map((e) => `${dropInDir}/${e.name}`)
      .sort();
  } catch {
    // No drop-in directory: only the main files.
  }
  return [...files, ...dropIns];
}

/** Where podman reads hooks from, and what decided it. */
export interface HooksDirs {
  /** In podman's order: a later directory's file overrides an earlier one of the same name. */
  readonly dirs: readonly string[];
  /** The file whose `[engine] hooks_dir` decided, or undefined for the default. */
  readonly source: string | undefined;
}

/**
 * The hooks directories podman reads with `files` (lowest precedence first): the `[engine]
 * hooks_dir` of the last file setting it (a later file replaces the whole list), else
 * DEFAULT_HOOKS_DIR. Throws on a file podman could not read either.
 */
export function podmanHooksDirs(files: readonly string[]): HooksDirs {
  let found: HooksDirs = { dirs: [DEFAULT_HOOKS_DIR], source: undefined };
  for (const file of files) {
    let text: string | undefined;
    try {
      text = readIfExists(file);
    } catch (e) {
      if (!(e instanceof UnusableFile)) throw e;
      throw new Error(`Cannot read podman's config "${file}": it ${e.reason}`, { cause: e });
    }
    if (text === undefined) continue;
    let engine: unknown;
    try {
      engine = parseToml(text, `"${file}"`).engine;
    } catch (e) {
      // parseToml says `Invalid config "FILE": line L, column C: why`.
      const why = errorMessage(e).replace(/^Invalid config /, "");
      throw new Error(`Cannot read podman's config ${why}`, { cause: e });
    }
    if (engine === undefined) continue;
    if (tomlKind(engine) !== "a table" || typeof engine !== "object" || engine === null) {
      // Podman cannot decode this file either; it must not quietly mean "the default".
      throw new Error(
        `Cannot read podman's config "${file}": engine is ${tomlKind(engine)}, not a table`,
      );
    }
    if (!("hooks_dir" in engine)) continue;
    const dirs = (engine as Record<string, unknown>).hooks_dir;
    if (!Array.isArray(dirs) || !dirs.every((d) => typeof d === "string" && d.startsWith("/"))) {
      throw new Error(
        `Cannot read podman's config "${file}": engine.hooks_dir is not a list of absolute paths`,
      );
    }
    if (dirs.length === 0) {
      throw new Error(
        `Podman reads no hooks: engine.hooks_dir is empty in "${file}"; add a directory to it, ` +
          `or use --mode runtime or --mode cdi`,
      );
    }
    found = { dirs: dirs as string[], source: file };
  }
  return found;
}
