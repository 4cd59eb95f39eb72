/**
 * The xpu-container-cli command lines the hook (and the shim's prestart front) runs, in the order
 * the real cli expects.
 * @module
 */

import type { Config } from "../config/schema.ts";
import { deviceListArg, type DeviceRequest } from "./request.ts";

/** Instance ids are cut to this many characters, as the cli does. */
export const INSTANCE_ID_LENGTH = 12;

/** Global flags: `[--root=R] [--load-kmods] [--no-pivot] [--debug=F] [--ldcache=L] [--user=U]`. */
export function globalFlags(config: Config, debugToStderr: boolean): string[] {
  const cli = config["xpu-container-cli"];
  const out: string[] = [];
  if (cli.root) out.push(`--root=${cli.root}`);
  if (cli["load-kmods"]) out.push("--load-kmods");
  if (cli["no-pivot"]) out.push("--no-pivot");
  const debug = debugToStderr ? "/dev/stderr" : cli.debug;
  if (debug) out.push(`--debug=${debug}`);
  if (cli.ldcache) out.push(`--ldcache=${cli.ldcache}`);
  if (cli.user) out.push(`--user=${cli.user}`);
  return out;
}

/** What `configure` takes after its name and before the target: ldconfig to capabilities. */
function configureFlags(config: Config, request: DeviceRequest, noCgroups: boolean): string[] {
  const cli = config["xpu-container-cli"];
  const out: string[] = [];
  if (cli.ldconfig) out.push(`--ldconfig=${cli.ldconfig}`);
  if (noCgroups) out.push("--no-cgroups");
  const devices = deviceListArg(request.devices);
  if (devices !== undefined) out.push(`--device=${devices}`);
  for (const requirement of request.requirements) out.push(`--require=${requirement}`);
  for (const capability of request.capabilities) out.push(`--${capability}`);
  return out;
}

/** A cli command line around its `--pid=PID` argument, which only the container's start knows. */
export interface AroundPid {
  readonly beforePid: readonly string[];
  readonly afterPid: readonly string[];
}

/**
 * `configure` around its pid: globals, `configure`, `[--ldconfig=X] [--no-cgroups]
 * [--device=LIST] [--require=E]…`, capability flags in the requested order, then `--pid=PID`,
 * then `ROOTFS`. The prestart hook and the shim's prestart front (prestart_front.ts) both build
 * their call with it.
 */
export function configureAroundPid(
  config: Config,
  request: DeviceRequest,
  rootfs: string,
  debugToStderr: boolean,
): AroundPid {
  return {
    beforePid: [
      ...globalFlags(config, debugToStderr),
      "configure",
      ...configureFlags(config, request, config["xpu-container-cli"]["no-cgroups"]),
    ],
    afterPid: [rootfs],
  };
}

/** What `configure`'s pid argument starts with; the pid follows. */
export const PID_FLAG = "--pid=";

/** `configure` for the container whose process has `pid` (see configureAroundPid). */
export function configureArgv(
  config: Config,
  request: DeviceRequest,
  pid: number,
  rootfs: string,
  debugToStderr: boolean,
): string[] {
  const { beforePid, afterPid } = configureAroundPid(config, request, rootfs, debugToStderr);
  return [...beforePid, `${PID_FLAG}${pid}`, ...afterPid];
}

/**
 * `configure` as an enroot hook runs it, in the container's user and mount namespaces, as the
 * user who started it (NVIDIA's 98-nvidia.sh form): `--user` (the caller's ids) instead of the
 * config's user, no `--load-kmods` (a user cannot load modules), `--no-cgroups` (enroot has no
 * device cgroup to set), and no `--pid` (the cli then sets up its parent's namespaces).
 */
export function enrootConfigureArgv(
  config: Config,
  request: DeviceRequest,
  rootfs: string,
  debugToStderr: boolean,
): string[] {
  const globals = globalFlags(config, debugToStderr).filter((f) =>
    f !== "--load-kmods" && !f.startsWith("--user=")
  );
  return [...globals, "--user", "configure", ...configureFlags(config, request, true), rootfs];
}

/** `cxpu --create` (with `--mmem`) or `cxpu --destroy` for a container's memory instance. */
export function instanceArgv(
  config: Config,
  action: "create" | "destroy",
  containerId: string,
  devices: string,
  bytes: bigint,
  debugToStderr: boolean,
): string[] {
  const out = [
    ...globalFlags(config, debugToStderr),
    "cxpu",
    `--${action}`,
    `--instance=${containerId.slice(0, INSTANCE_ID_LENGTH)}`,
    `--device=${devices}`,
  ];
  if (action === "create") out.push(`--mmem=${bytes}`);
  return out;
}
