/**
 * Finding the vendor's xpu-container-cli on the host.
 * @module
 */

import type { Config } from "../config/schema.ts";
import { isExecutableFile, lookPath, searchDirs } from "../internal/lookpath.ts";

/** The cli's file name. */
export const CLI_NAME = "xpu-container-cli";

/** Where the cli was found, or what was searched. */
export type CliLookup =
  | { readonly found: true; readonly path: string }
  | { readonly found: false; readonly problem: string };

/**
 * Finds the cli: config `[xpu-container-cli] path`; else `<root>`-prefixed PATH entries (and
 * system dirs), then PATH and the system dirs themselves. `path` is the hook's own PATH, which
 * the runtime set, never the container's.
 */
export function findCli(config: Config, path: string | undefined): CliLookup {
  const cli = config["xpu-container-cli"];
  if (cli.path) {
    return isExecutableFile(cli.path) ? { found: true, path: cli.path } : {
      found: false,
      problem: `${CLI_NAME} "${cli.path}" (xpu-container-cli.path) is not an executable file`,
    };
  }
  const plain = searchDirs(path);
  const root = cli.root.replace(/\/+$/, "");
  const dirs = [...new Set([...(root ? plain.map((d) => `${root}${d}`) : []), ...plain])];
  const found = lookPath(CLI_NAME, dirs);
  if (found) return { found: true, path: found };
  return { found: false, problem: `${CLI_NAME} not found: searched ${dirs.join(":")}` };
}
