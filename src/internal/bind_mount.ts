/**
 * Read-only bind mounts into a container's root, made the way runc makes the spec's bind mounts
 * (a missing mount point is created: a directory for a directory, an empty 0755 file for a file)
 * but read-only before they are attached (`open_tree`, `mount_setattr`, `move_mount`), onto a
 * mount point held as a descriptor from the in-root resolver. Only for a private mount namespace.
 * @module
 */

import { baseName } from "./paths.ts";
import { dirName } from "./fs.ts";
import type { Handle, Root } from "./in_root.ts";
import { AT_EMPTY_PATH, cstr, errno, lazyLibc, O_CLOEXEC, strerror } from "./libc.ts";

// The syscalls have no libc wrappers in older glibc; their numbers are the same on every
// architecture (the shared table from 424 on). Every argument is passed as a full register.
const SYMBOLS = {
  open_tree: { name: "syscall", parameters: ["i64", "i64", "buffer", "i64"], result: "i64" },
  mount_setattr: {
    name: "syscall",
    parameters: ["i64", "i64", "buffer", "i64", "buffer", "i64"],
    result: "i64",
  },
  move_mount: {
    name: "syscall",
    parameters: ["i64", "i64", "buffer", "i64", "buffer", "i64"],
    result: "i64",
  },
  close: { parameters: ["i32"], result: "i32" },
} as const;

const SYS_OPEN_TREE = 428n;
const SYS_MOVE_MOUNT = 429n;
const SYS_MOUNT_SETATTR = 442n;
const AT_FDCWD = -100n;
const AT_RECURSIVE = 0x8000;
const OPEN_TREE_CLONE = 1;
const MOVE_MOUNT_F_EMPTY_PATH = 0x4;
const MOVE_MOUNT_T_EMPTY_PATH = 0x40;
const MOUNT_ATTR_RDONLY = 0x1;
const MOUNT_ATTR_NOSUID = 0x2;
const MOUNT_ATTR_NODEV = 0x4;
const MOUNT_ATTR_SIZE = 32;

const lib = lazyLibc(SYMBOLS);

/**
 * The mount point for `destination` (a container path), created inside `root` where it is
 * missing: a directory when `isDir`, else an empty file in a created directory. Undefined when
 * a link at the destination leads nowhere.
 */
function mountPoint(root: Root, destination: string, isDir: boolean): Handle | undefined {
  if (isDir) return root.mkdirAll(destination);
  const existing = root.resolve(destination);
  if (existing) return existing;
  const dir = root.mkdirAll(dirName(destination));
  try {
    root.createFileAt(dir, baseName(destination), "", 0o755);
  } finally {
    root.release(dir);
  }
  return root.resolve(destination);
}

/**
 * Bind-mounts the host path `source` read-only (and nosuid, nodev) at `destination` inside
 * `root`, with the mounts below it when `recursive`. Throws with the errno's text.
 */
export function bindReadOnly(
  root: Root,
  source: string,
  destination: string,
  recursive: boolean,
): void {
  const c = lib();
  const mountShown = `Cannot mount "${source}" at "${destination}" in the container`;
  let isDir: boolean;
  try {
    isDir = Deno.statSync(source).isDirectory;
  } catch (e) {
    throw new Error(`${mountShown}: ${(e as Error).message}`, { cause: e });
  }
  const target = mountPoint(root, destination, isDir);
  if (!target) throw new Error(`${mountShown}: a link there leads nowhere`);
  try {
    const rec = recursive ? AT_RECURSIVE : 0;
    const tree = Number(
      c.open_tree(SYS_OPEN_TREE, AT_FDCWD, cstr(source), BigInt(OPEN_TREE_CLONE | O_CLOEXEC | rec)),
    );
    if (tree < 0) throw new Error(`${mountShown}: ${strerror(errno())}`);
    try {
      const attr = new BigUint64Array([
        BigInt(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV),
        0n,
        0n,
        0n,
      ]);
      const empty = cstr("");
      if (
        c.mount_setattr(
            SYS_MOUNT_SETATTR,
            BigInt(tree),
            empty,
            BigInt(AT_EMPTY_PATH | rec),
            new Uint8Array(attr.buffer),
            BigInt(MOUNT_ATTR_SIZE),
          ) < 0n ||
        c.move_mount(
            SYS_MOVE_MOUNT,
            BigInt(tree),
            empty,
            BigInt(target.fd),
            empty,
            BigInt(MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH),
          ) < 0n
      ) {
        throw new Error(`${mountShown}: ${strerror(errno())}`);
      }
    } finally {
      c.close(tree);
    }
  } finally {
    root.release(target);
  }
}
