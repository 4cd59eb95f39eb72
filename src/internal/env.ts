/**
 * The environment the caller gave this process, to hand on unchanged to runc or the cli.
 * @module
 */

/** Variable in which the launcher records what it changed (see scripts/launcher.sh). */
export const LAUNCHER_ENV = "XPU_CTK_LAUNCHER_ENV";

/**
 * An environment entry split at its first `=`: `NAME=VALUE` (VALUE may hold more `=`), or `NAME`
 * alone with an undefined value. The one splitter of env entries.
 */
export function splitEnvEntry(entry: string): { name: string; value: string | undefined } {
  const eq = entry.indexOf("=");
  return eq < 0 ? { name: entry, value: undefined } : {
    name: entry.slice(0, eq),
    value: entry.slice(eq + 1),
  };
}

/** `entry` as an assignment, `NAME=VALUE` with a name, or undefined when it is none. */
export function envAssignment(entry: string): { name: string; value: string } | undefined {
  const { name, value } = splitEnvEntry(entry);
  return name !== "" && value !== undefined ? { name, value } : undefined;
}

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
    const { name, value } = splitEnvEntry(entry);
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/** `NAME=VALUE` strings for execve. */
export function envEntries(env: Record<string, string>): string[] {
  return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}
