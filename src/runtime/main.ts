/**
 * The runtime shim, `xpu-container-runtime`.
 * @module
 */

import { writeStderr, writeStdout } from "../internal/io.ts";
import { versionText } from "../version.ts";

/** Usage of the runtime shim. */
export const RUNTIME_USAGE = `Usage: xpu-container-runtime [RUNC-GLOBAL-FLAGS] COMMAND [ARGS…]

An OCI runtime shim: on create and run it gives XPU containers their devices by editing the
bundle's config.json, then hands every command to the low-level runtime (runc) unchanged.
`;

/** Runs the runtime shim with runc's `args`; returns the exit code. */
export function main(args: string[]): Promise<number> {
  if (args.includes("--version") || args.includes("-v")) {
    writeStdout(versionText("xpu-container-runtime"));
    return Promise.resolve(0);
  }
  if (args.length === 0 || args.includes("--help") || args.includes("-h")) {
    writeStdout(RUNTIME_USAGE);
    return Promise.resolve(0);
  }
  writeStderr("xpu-container-runtime: not implemented yet\n");
  return Promise.resolve(1);
}
