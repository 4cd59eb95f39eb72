/**
 * The host's XPUs: the `/dev/xpu<N>` character devices under a device root.
 * @module
 */

import { lstatOrUndefined } from "../internal/fs.ts";

/** The indices of the `xpu<N>` character devices in `devRoot` (e.g. `/dev`), ascending. */
export function deviceIndices(devRoot: string): number[] {
  let names: string[] = [];
  try {
    names = [...Deno.readDirSync(devRoot)].map((e) => e.name);
  } catch {
    return [];
  }
  return names
    .flatMap((n) => /^xpu(\d{1,7})$/.exec(n)?.[1] ?? [])
    .filter((n) => lstatOrUndefined(`${devRoot}/xpu${n}`)?.isCharDevice)
    .map(Number)
    .sort((a, b) => a - b);
}

/** The device directory under the driver root `driverRoot` ("" for the host's own). */
export function devRootOf(driverRoot: string): string {
  return `${driverRoot.replace(/\/+$/, "")}/dev`;
}
