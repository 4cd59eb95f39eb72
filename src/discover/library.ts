/**
 * Whether the driver's management library is on the host.
 * @module
 */

import type { Config } from "../config/schema.ts";
import { lstatOrUndefined } from "../internal/fs.ts";

/** The management library whose presence marks a full driver install. */
export const XPUML = "libxpuml.so.1";

/** Where the driver installs its libraries, below the driver root. */
export const DRIVER_LIB_DIR = "/usr/local/xpu/lib64";

/**
 * Where libxpuml.so.1 was found: `<root>/usr/local/xpu/lib64`, else the ld cache (config
 * `ldcache`, else `<root>/etc/ld.so.cache`); undefined when in neither.
 */
export function findXpuml(config: Config): string | undefined {
  const root = config["xpu-container-cli"].root.replace(/\/+$/, "");
  const direct = `${root}${DRIVER_LIB_DIR}/${XPUML}`;
  if (lstatOrUndefined(direct)) return direct;
  const cache = config["xpu-container-cli"].ldcache || `${root}/etc/ld.so.cache`;
  try {
    // The cache's string table holds every library name, NUL-terminated; decoding it as UTF-8
    // (natively, by Deno) keeps those ASCII names intact whatever the binary parts become.
    if (Deno.readTextFileSync(cache).includes(`${XPUML}\0`)) return `${cache} (ld cache)`;
  } catch {
    // No cache: not found there.
  }
  return undefined;
}
