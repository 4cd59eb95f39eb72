/**
 * `xpu-ctk hook chmod --mode M --path P…`: sets permissions of paths inside the rootfs.
 * @module
 */

import type { Root } from "../../internal/in_root.ts";
import type { Logger } from "../../internal/log.ts";

/** Parses an octal mode (`755`, `0644`). Throws. */
export function parseMode(text: string | undefined): number {
  if (text === undefined || !/^0?[0-7]{3,4}$/.test(text)) {
    throw new Error(
      `Invalid --mode ${JSON.stringify(text ?? "")}: expected an octal mode such as 0755`,
    );
  }
  return parseInt(text, 8);
}

/** Changes the mode of each path, resolved inside `root`; missing paths are reported. */
export function chmodInRoot(
  root: Root,
  mode: number,
  paths: readonly string[],
  log: Logger,
): void {
  for (const path of paths) {
    if (!path.startsWith("/")) {
      throw new Error(`Invalid --path "${path}": expected an absolute path`);
    }
  }
  for (const path of paths) {
    const target = root.resolve(path);
    if (!target) {
      log.warn(`${path} does not exist in the container; not changed`);
      continue;
    }
    try {
      root.chmod(target, mode);
    } finally {
      root.release(target);
    }
  }
}
