/**
 * Synchronous writes to stdout and stderr (nothing may be lost before `execve` or `Deno.exit`).
 * @module
 */

/** The toolkit's one UTF-8 encoder. */
export const encoder: TextEncoder = new TextEncoder();

/** Writes all of `data` to `file`, however many writes that takes. */
export function writeAll(
  file: { writeSync(p: Uint8Array): number },
  data: string | Uint8Array,
): void {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  let off = 0;
  while (off < bytes.length) off += file.writeSync(bytes.subarray(off));
}

/** Writes `text` to stdout. */
export function writeStdout(text: string): void {
  writeAll(Deno.stdout, text);
}

/** Writes `text` to stderr. */
export function writeStderr(text: string): void {
  writeAll(Deno.stderr, text);
}
