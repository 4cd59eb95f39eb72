/**
 * What a container asks the allocator for (issue: shared hosts): a number of devices, or a
 * device list it names itself, which is recorded as held. The one place that reads the
 * allocation variables from a spec.
 * @module
 */

import type { Config } from "../config/schema.ts";
import type { Spec } from "../oci/spec.ts";
import {
  ALLOCATION_WAIT,
  type AllocationVariable,
  ALLOW_OVERSUBSCRIPTION,
  DEVICE_COUNT,
  ENVIRONMENT_ID,
  type Found,
  GENV_MEMORY,
  lookupAllocation,
  MOUNT_DEVICE_LOCKS,
} from "../config/variables.ts";
import { ENVIRONMENT_ID_RULE, isEnvironmentId } from "../alloc/model.ts";
import { quote } from "../internal/quote.ts";
import { parseSize } from "../internal/size.ts";
import {
  deviceRequest,
  devicesFromMounts,
  envMap,
  envRequestsAccepted,
  MAX_RANGE,
  type MemoryLimit,
  memoryLimitOf,
  RequestError,
} from "./request.ts";
import { cdiAnnotations } from "./resolve.ts";

/** The longest CXPU_ALLOCATION_WAIT: an engine's create should not hang for longer. */
export const MAX_WAIT_MS = 3_600_000;

/** A container that asks for a number of devices. */
export interface CountRequest {
  readonly kind: "count";
  readonly count: number;
  /** The variable the count came from, for messages. */
  readonly variable: string;
  /** The environment id, when set (default: the container id). */
  readonly environment: string | undefined;
  /** Its share of each device's memory; undefined: the devices to itself. */
  readonly memory: MemoryLimit | undefined;
  readonly oversubscribe: boolean;
  /** How long to wait for devices to free up; 0: fail at once. */
  readonly waitMs: number;
  /** Mount the devices' lock files into the container. */
  readonly deviceLocks: boolean;
}

/** A container that names its devices (indices, or `all`): the allocator records them as held. */
export interface ExplicitRequest {
  readonly kind: "explicit";
  readonly devices: "all" | readonly number[];
  readonly environment: string | undefined;
  readonly memory: MemoryLimit | undefined;
}

/** What a container asks the allocator for. */
export type AllocationRequest = CountRequest | ExplicitRequest;

const FLAG_VALUES = "1 or 0 (or true, false, yes, no, on, off)";

function invalid(found: Found, why: string): RequestError {
  // deno-lint-ignore xpu-messages/values-quoted -- a variable's name
  return new RequestError(`Invalid ${found.name} ${quote(found.value)}: ${why}`);
}

function flag(env: ReadonlyMap<string, string>, v: AllocationVariable, genv: boolean): boolean {
  const found = lookupAllocation(env, v, genv);
  if (found === undefined) return false;
  const value = found.value.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(value)) return true;
  if (["", "0", "false", "no", "off"].includes(value)) return false;
  throw invalid(found, `expected ${FLAG_VALUES}`);
}

const MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a wait: a number of seconds, or a number with ms, s, m or h; at most MAX_WAIT_MS. */
export function parseWait(found: Found): number {
  const m = /^\s*(\d{1,10})\s*(ms|s|m|h)?\s*$/i.exec(found.value);
  const ms = m ? Number(m[1]) * MS[(m[2] ?? "s").toLowerCase()]! : NaN;
  if (!(ms <= MAX_WAIT_MS)) {
    throw invalid(found, "expected a duration such as 30s, 500ms or 2m, at most 1h");
  }
  return ms;
}

/** Parses a device count: 1 to MAX_RANGE. */
export function parseCount(found: Found): number {
  const value = found.value.trim();
  if (!/^\d+$/.test(value) || value.length > 5 || Number(value) < 1 || Number(value) > MAX_RANGE) {
    throw invalid(found, `expected a number of devices, 1 to ${MAX_RANGE}`);
  }
  return Number(value);
}

function environmentOf(env: ReadonlyMap<string, string>, genv: boolean): string | undefined {
  const found = lookupAllocation(env, ENVIRONMENT_ID, genv);
  if (found === undefined || found.value === "") return undefined;
  if (!isEnvironmentId(found.value)) {
    throw invalid(found, `expected ${ENVIRONMENT_ID_RULE}`);
  }
  return found.value;
}

/** The memory share: the memory limit, or genv's GENV_GPU_MEMORY (1000-based k, m, g). */
function memoryOf(env: ReadonlyMap<string, string>, genv: boolean): MemoryLimit | undefined {
  const own = memoryLimitOf(env);
  const theirs = genv ? env.get(GENV_MEMORY) : undefined;
  if (own !== undefined || theirs === undefined || theirs.trim() === "") return own;
  const bytes = parseSize(theirs, 1000n);
  if (typeof bytes === "string") throw invalid({ name: GENV_MEMORY, value: theirs }, bytes);
  return { bytes, variable: GENV_MEMORY };
}

/**
 * What `spec`'s container asks the allocator for under `config`, or undefined for nothing:
 * not an XPU container, devices a scheduler chose (device mounts, CDI annotations) or named
 * otherwise than by index. A count wins over a device list (images set `CXPU_VISIBLE_DEVICES=all`
 * for themselves). Throws RequestError, naming the variable, for a value it cannot use.
 */
export function allocationRequest(spec: Spec, config: Config): AllocationRequest | undefined {
  const fromScheduler = (config["accept-xpu-visible-devices-as-volume-mounts"] &&
    devicesFromMounts(spec).length > 0) || cdiAnnotations(spec, config).length > 0;
  if (fromScheduler || !envRequestsAccepted(spec, config)) return undefined;
  const env = envMap(spec.process?.env);
  const genv = config["xpu-allocator"]["accept-genv-variables"];
  const count = lookupAllocation(env, DEVICE_COUNT, genv);
  if (count !== undefined && count.value.trim() !== "") {
    const wait = lookupAllocation(env, ALLOCATION_WAIT, genv);
    return {
      kind: "count",
      count: parseCount(count),
      variable: count.name,
      environment: environmentOf(env, genv),
      memory: memoryOf(env, genv),
      oversubscribe: flag(env, ALLOW_OVERSUBSCRIPTION, genv),
      waitMs: wait === undefined || wait.value.trim() === "" ? 0 : parseWait(wait),
      deviceLocks: flag(env, MOUNT_DEVICE_LOCKS, genv),
    };
  }
  const request = deviceRequest(spec, config);
  if (request === undefined || request.devices === "none") return undefined;
  const devices = request.devices === "all"
    ? "all"
    : request.devices.filter((d) => /^\d+$/.test(d)).map(Number);
  if (devices !== "all" && devices.length === 0) return undefined;
  return {
    kind: "explicit",
    devices,
    environment: environmentOf(env, genv),
    memory: request.memoryLimit,
  };
}
