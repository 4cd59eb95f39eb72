/**
 * The driver's library links in a container's root (`--link TARGET::LINK` of the helper hooks).
 * @module
 */

import { baseName } from "./paths.ts";
import { LINK_SEPARATOR } from "./helper_hooks.ts";
import { dirName } from "./fs.ts";
import type { Root } from "./in_root.ts";
import type { MessageLog } from "./log.ts";

/** Splits `TARGET::LINK`; the link must be an absolute path naming a file. Throws. */
export function parseLink(spec: string): { target: string; link: string } {
  const at = spec.lastIndexOf(LINK_SEPARATOR);
  const target = at < 0 ? "" : spec.slice(0, at);
  const link = at < 0 ? "" : spec.slice(at + LINK_SEPARATOR.length).replace(/\/+$/, "");
  const name = baseName(link);
  if (!target || !link.startsWith("/") || name === "" || name === "." || name === "..") {
    throw new Error(`Invalid --link "${spec}": expected TARGET::/absolute/link`);
  }
  return { target, link };
}

/**
 * Creates each link inside `root`; an identical existing link is fine, anything else at that
 * path is kept and reported. The link's directory is resolved (and created) inside the root.
 */
export function createSymlinks(root: Root, specs: readonly string[], log: MessageLog): void {
  const links = specs.map(parseLink);
  for (const { target, link } of links) {
    const dir = root.mkdirAll(dirName(link));
    try {
      const name = baseName(link);
      if (root.symlinkAt(dir, name, target)) {
        log.debug(`Linked ${link} -> ${target}`);
      } else if (
        root.lstatAt(dir, name)?.kind === "symlink" && root.readlinkAt(dir, name) === target
      ) {
        log.debug(`${link} -> ${target} is already there`);
      } else {
        log.warn(
          `${link} exists in the container and is not a link to "${target}"; left as it is`,
        );
      }
    } finally {
      root.release(dir);
    }
  }
}
