/**
 * The environment the caller gave this process, to hand on unchanged to runc or the cli.
 * @module
 */

/** Variable in which the launcher records what it changed (see scripts/launcher.sh). */
export const LAUNCHER_ENV = "XPU_CTK_LAUNCHER_ENV";

/**
 * This process's environment as its caller set it: with the launcher, the variables it set for
 * Deno are restored (or removed) and its record dropped; with the compiled binary, unchanged.
 */
export function callerEnvironment(): Record<string, string> {
  const env = Deno.env.toObject();
  const record = env[LAUNCHER_ENV];
  if (record === undefined) return env;
  delete env[LAUNCHER_ENV];
  for (const entry of record.split("\n")) {
    if (entry === "") continue;
    const eq = entry.indexOf("=");
    if (eq < 0) delete env[entry];
    else env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

/** `NAME=VALUE` strings for execve. */
export function envEntries(env: Record<string, string>): string[] {
  return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}
