/**
 * The allocate step, which every create runs before the mode is resolved: a container that asks
 * for a number of XPUs gets devices chosen among the host's and written into its spec as
 * `CXPU_VISIBLE_DEVICES` (host indices), so every mode gives it those; one that names its
 * devices is recorded as holding them, so counts avoid them. The poststop hook that releases
 * them is memoryInstance's (instance.ts).
 * @module
 */

import type { RequestStep } from "./mode.ts";
import { allocationRequest } from "./allocation.ts";
import { lstatOrUndefined } from "../internal/fs.ts";

/**
 * Allocates what the container asks for (see allocationRequest). A device list it names is
 * recorded as held only once the state directory exists (the host uses allocation). Throws when
 * a count cannot be met, naming who holds what.
 */
export const allocate: RequestStep = {
  name: "allocate",
  async run({ config, spec, caller }) {
    const request = allocationRequest(spec, config);
    const id = caller.containerId;
    if (request === undefined || id === undefined) return {};
    // A list is recorded only where allocation is in use: other hosts pay nothing for it.
    if (request.kind === "explicit" && !lstatOrUndefined(config["xpu-allocator"]["state-dir"])) {
      return {};
    }
    // The state's modules load only for a container that asks for something.
    const { allocateFor } = await import("./allocate_devices.ts");
    return allocateFor(config, { ...caller, containerId: id }, request);
  },
};
