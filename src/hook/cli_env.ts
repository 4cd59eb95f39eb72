/**
 * The environment xpu-container-cli runs with.
 * @module
 */

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
