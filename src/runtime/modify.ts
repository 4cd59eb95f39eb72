/**
 * Giving a container its devices: under the bundle's lock, load its spec, let the mode change
 * it (modes/modify_spec.ts), and write it back if anything changed.
 * @module
 */

import type { Config } from "../config/schema.ts";
import type { Logger } from "../internal/log.ts";
import type { Caller } from "../modes/mode.ts";
import { modifySpec } from "../modes/modify_spec.ts";
import { SpecFile } from "../oci/spec_file.ts";
import { removeStaleTemps } from "../oci/stale_temps.ts";
import { lockDir } from "../internal/dir_lock.ts";

/** What modifyBundle needs besides the config. */
export interface ModifyContext extends Omit<Caller, "specPath"> {
  readonly log: Logger;
}

/**
 * Modifies `<bundle>/config.json` for an XPU container; leaves other containers untouched.
 * Creates of one bundle take turns (the bundle's lock), and each first removes the temp files
 * of rewrites that were killed.
 */
export async function modifyBundle(config: Config, ctx: ModifyContext): Promise<void> {
  const lock = lockDir(ctx.bundle);
  try {
    for (const note of removeStaleTemps(ctx.bundle)) ctx.log.info(note);
    const file = SpecFile.load(`${ctx.bundle}/config.json`);
    const mode = await modifySpec(config, file.spec, { ...ctx, specPath: file.path });
    if (mode === undefined) return;
    if (file.flush()) ctx.log.info(`${file.path}: ${mode} mode applied`);
    else ctx.log.debug(`${file.path}: already set up, left unchanged`);
  } finally {
    lock.release();
  }
}
