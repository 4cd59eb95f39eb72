/**
 * Choosing the low-level OCI runtime (runc) the shim hands over to.
 * @module
 */

import { lookPath, searchDirs } from "../internal/lookpath.ts";

/** The first entry of `runtimes` that is an executable file. Throws naming what was tried. */
export function findLowLevelRuntime(runtimes: readonly string[], path: string | undefined): string {
  if (runtimes.length === 0) {
    throw new Error(
      'No low-level runtime configured: "xpu-container-runtime.runtimes" is empty',
    );
  }
  const dirs = searchDirs(path);
  for (const name of runtimes) {
    const found = lookPath(name, dirs);
    if (found) return found;
  }
  const where = runtimes.map((r) => (r.includes("/") ? `"${r}"` : `"${r}" (in ${dirs.join(":")})`));
  throw new Error(`No low-level runtime found: tried ${where.join(", ")}`);
}
