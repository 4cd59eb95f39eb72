/**
 * What allocation works on: the host's devices, who holds which, and how loaded each device
 * is. Pure data and pure functions; the state file and the selection build on them.
 * @module
 */

import { formatSize } from "../internal/size.ts";
import { xpuNodeName } from "../discover/xpu_nodes.ts";

/** A device of the host: its index (`/dev/xpu<N>`) and memory, when known. */
export interface Device {
  readonly index: number;
  readonly memory: bigint | undefined;
}

/** One container's hold on devices. */
export interface Holding {
  /** The container id (the engine's). */
  readonly container: string;
  /** Containers with the same environment id share its devices (default: the container id). */
  readonly environment: string;
  /** Host indices, ascending. */
  readonly devices: readonly number[];
  /** The container's memory limit, its share of each device; undefined: exclusive. */
  readonly memory: bigint | undefined;
  /** Recorded from an explicit device list, not chosen by the allocator. */
  readonly explicit: boolean;
  /** When it was recorded (ISO 8601). */
  readonly since: string;
}

/** One environment on a device: its holders share one allocation. */
export interface Tenant {
  readonly environment: string;
  /** Its containers, sorted. */
  readonly containers: readonly string[];
  /** The largest limit among its containers; undefined when one of them is exclusive. */
  readonly memory: bigint | undefined;
  /** The earliest `since` of its containers. */
  readonly since: string;
}

/** How loaded a device is. */
export interface Load {
  readonly device: Device;
  /** The environments holding it, by environment id. */
  readonly tenants: readonly Tenant[];
  /** The sum of the tenants' limits. */
  readonly used: bigint;
  /** A tenant holds it without a memory limit. */
  readonly exclusive: boolean;
}

/** The largest of two limits, where undefined (exclusive) is largest. */
export function largerLimit(a: bigint | undefined, b: bigint | undefined): bigint | undefined {
  return a === undefined || b === undefined ? undefined : a > b ? a : b;
}

/** The tenants of `holdings`, by environment id. */
export function tenantsOf(holdings: readonly Holding[]): Tenant[] {
  const byId = new Map<string, Holding[]>();
  for (const h of holdings) byId.set(h.environment, [...(byId.get(h.environment) ?? []), h]);
  return [...byId.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map((
    [environment, hs],
  ) => ({
    environment,
    containers: hs.map((h) => h.container).sort(),
    memory: hs.slice(1).reduce<bigint | undefined>(
      (m, h) => largerLimit(m, h.memory),
      hs[0]!.memory,
    ),
    since: hs.map((h) => h.since).sort()[0]!,
  }));
}

/** Each device's load under `holdings`, in index order. */
export function loads(devices: readonly Device[], holdings: readonly Holding[]): Load[] {
  return [...devices].sort((a, b) => a.index - b.index).map((device) => {
    const tenants = tenantsOf(holdings.filter((h) => h.devices.includes(device.index)));
    return {
      device,
      tenants,
      used: tenants.reduce((sum, t) => sum + (t.memory ?? 0n), 0n),
      exclusive: tenants.some((t) => t.memory === undefined),
    };
  });
}

/** The prefix of a container's own environment, which no environment id a container sets can take. */
export const OWN_ENVIRONMENT = "container:";

/** What an environment id may be: printable ASCII without spaces, at most 256 characters. */
export const ENVIRONMENT_ID_RULE =
  `printable ASCII without spaces, at most 256 characters, not starting with "${OWN_ENVIRONMENT}"`;

/** True for an environment id a container may name (see ENVIRONMENT_ID_RULE). */
export function isEnvironmentId(id: string): boolean {
  return /^[\x21-\x7e]{1,256}$/.test(id) && !id.startsWith(OWN_ENVIRONMENT);
}

/** `environment` as messages show it: a container's own environment by the container's id. */
export function shownEnvironment(environment: string): string {
  return environment.startsWith(OWN_ENVIRONMENT)
    ? environment.slice(OWN_ENVIRONMENT.length)
    : environment;
}

/**
 * The environment container `container` joins: the one it names, else its own. A container's own
 * environment is not its bare id, which another container could name to share its devices.
 */
export function environmentOf(named: string | undefined, container: string): string {
  return named ?? `${OWN_ENVIRONMENT}${container}`;
}

/** A time for messages: ISO 8601 to the second. */
export function shortTime(iso: string): string {
  return iso.replace(/\.\d+Z$/, "Z");
}

/** Who holds a device, for messages: `xpu0 held by a since T, b since T (4 GiB of 8 GiB used)`. */
export function describeLoad(load: Load): string {
  const who = load.tenants.map((t) =>
    `${shownEnvironment(t.environment)} since ${shortTime(t.since)}`
  ).join(", ");
  const name = xpuNodeName(load.device.index);
  const memory = load.device.memory !== undefined && !load.exclusive
    ? ` (${formatSize(load.used)} of ${formatSize(load.device.memory)} used)`
    : "";
  return who === "" ? `${name} free` : `${name} held by ${who}${memory}`;
}
