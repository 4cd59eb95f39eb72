/**
 * Giving a container its devices: load the bundle's spec, decide the mode, apply its edits,
 * write the spec back if anything changed.
 * @module
 */

import type { Config } from "../config/schema.ts";
import type { Logger } from "../internal/log.ts";
import { SpecFile } from "../oci/spec_file.ts";
import { deviceListArg, deviceRequest } from "../modes/request.ts";
import { resolveMode } from "../modes/resolve.ts";
import { legacyEdits } from "../modes/legacy.ts";
import { findHookBinary } from "../modes/hook_binary.ts";
import { applyEdits, isEmpty } from "../edits/edits.ts";

/** What modifyBundle needs besides the config. */
export interface ModifyContext {
  readonly bundle: string;
  readonly containerId: string | undefined;
  /** The config file the hook must be told about, when it is not the default one. */
  readonly hookConfigPath: string | undefined;
  /** The caller's PATH, for finding the hook binary. */
  readonly path: string | undefined;
  readonly log: Logger;
}

/** Modifies `<bundle>/config.json` for an XPU container; leaves other containers untouched. */
export function modifyBundle(config: Config, ctx: ModifyContext): void {
  const file = SpecFile.load(`${ctx.bundle}/config.json`);
  const request = deviceRequest(file.spec, config);
  if (!request) {
    ctx.log.debug(`${file.path}: not an XPU container, passed through unmodified`);
    return;
  }
  const { mode, facts } = resolveMode(config);
  ctx.log.debug(() =>
    `${file.path}: devices ${deviceListArg(request.devices) ?? "none"} from ${request.source}; ` +
    `mode ${mode} (${facts.join("; ")})`
  );
  const edits = legacyEdits(file.spec, request, {
    hookPath: findHookBinary(config, ctx.path),
    containerId: ctx.containerId,
    configPath: ctx.hookConfigPath,
  });
  if (isEmpty(edits)) {
    ctx.log.debug(`${file.path}: already set up, left unchanged`);
    return;
  }
  applyEdits(file.spec, edits);
  file.flush();
  const added = (edits.hooks ?? []).map((h) => h.hookName).join(", ");
  ctx.log.info(`${file.path}: ${mode} mode added ${added} hook(s)`);
}
