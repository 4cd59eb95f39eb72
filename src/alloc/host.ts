/**
 * The host's XPUs as the allocator sees them: the `/dev/xpu<N>` nodes under the driver root,
 * with the memory `[xpu-allocator] device-memory` gives them.
 * @module
 */

import type { Config } from "../config/schema.ts";
import { type DeviceMemory, memoryOf, parseDeviceMemory } from "../config/device_memory.ts";
import { deviceIndices, devRootOf } from "../discover/xpu_nodes.ts";
import type { Device } from "./model.ts";
import { AllocationStore } from "./store.ts";

/** The host's XPUs with their memory as `config` says, in index order. */
export function hostDevices(config: Config): Device[] {
  // Validated when the config was loaded.
  const memory = parseDeviceMemory(config["xpu-allocator"]["device-memory"]) as DeviceMemory;
  return deviceIndices(devRootOf(config["xpu-container-cli"].root)).map((index) => ({
    index,
    memory: memoryOf(memory, index),
  }));
}

/** The allocation state `config` names. */
export function storeOf(config: Config): AllocationStore {
  return new AllocationStore(config["xpu-allocator"]["state-dir"]);
}
