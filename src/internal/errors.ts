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

/** The message of any thrown value, with `cause` messages appended. */
export function errorMessage(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  let msg = e.message;
  if (e.cause !== undefined) {
    const inner = errorMessage(e.cause);
    if (inner && !msg.includes(inner)) msg += `: ${inner}`;
  }
  return msg;
}
