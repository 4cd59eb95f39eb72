/**
 * The only code that adds to a spec: CDI-shaped container edits (env, hooks), applied in order.
 * @module
 */

import type { Hook, HookName, Spec } from "../oci/spec.ts";
import { envMap } from "../modes/request.ts";

/** A hook together with the lifecycle point it runs at (as in CDI's containerEdits). */
export interface NamedHook extends Hook {
  hookName: HookName;
}

/** Edits to make to a container's spec, shaped like CDI `containerEdits`. */
export interface ContainerEdits {
  /** `NAME=VALUE` entries; an existing NAME is replaced in place. */
  env?: string[];
  /** Hooks appended to their lifecycle lists. */
  hooks?: NamedHook[];
}

/** True when `edits` would change nothing. */
export function isEmpty(edits: ContainerEdits): boolean {
  return !edits.env?.length && !edits.hooks?.length;
}

function applyEnv(spec: Spec, entries: readonly string[]): void {
  const process = (spec.process ??= {});
  const env = (process.env ??= []);
  for (const entry of entries) {
    const name = entry.slice(0, entry.indexOf("=") >>> 0);
    const at = env.findIndex((e) => e === name || e.startsWith(`${name}=`));
    if (at >= 0) env[at] = entry;
    else env.push(entry);
  }
}

function applyHooks(spec: Spec, hooks: readonly NamedHook[]): void {
  for (const { hookName, ...hook } of hooks) {
    const all = (spec.hooks ??= {});
    const list = (all[hookName] ??= []);
    list.push(hook);
  }
}

/** Applies `edits` to `spec` in place. */
export function applyEdits(spec: Spec, edits: ContainerEdits): void {
  if (edits.env?.length) applyEnv(spec, edits.env);
  if (edits.hooks?.length) applyHooks(spec, edits.hooks);
}

/** The value of `name` in the spec's process env (first occurrence), if any. */
export function specEnv(spec: Spec, name: string): string | undefined {
  return envMap(spec.process?.env).get(name);
}
