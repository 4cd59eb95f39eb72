/**
 * Legacy mode: the prestart hook that runs xpu-container-cli. (The memory limit's instance
 * hooks are added in every mode: see instance.ts.)
 * @module
 */

import type { Hook, Spec } from "../oci/spec.ts";
import type { ContainerEdits } from "../edits/edits.ts";
import { baseName, HOOK_NAMES } from "../internal/argv0.ts";

import { HOOK_ENV } from "../internal/helper_hooks.ts";

/** The only environment injected hooks get (re-exported: engine/podman.ts imports it from here). */
export { HOOK_ENV };

/** What legacy mode needs besides the spec. */
export interface LegacyOptions {
  /** The hook binary (see findBinary). */
  readonly hookPath: string;
  /** A non-default config file the hook must read too (`-config FILE`). */
  readonly configPath?: string | undefined;
}

/** True for a hook of ours at `command` (found by path basename or args[0]). */
export function isOurHook(hook: Hook, command: string): boolean {
  const ours = HOOK_NAMES.includes(baseName(hook.path ?? "")) ||
    HOOK_NAMES.includes(hook.args?.[0] ?? "");
  return ours && (command === "prestart" || (hook.args ?? []).includes(command));
}

/** The prestart hook legacy mode adds to `spec`, unless one of ours is already there. */
export function legacyEdits(spec: Spec, opts: LegacyOptions): ContainerEdits {
  if ((spec.hooks?.prestart ?? []).some((h) => isOurHook(h, "prestart"))) return { hooks: [] };
  const config = opts.configPath ? ["-config", opts.configPath] : [];
  return {
    hooks: [{
      hookName: "prestart",
      path: opts.hookPath,
      args: ["xpu-container-runtime-hook", ...config, "prestart"],
      env: [...HOOK_ENV],
    }],
  };
}
