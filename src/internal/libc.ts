/**
 * The C library through FFI: its functions, and the error of the last call that failed.
 *
 * `Deno.dlopen` compiles a fast-call trampoline for every blocking symbol declared (0.05–0.3 ms
 * each, the first one more), which a short-lived process hardly uses: V8 takes the fast path
 * only from optimised code. So libcFunctions declares just the loader's dlopen and dlsym, in a
 * form Deno compiles no trampoline for, and calls every other function through
 * `Deno.UnsafeFnPointer`, looked up with dlsym on its first call; such a call costs what the
 * slow path of a declared symbol costs. Nonblocking symbols need no trampoline: openLibc.
 * @module
 */

import { encoder } from "./io.ts";

const LIBC_NAMES = ["libc.so.6", "libc.so"];
/** Where dlopen and dlsym are: libc from glibc 2.34 on, libdl before. */
const LOADER_NAMES = [...LIBC_NAMES, "libdl.so.2"];
const RTLD_NOW = 2;

// O_DIRECTORY and O_NOFOLLOW differ between the architectures Deno runs on.
/** open(2)'s O_DIRECTORY. */
export const O_DIRECTORY = Deno.build.arch === "aarch64" ? 0o40000 : 0o200000;
/** open(2)'s O_NOFOLLOW. */
export const O_NOFOLLOW = Deno.build.arch === "aarch64" ? 0o100000 : 0o400000;
/** open(2)'s O_CLOEXEC. */
export const O_CLOEXEC = 0o2000000;
/** open(2)'s O_PATH. */
export const O_PATH = 0o10000000;
/** open(2)'s O_RDONLY. */
export const O_RDONLY = 0;
/** open(2)'s O_WRONLY. */
export const O_WRONLY = 0o1;
/** The *at(2) calls' "relative to the working directory". */
export const AT_FDCWD = -100;
/** The *at(2) calls' "the descriptor itself" flag. */
export const AT_EMPTY_PATH = 0x1000;
/** statx(2)'s mask for the fields of stat(2). */
export const STATX_BASIC_STATS = 0x7ff;
/** errno values the same on every architecture Deno runs on. */
export const ENOENT = 2;
/** See ENOENT. */
export const EINTR = 4;
/** See ENOENT. */
export const EINVAL = 22;
/** See ENOENT. */
export const ELOOP = 40;

/** `s` as a NUL-terminated C string. */
export function cstr(s: string): Uint8Array {
  return encoder.encode(`${s}\0`);
}

/**
 * A pointer returned as a struct holding one: returned the same way (a register) on every ABI
 * Deno runs on, and Deno compiles no fast-call trampoline for a symbol that has a struct.
 */
const POINTER_STRUCT = { struct: ["pointer"] } as const;

/**
 * A NULL-terminated array of pointers to NUL-terminated copies of `strings`, all in one buffer
 * (`keep`, which must outlive the call), so only one pointer is asked of Deno.
 */
export function cStringArray(
  strings: readonly string[],
): { array: BigUint64Array; keep: Uint8Array } {
  const bytes = strings.map((s) => encoder.encode(s));
  const keep = new Uint8Array(bytes.reduce((n, b) => n + b.length + 1, 0));
  const array = new BigUint64Array(strings.length + 1);
  const base = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(keep)));
  let offset = 0;
  bytes.forEach((b, i) => {
    keep.set(b, offset);
    array[i] = base + BigInt(offset);
    offset += b.length + 1;
  });
  return { array, keep };
}

const LOADER_SYMBOLS = {
  dlopen: { parameters: ["buffer", "i32"], result: POINTER_STRUCT },
  dlsym: { parameters: [POINTER_STRUCT, "buffer"], result: POINTER_STRUCT },
} as const;

type Loader = Deno.DynamicLibrary<typeof LOADER_SYMBOLS>["symbols"];

/** The pointer in a POINTER_STRUCT result; null for NULL. */
function pointerIn(struct: Uint8Array): Deno.PointerValue {
  return Deno.UnsafePointer.create(new BigUint64Array(struct.slice(0, 8).buffer)[0]!);
}

let libcHandle: { loader: Loader; handle: Uint8Array } | undefined;

/** The loader's functions and a handle of the C library. Throws when there is none. */
function openedLibc(): { loader: Loader; handle: Uint8Array } {
  if (libcHandle) return libcHandle;
  let loader: Loader | undefined;
  let last: unknown;
  for (const name of LOADER_NAMES) {
    try {
      loader = Deno.dlopen(name, LOADER_SYMBOLS).symbols;
      break;
    } catch (e) {
      last = e;
    }
  }
  if (!loader) throw last;
  for (const name of LIBC_NAMES) {
    const handle = loader.dlopen(cstr(name), RTLD_NOW);
    if (pointerIn(handle)) return (libcHandle = { loader, handle });
  }
  throw new Error(
    `Cannot load the C library (tried ${LIBC_NAMES.map((n) => `"${n}"`).join(", ")})`,
  );
}

/** Thrown by a function of libcFunctions that the C library does not have. */
export class MissingFunctionError extends Error {
  override name = "MissingFunctionError";
}

/**
 * The C library's functions declared in `symbols` (as for `Deno.dlopen`: a `name` field names
 * the function when the key does not), each looked up on its first call, which throws when the
 * library lacks it. Throws what dlopen threw when FFI or the C library is unavailable.
 */
export function libcFunctions<const S extends Deno.ForeignLibraryInterface>(
  symbols: S,
): Deno.DynamicLibrary<S>["symbols"] {
  const { loader, handle } = openedLibc();
  const functions: Record<string, (...args: unknown[]) => unknown> = {};
  for (const [key, definition] of Object.entries(symbols)) {
    const name = (definition as { name?: string }).name ?? key;
    let call: ((...args: unknown[]) => unknown) | undefined;
    const bind = () => {
      const address = pointerIn(loader.dlsym(handle, cstr(name)));
      if (!address) throw new MissingFunctionError(`The C library has no "${name}"`);
      const fn = new Deno.UnsafeFnPointer(
        address as Deno.PointerObject<Deno.ForeignFunction>,
        definition as Deno.ForeignFunction,
      );
      return (...args: unknown[]) => (fn.call as (...a: unknown[]) => unknown)(...args);
    };
    functions[key] = (...args) => (call ??= bind())(...args);
  }
  return functions as Deno.DynamicLibrary<S>["symbols"];
}

/**
 * libcFunctions(`symbols`), made on the first call of the function returned (importing a module
 * that declares its functions needs no FFI permission then: the code cache warm-up imports every
 * module with read access only).
 */
export function lazyLibc<const S extends Deno.ForeignLibraryInterface>(
  symbols: S,
): () => Deno.DynamicLibrary<S>["symbols"] {
  let functions: Deno.DynamicLibrary<S>["symbols"] | undefined;
  return () => (functions ??= libcFunctions(symbols));
}

/** Opens libc with `symbols` (nonblocking ones: see the module doc). Throws what dlopen threw. */
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

const ERRNO_SYMBOLS = {
  __errno_location: { parameters: [], result: "pointer" },
  strerror: { parameters: ["i32"], result: "pointer" },
} as const;

const errnoLib = lazyLibc(ERRNO_SYMBOLS);

/** This thread's errno, read right after a blocking call that failed. */
export function errno(): number {
  const ptr = errnoLib().__errno_location();
  return ptr ? new Deno.UnsafePointerView(ptr).getInt32() : 0;
}

/** The C library's text for an errno value ("No such file or directory"). */
export function strerror(code: number): string {
  const ptr = errnoLib().strerror(code);
  return ptr ? Deno.UnsafePointerView.getCString(ptr) : `errno ${code}`;
}
