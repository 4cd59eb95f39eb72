/**
 * Legacy mode: the prestart hook that runs xpu-container-cli, which sets the devices up; where the
 * shim can compute the cli call at create, the front (prestart_front.ts), which starts no Deno.
 * @module
 */

import type { Hook, Spec } from "../oci/spec.ts";
import type { SpecChanges } from "../edits/edits.ts";
import type { Step } from "./mode.ts";
import { hookBinaryHook, isOurHook, isPrestartFront } from "./our_hooks.ts";
import { prestartFront } from "./prestart_front.ts";
import { memoryInstance } from "./instance.ts";
import { rootlessDevices } from "./rootless.ts";
import { findBinary } from "../discover/binaries.ts";

/**
 * The changes that make `hook` legacy mode's prestart hook in `spec`. A prestart hook of ours
 * that is not a front came with the spec (an engine's hooks.d, an earlier version's create): it
 * stays, and nothing is added. A front an earlier create left is replaced unless it is `hook`.
 */
export function legacyChanges(spec: Spec, hook: Hook): SpecChanges {
  const list = spec.hooks?.prestart;
  const ours = (Array.isArray(list) ? list : []).filter((h) => isOurHook(h, "prestart"));
  if (ours.some((h) => !isPrestartFront(h))) return {};
  if (ours.length === 1 && JSON.stringify(ours[0]) === JSON.stringify(hook)) return {};
  return {
    remove: [{ hookName: "prestart", match: (h) => isOurHook(h, "prestart") }],
    edits: { hooks: [{ hookName: "prestart", ...hook }] },
  };
}

/** Adds the prestart hook: the front where it can carry the call, else the hook binary. */
export const legacy: Step = {
  name: "legacy",
  run(input) {
    const { config, caller } = input;
    const hook = hookBinaryHook({
      hookPath: findBinary("xpu-container-runtime-hook", config, caller),
      configPath: caller.hookConfigPath,
    }, "prestart");
    const front = prestartFront(input, hook);
    if (typeof front === "string") caller.log.debug(`No prestart front: ${front}`);
    return legacyChanges(input.spec, typeof front === "string" ? hook : front);
  },
};

/** Legacy mode's steps, in order. */
export const LEGACY_STEPS: readonly Step[] = [legacy, memoryInstance, rootlessDevices];
