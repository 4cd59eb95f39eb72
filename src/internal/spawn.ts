/**
 * Running a program as a child whose exit status becomes ours: the hand-over where `execve`
 * through FFI is unavailable.
 * @module
 */

import { signalNumber } from "./signals.ts";

/** Signals a parent hands on to the program it runs in its place (as a shell would not). */
export const FORWARDED_SIGNALS: readonly Deno.Signal[] = [
  "SIGHUP",
  "SIGINT",
  "SIGQUIT",
  "SIGTERM",
  "SIGUSR1",
  "SIGUSR2",
  "SIGWINCH",
];

/** The exit code a shell reports for a child: its own, or 128 + the signal that killed it. */
export function exitCodeOf(status: Deno.CommandStatus): number {
  return status.signal ? 128 + signalNumber(status.signal) : status.code;
}

/**
 * Runs `path` as a child with inherited stdio, forwarding signals to it, and returns the exit
 * code this process should exit with (128 + signal number when the child was killed).
 */
export async function spawnAndWait(
  path: string,
  argv: readonly string[],
  env: Record<string, string>,
): Promise<number> {
  const child = new Deno.Command(path, {
    args: argv.slice(1),
    env,
    clearEnv: true,
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  const handlers = FORWARDED_SIGNALS.map((sig) => {
    const handler = () => {
      try {
        child.kill(sig);
      } catch {
        // The child has already exited.
      }
    };
    Deno.addSignalListener(sig, handler);
    return [sig, handler] as const;
  });
  const status = await child.status;
  for (const [sig, handler] of handlers) Deno.removeSignalListener(sig, handler);
  return exitCodeOf(status);
}
