/**
 * Error helpers shared by every applet.
 * @module
 */

/** A command-line usage error: callers print usage and exit 2. */
export class UsageError extends Error {
  /** Process exit code for usage errors. */
  readonly exitCode = 2;
  override name = "UsageError";
}

/** The message of any thrown value (messages already carry their detail; causes are for debugging). */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
