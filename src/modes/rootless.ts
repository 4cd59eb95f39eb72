/**
 * Devices under a rootless low-level runtime: a user cannot `mknod`, and the device cgroup is not
 * the user's to set, so the device nodes the mode's steps added become bind mounts of the host's
 * nodes (as Podman gives devices to rootless containers), and what needs root is refused with
 * a message saying so. Every mode ends with this step.
 * @module
 */

import type { DeviceNode } from "../edits/edits.ts";
import type { Mount } from "../oci/spec.ts";
import type { Step } from "./mode.ts";
import { containerMemoryLimit } from "./instance.ts";
import { RequestError } from "./request.ts";

/**
 * The bind mount giving the container `node`: the host's node (`hostPath`, else the same path)
 * at the node's path. `nosuid,noexec` as Podman's rootless devices; never `nodev`, which would
 * make the node unusable.
 */
export function deviceBind(node: DeviceNode): Mount {
  const writable = (node.permissions ?? "rwm").includes("w");
  return {
    destination: node.path,
    type: "bind",
    source: node.hostPath ?? node.path,
    options: ["bind", "nosuid", "noexec", writable ? "rw" : "ro"],
  };
}

/** Under a rootless runtime: the added device nodes as bind mounts; legacy mode and memory limits refused. */
export const rootlessDevices: Step = {
  name: "rootlessDevices",
  run({ spec, added, request, mode, caller }) {
    if (!caller.rootless) return {};
    if (mode.devicesBy === "cli") {
      throw new Error(
        `Mode "${mode.name}" cannot give devices under a rootless runtime: xpu-container-cli ` +
          `needs root; set xpu-container-runtime.mode to "csv" or "cdi"`,
      );
    }
    if (containerMemoryLimit(spec, request) !== undefined) {
      throw new RequestError(
        "A memory limit cannot be set under a rootless runtime: its memory instance is made " +
          "by xpu-container-cli, which needs root",
      );
    }
    const nodes = added.deviceNodes ?? [];
    if (nodes.length === 0) return {};
    caller.log.debug(() => `Rootless runtime: ${nodes.length} device node(s) bound from the host`);
    return { removeDevices: nodes, edits: { mounts: nodes.map(deviceBind) } };
  },
};
