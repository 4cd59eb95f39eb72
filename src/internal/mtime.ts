/**
 * File times to the nanosecond, through libc (statx, utimensat): `Deno.stat` rounds them to
 * milliseconds, and a shell compares them (`test -nt`) to the nanosecond.
 * @module
 */

import { AT_FDCWD, cstr, errno, lazyLibc, strerror } from "./libc.ts";

const SYMBOLS = {
  statx: { parameters: ["i32", "buffer", "i32", "u32", "buffer"], result: "i32" },
  utimensat: { parameters: ["i32", "buffer", "buffer", "i32"], result: "i32" },
} as const;

const STATX_CTIME = 0x80;
const STATX_MTIME = 0x40;
// struct statx is the same on every architecture: stx_ctime at 96, stx_mtime at 112, each a
// 64-bit tv_sec then a 32-bit tv_nsec.
const STATX_SIZE = 256;
const CTIME_OFFSET = 96;
const MTIME_OFFSET = 112;
const UTIME_OMIT = (1 << 30) - 2;

/** A file time: seconds and nanoseconds since the epoch. */
export interface Time {
  readonly sec: bigint;
  readonly nsec: number;
}

/** A file's modification and change times. */
export interface Times {
  readonly mtime: Time;
  readonly ctime: Time;
}

const lib = lazyLibc(SYMBOLS);

/** The times of `path` (symlinks followed). Throws naming the file. */
export function fileTimes(path: string): Times {
  const buf = new Uint8Array(STATX_SIZE);
  const mask = STATX_MTIME | STATX_CTIME;
  if (lib().statx(AT_FDCWD, cstr(path), 0, mask, buf) !== 0) {
    throw new Error(`Cannot read the times of "${path}": ${strerror(errno())}`);
  }
  const view = new DataView(buf.buffer);
  if ((view.getUint32(0, true) & mask) !== mask) {
    throw new Error(`Cannot read the times of "${path}": the file system does not report them`);
  }
  const at = (offset: number): Time => ({
    sec: view.getBigInt64(offset, true),
    nsec: view.getUint32(offset + 8, true),
  });
  return { mtime: at(MTIME_OFFSET), ctime: at(CTIME_OFFSET) };
}

/** Sets the modification time of `path` to `time` exactly (its access time is left alone). */
export function setModificationTime(path: string, time: Time): void {
  const times = new BigInt64Array([0n, BigInt(UTIME_OMIT), time.sec, BigInt(time.nsec)]);
  if (lib().utimensat(AT_FDCWD, cstr(path), new Uint8Array(times.buffer), 0) !== 0) {
    throw new Error(`Cannot set the modification time of "${path}": ${strerror(errno())}`);
  }
}

/** `time` in milliseconds since the epoch, as `Deno.stat` reports it. */
export function timeMs(time: Time): number {
  return Number(time.sec) * 1000 + Math.floor(time.nsec / 1e6);
}
