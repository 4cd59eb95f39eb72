/**
 * Reading and appending to a file that someone else named and created (enroot's ENROOT_ENVIRON
 * and ENROOT_MOUNTS): only a regular file with one link, never through a symbolic link (the
 * last component is opened with O_NOFOLLOW), never blocking on a FIFO (O_NONBLOCK), and bounded
 * in size; appends go to its end (O_APPEND), so shown is there is never rewritten.
 * @module
 */

import {
  AT_EMPTY_PATH,
  AT_FDCWD,
  cstr,
  EINTR,
  ELOOP,
  errno,
  lazyLibc,
  O_CLOEXEC,
  O_NOFOLLOW,
  O_RDONLY,
  O_WRONLY,
  STATX_BASIC_STATS,
  strerror,
} from "./libc.ts";

const SYMBOLS = {
  openat: { parameters: ["i32", "buffer", "i32", "u32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  statx: { parameters: ["i32", "buffer", "i32", "u32", "buffer"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
} as const;

const O_NONBLOCK = 0o4000;
const O_APPEND = 0o2000;
const ENXIO = 6;

const lib = lazyLibc(SYMBOLS);

/** A file that cannot be used; the message names it and says why. */
export class PlainFileError extends Error {
  override name = "PlainFileError";
}

/** Opens `path` with `flags`, checks shown it is; returns the descriptor and the file's size. */
function open(path: string, flags: number, shown: string): { fd: number; size: number } {
  if (path.includes("\0")) throw new PlainFileError(`${shown}: the path holds a NUL byte`);
  const c = lib();
  const fd = c.openat(AT_FDCWD, cstr(path), flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0);
  if (fd < 0) {
    const e = errno();
    // O_NOFOLLOW's ELOOP; ENXIO: a FIFO nobody reads, opened for writing without blocking.
    const why = e === ELOOP
      ? "it is a symbolic link"
      : e === ENXIO
      ? "it is not a regular file"
      : strerror(e);
    throw new PlainFileError(`${shown}: ${why}`);
  }
  const buf = new Uint8Array(256);
  if (c.statx(fd, cstr(""), AT_EMPTY_PATH, STATX_BASIC_STATS, buf) !== 0) {
    const why = strerror(errno());
    c.close(fd);
    throw new PlainFileError(`${shown}: ${why}`);
  }
  const view = new DataView(buf.buffer);
  const regular = (view.getUint16(28, true) & 0o170000) === 0o100000;
  const links = view.getUint32(16, true);
  if (!regular || links !== 1) {
    c.close(fd);
    const why = regular ? `it has ${links} hard links` : "it is not a regular file";
    throw new PlainFileError(`${shown}: ${why}`);
  }
  return { fd, size: Number(view.getBigUint64(40, true)) };
}

/**
 * The bytes of the regular file `path` (see the module doc), at most `maxBytes`; `name` says
 * what it is in messages (`ENROOT_ENVIRON "/run/enroot/environment"`). Throws PlainFileError.
 */
export function readPlainFile(path: string, maxBytes: number, name: string): Uint8Array {
  const shown = `Cannot read ${name}`;
  const { fd, size } = open(path, O_RDONLY, shown);
  const c = lib();
  try {
    // deno-lint-ignore xpu-messages/values-quoted -- a number
    if (size > maxBytes) throw new PlainFileError(`${shown}: it is larger than ${maxBytes} bytes`);
    // One byte more than the limit: a file that grew past it is refused all the same.
    const buf = new Uint8Array(Math.min(size, maxBytes) + 1);
    let used = 0;
    for (;;) {
      if (used === buf.length) {
        // deno-lint-ignore xpu-messages/values-quoted -- a number
        throw new PlainFileError(`${shown}: it is larger than ${maxBytes} bytes`);
      }
      const n = Number(c.read(fd, buf.subarray(used), BigInt(buf.length - used)));
      if (n < 0 && errno() === EINTR) continue;
      if (n < 0) throw new PlainFileError(`${shown}: ${strerror(errno())}`);
      if (n === 0) return buf.slice(0, used);
      used += n;
    }
  } finally {
    c.close(fd);
  }
}

/** Appends `data` to the regular file `path` (see the module doc). Throws PlainFileError. */
export function appendPlainFile(path: string, data: Uint8Array, name: string): void {
  const shown = `Cannot append to ${name}`;
  const { fd } = open(path, O_WRONLY | O_APPEND, shown);
  const c = lib();
  try {
    let off = 0;
    while (off < data.length) {
      const n = Number(c.write(fd, data.subarray(off), BigInt(data.length - off)));
      if (n < 0 && errno() === EINTR) continue;
      if (n <= 0) throw new PlainFileError(`${shown}: ${strerror(errno())}`);
      off += n;
    }
  } finally {
    c.close(fd);
  }
}
