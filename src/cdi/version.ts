/**
 * The lowest cdiVersion a spec's content needs: engines ignore specs newer than they know, so a
 * generator writes the lowest one that can hold what it wrote.
 * @module
 */

import type { CdiEdits, CdiSpec } from "./spec.ts";

/** The lowest version and the features that raised it. */
export interface RequiredVersion {
  readonly version: string;
  readonly reasons: readonly string[];
}

function allEdits(spec: CdiSpec): CdiEdits[] {
  return [
    ...(spec.containerEdits ? [spec.containerEdits] : []),
    ...spec.devices.map((d) => d.containerEdits ?? {}),
  ];
}

/** The minimum cdiVersion for `spec` (0.3.0 when it uses nothing newer). */
export function minimumVersion(spec: CdiSpec): RequiredVersion {
  const edits = allEdits(spec);
  const checks: [string, string, boolean][] = [
    ["1.1.0", "netDevices", edits.some((e) => (e.netDevices?.length ?? 0) > 0)],
    ["0.7.0", "additionalGids", edits.some((e) => (e.additionalGids?.length ?? 0) > 0)],
    ["0.7.0", "intelRdt", edits.some((e) => e.intelRdt !== undefined)],
    [
      "0.6.0",
      "annotations",
      Object.keys(spec.annotations ?? {}).length > 0 ||
      spec.devices.some((d) => Object.keys(d.annotations ?? {}).length > 0),
    ],
    ["0.6.0", "a dot in the class", (spec.kind.split("/")[1] ?? "").includes(".")],
    ["0.5.0", "device node hostPath", edits.some((e) => e.deviceNodes?.some((n) => !!n.hostPath))],
    [
      "0.5.0",
      "a device name starting with a digit",
      spec.devices.some((d) => /^[0-9]/.test(d.name ?? "")),
    ],
    ["0.4.0", "mount type", edits.some((e) => e.mounts?.some((m) => !!m.type))],
  ];
  const hit = checks.filter(([, , on]) => on);
  if (hit.length === 0) return { version: "0.3.0", reasons: [] };
  const version = hit[0]![0];
  return { version, reasons: hit.filter(([v]) => v === version).map(([, why]) => why) };
}
