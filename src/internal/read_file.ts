/**
 * Reading an input file whole, only when it is a regular file of bounded size: a FIFO would block
 * the read for ever, a device (`/dev/zero`) would never end, and a huge file would hold up every
 * call that reads it.
 * @module
 */

import { formatSize } from "./size.ts";

/**
 * A file that is not read because of what it is: not a regular file, or bigger than `limit`.
 * The message is a clause for after the file's name.
 */
export class UnreadableFileError extends Error {
  override name = "UnreadableFileError";

  constructor(limit?: number) {
    super(
      limit === undefined
        ? "it is not a regular file"
        : `it is larger than ${formatSize(BigInt(limit))}`,
    );
  }
}

/**
 * The bytes of the regular file at `path` (symlinks followed), looked at before it is opened.
 * Throws UnreadableFileError when it is not a regular file or holds more than `maxBytes`, and
 * Deno's errors when it cannot be read.
 */
export function readRegularFile(path: string, maxBytes: number): Uint8Array {
  const info = Deno.statSync(path);
  if (!info.isFile) throw new UnreadableFileError();
  if (info.size > maxBytes) throw new UnreadableFileError(maxBytes);
  using file = Deno.openSync(path);
  // Room for one byte more than was seen: a file that grew since the look is read on, up to the
  // limit and one byte past it, which refuses it all the same.
  let buf = new Uint8Array(info.size + 1);
  let used = 0;
  for (;;) {
    if (used === buf.length) {
      if (used > maxBytes) throw new UnreadableFileError(maxBytes);
      const grown = new Uint8Array(Math.min(used * 2, maxBytes + 1));
      grown.set(buf);
      buf = grown;
    }
    const n = file.readSync(buf.subarray(used));
    if (n === null) break;
    used += n;
  }
  return buf.subarray(0, used);
}
