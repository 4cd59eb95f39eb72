/**
 * The C library through FFI: loading it, and the error of the last call that failed.
 * @module
 */

import { encoder } from "./io.ts";

const LIBC_NAMES = ["libc.so.6", "libc.so"];

// O_DIRECTORY and O_NOFOLLOW differ between the architectures Deno runs on.
/** open(2)'s O_DIRECTORY. */
export const O_DIRECTORY = Deno.build.arch === "aarch64" ? 0o40000 : 0o200000;
/** open(2)'s O_NOFOLLOW. */
export const O_NOFOLLOW = Deno.build.arch === "aarch64" ? 0o100000 : 0o400000;
/** open(2)'s O_CLOEXEC. */
export const O_CLOEXEC = 0o2000000;
/** open(2)'s O_PATH. */
export const O_PATH = 0o10000000;

/** `s` as a NUL-terminated C string. */
export function cstr(s: string): Uint8Array {
  return encoder.encode(`${s}\0`);
}

const ERRNO_SYMBOLS = {
  __errno_location: { parameters: [], result: "pointer" },
  strerror: { parameters: ["i32"], result: "pointer" },
} as const;

/** Opens libc with `symbols`. Throws what dlopen threw when no libc name works. */
export function openLibc<S extends Deno.ForeignLibraryInterface>(
  symbols: S,
): Deno.DynamicLibrary<S> {
  let last: unknown;
  for (const name of LIBC_NAMES) {
    try {
      return Deno.dlopen(name, symbols);
    } catch (e) {
      last = e;
    }
  }
  throw last;
}

let errnoLib: Deno.DynamicLibrary<typeof ERRNO_SYMBOLS> | undefined;

/** This thread's errno, read right after a blocking call that failed. */
export function errno(): number {
  errnoLib ??= openLibc(ERRNO_SYMBOLS);
  const ptr = errnoLib.symbols.__errno_location();
  return ptr ? new Deno.UnsafePointerView(ptr).getInt32() : 0;
}

/** The C library's text for an errno value ("No such file or directory"). */
export function strerror(code: number): string {
  errnoLib ??= openLibc(ERRNO_SYMBOLS);
  const ptr = errnoLib.symbols.strerror(code);
  return ptr ? Deno.UnsafePointerView.getCString(ptr) : `errno ${code}`;
}
