/**
 * Per-device lock files: cooperating processes on a shared device take turns with flock(2) on
 * `<state-dir>/locks/xpu<N>.lock`, which containers that ask for them see at DEVICE_LOCK_DIR.
 * Advisory only: nothing stops a process that does not take the lock.
 * @module
 */

import type { Mount } from "../oci/spec.ts";
import { errorMessage } from "../internal/errors.ts";
import { xpuNodeName } from "../discover/xpu_nodes.ts";

/** Where a container sees its devices' lock files. */
export const DEVICE_LOCK_DIR = "/run/xpu-container-toolkit/locks";

/** The lock file of device `index` in the state directory `stateDir`, created if missing. */
export function deviceLockFile(stateDir: string, index: number): string {
  const dir = `${stateDir.replace(/\/+$/, "")}/locks`;
  const path = `${dir}/${xpuNodeName(index)}.lock`;
  try {
    Deno.mkdirSync(dir, { recursive: true, mode: 0o755 });
    Deno.openSync(path, { write: true, createNew: true, mode: 0o644 }).close();
  } catch (e) {
    if (!(e instanceof Deno.errors.AlreadyExists)) {
      throw new Error(`Cannot create the device lock "${path}": ${errorMessage(e)}`, { cause: e });
    }
  }
  if (!Deno.lstatSync(path).isFile) throw new Error(`Device lock "${path}" is not a regular file`);
  return path;
}

/** Read-only bind mounts of the lock files of `devices` at DEVICE_LOCK_DIR. */
export function deviceLockMounts(stateDir: string, devices: readonly number[]): Mount[] {
  return devices.map((index) => ({
    destination: `${DEVICE_LOCK_DIR}/${xpuNodeName(index)}.lock`,
    type: "bind",
    source: deviceLockFile(stateDir, index),
    options: ["bind", "ro", "nosuid", "nodev", "noexec"],
  }));
}
