/**
 * How a hook runs xpu-container-cli: the call, and the environment the cli gets.
 * @module
 */

import type { Config } from "../config/schema.ts";
import type { BinaryLookup } from "../discover/binaries.ts";
import { envAssignment } from "../internal/env.ts";

/**
 * The hook's environment plus the config's `environment` entries (which override), minus every
 * `LD_*` variable: the cli runs as root on the host, so nothing may preload into it.
 */
export function cliEnvironment(
  hookEnv: Readonly<Record<string, string>>,
  extra: readonly string[],
): Record<string, string> {
  const env: Record<string, string> = { ...hookEnv };
  for (const entry of extra) {
    const assignment = envAssignment(entry);
    if (assignment) env[assignment.name] = assignment.value;
  }
  for (const name of Object.keys(env)) if (name.startsWith("LD_")) delete env[name];
  return env;
}

/** A cli call: the program and its arguments, and its environment. */
export interface CliCall {
  readonly argv: string[];
  readonly env: Record<string, string>;
}

/**
 * The call of `cli` with `args` from a hook with the environment `hookEnv`. Throws when no cli
 * was found.
 */
export function cliCall(
  config: Config,
  cli: BinaryLookup,
  hookEnv: Readonly<Record<string, string>>,
  args: readonly string[],
): CliCall {
  if (!cli.found) throw new Error(cli.problem);
  return {
    argv: [cli.path, ...args],
    env: cliEnvironment(hookEnv, config["xpu-container-cli"].environment),
  };
}
