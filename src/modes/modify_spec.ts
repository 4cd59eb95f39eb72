/**
 * Giving a container its devices: the request steps (the allocation), then what it asks for, the
 * mode for it, and that mode's steps, run in order over the spec, each step's changes applied
 * before the next step reads the spec.
 * @module
 */

import type { Config } from "../config/schema.ts";
import type { Spec } from "../oci/spec.ts";
import {
  applyChanges,
  type ContainerEdits,
  mergeEdits,
  restoreHookOrder,
  type SpecChanges,
} from "../edits/edits.ts";
import type { Caller, ModeName, RequestStep } from "./mode.ts";
import { deviceListArg, deviceRequest } from "./request.ts";
import { hostProbe, resolveMode } from "./resolve.ts";
import { modeFor } from "./factory.ts";
import { allocate } from "./allocate.ts";

/** The steps every create runs before its mode is chosen, in order. */
export const REQUEST_STEPS: readonly RequestStep[] = [allocate];

/**
 * Changes `spec` in place so its container gets the devices it asks for; returns the mode
 * applied, or undefined when the container needs nothing (then `spec` must not be written: a
 * step may have changed it before another found nothing to do). Throws when the container
 * cannot be set up; RequestError for its request.
 */
export async function modifySpec(
  config: Config,
  spec: Spec,
  caller: Caller,
): Promise<ModeName | undefined> {
  const { log, specPath } = caller;
  const hookOrder = Object.keys(spec.hooks ?? {});
  let allocated = false;
  for (const step of REQUEST_STEPS) {
    const result = await step.run({ config, spec, caller });
    apply(spec, step.name, result, caller);
    allocated ||= result.allocated === true;
  }
  const request = deviceRequest(spec, config);
  const host = hostProbe(config, caller.path);
  const resolution = resolveMode(config, spec, request, host);
  const mode = modeFor(resolution);
  if (!request && !mode.acceptsAnnotations) {
    log.debug(`${specPath}: not an XPU container, passed through unmodified`);
    return undefined;
  }
  log.debug(() =>
    `${specPath}: devices ${
      request ? deviceListArg(request.devices) ?? "none" : "from annotations"
    }; ` +
    `mode ${mode.name} (${resolution.facts.join("; ")})`
  );
  let added: ContainerEdits = {};
  for (const step of await mode.steps()) {
    const result = await step.run({ config, spec, added, request, allocated, mode, host, caller });
    if (result.nothingToDo !== undefined) {
      log.debug(`${specPath}: ${result.nothingToDo}; passed through unmodified`);
      return undefined;
    }
    apply(spec, step.name, result, caller);
    if (result.edits) added = mergeEdits([added, result.edits]);
  }
  restoreHookOrder(spec, hookOrder);
  return mode.name;
}

/** Applies step `name`'s `changes` to `spec`, noting each mount it replaces and hook it takes out. */
function apply(spec: Spec, name: string, changes: SpecChanges, caller: Caller): void {
  const existing = new Map((spec.mounts ?? []).map((m) => [m.destination, m.source]));
  for (const mount of changes.edits?.mounts ?? []) {
    if (existing.has(mount.destination)) {
      const old = existing.get(mount.destination) ?? "?";
      caller.log.info(`${caller.specPath}: mount at ${mount.destination} from ${old} replaced`);
    }
  }
  const removed = applyChanges(spec, changes);
  if (removed > 0) caller.log.debug(`${name}: took out ${removed} hook(s) of ours`);
}
