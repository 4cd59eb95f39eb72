/**
 * The hooks the toolkit puts into specs: built and recognised here. The hook binary's hooks
 * (legacy's prestart hook, the memory instance's createRuntime and poststop hooks), legacy's
 * prestart front (built in prestart_front.ts: bash named as the hook binary) and, through
 * internal/helper_hooks.ts, the helper hooks of csv and cdi modes; and the step that takes out
 * what an earlier create left, so a mode that edits the spec can be applied again; and the step
 * that does the library helper hooks' work in the root instead (prepare_root.ts).
 * @module
 */

import type { Hook, HookName } from "../oci/spec.ts";
import type { HookFilter } from "../edits/edits.ts";
import type { Step } from "./mode.ts";
import { HOOK_NAMES } from "../internal/argv0.ts";
import { baseName } from "../internal/paths.ts";
import { HOOK_ENV, isHelperHook } from "../internal/helper_hooks.ts";
import { FRONT_PROGRAMS } from "./prestart_front.ts";

/** Where the hook binary is and what config it reads. */
export interface HookBinaryOptions {
  /** The hook binary (see findBinary). */
  readonly hookPath: string;
  /** A non-default config file the hook must read too (`-config FILE`). */
  readonly configPath?: string | undefined;
}

/** The hook running the hook binary's `command` (`xpu-container-runtime-hook [-config FILE] …`). */
export function hookBinaryHook(
  opts: HookBinaryOptions,
  command: HookName,
  ...args: string[]
): Hook {
  const config = opts.configPath ? ["-config", opts.configPath] : [];
  return {
    path: opts.hookPath,
    args: [HOOK_NAMES[0]!, ...config, command, ...args],
    env: [...HOOK_ENV],
  };
}

/** True for legacy's prestart front: bash, named as the hook binary, running a script. */
export function isPrestartFront(hook: Hook): boolean {
  return hook.path === FRONT_PROGRAMS.shell && HOOK_NAMES.includes(hook.args?.[0] ?? "") &&
    hook.args?.[1] === "-c";
}

/**
 * True for a hook of ours at `command`, found by path basename or args[0] (the prestart front
 * too, whose args[0] is the hook binary's name).
 */
export function isOurHook(hook: Hook, command: string): boolean {
  const ours = HOOK_NAMES.includes(baseName(hook.path ?? "")) ||
    HOOK_NAMES.includes(hook.args?.[0] ?? "");
  return ours && (command === "prestart" || (hook.args ?? []).includes(command));
}

/** The hooks a mode that edits the spec replaces: legacy's prestart hook, earlier helper hooks. */
export const EARLIER_HOOKS: readonly HookFilter[] = [
  { hookName: "prestart", match: (h) => isOurHook(h, "prestart") },
  { hookName: "createContainer", match: (h) => isHelperHook(h.args) },
];

/** Takes out EARLIER_HOOKS, so a mode editing the spec is idempotent and replaces legacy's. */
export const removeOurHooks: Step = {
  name: "removeOurHooks",
  run: () => ({ remove: EARLIER_HOOKS }),
};

/**
 * Does the library helper hooks' work in the bundle's root at create and takes those hooks out;
 * where it cannot, they stay and do it. Its code loads only when a mode runs it (csv and cdi).
 */
export const prepareRoot: Step = {
  name: "prepareRoot",
  run: async (input) => (await import("./prepare_root.ts")).prepareRootChanges(input),
};
