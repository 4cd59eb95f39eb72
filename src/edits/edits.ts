/**
 * The only code that changes what a spec gives the container: CDI-shaped container edits (env,
 * device nodes with their cgroup rules, mounts, hooks, additional GIDs), applied in order.
 * @module
 */

import type { Hook, HookName, LinuxDevice, Mount, Spec } from "../oci/spec.ts";
import type { CdiDeviceNode } from "../cdi/spec.ts";
import { splitEnvEntry } from "../internal/env.ts";

/** A hook together with the lifecycle point it runs at (as in CDI's containerEdits). */
export interface NamedHook extends Hook {
  hookName: HookName;
}

/** A device node to create in the container: CDI's `deviceNodes` entry. */
export type DeviceNode = CdiDeviceNode;

/** Edits to make to a container's spec, shaped like CDI `containerEdits`. */
export interface ContainerEdits {
  /** `NAME=VALUE` entries; an existing NAME is replaced in place. */
  env?: string[];
  /** Device nodes, each with a cgroup rule allowing it. */
  deviceNodes?: DeviceNode[];
  /** Mounts; one at an existing destination replaces it in place. */
  mounts?: Mount[];
  /** Hooks appended to their lifecycle lists. */
  hooks?: NamedHook[];
  /** Groups added to the container process. */
  additionalGids?: number[];
}

function applyDeviceNodes(spec: Spec, nodes: readonly DeviceNode[]): void {
  const linux = (spec.linux ??= {});
  const devices = (linux.devices ??= []);
  const rules = ((linux.resources ??= {}).devices ??= []);
  for (const node of nodes) {
    const type = node.type ?? "c";
    const device: LinuxDevice = { path: node.path, type };
    if (node.major !== undefined) device.major = node.major;
    if (node.minor !== undefined) device.minor = node.minor;
    device.fileMode = node.fileMode ?? 0o666;
    device.uid = node.uid ?? 0;
    device.gid = node.gid ?? 0;
    const at = devices.findIndex((d) => d.path === node.path);
    if (at >= 0) devices[at] = device;
    else devices.push(device);
    if (device.major === undefined || device.minor === undefined) continue;
    const access = node.permissions ?? "rwm";
    const exists = rules.some((r) =>
      r.allow && r.type === type && r.major === device.major && r.minor === device.minor &&
      r.access === access
    );
    if (!exists) {
      rules.push({
        allow: true,
        type,
        major: device.major,
        minor: device.minor,
        access,
      });
    }
  }
}

/** Takes out the devices at the paths of `nodes` and the rules applyDeviceNodes added for them. */
function removeDeviceNodes(spec: Spec, nodes: readonly DeviceNode[]): void {
  const linux = spec.linux;
  if (!linux) return;
  const paths = new Set(nodes.map((n) => n.path));
  const rules = new Set(nodes.map((n) => ruleKey(n.type ?? "c", n.major, n.minor, n.permissions)));
  if (linux.devices) {
    linux.devices = linux.devices.filter((d) => !paths.has(d.path));
    if (linux.devices.length === 0) delete linux.devices;
  }
  const allowed = linux.resources?.devices;
  if (allowed) {
    linux.resources!.devices = allowed.filter((r) =>
      !(r.allow && rules.has(ruleKey(r.type, r.major, r.minor, r.access)))
    );
    if (linux.resources!.devices.length === 0) delete linux.resources!.devices;
  }
}

function ruleKey(type: unknown, major: unknown, minor: unknown, access: unknown): string {
  return JSON.stringify([type, major, minor, access ?? "rwm"]);
}

function applyMounts(spec: Spec, mounts: readonly Mount[]): void {
  const list = (spec.mounts ??= []);
  const at = new Map<string, number>();
  list.forEach((m, i) => {
    if (!at.has(m.destination)) at.set(m.destination, i);
  });
  for (const mount of mounts) {
    // Replacing in place keeps the engine's mounts in their order.
    const i = at.get(mount.destination);
    if (i !== undefined) list[i] = { ...mount };
    else at.set(mount.destination, list.push({ ...mount }) - 1);
  }
}

function applyGids(spec: Spec, gids: readonly number[]): void {
  const process = (spec.process ??= {});
  const user = (process.user ??= { uid: 0, gid: 0 });
  const list = (user.additionalGids ??= []);
  for (const gid of gids) if (!list.includes(gid)) list.push(gid);
}

function applyEnv(spec: Spec, entries: readonly string[]): void {
  const process = (spec.process ??= {});
  const env = (process.env ??= []);
  for (const entry of entries) {
    const { name } = splitEnvEntry(entry);
    const at = env.findIndex((e) => e === name || e.startsWith(`${name}=`));
    if (at >= 0) env[at] = entry;
    else env.push(entry);
  }
}

function applyHooks(spec: Spec, hooks: readonly NamedHook[]): void {
  for (const { hookName, ...hook } of hooks) {
    const all = (spec.hooks ??= {});
    const list = (all[hookName] ??= []);
    // The same hook twice would run twice: applying edits again must change nothing.
    if (!list.some((h) => JSON.stringify(h) === JSON.stringify(hook))) list.push(hook);
  }
}

/** Applies `edits` to `spec` in place. */
export function applyEdits(spec: Spec, edits: ContainerEdits): void {
  if (edits.env?.length) applyEnv(spec, edits.env);
  if (edits.deviceNodes?.length) applyDeviceNodes(spec, edits.deviceNodes);
  if (edits.mounts?.length) applyMounts(spec, edits.mounts);
  if (edits.hooks?.length) applyHooks(spec, edits.hooks);
  if (edits.additionalGids?.length) applyGids(spec, edits.additionalGids);
}

/** One set of edits doing what `parts` do applied in order. */
export function mergeEdits(parts: readonly ContainerEdits[]): ContainerEdits {
  const out: ContainerEdits = {};
  for (const part of parts) {
    if (part.env?.length) (out.env ??= []).push(...part.env);
    if (part.deviceNodes?.length) (out.deviceNodes ??= []).push(...part.deviceNodes);
    if (part.mounts?.length) (out.mounts ??= []).push(...part.mounts);
    if (part.hooks?.length) (out.hooks ??= []).push(...part.hooks);
    if (part.additionalGids?.length) (out.additionalGids ??= []).push(...part.additionalGids);
  }
  return out;
}

/** The hooks at one lifecycle point that `match`: hooks of ours a mode takes out of a spec. */
export interface HookFilter {
  readonly hookName: HookName;
  readonly match: (hook: Hook) => boolean;
}

/**
 * What one step of a mode changes in a spec: hooks and device nodes taken out first, then edits
 * made.
 */
export interface SpecChanges {
  readonly remove?: readonly HookFilter[];
  /** Device nodes an earlier step added, taken out with the cgroup rules it added for them. */
  readonly removeDevices?: readonly DeviceNode[];
  readonly edits?: ContainerEdits;
}

/** Applies `changes` to `spec` in place; returns how many hooks were taken out. */
export function applyChanges(spec: Spec, changes: SpecChanges): number {
  let removed = 0;
  for (const { hookName, match } of changes.remove ?? []) {
    removed += removeHooks(spec, hookName, match);
  }
  if (changes.removeDevices?.length) removeDeviceNodes(spec, changes.removeDevices);
  if (changes.edits) applyEdits(spec, changes.edits);
  return removed;
}

/** Removes the hooks at `name` that `match`; returns how many went. */
function removeHooks(spec: Spec, name: HookName, match: (hook: Hook) => boolean): number {
  const list = spec.hooks?.[name];
  if (!list) return 0;
  const kept = list.filter((h) => !match(h));
  if (kept.length > 0) spec.hooks![name] = kept;
  else delete spec.hooks![name];
  return list.length - kept.length;
}

/**
 * Puts the spec's hook lists back in `order` (the lifecycle points the file had, in its order),
 * new ones after them: a list removed and added again would otherwise move to the end, and a
 * repeated create would write different bytes.
 */
export function restoreHookOrder(spec: Spec, order: readonly string[]): void {
  const hooks = spec.hooks;
  if (!hooks || typeof hooks !== "object" || Array.isArray(hooks)) return;
  const entries = Object.entries(hooks);
  const rank = (key: string) => {
    const at = order.indexOf(key);
    return at < 0 ? order.length : at;
  };
  // A stable sort: the new lists keep the order they were added in.
  entries.sort(([a], [b]) => rank(a) - rank(b));
  for (const [key] of entries) delete hooks[key];
  for (const [key, value] of entries) hooks[key] = value;
}
