/**
 * A throw-away overlay over a directory: writes land in a tmpfs and the directory itself stays
 * as it was. Mounted in this process's mount namespace, through libc via FFI.
 * @module
 */

import { cstr, EINVAL, ENOENT, errno, lazyLibc, strerror } from "./libc.ts";
import { errorMessage } from "./errors.ts";

const SYMBOLS = {
  mount: { parameters: ["buffer", "buffer", "buffer", "u64", "buffer"], result: "i32" },
  umount2: { parameters: ["buffer", "i32"], result: "i32" },
} as const;

const MNT_DETACH = 2;
const UMOUNT_NOFOLLOW = 8;
const EBUSY = 16;

const lib = lazyLibc(SYMBOLS);

/** `path` as an overlayfs option value: its separators (`,` `:`) and `\` escaped. */
export function overlayPath(path: string): string {
  return path.replace(/[\\,:]/g, (c) => `\\${c}`);
}

function mount(source: string, target: string, type: string, data: string): void {
  // No nosuid or nodev: the merged root must behave like the directory it covers.
  if (lib().mount(cstr(source), cstr(target), cstr(type), 0n, cstr(data)) !== 0) {
    throw new Error(strerror(errno()));
  }
}

/** Unmounts `target`; an error message, or undefined when done or when nothing was mounted. */
function unmount(target: string): string | undefined {
  const path = cstr(target);
  if (lib().umount2(path, UMOUNT_NOFOLLOW) === 0) return undefined;
  let code = errno();
  // Still in use (a process that outlived its container): gone from here now, freed later.
  if (code === EBUSY && lib().umount2(path, UMOUNT_NOFOLLOW | MNT_DETACH) === 0) return undefined;
  if (code === EBUSY) code = errno();
  return code === EINVAL || code === ENOENT
    ? undefined
    : `Cannot unmount "${target}": ${strerror(code)}`;
}

/** A mounted overlay: its merged root, and how to take it down. */
export interface Overlay {
  /** The merged directory: the lower directory plus whatever was written. */
  readonly root: string;
  /** Unmounts the overlay and its tmpfs; the problems met, none when all is gone. */
  close(): string[];
}

/**
 * Mounts, in `dir` (an empty directory of ours), an overlay whose lower layer is `lower` and
 * whose upper layer is in a tmpfs: an upper on overlayfs (a container's /tmp) is refused by
 * the kernel, and the tmpfs goes with one unmount. Throws an Error naming `lower` when it cannot.
 */
export function mountOverlay(lower: string, dir: string): Overlay {
  const fail = (why: string, cause?: unknown) =>
    new Error(`Cannot mount an overlay over "${lower}": ${why}`, { cause });
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(lower);
  } catch (e) {
    throw fail(e instanceof Deno.errors.NotFound ? "no such directory" : errorMessage(e), e);
  }
  if (!info.isDirectory) throw fail("not a directory");
  const layers = `${dir}/layers`;
  const root = `${dir}/rootfs`;
  Deno.mkdirSync(layers, { mode: 0o700 });
  Deno.mkdirSync(root, { mode: 0o755 });
  const close = (): string[] => [unmount(root), unmount(layers)].filter((p) => p !== undefined);
  try {
    mount("tmpfs", layers, "tmpfs", "mode=0700");
    Deno.mkdirSync(`${layers}/upper`);
    Deno.mkdirSync(`${layers}/work`);
    // The merged root shows the upper layer's root: it looks like the lower one's.
    Deno.chmodSync(`${layers}/upper`, info.mode! & 0o7777);
    Deno.chownSync(`${layers}/upper`, info.uid, info.gid);
    mount(
      "overlay",
      root,
      "overlay",
      `lowerdir=${overlayPath(lower)},upperdir=${overlayPath(`${layers}/upper`)},` +
        `workdir=${overlayPath(`${layers}/work`)}`,
    );
  } catch (e) {
    close();
    throw fail(errorMessage(e), e);
  }
  return { root, close };
}
