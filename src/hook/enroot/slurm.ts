/**
 * What Slurm gave a job: under pyxis, enroot (and so its hooks) runs inside slurmstepd with the
 * job's environment, where Slurm's GPU GRES plugin names the job's devices. A container there
 * gets only those, whatever it asks for.
 * @module
 */

import { type DeviceRequest, parseDeviceList, RequestError } from "../../modes/request.ts";
import { quote } from "../../internal/quote.ts";

/** Slurm's variables naming a step's or a job's devices by index, the step's first. */
export const SLURM_DEVICE_VARIABLES = ["SLURM_STEP_GPUS", "SLURM_JOB_GPUS"] as const;

/** The devices Slurm gave a job, and the variable that said so. */
export interface SlurmAllocation {
  readonly variable: string;
  readonly value: string;
  /** Device indices, as /dev/xpu<N> numbers them. */
  readonly indices: readonly string[];
}

/**
 * The job's devices, from `host` (the hook's own environment, never the container's), or
 * undefined outside a Slurm job or when Slurm names none. Throws RequestError for a value that
 * is not a list of indices.
 */
export function slurmAllocation(
  host: Readonly<Record<string, string>>,
): SlurmAllocation | undefined {
  if (!host.SLURM_JOB_ID) return undefined;
  for (const variable of SLURM_DEVICE_VARIABLES) {
    const value = host[variable];
    if (value === undefined) continue;
    if (value.trim() === "") return { variable, value, indices: [] };
    const list = parseDeviceList(value, variable);
    if (!Array.isArray(list) || list.some((d) => !/^\d+$/.test(d))) {
      throw new RequestError(`Invalid ${variable} ${quote(value)}: expected device indices`);
    }
    return { variable, value, indices: list };
  }
  return undefined;
}

/**
 * `request` within `allocation`: `all` becomes the job's devices (`none` when it has none); a
 * device the job was not given is an error naming it and Slurm's list.
 */
export function withinAllocation(
  request: DeviceRequest,
  allocation: SlurmAllocation,
): DeviceRequest {
  if (request.devices === "none") return request;
  if (request.devices === "all") {
    return { ...request, devices: allocation.indices.length > 0 ? allocation.indices : "none" };
  }
  for (const device of request.devices) {
    // A CDI name (kind=1) selects the device its name part numbers.
    const index = device.slice(device.lastIndexOf("=") + 1);
    if (!allocation.indices.includes(index)) {
      throw new RequestError(
        `XPU ${
          quote(device)
        } is not among the devices Slurm gave this job (${allocation.variable}=${
          quote(allocation.value)
        })`,
      );
    }
  }
  return request;
}
