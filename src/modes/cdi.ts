/**
 * cdi mode: the requested CDI devices' container edits, from the spec directories. Loaded only
 * for a container in cdi mode.
 * @module
 */

import type { Config } from "../config/schema.ts";
import type { Spec } from "../oci/spec.ts";
import { SpecCache } from "../cdi/cache.ts";
import { loadRegistry } from "../cdi/registry.ts";
import { mergeEdits } from "../edits/edits.ts";
import { parseQualifiedName, qualify } from "../internal/cdi_names.ts";
import type { Step } from "./mode.ts";
import { type DeviceRequest, RequestError } from "./request.ts";
import { cdiAnnotations } from "./resolve.ts";
import { cdiEdits } from "./cdi_edits.ts";
import { removeOurHooks } from "./our_hooks.ts";
import { memoryInstance } from "./instance.ts";

/**
 * The fully-qualified names a container asks for (env devices, then annotation devices), and
 * their kinds. Throws RequestError for a name that is not one.
 */
export function requestedCdiNames(
  spec: Spec,
  config: Config,
  request: DeviceRequest | undefined,
): { names: string[]; kinds: Set<string> } {
  const kind = config["xpu-container-runtime"].modes.cdi["default-kind"];
  const names: string[] = [];
  if (request && Array.isArray(request.devices)) {
    for (const d of request.devices) names.push(d.includes("=") ? d : qualify(kind, d));
  } else if (request?.devices === "all") {
    names.push(qualify(kind, "all"));
  }
  for (const key of cdiAnnotations(spec, config)) {
    for (const item of (spec.annotations?.[key] ?? "").split(",")) {
      if (item.trim()) names.push(item.trim());
    }
  }
  const kinds = new Set<string>();
  for (const name of names) {
    const parsed = parseQualifiedName(name);
    if (typeof parsed === "string") throw new RequestError(`Cannot use CDI device: ${parsed}`);
    kinds.add(parsed.kind);
  }
  return { names: [...new Set(names)], kinds };
}

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
export const CDI_STEPS: readonly Step[] = [removeOurHooks, cdi, memoryInstance];
