/**
 * cdi mode: the requested CDI devices' container edits, from the spec directories. Loaded only
 * for a container in cdi mode.
 * @module
 */

import { SpecCache } from "../cdi/cache.ts";
import { loadRegistry } from "../cdi/registry.ts";
import { mergeEdits } from "../edits/edits.ts";
import type { Step } from "./mode.ts";
import { cdiEdits, requestedCdiNames } from "./cdi_edits.ts";
import { prepareRoot, removeOurHooks } from "./our_hooks.ts";
import { memoryInstance } from "./instance.ts";
import { rootlessDevices } from "./rootless.ts";

/** The requested devices' edits from the CDI specs of their kinds. */
export const cdi: Step = {
  name: "cdi",
  async run({ config, spec, request, caller }) {
    const { names, kinds } = requestedCdiNames(spec, config, request);
    if (names.length === 0) return { nothingToDo: "cdi mode, but no device requested" };
    const cdiConfig = config["xpu-container-runtime"].modes.cdi;
    const cache = cdiConfig["cache-dir"] ? SpecCache.open(cdiConfig["cache-dir"]) : undefined;
    if (typeof cache === "string") caller.log.debug(`CDI spec cache not used: ${cache}`);
    const usable = typeof cache === "string" ? undefined : cache;
    const registry = await loadRegistry(cdiConfig["spec-dirs"], kinds, usable);
    const unsaved = usable?.save();
    if (unsaved) caller.log.debug(`CDI spec cache not saved: ${unsaved}`);
    for (const p of registry.problems) caller.log.warn(p);
    const edits = mergeEdits(cdiEdits(names, registry));
    caller.log.debug(() => `CDI devices ${names.join(", ")}`);
    return { edits };
  },
};

/** cdi mode's steps, in order. */
export const CDI_STEPS: readonly Step[] = [
  removeOurHooks,
  cdi,
  prepareRoot,
  memoryInstance,
  rootlessDevices,
];
