/**
 * Making the driver's libraries visible to a container's dynamic linker: their links, the
 * toolkit's `ld.so.conf.d` entry naming their folders, and the host's `ldconfig -r ROOT`. What
 * `xpu-ctk hook update-ldcache` does, and what the runtime shim does itself where it can.
 * @module
 */

import { baseName } from "./paths.ts";
import { dirName } from "./fs.ts";
import type { Handle, Root } from "./in_root.ts";
import { LDCONFIG_LIMITS, type LdconfigLimits, runLdconfig } from "./ldconfig.ts";
import type { MessageLog } from "./log.ts";
import { createSymlinks } from "./root_symlinks.ts";
import type { LibraryWork } from "./helper_hooks.ts";

/** The conf file the toolkit owns inside the container. */
export const LDCACHE_CONF = "/etc/ld.so.conf.d/00-xpu-container-toolkit.conf";

/**
 * The first configuration file ldconfig would read that is not a regular file (a FIFO would block
 * it for ever), as a container path.
 */
function unreadableConf(root: Root, confDir: Handle): string | undefined {
  const paths = [
    "/etc/ld.so.conf",
    ...root.list(confDir).filter((n) => n.endsWith(".conf")).map((n) => `${confDir.path}/${n}`),
  ];
  // A name that is not UTF-8 cannot be looked up by its decoded form: refuse it unseen.
  return paths.find((p) => {
    if (p.includes("\uFFFD")) return true;
    const h = root.resolve(p);
    try {
      return h !== undefined && root.stat(h).kind === "other";
    } finally {
      root.release(h);
    }
  });
}

/** Throws unless every folder is an absolute path that fits on one line of a conf file. */
export function checkFolders(folders: readonly string[]): void {
  for (const folder of folders) {
    if (!folder.startsWith("/") || /[\n\0]/.test(folder)) {
      throw new Error(`Invalid --folder ${JSON.stringify(folder)}: expected an absolute path`);
    }
  }
}

/**
 * Writes LDCACHE_CONF naming `folders` (and an ld.so.conf that includes it, if the image has
 * none) inside `root`. Throws when a conf file ldconfig would read is not a regular file.
 */
export function writeLdcacheConf(root: Root, folders: readonly string[]): void {
  checkFolders(folders);
  const etc = root.mkdirAll("/etc");
  const confDir = root.mkdirAll(dirName(LDCACHE_CONF));
  try {
    root.replaceFileAt(
      confDir,
      baseName(LDCACHE_CONF),
      `# Written by xpu-ctk hook update-ldcache\n${folders.join("\n")}\n`,
    );
    // Only where the image has none: a link there (even a dangling one) is the image's own.
    root.createFileAt(etc, "ld.so.conf", "include /etc/ld.so.conf.d/*.conf\n");
    const blocking = unreadableConf(root, confDir);
    if (blocking) {
      throw new Error(
        `"${blocking}" in the container is not a regular file with a UTF-8 name; ldconfig not run`,
      );
    }
  } finally {
    root.release(confDir);
    root.release(etc);
  }
}

/**
 * Writes LDCACHE_CONF for `folders` inside `root`, then runs the host's ldconfig on the root
 * (see runLdconfig).
 */
export function updateLdcache(
  root: Root,
  folders: readonly string[],
  ldconfig: string,
  log: MessageLog,
  limits: LdconfigLimits = LDCONFIG_LIMITS,
): void {
  writeLdcacheConf(root, folders);
  runLdconfig(ldconfig, root.path, log, limits);
}

/**
 * Creates the links inside `root`, then, when there are folders, updates its ld cache: one
 * invocation of `update-ldcache --link … --folder …`, or the runtime shim doing its work.
 */
export function setUpLibraries(
  root: Root,
  work: LibraryWork,
  ldconfig: string,
  log: MessageLog,
  limits: LdconfigLimits = LDCONFIG_LIMITS,
): void {
  // Checked before anything is written, so a bad folder leaves the root as it was.
  checkFolders(work.folders);
  createSymlinks(root, work.links, log);
  if (work.folders.length > 0) updateLdcache(root, work.folders, ldconfig, log, limits);
}
