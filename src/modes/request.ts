/**
 * Which devices, capabilities, requirements and memory a container asks for (PRODUCT.md §3.1).
 * The one place that reads these from a spec; the runtime and the hook both use it.
 * @module
 */

import type { Config } from "../config/schema.ts";
import type { Spec } from "../oci/spec.ts";

/** Directory under which mounts request devices (when allowed by config). */
export const DEVICE_MOUNT_ROOT = "/var/run/xpu-container-devices";

/** The capabilities used when XPU_DRIVER_CAPABILITIES is unset or empty. */
export const DEFAULT_CAPABILITIES: readonly string[] = ["utility", "compute"];

/** What a container asks for; absent when it is not an XPU container. */
export interface DeviceRequest {
  /** `all`, `none` (driver only, no device nodes), or normalised device names/indices. */
  readonly devices: "all" | "none" | readonly string[];
  /** Requested capabilities, each from the supported set. */
  readonly capabilities: readonly string[];
  /** `XPU_REQUIRE_*` values, ordered by variable name (empty when disabled). */
  readonly requirements: readonly string[];
  /** `XPU_MEMORY_LIMIT` in bytes, if set. */
  readonly memoryLimit: bigint | undefined;
  /** Where the devices came from, for logs. */
  readonly source: "XPU_VISIBLE_DEVICES" | "CXPU_VISIBLE_DEVICES" | "volume-mounts";
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

const MAX_RANGE = 1024;

/**
 * Normalises a device list: items trimmed, `a-b` ranges expanded, duplicates dropped (first
 * position kept), `all` wins over everything. Throws RequestError for a bad range.
 */
export function parseDeviceList(value: string): "all" | "none" | string[] {
  const items = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (items.includes("all")) return "all";
  if (items.length === 1 && items[0] === "none") return "none";
  const out: string[] = [];
  for (const item of items) {
    const range = /^(\d+)-(\d+)$/.exec(item);
    if (!range) {
      out.push(/^\d+$/.test(item) ? String(Number(item)) : item);
      continue;
    }
    const from = Number(range[1]);
    const to = Number(range[2]);
    if (to < from || to - from >= MAX_RANGE) {
      throw new RequestError(`Invalid device range "${item}" in XPU_VISIBLE_DEVICES`);
    }
    for (let n = from; n <= to; n++) out.push(String(n));
  }
  const unique = [...new Set(out)];
  return unique.length === 0 ? "none" : unique;
}

/** True when `name` is a fully-qualified CDI device name (`vendor.com/class=name`). */
export function isCdiName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9.-]*\/[A-Za-z0-9][A-Za-z0-9_.-]*=[A-Za-z0-9][A-Za-z0-9_.:-]*$/.test(
    name,
  );
}

const UNITS: Readonly<Record<string, bigint>> = {
  "": 1n,
  k: 1024n,
  m: 1024n ** 2n,
  g: 1024n ** 3n,
  t: 1024n ** 4n,
};

/** Parses `XPU_MEMORY_LIMIT`: bytes, or a number with k/m/g/t (1024-based), optional b/ib. */
export function parseMemorySize(value: string): bigint {
  const m = /^\s*(\d+)\s*([kmgt]?)(i?b)?\s*$/i.exec(value);
  if (!m || (m[2] === "" && m[3] !== undefined && m[3].toLowerCase() === "ib")) {
    throw new RequestError(
      `Invalid XPU_MEMORY_LIMIT "${value}": expected bytes or a number with k, m, g or t (e.g. 4g, 512MiB)`,
    );
  }
  const bytes = BigInt(m[1]!) * UNITS[m[2]!.toLowerCase()]!;
  if (bytes === 0n) {
    throw new RequestError(`Invalid XPU_MEMORY_LIMIT "${value}": must be more than 0`);
  }
  return bytes;
}

/** The supported capability set of `config`. */
export function supportedCapabilities(config: Config): string[] {
  return config["supported-driver-capabilities"].split(",").map((s) => s.trim()).filter(Boolean);
}

/** Parses XPU_DRIVER_CAPABILITIES against the supported set. Throws RequestError. */
export function parseCapabilities(
  value: string | undefined,
  supported: readonly string[],
): string[] {
  if (value === undefined || value.trim() === "") return [...DEFAULT_CAPABILITIES];
  const items = [...new Set(value.split(",").map((s) => s.trim()).filter(Boolean))];
  if (items.includes("all")) return [...supported];
  for (const item of items) {
    if (!supported.includes(item)) {
      throw new RequestError(
        `Unsupported XPU_DRIVER_CAPABILITIES value "${item}": supported are ${
          supported.join(", ")
        } and all`,
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

/**
 * What `spec`'s container asks for under `config`'s policies, or undefined when it is not an
 * XPU container. Throws RequestError for requests that cannot be honoured.
 */
export function deviceRequest(spec: Spec, config: Config): DeviceRequest | undefined {
  const env = envMap(spec.process?.env);
  let raw: string | undefined;
  let source: DeviceRequest["source"] = "XPU_VISIBLE_DEVICES";
  const mounted = config["accept-xpu-visible-devices-as-volume-mounts"]
    ? devicesFromMounts(spec)
    : [];
  if (mounted.length > 0) {
    raw = mounted.join(",");
    source = "volume-mounts";
  } else if (config["accept-xpu-visible-devices-envvar-when-unprivileged"] || isPrivileged(spec)) {
    raw = env.get("XPU_VISIBLE_DEVICES");
    if (raw === undefined) {
      raw = env.get("CXPU_VISIBLE_DEVICES");
      source = "CXPU_VISIBLE_DEVICES";
    }
  }
  if (raw === undefined || raw.trim() === "" || raw.trim() === "void") return undefined;
  const devices = parseDeviceList(raw);
  const capabilities = parseCapabilities(
    env.get("XPU_DRIVER_CAPABILITIES"),
    supportedCapabilities(config),
  );
  const disabled = config["disable-require"] || truthy(env.get("XPU_DISABLE_REQUIRE"));
  const requirements = disabled ? [] : [...env.keys()]
    .filter((k) => k.startsWith("XPU_REQUIRE_") && k.length > "XPU_REQUIRE_".length)
    .sort()
    .map((k) => env.get(k)!)
    .filter((v) => v !== "");
  const limit = env.get("XPU_MEMORY_LIMIT");
  const memoryLimit = limit === undefined || limit.trim() === ""
    ? undefined
    : parseMemorySize(limit);
  return { devices, capabilities, requirements, memoryLimit, source };
}

/** The `--device` value for a request: `all` or the comma list (undefined for `none`). */
export function deviceListArg(devices: DeviceRequest["devices"]): string | undefined {
  if (devices === "none") return undefined;
  return devices === "all" ? "all" : devices.join(",");
}
