/**
 * The allocation step of a create, before the mode is resolved: a container that asks for a
 * number of XPUs gets devices chosen among the host's and written into its spec as
 * `CXPU_VISIBLE_DEVICES` (host indices), so every mode gives it those; one that names its
 * devices is recorded as holding them, so counts avoid them.
 * @module
 */

import type { Config } from "../config/schema.ts";
import type { Spec } from "../oci/spec.ts";
import type { NamedHook } from "../edits/edits.ts";
import { allocationRequest } from "../modes/allocation.ts";
import { findHookBinary } from "../modes/hook_binary.ts";
import { instanceHooks } from "../modes/instance.ts";
import { lstatOrUndefined } from "../internal/fs.ts";
import type { ModifyContext } from "./modify_context.ts";

/**
 * Allocates for `spec`'s container what it asks for (see allocationRequest), editing `spec`:
 * true when it now holds devices the allocator chose, which its poststop hook releases (see
 * withReleaseHook). A device list it names is recorded as held once the state directory exists
 * (the host uses allocation). Throws when a count cannot be met, naming who holds what.
 */
export async function allocateDevices(
  config: Config,
  spec: Spec,
  ctx: ModifyContext,
): Promise<boolean> {
  const request = allocationRequest(spec, config);
  const id = ctx.containerId;
  if (request === undefined || id === undefined) return false;
  // A list is recorded only where allocation is in use: other hosts pay nothing for it.
  if (request.kind === "explicit" && !lstatOrUndefined(config["xpu-allocator"]["state-dir"])) {
    return false;
  }
  // The state's modules load only for a container that asks for something.
  const { allocate } = await import("./allocate_devices.ts");
  return allocate(config, spec, { ...ctx, containerId: id }, request);
}

/**
 * `hooks` (the container's instance hooks) with the poststop hook that releases its allocation
 * when `allocated`: the same hook as the memory instance's, which does both.
 */
export function withReleaseHook(
  hooks: readonly NamedHook[],
  allocated: boolean,
  config: Config,
  ctx: ModifyContext,
): NamedHook[] {
  if (!allocated || hooks.some((h) => h.hookName === "poststop") || !ctx.containerId) {
    return [...hooks];
  }
  const release = instanceHooks({
    hookPath: findHookBinary(config, ctx.path, ctx.argv0),
    containerId: ctx.containerId,
    configPath: ctx.hookConfigPath,
  }).filter((h) => h.hookName === "poststop");
  return [...hooks, ...release];
}
