/**
 * The document `xpu-ctk info --json` prints, apart from how it is gathered, so the verdict can
 * judge it without importing the command.
 * @module
 */

import type { ModeName } from "../modes/mode.ts";

/** One reason the host is not ready, and what to run about it. */
export interface Finding {
  readonly problem: string;
  readonly fix: string;
}

/** Ready when nothing was found wrong. */
export interface Verdict {
  readonly ready: boolean;
  readonly problems: readonly Finding[];
}

/** A path that was found, or why not. */
export type Found = { path: string } | { error: string };

/** `info --json`: a stable document (see README "xpu-ctk info --json"). */
export interface Info {
  version: string;
  commit: string;
  config: {
    path: string;
    exists: boolean;
    valid: boolean;
    trusted: boolean;
    error?: string;
    warnings: string[];
  };
  mode: { configured: string; resolved: ModeName; facts: string[] };
  lowLevelRuntime: Found;
  hook: Found;
  xpuCtk: Found;
  cli: Found & { version?: string };
  ldconfig: { path: string; exists: boolean };
  driverRoot: string;
  devices: { path: string; major: number; minor: number }[];
  csv: { dir: string; files: string[]; entries: number; warnings: string[] };
  cdi: { specDirs: string[]; devices: { name: string; file: string }[]; problems: string[] };
  engines: { name: string; file: string; installed: boolean; configured: boolean }[];
  verdict: Verdict;
}
