/**
 * The commands of the tree that other applets run (PASS_THROUGH in argv0.ts): the tree lists
 * them, their applet parses their arguments and prints their help.
 * @module
 */

import type { Command } from "./command.ts";
import { PASS_THROUGH } from "../internal/argv0.ts";

const SUMMARIES: Readonly<Record<string, string>> = {
  "runtime exec": "Act as xpu-container-runtime (the OCI runtime shim)",
  "hook oci": "Act as xpu-container-runtime-hook (the OCI lifecycle hook)",
  "hook create-symlinks": "Create symlinks in a container (a helper hook)",
  "hook update-ldcache": "Update the ld.so cache of a container (a helper hook)",
  "hook chmod": "Set the mode of paths in a container (a helper hook)",
  "hook enroot": "Give an enroot container its XPUs (the enroot hooks.d hook)",
};

/** The pass-through commands below the top-level command `group`, in PASS_THROUGH's order. */
export function passThroughCommands(group: string): Command[] {
  return PASS_THROUGH.filter((p) => p.path[0] === group).map((p) => ({
    name: p.path[1],
    summary: SUMMARIES[p.path.join(" ")] ?? "",
    usage: [],
    applet: p.applet,
  }));
}
