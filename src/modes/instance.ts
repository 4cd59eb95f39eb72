/**
 * The per-container XPU memory instance (the memory limit): the createRuntime and poststop
 * hooks that create and destroy it through xpu-container-cli, in every mode, and the devices
 * it covers.
 * @module
 */

import type { HookName, Spec } from "../oci/spec.ts";
import { applyEdits, type NamedHook, removeHooks } from "../edits/edits.ts";
import { isOurHook } from "./legacy.ts";
import { HOOK_ENV } from "../internal/helper_hooks.ts";
import type { DeviceRequest } from "./request.ts";
import { isQualifiedName } from "../internal/cdi_names.ts";

/** The lifecycle points of the instance hooks, each named after its hook command. */
export const INSTANCE_HOOKS: readonly HookName[] = ["createRuntime", "poststop"];

const PER_DEVICE = /^\/dev\/xpu(\d+)$/;

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
    const n = typeof node?.path === "string" ? PER_DEVICE.exec(node.path)?.[1] : undefined;
    if (n !== undefined) indices.add(Number(n));
  }
  return indices.size > 0 ? [...indices].sort((a, b) => a - b).join(",") : undefined;
}

/** What the instance hooks need. */
export interface InstanceHookOptions {
  /** The hook binary (see findBinary). */
  readonly hookPath: string;
  /** The id of the container being created. */
  readonly containerId: string;
  /** A non-default config file the hook must read too (`-config FILE`). */
  readonly configPath?: string | undefined;
}

/** The createRuntime and poststop hooks for the container `opts.containerId`. */
export function instanceHooks(opts: InstanceHookOptions): NamedHook[] {
  const config = opts.configPath ? ["-config", opts.configPath] : [];
  return INSTANCE_HOOKS.map((hookName) => ({
    hookName,
    path: opts.hookPath,
    args: ["xpu-container-runtime-hook", ...config, hookName, opts.containerId],
    env: [...HOOK_ENV],
  }));
}

/**
 * Makes `hooks` (from instanceHooks, or none) the spec's only instance hooks of ours. Hooks an
 * earlier create left, for another container id (the same bundle created again) or another
 * limit, are removed: they would create or destroy another container's instance. Ones that are
 * already exactly right stay where they are, so a repeated create changes nothing.
 */
export function replaceInstanceHooks(spec: Spec, hooks: readonly NamedHook[]): void {
  for (const name of INSTANCE_HOOKS) {
    const wanted = hooks.filter((h) => h.hookName === name).map(({ hookName: _, ...h }) => h);
    const list = spec.hooks?.[name];
    const ours = (Array.isArray(list) ? list : []).filter((h) => isOurHook(h, name));
    if (JSON.stringify(ours) === JSON.stringify(wanted)) continue;
    removeHooks(spec, name, (h) => isOurHook(h, name));
    applyEdits(spec, { hooks: wanted.map((h) => ({ hookName: name, ...h })) });
  }
}
