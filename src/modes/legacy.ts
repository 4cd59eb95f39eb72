/**
 * Legacy mode: the prestart hook that runs xpu-container-cli, which sets the devices up.
 * @module
 */

import type { Spec } from "../oci/spec.ts";
import type { ContainerEdits } from "../edits/edits.ts";
import type { Step } from "./mode.ts";
import { hookBinaryHook, type HookBinaryOptions, isOurHook } from "./our_hooks.ts";
import { memoryInstance } from "./instance.ts";
import { rootlessDevices } from "./rootless.ts";
import { findBinary } from "../discover/binaries.ts";

/** The prestart hook legacy mode adds to `spec`, unless one of ours is already there. */
export function legacyEdits(spec: Spec, opts: HookBinaryOptions): ContainerEdits {
  if ((spec.hooks?.prestart ?? []).some((h) => isOurHook(h, "prestart"))) return { hooks: [] };
  return { hooks: [{ hookName: "prestart", ...hookBinaryHook(opts, "prestart") }] };
}

/** Adds the prestart hook. */
export const legacy: Step = {
  name: "legacy",
  run: ({ config, spec, caller }) => ({
    edits: legacyEdits(spec, {
      hookPath: findBinary("xpu-container-runtime-hook", config, caller),
      configPath: caller.hookConfigPath,
    }),
  }),
};

/** Legacy mode's steps, in order. */
export const LEGACY_STEPS: readonly Step[] = [legacy, memoryInstance, rootlessDevices];
