/**
 * The modes: the one table saying, for each, how it gives devices and where its steps are.
 * Legacy mode's steps are small and load with this module (its memoryInstance step serves every
 * mode); csv and cdi mode's code is loaded, one lazy chunk each, only for a container in it.
 * @module
 */

import type { ModeInfo, ModeName } from "./mode.ts";
import type { Resolution } from "./resolve.ts";
import { LEGACY_STEPS } from "./legacy.ts";

/** Every mode, by name. */
export const MODES: Readonly<Record<ModeName, ModeInfo>> = {
  legacy: {
    name: "legacy",
    devicesBy: "cli",
    acceptsAnnotations: false,
    steps: () => Promise.resolve(LEGACY_STEPS),
  },
  csv: {
    name: "csv",
    devicesBy: "spec",
    acceptsAnnotations: false,
    steps: async () => (await import("./csv.ts")).CSV_STEPS,
  },
  cdi: {
    name: "cdi",
    devicesBy: "spec",
    acceptsAnnotations: true,
    steps: async () => (await import("./cdi.ts")).CDI_STEPS,
  },
};

/** The mode `resolution` chose. */
export function modeFor(resolution: Resolution): ModeInfo {
  return MODES[resolution.mode];
}
