/**
 * The OCI hook, `xpu-container-runtime-hook`.
 * @module
 */

import { writeStderr, writeStdout } from "../internal/io.ts";
import { versionText } from "../version.ts";

/** Usage of the hook. */
export const HOOK_USAGE = `Usage: xpu-container-runtime-hook [-debug] [-config FILE] COMMAND [ID]

Commands (run by the OCI runtime, with the container state on stdin):
  prestart        set the container's XPUs up through xpu-container-cli
  createRuntime   create the per-container XPU memory instance (XPU_MEMORY_LIMIT)
  poststart       nothing
  poststop        destroy the per-container XPU memory instance
`;

/** Runs the hook with `args`; returns the exit code. */
export function main(args: string[]): Promise<number> {
  if (args.includes("-version") || args.includes("--version")) {
    writeStdout(versionText("xpu-container-runtime-hook"));
    return Promise.resolve(0);
  }
  if (args.includes("-h") || args.includes("--help") || args.includes("-help")) {
    writeStdout(HOOK_USAGE);
    return Promise.resolve(0);
  }
  writeStderr(`xpu-container-runtime-hook: not implemented yet\n${HOOK_USAGE}`);
  return Promise.resolve(2);
}
