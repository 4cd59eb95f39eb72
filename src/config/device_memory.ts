/**
 * `[xpu-allocator] device-memory`: the memory of the host's XPUs, one size for every device
 * (`16g`) or per device index (`0=16g,1=32g`), with a bare size for the devices not named.
 * @module
 */

import { parseSize } from "../internal/size.ts";
import { MAX_INDEX } from "../internal/xpu_index.ts";

/** The memory of each device, as device-memory says. */
export interface DeviceMemory {
  /** The size of devices not named; undefined: unknown. */
  readonly other: bigint | undefined;
  readonly byIndex: ReadonlyMap<number, bigint>;
}

/** Reads a device-memory value ("" is none); the problem with it as a string. */
export function parseDeviceMemory(value: string): DeviceMemory | string {
  let other: bigint | undefined;
  const byIndex = new Map<number, bigint>();
  for (const raw of value.split(",")) {
    const item = raw.trim();
    if (item === "") continue;
    const eq = item.indexOf("=");
    const size = parseSize(eq < 0 ? item : item.slice(eq + 1));
    if (typeof size === "string") return `"${item}": ${size}`;
    if (eq < 0) {
      if (other !== undefined) return `"${item}": a size for every device is given twice`;
      other = size;
      continue;
    }
    const index = item.slice(0, eq).trim();
    if (!/^\d{1,7}$/.test(index) || Number(index) > MAX_INDEX) {
      return `"${item}": expected a device index (0 to ${MAX_INDEX}) before "="`;
    }
    if (byIndex.has(Number(index))) return `"${item}": device ${Number(index)} is given twice`;
    byIndex.set(Number(index), size);
  }
  return { other, byIndex };
}

/** The memory of device `index` under `memory`, or undefined when unknown. */
export function memoryOf(memory: DeviceMemory, index: number): bigint | undefined {
  return memory.byIndex.get(index) ?? memory.other;
}
