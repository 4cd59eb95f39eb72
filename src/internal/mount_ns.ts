/**
 * A private mount namespace for programs run on a container's root: a procfs mounted in that root
 * (runc has mounted one when createContainer hooks run) holds `/proc/<pid>/root` links to the
 * host's `/` that even a chroot does not stop, so such mounts are detached first. The namespace is
 * the calling thread's (Deno runs synchronous FFI and spawns children on its main thread), and
 * the children it spawns afterwards inherit it; the host's mounts are untouched. The runtime
 * shim's namespace is one it returns from, before it execs the low-level runtime.
 * @module
 */

import {
  cstr,
  errno,
  lazyLibc,
  O_CLOEXEC,
  O_DIRECTORY,
  O_PATH,
  O_RDONLY,
  strerror,
} from "./libc.ts";
import { inUserNamespace } from "./userns.ts";

const SYMBOLS = {
  unshare: { parameters: ["i32"], result: "i32" },
  mount: { parameters: ["buffer", "buffer", "buffer", "u64", "buffer"], result: "i32" },
  umount2: { parameters: ["buffer", "i32"], result: "i32" },
  setns: { parameters: ["i32", "i32"], result: "i32" },
  open: { parameters: ["buffer", "i32", "u32"], result: "i32" },
  fchdir: { parameters: ["i32"], result: "i32" },
  chroot: { parameters: ["buffer"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
} as const;

const CLONE_FS = 0x200;
const CLONE_NEWNS = 0x20000;
const MS_RDONLY = 0x1;
const MS_NOSUID = 0x2;
const MS_NODEV = 0x4;
const MS_NOEXEC = 0x8;
const MS_REC = 0x4000;
const MS_PRIVATE = 0x40000;
const MNT_DETACH = 2;
const UMOUNT_NOFOLLOW = 8;
/** Mounts stacked at one place are peeled one per round; more than this is not a real host. */
const MAX_ROUNDS = 256;

/** File systems that reach beyond the container: host kernel state, and /proc's magic links. */
export const HOST_FILE_SYSTEMS: ReadonlySet<string> = new Set([
  "proc",
  "sysfs",
  "cgroup",
  "cgroup2",
  "securityfs",
  "debugfs",
  "tracefs",
  "bpf",
  "configfs",
  "efivarfs",
  "pstore",
  "fusectl",
  "binfmt_misc",
  "selinuxfs",
]);

const lib = lazyLibc(SYMBOLS);

/** A mount point as /proc/self/mountinfo writes it (space, tab, newline, backslash as \ooo). */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Each mount of a /proc/self/mountinfo text, in its order (a stacked mount after the one below). */
function mountsOf(mountinfo: string): { point: string; type: string }[] {
  const found: { point: string; type: string }[] = [];
  for (const line of mountinfo.split("\n")) {
    const fields = line.split(" ");
    const dash = fields.indexOf("-");
    const point = fields[4];
    const type = fields[dash + 1];
    if (dash >= 0 && point !== undefined && type !== undefined) {
      found.push({ point: unescape(point), type });
    }
  }
  return found;
}

/** The mount points at or below `dir` whose file system is one of `types`, deepest first. */
export function mountsBelow(mountinfo: string, dir: string, types: ReadonlySet<string>): string[] {
  return mountsOf(mountinfo)
    .filter(({ point, type }) => types.has(type) && (point === dir || point.startsWith(`${dir}/`)))
    .map(({ point }) => point)
    .sort((a, b) => b.length - a.length);
}

/**
 * Moves this thread into a private mount namespace and detaches there every mount at or below
 * `dir` (a canonical host path) of the HOST_FILE_SYSTEMS; in a user namespace, where the mounts
 * a more privileged namespace made are locked to their parents (rootless runc's bind of the
 * host's /sys), the outermost of them are covered instead. Throws when it cannot.
 */
export function isolateFrom(dir: string): void {
  unshareMounts();
  makePrivate();
  try {
    detachHostFileSystems(dir);
  } catch (e) {
    if (!inUserNamespace()) throw e;
    coverHostFileSystems(dir);
  }
}

/** The points of `points` not below another of them: covering these hides all. */
export function outermost(points: readonly string[]): string[] {
  const all = [...new Set(points)];
  return all.filter((p) => !all.some((q) => q !== p && p.startsWith(`${q}/`))).sort();
}

/**
 * Mounts an empty read-only tmpfs over the outermost mounts at or below `dir` of the
 * HOST_FILE_SYSTEMS, in this thread's private namespace: a path through them then leads into
 * the empty tmpfs. Throws unless every such mount is then below one of those tmpfs.
 */
function coverHostFileSystems(dir: string): void {
  const c = lib();
  const read = () => Deno.readTextFileSync("/proc/thread-self/mountinfo");
  const covers = outermost(mountsBelow(read(), dir, HOST_FILE_SYSTEMS));
  const flags = BigInt(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
  for (const point of covers) {
    if (c.mount(cstr("none"), cstr(point), cstr("tmpfs"), flags, cstr("size=4k")) !== 0) {
      throw new Error(`Cannot cover "${point}": ${strerror(errno())}`);
    }
  }
  // A point swapped for a link meanwhile would have been covered elsewhere: so check that each
  // cover is on top (listed in order, the last mount at a point is the topmost).
  const mounts = mountsOf(read());
  const top = new Map(mounts.map(({ point, type }) => [point, type]));
  for (const point of mountsBelow(read(), dir, HOST_FILE_SYSTEMS)) {
    const cover = covers.find((c) => point === c || point.startsWith(`${c}/`));
    if (cover === undefined || top.get(cover) !== "tmpfs") {
      throw new Error(`Cannot cover "${point}": still reachable`);
    }
  }
}

/** Moves this thread into a new mount namespace. Throws, still in the old one, when it cannot. */
function unshareMounts(): void {
  if (lib().unshare(CLONE_NEWNS) !== 0) {
    throw new Error(`Cannot make a private mount namespace: ${strerror(errno())}`);
  }
}

/** Makes every mount of this thread's new namespace private. Throws. */
function makePrivate(): void {
  // Nothing done in the namespace may propagate back to the host's mounts.
  if (lib().mount(cstr("none"), cstr("/"), null, BigInt(MS_REC | MS_PRIVATE), null) !== 0) {
    throw new Error(`Cannot make the mounts private: ${strerror(errno())}`);
  }
}

/**
 * Detaches, in this thread's (private) mount namespace, every mount at or below `dir` (a
 * canonical host path) of the HOST_FILE_SYSTEMS. Throws when one stays.
 */
export function detachHostFileSystems(dir: string): void {
  const c = lib();
  // umount2 takes the topmost mount at a path: one stacked on a procfs there (a tmpfs the
  // operator mounted where the image has a link to /proc) comes off first, so look again until
  // none is left.
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const points = mountsBelow(
      Deno.readTextFileSync("/proc/thread-self/mountinfo"),
      dir,
      HOST_FILE_SYSTEMS,
    );
    if (points.length === 0) return;
    for (const point of new Set(points)) {
      if (c.umount2(cstr(point), MNT_DETACH | UMOUNT_NOFOLLOW) !== 0) {
        throw new Error(`Cannot detach "${point}": ${strerror(errno())}`);
      }
    }
  }
  throw new Error(`Cannot detach the kernel file systems below "${dir}": still there`);
}

/** This thread could not go back to its mount namespace: it must run nothing else. */
export class NamespaceReturnError extends Error {
  override name = "NamespaceReturnError";
}

/** A private mount namespace this thread has entered, and the way back. */
export interface PrivateNamespace {
  /**
   * Puts this thread back into the namespace it came from, with the root and working directory
   * it had. Throws when it cannot: the thread must then not go on to run anything else.
   */
  leave(): void;
}

/**
 * Moves this thread into a private mount namespace (see isolateFrom) from which it can come
 * back: the runtime shim prepares a root there, then execs the low-level runtime from the
 * namespace it was called in. Throws, in the namespace it was called in, when it cannot; throws
 * NamespaceReturnError when it entered it and cannot come back.
 */
export function enterReturnableNamespace(): PrivateNamespace {
  const c = lib();
  const saved = [
    c.open(cstr("/proc/thread-self/ns/mnt"), O_RDONLY | O_CLOEXEC, 0),
    c.open(cstr("/"), O_PATH | O_DIRECTORY | O_CLOEXEC, 0),
    c.open(cstr("."), O_PATH | O_DIRECTORY | O_CLOEXEC, 0),
  ];
  const closeSaved = () => {
    for (const fd of saved) if (fd >= 0) c.close(fd);
  };
  const [ns, root, cwd] = saved as [number, number, number];
  if (ns < 0 || root < 0 || cwd < 0) {
    const why = strerror(errno());
    closeSaved();
    throw new Error(`Cannot remember the current mount namespace: ${why}`);
  }
  try {
    unshareMounts();
  } catch (e) {
    closeSaved();
    throw e;
  }
  let left = false;
  const leave = () => {
    if (left) return;
    // setns refuses a thread whose root and working directory another thread shares, and a
    // thread started from this one meanwhile shares them (Deno starts one now and then while a
    // child runs): this thread takes its own copy, and that thread stays in the namespace until
    // execve ends it. setns then sets the root and working directory to the namespace's: both
    // are put back, so a chrooted caller stays chrooted and a relative --bundle still names the
    // same directory.
    if (
      c.unshare(CLONE_FS) !== 0 || c.setns(ns, CLONE_NEWNS) !== 0 || c.fchdir(root) !== 0 ||
      c.chroot(cstr(".")) !== 0 || c.fchdir(cwd) !== 0
    ) {
      throw new NamespaceReturnError(
        `Cannot return to the original mount namespace: ${strerror(errno())}`,
      );
    }
    left = true;
    closeSaved();
  };
  try {
    makePrivate();
  } catch (e) {
    leave();
    throw e;
  }
  return { leave };
}
