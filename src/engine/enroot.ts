/**
 * enroot: a hooks.d script that hands over to `xpu-ctk hook enroot`. enroot runs every
 * executable `*.sh` in its hooks.d before a container starts; the script only execs the toolkit
 * with fixed arguments, so no shell code ever sees what the container or the user asked for.
 * @module
 */

import type { EngineOptions, Plan } from "./engine.ts";
import { MARKER_COMMENT, ownedRemove, ownedWrite } from "./marker.ts";
import { VISIBLE_DEVICES } from "../config/variables.ts";
import { ENROOT_HOOK } from "../internal/argv0.ts";
import { shellQuote } from "../internal/quote.ts";

/** The hook enroot runs, in the hooks.d of its packages' ENROOT_SYSCONF_PATH (/etc/enroot). */
export const ENROOT_HOOK_FILE = "/etc/enroot/hooks.d/98-xpu.sh";

/** The hook script running `ctkPath`, told about `configPath` if set. */
export function enrootHookText(ctkPath: string, configPath: string | undefined): string {
  const args = ["hook", ENROOT_HOOK, ...(configPath === undefined ? [] : ["--config", configPath])];
  return [
    "#!/bin/sh",
    MARKER_COMMENT,
    `# enroot runs this before a container starts: enroot start -e ${VISIBLE_DEVICES}=0 IMAGE`,
    `exec ${[ctkPath, ...args].map(shellQuote).join(" ")}`,
    "",
  ].join("\n");
}

const NOTES = [
  `Run XPU containers with: enroot start -e ${VISIBLE_DEVICES}=0 IMAGE (with ` +
  "ENROOT_RESTRICT_DEV=y in enroot.conf, a container sees no other host device)",
];

/** Writes the hook (executable: enroot skips a hook it cannot run). */
export function configureEnroot(o: EngineOptions): Plan {
  const text = enrootHookText(o.runtimePath, o.toolkit?.configPath);
  return { changes: ownedWrite("enroot", o.config, text, 0o755), notes: NOTES };
}

/** Removes the hook. */
export function unconfigureEnroot(o: EngineOptions): Plan {
  return { changes: ownedRemove("enroot", o.config), notes: [] };
}
