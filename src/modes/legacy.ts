/**
 * Legacy mode: the prestart hook that runs xpu-container-cli, plus instance hooks when the
 * container has an XPU memory limit.
 * @module
 */

import type { Hook, HookName, Spec } from "../oci/spec.ts";
import type { ContainerEdits, NamedHook } from "../edits/edits.ts";
import type { DeviceRequest } from "./request.ts";
import { baseName, HOOK_NAMES } from "../internal/argv0.ts";

/** The only environment injected hooks get: never the container's. */
export const HOOK_ENV: readonly string[] = [
  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
];

/** What legacy mode needs besides the spec. */
export interface LegacyOptions {
  /** The hook binary (see findHookBinary). */
  readonly hookPath: string;
  /** The container id, for instance hooks. */
  readonly containerId: string | undefined;
  /** A non-default config file the hook must read too (`-config FILE`). */
  readonly configPath?: string | undefined;
}

/** True for a hook of ours at `command` (found by path basename or args[0]). */
export function isOurHook(hook: Hook, command: string): boolean {
  const ours = HOOK_NAMES.includes(baseName(hook.path ?? "")) ||
    HOOK_NAMES.includes(hook.args?.[0] ?? "");
  return ours && (command === "prestart" || (hook.args ?? []).includes(command));
}

/** The hooks legacy mode adds to `spec` for `request`: none that are already there. */
export function legacyEdits(
  spec: Spec,
  request: DeviceRequest,
  opts: LegacyOptions,
): ContainerEdits {
  const wanted: [HookName, string[]][] = [["prestart", ["prestart"]]];
  if (request.memoryLimit !== undefined) {
    if (!opts.containerId) throw new Error("Cannot add XPU memory instance hooks: no container id");
    wanted.push(["createRuntime", ["createRuntime", opts.containerId]]);
    wanted.push(["poststop", ["poststop", opts.containerId]]);
  }
  const config = opts.configPath ? ["-config", opts.configPath] : [];
  const hooks: NamedHook[] = [];
  for (const [hookName, command] of wanted) {
    if ((spec.hooks?.[hookName] ?? []).some((h) => isOurHook(h, command[0]!))) continue;
    hooks.push({
      hookName,
      path: opts.hookPath,
      args: ["xpu-container-runtime-hook", ...config, ...command],
      env: [...HOOK_ENV],
    });
  }
  return { hooks };
}
