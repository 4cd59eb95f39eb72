/**
 * The per-container XPU memory instance (the memory limit): the createRuntime and poststop
 * hooks that create and destroy it through xpu-container-cli, in every mode, and the devices
 * it covers; the same poststop hook releases the devices the allocator chose.
 * @module
 */

import type { Config } from "../config/schema.ts";
import type { HookName, Spec } from "../oci/spec.ts";
import type { NamedHook, SpecChanges } from "../edits/edits.ts";
import { type Caller, needsCli, type Step, type StepInput } from "./mode.ts";
import { hookBinaryHook, type HookBinaryOptions, isOurHook } from "./our_hooks.ts";
import {
  type DeviceRequest,
  envMap,
  type MemoryLimit,
  memoryLimitOf,
  RequestError,
} from "./request.ts";
import { CLI_NAME, findBinary } from "../discover/binaries.ts";
import { xpuIndexOf } from "../discover/xpu_nodes.ts";
import { isQualifiedName } from "../internal/cdi_names.ts";

/** The lifecycle points of the instance hooks, each named after its hook command. */
export const INSTANCE_HOOKS: readonly HookName[] = ["createRuntime", "poststop"];

/**
 * The container's memory limit, if it sets one. Devices from CDI annotations alone make no
 * request (`request` undefined), but the limit is the container's still. Throws RequestError.
 */
export function containerMemoryLimit(
  spec: Spec,
  request: DeviceRequest | undefined,
): MemoryLimit | undefined {
  return request ? request.memoryLimit : memoryLimitOf(envMap(spec.process?.env));
}

/**
 * The `--device` list of the container's instance, or undefined when it has no device: the
 * request's own list, or for CDI devices (named in the request or in annotations, when
 * `request` is undefined) the indices of the /dev/xpu<N> nodes their edits put into `spec`.
 */
export function instanceDevices(
  spec: Spec,
  request: DeviceRequest | undefined,
): string | undefined {
  if (request?.devices === "none") return undefined;
  if (request?.devices === "all") return "all";
  if (request && !request.devices.some(isQualifiedName)) return request.devices.join(",");
  const nodes = spec.linux?.devices;
  const indices = new Set<number>();
  for (const node of Array.isArray(nodes) ? nodes : []) {
    const n = typeof node?.path === "string" ? xpuIndexOf(node.path) : undefined;
    if (n !== undefined) indices.add(n);
  }
  return indices.size > 0 ? [...indices].sort((a, b) => a - b).join(",") : undefined;
}

/** What the instance hooks need. */
export interface InstanceHookOptions extends HookBinaryOptions {
  /** The id of the container being created. */
  readonly containerId: string;
}

/** The createRuntime and poststop hooks for the container `opts.containerId`. */
export function instanceHooks(opts: InstanceHookOptions): NamedHook[] {
  return INSTANCE_HOOKS.map((hookName) => ({
    hookName,
    ...hookBinaryHook(opts, hookName, opts.containerId),
  }));
}

/**
 * The changes that make `hooks` (from instanceHooks, or none) the spec's only instance hooks of
 * ours. Hooks an earlier create left, for another container id (the same bundle created again)
 * or another limit, are taken out: they would create or destroy another container's instance.
 * Ones that are already exactly right stay where they are, so a repeated create changes nothing.
 */
export function instanceHookChanges(spec: Spec, hooks: readonly NamedHook[]): SpecChanges {
  const changed = INSTANCE_HOOKS.filter((name) => {
    const wanted = hooks.filter((h) => h.hookName === name).map(({ hookName: _, ...h }) => h);
    const list = spec.hooks?.[name];
    const ours = (Array.isArray(list) ? list : []).filter((h) => isOurHook(h, name));
    return JSON.stringify(ours) !== JSON.stringify(wanted);
  });
  return {
    remove: changed.map((name) => ({ hookName: name, match: (h) => isOurHook(h, name) })),
    edits: { hooks: hooks.filter((h) => changed.includes(h.hookName)) },
  };
}

/**
 * The memory limit's instance hooks for the container being created, once the mode's edits are
 * in `spec` (cdi devices are known by their nodes then); none without a limit or devices.
 * Throws when the limit cannot be carried out, before the spec is written.
 */
function limitHooks({ config, spec, request, mode, host, caller }: StepInput): NamedHook[] {
  const limit = containerMemoryLimit(spec, request);
  if (limit === undefined) return [];
  if (instanceDevices(spec, request) === undefined) {
    if (request?.devices === "none") {
      caller.log.debug(`${limit.variable} is set, but no devices are requested: no instance`);
      return [];
    }
    throw new RequestError(
      `${limit.variable} is set, but the requested CDI devices add no /dev/xpu<N> node ` +
        `whose memory it could limit`,
    );
  }
  if (!needsCli(mode)) {
    // A mode that needs the cli for every container fails without it in its prestart hook.
    const cli = host.cli();
    if (!cli.found) {
      throw new Error(
        // deno-lint-ignore xpu-messages/values-quoted -- a mode's name
        `${limit.variable} is set, and ${mode.name} mode needs ${CLI_NAME} to create ` +
          `the container's XPU memory instance: ${cli.problem}`,
      );
    }
  }
  if (!caller.containerId) {
    throw new Error(`Cannot set ${limit.variable} up: no container id on the command line`);
  }
  return instanceHooks(hookOptions(config, caller, caller.containerId));
}

function hookOptions(config: Config, caller: Caller, containerId: string): InstanceHookOptions {
  return {
    hookPath: findBinary("xpu-container-runtime-hook", config, caller),
    containerId,
    configPath: caller.hookConfigPath,
  };
}

/**
 * The hook binary's lifecycle hooks for the container being created: the memory limit's
 * instance hooks, and the poststop hook that releases the devices the allocator chose for it
 * (one poststop hook does both). Ones an earlier create left that are not these go.
 */
export const memoryInstance: Step = {
  name: "memoryInstance",
  run(input) {
    const hooks = limitHooks(input);
    const id = input.caller.containerId;
    if (input.allocated && id && !hooks.some((h) => h.hookName === "poststop")) {
      const opts = hookOptions(input.config, input.caller, id);
      hooks.push({ hookName: "poststop", ...hookBinaryHook(opts, "poststop", id) });
    }
    return instanceHookChanges(input.spec, hooks);
  },
};
