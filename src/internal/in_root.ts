/**
 * Paths inside a container's root filesystem, which the image controls. A path is resolved the
 * way the container sees it (a link's absolute target starts again at the root, `..` never climbs
 * above it) and the result is held as a file descriptor: every later step acts on descriptors
 * with one-component names and never resolves a path string again, so a link swapped in while a
 * hook runs cannot redirect it to the host (the CVE-2024-0132 class).
 *
 * Resolution uses `openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)` where the kernel has it
 * (5.6+), else a walk one component at a time with `openat(O_PATH | O_NOFOLLOW)`, reading each
 * link with `readlinkat` and resolving its target inside the root; `..` pops a directory the walk
 * itself holds, so a concurrent rename cannot lead it out. The walk reads `/proc` magic links as
 * text, which keeps them inside the root as well; openat2 refuses them.
 * @module
 */

import {
  AT_EMPTY_PATH,
  AT_FDCWD,
  cstr,
  EINVAL,
  ELOOP,
  ENOENT,
  errno,
  lazyLibc,
  O_CLOEXEC,
  O_DIRECTORY,
  O_NOFOLLOW,
  O_PATH,
  O_WRONLY,
  STATX_BASIC_STATS,
  strerror,
} from "./libc.ts";
import { encoder } from "./io.ts";

const SYMBOLS = {
  openat: { parameters: ["i32", "buffer", "i32", "u32"], result: "i32" },
  syscall: { parameters: ["i64", "i64", "buffer", "buffer", "u64"], result: "i64" },
  readlinkat: { parameters: ["i32", "buffer", "buffer", "usize"], result: "isize" },
  mkdirat: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  symlinkat: { parameters: ["buffer", "i32", "buffer"], result: "i32" },
  renameat: { parameters: ["i32", "buffer", "i32", "buffer"], result: "i32" },
  unlinkat: { parameters: ["i32", "buffer", "i32"], result: "i32" },
  statx: { parameters: ["i32", "buffer", "i32", "u32", "buffer"], result: "i32" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  fchmod: { parameters: ["i32", "u32"], result: "i32" },
  fstatfs: { parameters: ["i32", "buffer"], result: "i32" },
  fsync: { parameters: ["i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
} as const;

const O_CREAT = 0o100;
const O_EXCL = 0o200;
const AT_SYMLINK_NOFOLLOW = 0x100;
const RESOLVE_NO_MAGICLINKS = 0x02;
const RESOLVE_IN_ROOT = 0x10;
// The same number on every architecture (the syscall table is shared from 424 on).
const SYS_OPENAT2 = 437;

const EPERM = 1;
const EAGAIN = 11;
const EEXIST = 17;
const EXDEV = 18;
const ENOTDIR = 20;
const ENOSYS = 38;
const E2BIG = 7;

/**
 * File systems (by statfs magic) that are the host's kernel state, not the container's files: a
 * privileged container may have them mounted writable in its root.
 */
const HOST_FS_MAGIC = new Map<number, string>([
  [0x9fa0, "proc"],
  [0x62656572, "sysfs"],
  [0x27e0eb, "cgroup"],
  [0x63677270, "cgroup2"],
  [0x73636673, "securityfs"],
  [0x64626720, "debugfs"],
  [0x74726163, "tracefs"],
  [0xcafe4a11, "bpf"],
  [0x62656570, "configfs"],
  [0xde5e81e4, "efivarfs"],
  [0x6165676c, "pstore"],
  [0x65735543, "fusectl"],
  [0x42494e4d, "binfmt_misc"],
  [0xf97cff8c, "selinuxfs"],
]);

/** As many links as Linux follows in one lookup. */
const MAX_LINKS = 40;
const PATH_MAX = 4096;
/** openat2 fails with EAGAIN/EXDEV when a rename races a `..`; after this many, walk. */
const OPENAT2_TRIES = 8;

const lib = lazyLibc(SYMBOLS);
let hasOpenat2: boolean | undefined;

const fatalDecoder = new TextDecoder("utf-8", { fatal: true });

/** A path inside the root that cannot be used as asked; the message names it. */
export class RootPathError extends Error {
  override name = "RootPathError";
}

/** What a file in the root is. */
export interface Entry {
  readonly kind: "file" | "dir" | "symlink" | "other";
  /** Permission bits, with set-id and sticky bits. */
  readonly mode: number;
  readonly nlink: number;
}

/** An `O_PATH` descriptor of a file in the root, and its path as the container sees it. */
export interface Handle {
  readonly fd: number;
  readonly path: string;
}

function components(path: string): string[] {
  return path.split("/").filter((c) => c !== "" && c !== ".");
}

function join(names: readonly string[]): string {
  return `/${names.join("/")}`;
}

/** `path` for a message: a path thousands of components deep is shown by its two ends. */
function shown(path: string): string {
  return path.length <= 200 ? path : `${path.slice(0, 100)}…${path.slice(-99)}`;
}

function checkName(name: string): void {
  if (name === "" || name === "." || name === ".." || name.includes("/") || name.includes("\0")) {
    throw new RootPathError(`Invalid file name ${JSON.stringify(name)}`);
  }
}

/** A container root held open; every operation on a path inside it goes through here. */
export class Root {
  /** The root's host path, for messages and for programs that chroot into it. */
  readonly path: string;
  readonly #fd: number;
  readonly #openat2: boolean;
  readonly #open = new Set<number>();

  private constructor(path: string, fd: number, openat2: boolean) {
    this.path = path;
    this.#fd = fd;
    this.#openat2 = openat2;
  }

  /**
   * Opens the root directory at `path` (a host path the engine chose: links in it are
   * followed). `openat2: false` forces the component walk, which kernels before 5.6 use.
   */
  static open(path: string, options: { openat2?: boolean } = {}): Root {
    if (path.includes("\0")) throw new RootPathError(`Invalid root path ${JSON.stringify(path)}`);
    const fd = lib().openat(AT_FDCWD, cstr(path), O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
    if (fd < 0) throw new Error(`Cannot open the container root "${path}": ${strerror(errno())}`);
    return new Root(path, fd, options.openat2 ?? true);
  }

  /** Closes `h`'s descriptor before the root is closed (a hook may look at thousands of paths). */
  release(h: Handle | undefined): void {
    if (h && this.#open.delete(h.fd)) lib().close(h.fd);
  }

  /** Closes the root and every descriptor handed out. */
  close(): void {
    for (const fd of this.#open) lib().close(fd);
    this.#open.clear();
    lib().close(this.#fd);
  }

  /**
   * `path` resolved as the container sees it, links followed inside the root (the last one
   * only when `follow`), or undefined when a component is missing. Throws RootPathError.
   */
  resolve(path: string, follow = true): Handle | undefined {
    const kernel = this.#viaOpenat2(path, follow ? 0 : O_NOFOLLOW);
    return kernel === "walk" ? this.#walk(path, follow, false) : kernel;
  }

  /**
   * `path` as the container will see it, a container path without links: each link on the way
   * is replaced by its target (an absolute one starting again at the root), a link to something
   * missing too, a missing component is kept as written and `..` stops at the root, as runc
   * resolves a mount's destination. Throws RootPathError on a loop.
   */
  realPath(path: string): string {
    const done: string[] = [];
    let pending = components(path);
    let hops = 0;
    while (pending.length > 0) {
      const part = pending.shift()!;
      if (part === "..") {
        done.pop();
        continue;
      }
      const here = join([...done, part]);
      // No component of `done` is a link, so only `part` itself can be one.
      const h = this.resolve(here, false);
      if (!h) {
        done.push(part);
        continue;
      }
      let target: string | undefined;
      try {
        if (this.stat(h).kind === "symlink") target = this.#readlink(h.fd, "", here);
      } finally {
        this.release(h);
      }
      if (target === undefined) {
        done.push(part);
        continue;
      }
      if (++hops > MAX_LINKS) {
        throw new RootPathError(
          `Cannot resolve "${shown(path)}" in the container: too many symbolic links`,
        );
      }
      if (target.startsWith("/")) done.length = 0;
      pending = [...components(target), ...pending];
    }
    return join(done);
  }

  /** The directory `path`, created (0755) with its missing parents inside the root. */
  mkdirAll(path: string): Handle {
    const kernel = this.#viaOpenat2(path, O_DIRECTORY);
    return (kernel === "walk" || kernel === undefined) ? this.#walk(path, true, true)! : kernel;
  }

  /** The entry `name` of directory `dir`, not following a link; undefined when missing. */
  lstatAt(dir: Handle, name: string): Entry | undefined {
    checkName(name);
    return this.#statx(dir.fd, name, AT_SYMLINK_NOFOLLOW, `${dir.path}/${name}`);
  }

  /** What `h` is. */
  stat(h: Handle): Entry {
    return this.#statx(h.fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, h.path)!;
  }

  /** The names in directory `dir`, sorted. */
  list(dir: Handle): string[] {
    // Opening the descriptor's /proc link reopens the directory it holds, not a path.
    return [...Deno.readDirSync(`/proc/self/fd/${dir.fd}`)].map((e) => e.name).sort();
  }

  /** The target of the link `name` in `dir`. */
  readlinkAt(dir: Handle, name: string): string {
    checkName(name);
    return this.#readlink(dir.fd, name, `${dir.path}/${name}`);
  }

  /** Creates the link `name` -> `target` in `dir`; false when something is there already. */
  symlinkAt(dir: Handle, name: string, target: string): boolean {
    checkName(name);
    this.#refuseHostFs(dir.fd, dir.path);
    if (target === "" || target.includes("\0")) {
      throw new RootPathError(`Invalid link target ${JSON.stringify(target)}`);
    }
    if (lib().symlinkat(cstr(target), dir.fd, cstr(name)) === 0) return true;
    const e = errno();
    if (e === EEXIST) return false;
    throw new Error(
      `Cannot create the link "${dir.path}/${name}" in the container: ${strerror(e)}`,
    );
  }

  /**
   * Creates the file `name` in `dir` with `data` and `mode`, never through a link or over
   * anything that exists (O_CREAT | O_EXCL | O_NOFOLLOW); false when something is there.
   */
  createFileAt(dir: Handle, name: string, data: string, mode = 0o644): boolean {
    checkName(name);
    this.#refuseHostFs(dir.fd, dir.path);
    const c = lib();
    const fd = c.openat(
      dir.fd,
      cstr(name),
      O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
      mode,
    );
    const fileShown = `"${dir.path}/${name}" in the container`;
    if (fd < 0) {
      const e = errno();
      if (e === EEXIST) return false;
      throw new Error(`Cannot create ${fileShown}: ${strerror(e)}`);
    }
    try {
      const bytes = encoder.encode(data);
      let off = 0;
      while (off < bytes.length) {
        const n = Number(c.write(fd, bytes.subarray(off), BigInt(bytes.length - off)));
        if (n <= 0) throw new Error(`Cannot write ${fileShown}: ${strerror(errno())}`);
        off += n;
      }
      // The umask may have narrowed the mode given to openat.
      if (c.fchmod(fd, mode) !== 0 || c.fsync(fd) !== 0) {
        throw new Error(`Cannot write ${fileShown}: ${strerror(errno())}`);
      }
    } catch (e) {
      c.unlinkat(dir.fd, cstr(name), 0);
      throw e;
    } finally {
      c.close(fd);
    }
    return true;
  }

  /**
   * Replaces `name` in `dir` with a new file: written beside it under a fresh name, then renamed
   * over it, so a link at `name` is replaced, never written through.
   */
  replaceFileAt(dir: Handle, name: string, data: string, mode = 0o644): void {
    checkName(name);
    const tmp = `.${name}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`;
    if (!this.createFileAt(dir, tmp, data, mode)) {
      throw new Error(`Cannot write "${dir.path}/${name}" in the container: "${tmp}" exists`);
    }
    if (lib().renameat(dir.fd, cstr(tmp), dir.fd, cstr(name)) !== 0) {
      const e = errno();
      lib().unlinkat(dir.fd, cstr(tmp), 0);
      throw new Error(`Cannot write "${dir.path}/${name}" in the container: ${strerror(e)}`);
    }
  }

  /**
   * Sets the permission bits of `h` through its descriptor. A file with other hard links is
   * refused: one of them may be a host file the image linked to.
   */
  chmod(h: Handle, mode: number): void {
    this.#refuseHostFs(h.fd, h.path);
    const entry = this.stat(h);
    if (entry.kind === "symlink") {
      throw new RootPathError(`Refused to change the mode of "${h.path}": it is a symbolic link`);
    }
    if (entry.kind !== "dir" && entry.nlink > 1) {
      throw new RootPathError(
        `Refused to change the mode of "${h.path}" in the container: it has ${entry.nlink} hard links, and another may be outside the container`,
      );
    }
    // An O_PATH descriptor cannot be fchmod'ed; its /proc link reaches the same inode.
    try {
      Deno.chmodSync(`/proc/self/fd/${h.fd}`, mode);
    } catch (e) {
      throw new Error(
        `Cannot change the mode of "${h.path}" in the container: ${(e as Error).message}`,
      );
    }
  }

  #track(fd: number, path: string): Handle {
    this.#open.add(fd);
    return { fd, path };
  }

  /** A handle from openat2, undefined when missing, or "walk" when the kernel cannot say. */
  #viaOpenat2(path: string, flags: number): Handle | undefined | "walk" {
    if (!this.#openat2 || hasOpenat2 === false) return "walk";
    const c = lib();
    const rel = cstr(components(path).join("/") || ".");
    const how = new BigUint64Array([
      BigInt(O_PATH | O_CLOEXEC | flags),
      0n,
      BigInt(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS),
    ]);
    const howBytes = new Uint8Array(how.buffer);
    for (let i = 0; i < OPENAT2_TRIES; i++) {
      const fd = Number(c.syscall(BigInt(SYS_OPENAT2), BigInt(this.#fd), rel, howBytes, 24n));
      if (fd >= 0) {
        hasOpenat2 = true;
        return this.#track(fd, join(components(path)));
      }
      const e = errno();
      if (e === ENOENT) return undefined;
      if (e === EAGAIN || e === EXDEV) continue;
      if (e === ENOSYS || e === EPERM || e === E2BIG || (e === EINVAL && hasOpenat2 !== true)) {
        // No openat2 here (old kernel, or a seccomp filter that refuses it).
        hasOpenat2 = false;
        return "walk";
      }
      if (e === ENOTDIR) {
        throw new RootPathError(
          `Cannot resolve "${shown(path)}" in the container: a component is not a directory`,
        );
      }
      if (e === ELOOP) {
        throw new RootPathError(
          `Cannot resolve "${
            shown(path)
          }" in the container: too many symbolic links, or a link into /proc`,
        );
      }
      throw new Error(`Cannot resolve "${shown(path)}" in the container: ${strerror(e)}`);
    }
    return "walk";
  }

  /** Resolves `path` one component at a time (see the module doc); `create` makes directories. */
  #walk(path: string, follow: boolean, create: boolean): Handle | undefined {
    const c = lib();
    const dirs: number[] = [];
    const names: string[] = [];
    const closeAll = () => {
      for (const fd of dirs) c.close(fd);
      dirs.length = 0;
      names.length = 0;
    };
    let pending = components(path);
    let hops = 0;
    let last: { fd: number; name: string } | undefined;
    try {
      while (pending.length > 0) {
        const part = pending.shift()!;
        if (part === "..") {
          if (dirs.length > 0) c.close(dirs.pop()!);
          names.pop();
          continue;
        }
        const cur = dirs.at(-1) ?? this.#fd;
        const here = join([...names, part]);
        const isLast = pending.length === 0;
        let fd = c.openat(cur, cstr(part), O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
        if (fd < 0 && errno() === ENOENT && create) {
          this.#refuseHostFs(cur, join(names));
          if (c.mkdirat(cur, cstr(part), 0o755) !== 0 && errno() !== EEXIST) {
            throw new Error(
              `Cannot create "${shown(here)}" in the container: ${strerror(errno())}`,
            );
          }
          fd = c.openat(cur, cstr(part), O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
        }
        if (fd < 0) {
          const e = errno();
          if (e === ENOENT) return undefined;
          throw new Error(
            `Cannot resolve "${shown(path)}" in the container at "${shown(here)}": ${strerror(e)}`,
          );
        }
        const entry = this.#statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, here)!;
        if (entry.kind === "symlink" && (!isLast || follow)) {
          let target: string;
          try {
            target = this.#readlink(fd, "", here);
          } finally {
            c.close(fd);
          }
          if (++hops > MAX_LINKS) {
            throw new RootPathError(
              `Cannot resolve "${shown(path)}" in the container: too many symbolic links`,
            );
          }
          if (target.startsWith("/")) closeAll();
          pending = [...components(target), ...pending];
          continue;
        }
        if (entry.kind === "dir") {
          dirs.push(fd);
          names.push(part);
          continue;
        }
        if (!isLast || create) {
          c.close(fd);
          throw new RootPathError(
            `Cannot resolve "${shown(path)}" in the container: "${shown(here)}" is not a directory`,
          );
        }
        last = { fd, name: part };
      }
      if (last) return this.#track(last.fd, join([...names, last.name]));
      const top = dirs.pop();
      if (top !== undefined) return this.#track(top, join(names));
      const fd = c.openat(this.#fd, cstr("."), O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
      if (fd < 0) throw new Error(`Cannot open the container root: ${strerror(errno())}`);
      return this.#track(fd, "/");
    } finally {
      closeAll();
    }
  }

  /** Throws when `fd` is on one of the host's kernel file systems (HOST_FS_MAGIC). */
  #refuseHostFs(fd: number, where: string): void {
    const buf = new BigInt64Array(16);
    if (lib().fstatfs(fd, new Uint8Array(buf.buffer)) !== 0) {
      throw new Error(`Cannot look at "${shown(where)}" in the container: ${strerror(errno())}`);
    }
    const fs = HOST_FS_MAGIC.get(Number(BigInt.asUintN(32, buf[0]!)));
    if (fs) {
      throw new RootPathError(
        // deno-lint-ignore xpu-messages/values-quoted -- the kind of file system, from a table
        `Refused "${shown(where)}" in the container: it is on the host's ${fs} file system`,
      );
    }
  }

  #statx(fd: number, name: string, flags: number, where: string): Entry | undefined {
    const buf = new Uint8Array(256);
    if (lib().statx(fd, cstr(name), flags, STATX_BASIC_STATS, buf) !== 0) {
      const e = errno();
      if (e === ENOENT) return undefined;
      throw new Error(`Cannot look at "${shown(where)}" in the container: ${strerror(e)}`);
    }
    const view = new DataView(buf.buffer);
    const mode = view.getUint16(28, true);
    const type = mode & 0o170000;
    return {
      kind: type === 0o100000
        ? "file"
        : type === 0o040000
        ? "dir"
        : type === 0o120000
        ? "symlink"
        : "other",
      mode: mode & 0o7777,
      nlink: view.getUint32(16, true),
    };
  }

  #readlink(fd: number, name: string, where: string): string {
    const buf = new Uint8Array(PATH_MAX + 1);
    const n = Number(lib().readlinkat(fd, cstr(name), buf, BigInt(buf.length)));
    if (n < 0) {
      throw new Error(
        `Cannot read the link "${shown(where)}" in the container: ${strerror(errno())}`,
      );
    }
    if (n > PATH_MAX) {
      throw new RootPathError(`The link "${shown(where)}" in the container is too long`);
    }
    try {
      return fatalDecoder.decode(buf.subarray(0, n));
    } catch {
      throw new RootPathError(
        `The link "${shown(where)}" in the container has a target that is not UTF-8`,
      );
    }
  }
}
