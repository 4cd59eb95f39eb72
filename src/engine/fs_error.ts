/**
 * The reason of a failed file-system call, for messages that name the file themselves: Deno's
 * text without its `(os error N)` and `: op 'path' -> 'path'` tail, which would name the file
 * again, or a temp file the operator never asked about.
 * @module
 */

import { errorMessage } from "../internal/errors.ts";

/** `e`'s reason, e.g. "Permission denied" for "Permission denied (os error 13): open '/x'". */
export function fsReason(e: unknown): string {
  const message = errorMessage(e);
  const bare = message.replace(/ \(os error \d+\)[\s\S]*$/, "").replace(/: [a-z_]+ '[\s\S]*$/, "");
  return bare.trim() || message.split("\n")[0]!;
}
