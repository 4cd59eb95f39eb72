/**
 * Replacing this process with another program: `execve` through libc via FFI, or, where FFI is
 * unavailable, a child process whose exit status becomes ours.
 * @module
 */

import { envEntries } from "./env.ts";
import { errorMessage } from "./errors.ts";
import { cstr, cStringArray, errno, libcFunctions, openLibc, strerror } from "./libc.ts";

const SIGPIPE = 13;

// Nonblocking symbols are the cheapest to set up (libc.ts), and a process that only execs needs
// no other. execve works from the worker thread a nonblocking call runs on: the whole process is
// replaced and keeps its PID, and signal dispositions are process-wide. errno is per-thread,
// though, so a failed nonblocking execve is retried blocking to learn why.
const FAST_EXEC_SYMBOLS = {
  execve: { parameters: ["buffer", "buffer", "buffer"], result: "i32", nonblocking: true },
  signal: { parameters: ["i32", "pointer"], result: "pointer", nonblocking: true },
} as const;

const EXEC_SYMBOLS = {
  execve: { parameters: ["buffer", "buffer", "buffer"], result: "i32" },
} as const;

/** Thrown when FFI cannot be used, so callers can fall back to `spawnAndWait`. */
export class FfiUnavailableError extends Error {
  override name = "FfiUnavailableError";
}

/**
 * Replaces this process with `path` (argv and environment as given): same PID, same open
 * descriptors, same signal mask. SIGPIPE goes back to its default first, because Deno ignores
 * it and the new program would inherit that. Returns only by throwing.
 */
export async function execve(
  path: string,
  argv: readonly string[],
  env: readonly string[],
): Promise<never> {
  let libc: Deno.DynamicLibrary<typeof FAST_EXEC_SYMBOLS>;
  try {
    libc = openLibc(FAST_EXEC_SYMBOLS);
  } catch (e) {
    throw new FfiUnavailableError(`Cannot load libc for execve: ${errorMessage(e)}`, { cause: e });
  }
  // The reset runs on a worker thread while the arguments are laid out here.
  const reset = libc.symbols.signal(SIGPIPE, null);
  const file = cstr(path);
  const a = cStringArray(argv);
  const e = cStringArray(env);
  await reset;
  await libc.symbols.execve(file, a.array, e.array);
  libcFunctions(EXEC_SYMBOLS).execve(file, a.array, e.array);
  const reason = strerror(errno());
  // Keep the buffers alive until execve has returned.
  void a.keep;
  void e.keep;
  throw new Error(`Cannot execute "${path}": ${reason}`);
}

/**
 * Hands this process over to `path`: execve, or, where FFI is unavailable, a child whose exit
 * code is returned for this process to exit with (`onFallback` is told why, first).
 */
export async function handOver(
  path: string,
  argv: readonly string[],
  env: Record<string, string>,
  onFallback: (why: string) => void,
): Promise<number> {
  try {
    await execve(path, argv, envEntries(env));
  } catch (e) {
    if (!(e instanceof FfiUnavailableError)) throw e;
    onFallback(e.message);
  }
  // The fallback is rare: its code loads only when it is needed.
  const { spawnAndWait } = await import("./spawn.ts");
  return await spawnAndWait(path, argv, env);
}
