/**
 * CSV mode: device nodes, read-only library mounts and helper hooks put into the spec from what
 * the CSV files list, so the devices survive cgroup rewrites and need no prestart cli call.
 * @module
 */

import type { Spec } from "../oci/spec.ts";
import type { HostFiles } from "../discover/host_files.ts";
import { type ContainerEdits, type DeviceNode, removeHooks } from "../edits/edits.ts";
import { isOurHook } from "./legacy.ts";
import { type DeviceRequest, RequestError } from "./request.ts";
import { helperHooks, type HelperOptions, isHelperHook } from "../internal/helper_hooks.ts";
import { READ_ONLY_BIND } from "../discover/host_files.ts";

const PER_DEVICE = /^\/dev\/xpu(\d+)$/;

/** Which per-device nodes a request selects; throws for names csv mode cannot map. */
function selected(request: DeviceRequest, available: readonly string[]): Set<string> {
  if (request.devices === "none") return new Set();
  if (request.devices === "all") return new Set(available);
  for (const d of request.devices) {
    if (!/^\d+$/.test(d)) {
      throw new RequestError(
        `Device "${d}" cannot be used in csv mode: it selects devices by index`,
      );
    }
    if (!available.includes(d)) {
      throw new RequestError(
        `XPU "${d}" is not available: the CSV specs list ${
          available.length
            ? available.map((a) => `"/dev/xpu${a}"`).join(", ")
            : "no /dev/xpu<N> device"
        }`,
      );
    }
  }
  return new Set(request.devices);
}

/**
 * The edits csv mode makes for `request` from the discovered host files. Before they are
 * applied, `prepareCsv` removes what an earlier run or legacy mode left.
 */
export function csvEdits(
  request: DeviceRequest,
  files: HostFiles,
  opts: HelperOptions,
): ContainerEdits {
  const available = files.devices.flatMap((d) => PER_DEVICE.exec(d.path)?.[1] ?? []);
  const wanted = selected(request, available);
  const deviceNodes: DeviceNode[] = files.devices
    .filter((d) => {
      const index = PER_DEVICE.exec(d.path)?.[1];
      return index === undefined || wanted.has(index);
    })
    .map((d) => ({
      path: d.path,
      type: "c",
      major: d.major,
      minor: d.minor,
      fileMode: d.fileMode,
      uid: 0,
      gid: 0,
    }));
  const mounts = files.mounts.map((m) => ({
    destination: m.path,
    type: "bind",
    source: m.hostPath,
    options: [...READ_ONLY_BIND],
  }));
  return { deviceNodes, mounts, hooks: helperHooks(files.links, files.libraryDirs, opts) };
}

/** Removes legacy prestart hooks and earlier helper hooks, so csv mode is idempotent. */
export function prepareCsv(spec: Spec): number {
  return removeHooks(spec, "prestart", (h) => isOurHook(h, "prestart")) +
    removeHooks(spec, "createContainer", (h) => isHelperHook(h.args));
}
