/**
 * The edits csv mode makes from what the CSV files list: the requested device nodes, every
 * other `dev` entry, the read-only library mounts and the helper hooks. Used by csv mode's step
 * and by the enroot hook, which applies them without a spec.
 * @module
 */

import { type HostFiles, READ_ONLY_BIND } from "../discover/host_files.ts";
import { xpuIndexOf, xpuNodePath } from "../discover/xpu_nodes.ts";
import type { ContainerEdits, DeviceNode } from "../edits/edits.ts";
import { helperHooks, type HelperOptions } from "../internal/helper_hooks.ts";
import { type DeviceRequest, RequestError } from "./request.ts";

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
            ? available.map((a) => `"${xpuNodePath(a)}"`).join(", ")
            : "no /dev/xpu<N> device"
        }`,
      );
    }
  }
  return new Set(request.devices);
}

/** The device index of a node's path, as request lists write it, or undefined for others. */
function indexOf(path: string): string | undefined {
  const index = xpuIndexOf(path);
  return index === undefined ? undefined : String(index);
}

/**
 * The edits csv mode makes for `request` from the discovered host files: the requested
 * /dev/xpu<N>, every other `dev` entry, the libraries and the helper hooks.
 */
export function csvEdits(
  request: DeviceRequest,
  files: HostFiles,
  opts: HelperOptions,
): ContainerEdits {
  const available = files.devices.flatMap((d) => indexOf(d.path) ?? []);
  const wanted = selected(request, available);
  const deviceNodes: DeviceNode[] = files.devices
    .filter((d) => {
      const index = indexOf(d.path);
      return index === undefined || wanted.has(index);
    })
    .map((d) => ({
      path: d.path,
      hostPath: d.hostPath,
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
