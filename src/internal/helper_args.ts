/**
 * Arguments of the helper hooks: repeated `--link`, `--folder`, `--path`, and `--mode`,
 * `--config`. Read by the hooks, and by the runtime shim when it does their work itself.
 * @module
 */

import { HELPER_HOOKS } from "./argv0.ts";
import { UsageError } from "./errors.ts";

/** One of HELPER_HOOKS. */
export type Helper = typeof HELPER_HOOKS[number];

/** True when `name` is a helper hook. */
export function isHelper(name: string | undefined): name is Helper {
  return (HELPER_HOOKS as readonly (string | undefined)[]).includes(name);
}

/** Parsed helper arguments. */
export interface HelperArgs {
  readonly links: string[];
  readonly folders: string[];
  readonly paths: string[];
  readonly mode: string | undefined;
  readonly config: string | undefined;
  readonly help: boolean;
}

const LISTS = { link: "links", folder: "folders", path: "paths" } as const;

/** Parses `args` (after the helper's name). Throws UsageError. */
export function parseHelperArgs(args: readonly string[]): HelperArgs {
  const out = { links: [] as string[], folders: [] as string[], paths: [] as string[] };
  let mode: string | undefined;
  let config: string | undefined;
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const m = /^--?([a-z-]+)(?:=(.*))?$/s.exec(arg);
    if (!m) throw new UsageError(`Unexpected argument "${arg}"`);
    const name = m[1]!;
    if (name === "help" || name === "h") {
      help = true;
      continue;
    }
    if (!(name in LISTS) && name !== "mode" && name !== "config") {
      throw new UsageError(`Unknown flag "${arg}"`);
    }
    const value = m[2] ?? args[++i];
    if (value === undefined || value === "") throw new UsageError(`Flag "--${name}" needs a value`);
    if (name === "mode") mode = value;
    else if (name === "config") config = value;
    else out[LISTS[name as keyof typeof LISTS]].push(value);
  }
  return { ...out, mode, config, help };
}
