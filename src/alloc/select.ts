/**
 * Choosing devices for a container that asks for a count (and maybe a memory share): the one
 * pure function that decides, so its rules are tested as a table.
 * @module
 */

import { describeLoad, type Device, type Holding, largerLimit, type Load, loads } from "./model.ts";
import { formatSize } from "../internal/size.ts";
import { xpuNodeName } from "../discover/xpu_nodes.ts";

/** What a container asks the allocator for. */
export interface Ask {
  readonly container: string;
  readonly environment: string;
  /** How many devices, at least 1. */
  readonly count: number;
  /** Its share of each device's memory; undefined: the devices to itself. */
  readonly memory: bigint | undefined;
  /** Busy devices may be used, least loaded first, when too few are free. */
  readonly oversubscribe: boolean;
}

/** The devices chosen, ascending. */
export interface Chosen {
  readonly devices: readonly number[];
  /** The environment held them already: the container shares its allocation. */
  readonly joined: boolean;
  /** The chosen devices that were not free (over-subscription). */
  readonly oversubscribed: readonly number[];
}

/** Why nothing was chosen, and whether devices freeing up could change that. */
export interface Refusal {
  readonly problem: string;
  readonly waitingHelps: boolean;
}

/** True when `load`'s device can take environment `environment` with `memory` besides the others there. */
function fits(load: Load, environment: string, memory: bigint | undefined): boolean {
  const others = load.tenants.filter((t) => t.environment !== environment);
  if (memory === undefined) return others.length === 0;
  if (load.device.memory === undefined || others.some((t) => t.memory === undefined)) return false;
  return others.reduce((sum, t) => sum + t.memory!, 0n) + memory <= load.device.memory;
}

// Least loaded first: fewest environments, then least memory promised, then the lowest index.
function byLoad(a: Load, b: Load): number {
  return a.tenants.length - b.tenants.length ||
    (a.used < b.used ? -1 : a.used > b.used ? 1 : 0) ||
    a.device.index - b.device.index;
}

function noneFree(ask: Ask, free: number, busy: readonly Load[]): Refusal {
  const size = ask.memory === undefined ? "" : ` with ${formatSize(ask.memory)} each`;
  return {
    problem: `No XPU free: ${ask.count} requested${size}, ${free} free (${
      busy.map(describeLoad).join("; ")
    })`,
    waitingHelps: true,
  };
}

/** Joins `ask` to the allocation its environment holds already (`held`). */
function join(ask: Ask, all: readonly Load[], held: readonly Holding[]): Chosen | Refusal {
  const devices = held[0]!.devices;
  if (devices.length !== ask.count) {
    return {
      problem:
        `${ask.count} XPUs requested, and environment "${ask.environment}" holds ${devices.length} (${
          devices.map(xpuNodeName).join(", ")
        })`,
      waitingHelps: false,
    };
  }
  const memory = held.reduce<bigint | undefined>((m, h) => largerLimit(m, h.memory), ask.memory);
  const mine = all.filter((l) => devices.includes(l.device.index));
  const crowded = mine.filter((l) => !fits(l, ask.environment, memory));
  if (crowded.length > 0 && !ask.oversubscribe) {
    return noneFree(ask, mine.length - crowded.length, crowded);
  }
  return { devices, joined: true, oversubscribed: crowded.map((l) => l.device.index) };
}

/**
 * The devices for `ask` on a host with `devices` held as `holdings` say (the asking container's
 * own holding, from an earlier create, does not count). A container whose environment holds
 * devices already shares them. Otherwise devices that are free for it are taken in index order:
 * without a memory share, devices nobody holds; with one, devices whose memory still has room
 * for it (and that nobody holds exclusively). When too few are free, over-subscription takes
 * busy ones, least loaded first; without it the answer is a Refusal naming who holds what.
 */
export function choose(
  devices: readonly Device[],
  holdings: readonly Holding[],
  ask: Ask,
): Chosen | Refusal {
  if (ask.count > devices.length) {
    return {
      problem: `${ask.count} XPUs requested, and the host has ${devices.length}`,
      waitingHelps: false,
    };
  }
  if (ask.memory !== undefined && devices.every((d) => d.memory === undefined)) {
    return {
      problem: "XPUs are shared by memory, and the memory of the host's XPUs is unknown: " +
        "set [xpu-allocator] device-memory",
      waitingHelps: false,
    };
  }
  const others = holdings.filter((h) => h.container !== ask.container);
  const all = loads(devices, others);
  const held = others.filter((h) => h.environment === ask.environment);
  if (held.length > 0) return join(ask, all, held);
  const free = all.filter((l) => fits(l, ask.environment, ask.memory));
  if (free.length >= ask.count) {
    return {
      devices: free.slice(0, ask.count).map((l) => l.device.index),
      joined: false,
      oversubscribed: [],
    };
  }
  const busy = all.filter((l) => !free.includes(l));
  if (!ask.oversubscribe) {
    const refusal = noneFree(ask, free.length, busy);
    // A share larger than any device's memory never fits, however many containers end.
    const couldFit = ask.memory === undefined ||
      devices.some((d) => d.memory !== undefined && d.memory >= ask.memory!);
    return couldFit ? refusal : { ...refusal, waitingHelps: false };
  }
  const extra = [...busy].sort(byLoad).slice(0, ask.count - free.length);
  return {
    devices: [...free, ...extra].map((l) => l.device.index).sort((a, b) => a - b),
    joined: false,
    oversubscribed: extra.map((l) => l.device.index).sort((a, b) => a - b),
  };
}

/** True when `choice` is a Refusal. */
export function isRefusal(choice: Chosen | Refusal): choice is Refusal {
  return "problem" in choice;
}
