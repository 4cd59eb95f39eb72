/**
 * `xpu-ctk hook create-symlinks --link TARGET::LINK…`: recreates driver symlinks in the rootfs.
 * @module
 */

import { baseName } from "../../internal/argv0.ts";
import { dirName, lstatOrUndefined, mkdirInRoot } from "../../internal/fs.ts";
import type { Logger } from "../../internal/log.ts";

/** Splits `TARGET::LINK`; the link must be an absolute path naming a file. Throws. */
export function parseLink(spec: string): { target: string; link: string } {
  const at = spec.lastIndexOf("::");
  const target = at < 0 ? "" : spec.slice(0, at);
  const link = at < 0 ? "" : spec.slice(at + 2).replace(/\/+$/, "");
  const name = baseName(link);
  if (!target || !link.startsWith("/") || name === "" || name === "." || name === "..") {
    throw new Error(`Invalid --link "${spec}": expected TARGET::/absolute/link`);
  }
  return { target, link };
}

/**
 * Creates each link inside `rootfs`; an identical existing link is fine, anything else at that
 * path is kept and reported. Paths are resolved inside the root, never following a symlink out.
 */
export function createSymlinks(rootfs: string, specs: readonly string[], log: Logger): void {
  for (const spec of specs) {
    const { target, link } = parseLink(spec);
    const host = `${mkdirInRoot(rootfs, dirName(link))}/${baseName(link)}`;
    const existing = lstatOrUndefined(host);
    if (!existing) {
      Deno.symlinkSync(target, host);
      log.debug(`Linked ${link} -> ${target}`);
    } else if (existing.isSymlink && Deno.readLinkSync(host) === target) {
      log.debug(`${link} -> ${target} is already there`);
    } else {
      log.warn(`${link} exists in the container and is not a link to "${target}"; left as it is`);
    }
  }
}
