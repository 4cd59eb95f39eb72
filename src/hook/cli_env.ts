/**
 * The environment xpu-container-cli runs with.
 * @module
 */

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
    const eq = entry.indexOf("=");
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  for (const name of Object.keys(env)) if (name.startsWith("LD_")) delete env[name];
  return env;
}
