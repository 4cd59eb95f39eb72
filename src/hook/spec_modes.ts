/**
 * What the prestart hook does when a container's mode is csv or cdi: those modes give devices
 * by editing the spec, which only the runtime shim (or the engine's own CDI) can do. Under the
 * shim the hook never meets them (the shim adds it in legacy mode only and removes it in the
 * others), so meeting one means an engine runs the hook alone (podman's hooks.d).
 * @module
 */

import type { Config } from "../config/schema.ts";
import type { Spec } from "../oci/spec.ts";
import type { Resolution } from "../modes/resolve.ts";
import type { DeviceRequest } from "../modes/request.ts";
import { isQualifiedName } from "../internal/cdi_names.ts";
import { binaryPath, type Where } from "../discover/binaries.ts";

const XPU_NODE = /^\/dev\/xpu(\d+|ctrl)$/;

/**
 * True when the spec already holds XPU device nodes: the engine's CDI (podman `--device
 * kunlunxin.com/xpu=0`, whose spec may set CXPU_VISIBLE_DEVICES too) gave the devices.
 */
export function hasXpuDevices(spec: Spec): boolean {
  return (spec.linux?.devices ?? []).some((d) => XPU_NODE.test(d.path));
}

/** The CDI name to suggest for `request`'s first device. */
function cdiExample(config: Config, request: DeviceRequest): string {
  const first = Array.isArray(request.devices) ? request.devices[0] : undefined;
  if (first !== undefined && isQualifiedName(first)) return first;
  const kind = config["xpu-container-runtime"].modes.cdi["default-kind"];
  return `${kind}=${first !== undefined && /^\d+$/.test(first) ? first : "all"}`;
}

/**
 * The one-line reason a hook cannot give `request` its devices in `resolution`'s mode, with the
 * shim to run instead (the hook's own, found where the hook finds binaries: `where`).
 */
export function hookCannotCarryOut(
  resolution: Resolution,
  config: Config,
  request: DeviceRequest,
  where: Where,
): string {
  const configured = config["xpu-container-runtime"].mode !== "auto";
  const who = configured
    ? `Mode "${resolution.mode}" is configured`
    : resolution.mode === "cdi"
    ? "This container needs cdi mode"
    : `This host needs ${resolution.mode} mode`;
  return `${who}, which a hook cannot carry out: run podman with --runtime ` +
    `${binaryPath("xpu-container-runtime", config, where)} or use CDI (--device ${
      cdiExample(config, request)
    })`;
}
