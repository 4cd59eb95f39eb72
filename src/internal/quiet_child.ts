/**
 * Running a program as a child of this thread and waiting for it, synchronously: `posix_spawn`
 * through FFI. The child inherits this thread's mount namespace, root and working directory
 * (the private namespace a container's root is worked on in is the calling thread's), starts
 * with an empty environment, no signal blocked or ignored, stdin and stdout on /dev/null, no
 * other file of this process open, and the first STDERR_BYTES of its stderr kept (in a file that
 * cannot grow past them: what it writes beyond fails); it is killed when it runs too long, and
 * its address space is capped as soon as it has started (posix_spawn returns once it has exec'ed).
 * It is waited for even where the caller ignores SIGCHLD (the disposition is given back after).
 * `Deno.Command` would do the same but loads Deno's process and stream code on first use, which
 * costs a short-lived process more than the child itself.
 * @module
 */

import {
  cstr,
  cStringArray,
  EINTR,
  errno,
  lazyLibc,
  MissingFunctionError,
  O_RDONLY,
  O_WRONLY,
  strerror,
} from "./libc.ts";
import { signalName, signalNumber } from "./signals.ts";

const SYMBOLS = {
  posix_spawn: {
    parameters: ["buffer", "buffer", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  posix_spawnattr_init: { parameters: ["buffer"], result: "i32" },
  posix_spawnattr_setflags: { parameters: ["buffer", "i16"], result: "i32" },
  posix_spawnattr_setsigmask: { parameters: ["buffer", "buffer"], result: "i32" },
  posix_spawnattr_setsigdefault: { parameters: ["buffer", "buffer"], result: "i32" },
  posix_spawnattr_destroy: { parameters: ["buffer"], result: "i32" },
  posix_spawn_file_actions_init: { parameters: ["buffer"], result: "i32" },
  posix_spawn_file_actions_addopen: {
    parameters: ["buffer", "i32", "buffer", "i32", "u32"],
    result: "i32",
  },
  posix_spawn_file_actions_adddup2: { parameters: ["buffer", "i32", "i32"], result: "i32" },
  posix_spawn_file_actions_addclose: { parameters: ["buffer", "i32"], result: "i32" },
  posix_spawn_file_actions_addclosefrom_np: { parameters: ["buffer", "i32"], result: "i32" },
  posix_spawn_file_actions_destroy: { parameters: ["buffer"], result: "i32" },
  memfd_create: { parameters: ["buffer", "u32"], result: "i32" },
  ftruncate: { parameters: ["i32", "i64"], result: "i32" },
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
  lseek: { parameters: ["i32", "i64", "i32"], result: "i64" },
  pread: { parameters: ["i32", "buffer", "usize", "i64"], result: "isize" },
  waitpid: { parameters: ["i32", "buffer", "i32"], result: "i32" },
  kill: { parameters: ["i32", "i32"], result: "i32" },
  sigaction: { parameters: ["i32", "pointer", "buffer"], result: "i32" },
  signal: { parameters: ["i32", "pointer"], result: "pointer" },
  prlimit: { parameters: ["i32", "i32", "buffer", "pointer"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
} as const;

const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
/** Larger than posix_spawnattr_t and posix_spawn_file_actions_t, and sigset_t (128 bytes). */
const OPAQUE_BYTES = 1024;
const SIGSET_BYTES = 128;
const MFD_CLOEXEC = 1;
const MFD_ALLOW_SEALING = 2;
const F_ADD_SEALS = 1033;
const F_SEAL_GROW = 4;
const SEEK_CUR = 1;
/** How much of a child's stderr is kept: a first line is all that is shown of it. */
export const STDERR_BYTES = 64 << 10;
const WNOHANG = 1;
const SIGKILL = signalNumber("SIGKILL");
const SIGCHLD = signalNumber("SIGCHLD");
const SIG_IGN = 1n;
/** struct sigaction, larger than any C library's (152 bytes in glibc); its handler comes first. */
const SIGACTION_BYTES = 256;
const RLIMIT_AS = 9;
/** The longest pause between two looks at a running child. */
const MAX_POLL_MS = 10;

type Libc = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];
const lib = lazyLibc(SYMBOLS);

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** The bounds of one child. */
export interface ChildLimits {
  readonly timeoutMs: number;
  /** RLIMIT_AS, set as soon as the child is there. */
  readonly maxBytes: number;
}

/** How a child ended. */
export interface ChildEnd {
  /** Its exit code; undefined when a signal ended it. */
  readonly code?: number;
  /** The signal that ended it ("SIGSEGV"). */
  readonly signal?: string;
  /** Whether it was killed (SIGKILL) for running past the time limit. */
  readonly timedOut: boolean;
  /** What it wrote to its stderr, the first STDERR_BYTES of it. */
  readonly stderr: Uint8Array;
}

/** Throws, naming `path` and the text of errno (or of `code`), unless `result` is 0. */
function check(result: number, path: string, code?: number): void {
  if (result !== 0) throw new Error(`Cannot start "${path}": ${strerror(code ?? errno())}`);
}

/**
 * Runs `path` (a host path, not looked up in a PATH) with `args` as described in the module doc,
 * within `limits`. Throws, naming the cause, when it cannot start it or cannot cap its address
 * space (it is killed then).
 */
export function runQuietly(path: string, args: readonly string[], limits: ChildLimits): ChildEnd {
  const c = lib();
  const stderrFd = c.memfd_create(cstr("stderr"), MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (stderrFd < 0) throw new Error(`Cannot keep the stderr of "${path}": ${strerror(errno())}`);
  try {
    // A child made to write without end (ldconfig reading an image's conf files) must not fill
    // the host's memory.
    if (
      c.ftruncate(stderrFd, BigInt(STDERR_BYTES)) !== 0 ||
      c.fcntl(stderrFd, F_ADD_SEALS, F_SEAL_GROW) !== 0
    ) {
      throw new Error(`Cannot keep the stderr of "${path}": ${strerror(errno())}`);
    }
    // Where the caller ignores SIGCHLD the kernel reaps the child at once and it cannot be
    // waited for: SIGCHLD is at its default until it has been, and ignored again after.
    const ignoringChildren = ignoresSigchld(c);
    if (ignoringChildren) c.signal(SIGCHLD, null);
    let ended: { status: number; timedOut: boolean };
    try {
      const pid = spawn(c, path, args, stderrFd);
      const limit = new BigUint64Array([BigInt(limits.maxBytes), BigInt(limits.maxBytes)]);
      if (c.prlimit(pid, RLIMIT_AS, new Uint8Array(limit.buffer), null) !== 0) {
        const why = strerror(errno());
        c.kill(pid, SIGKILL);
        waitFor(c, path, pid, Infinity);
        throw new Error(`Cannot limit the address space of "${path}": ${why}`);
      }
      ended = waitFor(c, path, pid, limits.timeoutMs);
    } finally {
      if (ignoringChildren) c.signal(SIGCHLD, Deno.UnsafePointer.create(SIG_IGN));
    }
    const { status, timedOut } = ended;
    const stderr = readAll(c, stderrFd, Number(c.lseek(stderrFd, 0n, SEEK_CUR)));
    const signal = status & 0x7f;
    return signal === 0
      ? { code: (status >> 8) & 0xff, timedOut, stderr }
      : { signal: signalName(signal), timedOut, stderr };
  } finally {
    c.close(stderrFd);
  }
}

/** True when this process ignores SIGCHLD (its disposition is SIG_IGN). */
function ignoresSigchld(c: Libc): boolean {
  const old = new BigUint64Array(SIGACTION_BYTES / 8);
  return c.sigaction(SIGCHLD, null, new Uint8Array(old.buffer)) === 0 && old[0] === SIG_IGN;
}

/** Starts the child; returns its PID. */
function spawn(c: Libc, path: string, args: readonly string[], stderrFd: number): number {
  const attr = new Uint8Array(OPAQUE_BYTES);
  const actions = new Uint8Array(OPAQUE_BYTES);
  const devNull = cstr("/dev/null");
  check(c.posix_spawnattr_init(attr), path);
  try {
    check(c.posix_spawn_file_actions_init(actions), path);
    try {
      check(
        c.posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF),
        path,
      );
      // No signal blocked; every signal back to its default, the ones this process ignores too.
      check(c.posix_spawnattr_setsigmask(attr, new Uint8Array(SIGSET_BYTES)), path);
      check(c.posix_spawnattr_setsigdefault(attr, new Uint8Array(SIGSET_BYTES).fill(0xff)), path);
      check(c.posix_spawn_file_actions_addopen(actions, 0, devNull, O_RDONLY, 0), path);
      check(c.posix_spawn_file_actions_addopen(actions, 1, devNull, O_WRONLY, 0), path);
      check(c.posix_spawn_file_actions_adddup2(actions, stderrFd, 2), path);
      // Files this process inherited without close-on-exec (from the engine) are not the child's.
      closeAbove2(c, actions, path);
      const pid = new Int32Array(1);
      const argv = cStringArray([path, ...args]);
      const envp = cStringArray([]);
      const failed = c.posix_spawn(
        new Uint8Array(pid.buffer),
        cstr(path),
        actions,
        attr,
        new Uint8Array(argv.array.buffer),
        new Uint8Array(envp.array.buffer),
      );
      // Keep the strings alive until posix_spawn has returned.
      void argv.keep;
      void envp.keep;
      check(failed, path, failed);
      return pid[0]!;
    } finally {
      c.posix_spawn_file_actions_destroy(actions);
    }
  } finally {
    c.posix_spawnattr_destroy(attr);
  }
}

/**
 * Waits for child `pid`, killing it (SIGKILL) once `timeoutMs` have passed; returns its wait
 * status. It is looked at every few milliseconds: at most an eighth of the time it has run.
 */
function waitFor(
  c: Libc,
  path: string,
  pid: number,
  timeoutMs: number,
): { status: number; timedOut: boolean } {
  const status = new Int32Array(1);
  const statusBytes = new Uint8Array(status.buffer);
  const start = performance.now();
  let timedOut = false;
  for (;;) {
    const done = c.waitpid(pid, statusBytes, WNOHANG);
    if (done === pid) return { status: status[0]!, timedOut };
    if (done < 0) {
      const e = errno();
      if (e === EINTR) continue;
      throw new Error(`Cannot wait for "${path}": ${strerror(e)}`);
    }
    const ran = performance.now() - start;
    if (!timedOut && ran >= timeoutMs) {
      c.kill(pid, SIGKILL);
      timedOut = true;
    }
    Atomics.wait(sleeper, 0, 0, Math.min(MAX_POLL_MS, Math.max(0.05, ran / 8)));
  }
}

/**
 * Adds to `actions` the closing of every descriptor above 2: in one action where the C library
 * has it (glibc 2.34 and later), else one per descriptor open now.
 */
function closeAbove2(c: Libc, actions: Uint8Array, path: string): void {
  try {
    check(c.posix_spawn_file_actions_addclosefrom_np(actions, 3), path);
    return;
  } catch (e) {
    if (!(e instanceof MissingFunctionError)) throw e;
  }
  for (const fd of openFds(path)) check(c.posix_spawn_file_actions_addclose(actions, fd), path);
}

/** The file descriptors above 2 open in this process; throws, naming `path`, when unknown. */
function openFds(path: string): number[] {
  try {
    return [...Deno.readDirSync("/proc/self/fd")].map((e) => Number(e.name)).filter((fd) => fd > 2);
  } catch (e) {
    throw new Error(`Cannot start "${path}": "/proc/self/fd" cannot be listed`, { cause: e });
  }
}

/** The first `length` bytes of the file `fd` (fewer if it is shorter). */
function readAll(c: Libc, fd: number, length: number): Uint8Array {
  const all = new Uint8Array(Math.max(0, length));
  let total = 0;
  while (total < all.length) {
    const n = Number(c.pread(fd, all.subarray(total), BigInt(all.length - total), BigInt(total)));
    if (n < 0 && errno() === EINTR) continue;
    if (n <= 0) break;
    total += n;
  }
  return all.subarray(0, total);
}
