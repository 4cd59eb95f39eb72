/**
 * Which devices, capabilities, requirements and memory a container asks for (PRODUCT.md §3.1).
 * The one place that reads these from a spec; the runtime and the hook both use it.
 * @module
 */

import type { Config } from "../config/schema.ts";
import type { Spec } from "../oci/spec.ts";
import { quote } from "../internal/quote.ts";
import {
  DISABLE_REQUIRE,
  DRIVER_CAPABILITIES,
  lookup,
  MEMORY_LIMIT,
  requirements as requirementsOf,
  VISIBLE_DEVICES,
  XPU_VISIBLE_DEVICES,
} from "../config/variables.ts";

/** Directory under which mounts request devices (when allowed by config). */
export const DEVICE_MOUNT_ROOT = "/var/run/xpu-container-devices";

/** The capabilities used when the capability variable is unset or empty. */
export const DEFAULT_CAPABILITIES: readonly string[] = ["utility", "compute"];

/** A memory limit and the variable it came from. */
export interface MemoryLimit {
  readonly bytes: bigint;
  readonly variable: string;
}

/** What a container asks for; absent when it is not an XPU container. */
export interface DeviceRequest {
  /** `all`, `none` (driver only, no device nodes), or normalised device names/indices. */
  readonly devices: "all" | "none" | readonly string[];
  /** Requested capabilities, each from the supported set. */
  readonly capabilities: readonly string[];
  /** `CXPU_REQUIRE_*` values, ordered by variable name (empty when disabled). */
  readonly requirements: readonly string[];
  /** The memory limit, if set. */
  readonly memoryLimit: MemoryLimit | undefined;
  /** Where the devices came from: the variable, or the device mounts. */
  readonly source: typeof VISIBLE_DEVICES | typeof XPU_VISIBLE_DEVICES | "volume-mounts";
}

/** A request that cannot be honoured (bad capability, range or size). */
export class RequestError extends Error {
  override name = "RequestError";
}

/** The container's environment as a map: first occurrence wins; `NAME` alone is empty. */
export function envMap(env: readonly string[] | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const entry of env ?? []) {
    const eq = entry.indexOf("=");
    const name = eq < 0 ? entry : entry.slice(0, eq);
    if (!map.has(name)) map.set(name, eq < 0 ? "" : entry.slice(eq + 1));
  }
  return map;
}

/**
 * The largest device index, 2^20 - 1: an index names a device node /dev/xpu<N>, and Linux minor
 * numbers have 20 bits. So bounded, an index is exact in every consumer (a JavaScript number, the
 * cli's C integer) instead of rounding or wrapping there into another device's number.
 */
export const MAX_INDEX = 1048575;

/** The most devices one range may span. */
export const MAX_RANGE = 1024;

/** The most devices a list may name, ranges expanded, before duplicates are dropped. */
export const MAX_ITEMS = 4096;

/** What a device list was read from, as messages name it. */
export const DEVICE_MOUNTS = `device mounts under ${DEVICE_MOUNT_ROOT}`;

/** An index without leading zeros, or undefined when `digits` is past MAX_INDEX. */
function index(digits: string): string | undefined {
  const plain = digits.replace(/^0+(?=\d)/, "");
  return plain.length <= 7 && Number(plain) <= MAX_INDEX ? plain : undefined;
}

/**
 * Normalises a device list read from `from` (a variable name, for messages): items trimmed,
 * indices (only digits) without leading zeros and at most MAX_INDEX, `a-b` ranges expanded,
 * duplicates dropped (first position kept), `all` and `none` only alone, a list of separators
 * only refused.
 * Other items (UUIDs, serials, CDI names) are kept as they are. Throws RequestError.
 */
export function parseDeviceList(
  value: string,
  from: string = VISIBLE_DEVICES,
): "all" | "none" | string[] {
  // deno-lint-ignore xpu-messages/values-quoted -- a variable's or an option's name
  const invalid = (why: string) => new RequestError(`Invalid ${from} ${quote(value)}: ${why}`);
  const items = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (items.length === 0) throw invalid("it lists no device");
  for (const reserved of ["all", "none", "void"]) {
    if (items.includes(reserved) && items.some((i) => i !== reserved)) {
      throw invalid(`"${reserved}" cannot be combined with other devices`);
    }
  }
  if (items.includes("void")) throw invalid(`"void" is not a device`);
  if (items.includes("all")) return "all";
  if (items.includes("none")) return "none";
  const out = new Set<string>();
  let count = 0;
  const add = (device: string) => {
    if (++count > MAX_ITEMS) throw invalid(`it names more than ${MAX_ITEMS} devices`);
    out.add(device);
  };
  for (const item of items) {
    if (/^\d+$/.test(item)) {
      const n = index(item);
      if (n === undefined) {
        throw invalid(`index ${quote(item)} is out of range (0 to ${MAX_INDEX})`);
      }
      add(n);
      continue;
    }
    const range = /^(\d+)-(\d+)$/.exec(item);
    if (range) {
      const lo = index(range[1]!);
      const hi = index(range[2]!);
      if (lo === undefined || hi === undefined) {
        throw invalid(`range ${quote(item)} is out of range (0 to ${MAX_INDEX})`);
      }
      if (Number(hi) < Number(lo)) throw invalid(`range ${quote(item)} runs backwards`);
      if (Number(hi) - Number(lo) >= MAX_RANGE) {
        throw invalid(`range ${quote(item)} spans more than ${MAX_RANGE} devices`);
      }
      for (let n = Number(lo); n <= Number(hi); n++) add(String(n));
      continue;
    }
    // A sign or a missing end: a mistyped index or range, not a UUID or serial.
    if (/^[+-]?\d+(-[+-]?\d*)?$/.test(item)) {
      throw invalid(`${quote(item)} is neither an index (0 to ${MAX_INDEX}) nor a range (0-3)`);
    }
    if (!/^[\x21-\x7e]+$/.test(item)) {
      throw invalid(`${quote(item)} is not a device index, range, UUID, serial or CDI name`);
    }
    add(item);
  }
  return [...out];
}

const UNITS: Readonly<Record<string, bigint>> = {
  "": 1n,
  k: 1024n,
  m: 1024n ** 2n,
  g: 1024n ** 3n,
  t: 1024n ** 4n,
};

/**
 * The largest memory limit, 2^63 - 1 bytes: the largest number a 64-bit integer holds, signed
 * or not, so the cli reads --mmem exactly whichever it uses.
 */
export const MAX_MEMORY = 2n ** 63n - 1n;

/**
 * Parses a memory limit read from `from` (a variable or option name, for messages): bytes, or
 * a number with k/m/g/t (1024-based), optional b/ib; more than 0, at most MAX_MEMORY.
 */
export function parseMemorySize(value: string, from: string = MEMORY_LIMIT.name): bigint {
  // deno-lint-ignore xpu-messages/values-quoted -- a variable's or an option's name
  const invalid = (why: string) => new RequestError(`Invalid ${from} ${quote(value)}: ${why}`);
  const m = /^\s*(\d+)\s*([kmgt]?)(i?b)?\s*$/i.exec(value);
  if (!m || (m[2] === "" && m[3] !== undefined && m[3].toLowerCase() === "ib")) {
    throw invalid("expected bytes or a number with k, m, g or t (e.g. 4g, 512MiB)");
  }
  const digits = m[1]!.replace(/^0+(?=\d)/, "");
  // Checked before BigInt sees it: a number with thousands of digits costs time to convert.
  const bytes = digits.length > 19 ? MAX_MEMORY + 1n : BigInt(digits) * UNITS[m[2]!.toLowerCase()]!;
  if (bytes === 0n) throw invalid("must be more than 0");
  if (bytes > MAX_MEMORY) throw invalid(`must fit in 64 bits: at most ${MAX_MEMORY} bytes`);
  return bytes;
}

/** The supported capability set of `config`. */
export function supportedCapabilities(config: Config): string[] {
  return config["supported-driver-capabilities"].split(",").map((s) => s.trim()).filter(Boolean);
}

/** Parses a capability list read from `from` against the supported set. Throws RequestError. */
export function parseCapabilities(
  value: string | undefined,
  supported: readonly string[],
  from: string = DRIVER_CAPABILITIES.name,
): string[] {
  if (value === undefined || value.trim() === "") return [...DEFAULT_CAPABILITIES];
  const items = [...new Set(value.split(",").map((s) => s.trim()).filter(Boolean))];
  if (items.includes("all")) return [...supported];
  for (const item of items) {
    if (!supported.includes(item)) {
      throw new RequestError(
        // deno-lint-ignore xpu-messages/values-quoted -- a variable's name, and the capabilities
        `Unsupported ${from} value ${quote(item)}: supported are ${supported.join(", ")} and all`,
      );
    }
  }
  return items;
}

/** True when the container has CAP_SYS_ADMIN in its bounding set (or old flat capability list). */
export function isPrivileged(spec: Spec): boolean {
  const caps = spec.process?.capabilities;
  const list = Array.isArray(caps) ? caps : caps?.bounding;
  return Array.isArray(list) && list.includes("CAP_SYS_ADMIN");
}

function truthy(value: string | undefined): boolean {
  return value !== undefined && /^(1|true|yes|on)$/i.test(value.trim());
}

function devicesFromMounts(spec: Spec): string[] {
  const prefix = `${DEVICE_MOUNT_ROOT}/`;
  return (spec.mounts ?? [])
    .map((
      m,
    ) => (typeof m.destination === "string" ? m.destination.replace(/^\/run\//, "/var/run/") : ""))
    .filter((d) => d.startsWith(prefix))
    .map((d) => d.slice(prefix.length).replace(/\/+$/, ""))
    .filter((d) => d !== "" && !d.includes("/"));
}

/** The memory limit `env` sets, if any (an empty value is none). Throws RequestError. */
export function memoryLimitOf(env: ReadonlyMap<string, string>): MemoryLimit | undefined {
  const found = lookup(env, MEMORY_LIMIT);
  if (found === undefined || found.value.trim() === "") return undefined;
  return { bytes: parseMemorySize(found.value, found.name), variable: found.name };
}

/** The device list the container's env sets (where its policies let it), and its variable. */
function requestedByEnv(
  env: ReadonlyMap<string, string>,
  spec: Spec,
  config: Config,
): { value: string; source: DeviceRequest["source"] } | undefined {
  if (!config["accept-xpu-visible-devices-envvar-when-unprivileged"] && !isPrivileged(spec)) {
    return undefined;
  }
  const own = env.get(VISIBLE_DEVICES);
  if (own !== undefined) return { value: own, source: VISIBLE_DEVICES };
  // XPU_VISIBLE_DEVICES is the XPU runtime's in-process selector, which images set for
  // themselves: only an operator can make it choose host devices.
  const runtimes = config["accept-xpu-visible-devices-envvar"]
    ? env.get(XPU_VISIBLE_DEVICES)
    : undefined;
  return runtimes === undefined ? undefined : { value: runtimes, source: XPU_VISIBLE_DEVICES };
}

/**
 * What `spec`'s container asks for under `config`'s policies, or undefined when it is not an
 * XPU container. Throws RequestError, naming the variable, for requests that cannot be honoured.
 */
export function deviceRequest(spec: Spec, config: Config): DeviceRequest | undefined {
  const env = envMap(spec.process?.env);
  const mounted = config["accept-xpu-visible-devices-as-volume-mounts"]
    ? devicesFromMounts(spec)
    : [];
  const requested = mounted.length > 0
    ? { value: mounted.join(","), source: "volume-mounts" as const }
    : requestedByEnv(env, spec, config);
  if (requested === undefined) return undefined;
  const raw = requested.value.trim();
  if (raw === "" || raw === "void") return undefined;
  const devices = parseDeviceList(
    requested.value,
    requested.source === "volume-mounts" ? DEVICE_MOUNTS : requested.source,
  );
  const caps = lookup(env, DRIVER_CAPABILITIES);
  const capabilities = parseCapabilities(caps?.value, supportedCapabilities(config), caps?.name);
  const disable = lookup(env, DISABLE_REQUIRE);
  const disabled = config["disable-require"] || truthy(disable?.value);
  const requirements = disabled
    ? []
    : requirementsOf(env).map((r) => r.value).filter((v) => v !== "");
  return {
    devices,
    capabilities,
    requirements,
    memoryLimit: memoryLimitOf(env),
    source: requested.source,
  };
}

/** The `--device` value for a request: `all` or the comma list (undefined for `none`). */
export function deviceListArg(devices: DeviceRequest["devices"]): string | undefined {
  if (devices === "none") return undefined;
  return devices === "all" ? "all" : devices.join(",");
}
