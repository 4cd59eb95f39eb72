/**
 * Eager release: the poststop hook frees the devices the allocator gave the container, so the
 * next create can have them at once (the state's reconcile frees them too, only later).
 * @module
 */

import type { Config } from "../config/schema.ts";
import { storeOf } from "../alloc/host.ts";
import { errorMessage } from "../internal/errors.ts";
import { lstatOrUndefined } from "../internal/fs.ts";
import type { Logger } from "../internal/log.ts";

/**
 * Removes container `id`'s entry from the allocation state. Never fails the hook: what cannot
 * be released now is a warning, and the next load drops the entry once the container is gone.
 */
export function releaseAllocation(config: Config, id: string, log: Logger): void {
  const store = storeOf(config);
  // A host that never allocated has no state: nothing to lock or write.
  if (!lstatOrUndefined(store.file)) return;
  try {
    const released = store.update(({ entries }) => {
      const rest = entries.filter((e) => e.container !== id);
      return rest.length === entries.length ? { result: false } : { entries: rest, result: true };
    }, (line) => log.info(line));
    if (released) log.debug(`Released the XPUs allocated to container ${id}`);
  } catch (e) {
    log.warn(`poststop: cannot release the XPUs of container ${id}: ${errorMessage(e)}`);
  }
}
