/**
 * The byte strings ("needles") whose absence from a bundle's config.json proves that create
 * leaves the spec byte-identical under a config: what lets the runtime's front
 * (scripts/fast_path.bash) hand a create to the low-level runtime without starting Deno. A spec
 * changes only for a request (deviceRequest, allocationRequest: the container's variables, device
 * mounts where accepted, CDI annotations with a configured prefix); without one, every mode's
 * steps end before anything is written (modifySpec), whatever the mode and whatever hooks of ours
 * the spec holds. The front also refuses a text with `\u` or `\/`, the JSON escapes that could
 * spell a needle without its bytes; no other escape can, as needles hold no `"` or `\`.
 * @module
 */

import type { Config } from "../config/schema.ts";
import {
  ALLOCATION_VARIABLES,
  GENV_MEMORY,
  REQUEST_VARIABLES,
  VISIBLE_DEVICES,
  XPU_VISIBLE_DEVICES,
} from "../config/variables.ts";
import { DEVICE_MOUNT_ROOT } from "./request.ts";

/** A needle the front can compare bytewise: printable ASCII, no quote or backslash, not empty. */
const LITERAL = /^[ !#-[\]-~]+$/;

/** The longest prefix all of `names` share. */
function commonPrefix(names: readonly string[]): string {
  return names.reduce((prefix, name) => {
    let n = 0;
    while (n < prefix.length && prefix[n] === name[n]) n++;
    return prefix.slice(0, n);
  });
}

/**
 * The needles for `config`, shortest first, none containing another; undefined when no set of
 * needles can prove a spec untouched (a CDI annotation prefix that is empty or that JSON would
 * escape), so every create goes to the shim.
 */
export function untouchedNeedles(config: Config): readonly string[] | undefined {
  const own = [
    VISIBLE_DEVICES,
    ...REQUEST_VARIABLES.map((v) => v.name),
    ...ALLOCATION_VARIABLES.map((v) => v.name),
  ];
  // The toolkit's own names share a prefix (CXPU_): one needle for all, and any it may add.
  const needles = [commonPrefix(own), ...REQUEST_VARIABLES.map((v) => v.alias)];
  if (config["accept-xpu-visible-devices-envvar"]) needles.push(XPU_VISIBLE_DEVICES);
  if (config["xpu-allocator"]["accept-genv-variables"]) {
    needles.push(GENV_MEMORY, ...ALLOCATION_VARIABLES.flatMap((v) => v.genv ?? []));
  }
  // A device mount's destination may start /run/ or /var/run/: its last part is in both.
  if (config["accept-xpu-visible-devices-as-volume-mounts"]) {
    needles.push(DEVICE_MOUNT_ROOT.slice(DEVICE_MOUNT_ROOT.lastIndexOf("/") + 1));
  }
  needles.push(...config["xpu-container-runtime"].modes.cdi["annotation-prefixes"]);
  if (!needles.every((n) => LITERAL.test(n))) return undefined;
  const sorted = [...new Set(needles)].sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
  return sorted.filter((n, i) => !sorted.slice(0, i).some((shorter) => n.includes(shorter)));
}
