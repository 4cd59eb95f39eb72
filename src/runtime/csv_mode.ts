/**
 * The spec edits of csv mode: what the CSV files list, found under the driver root.
 * @module
 */

import type { Config } from "../config/schema.ts";
import type { Spec } from "../oci/spec.ts";
import type { ContainerEdits } from "../edits/edits.ts";
import type { DeviceRequest } from "../modes/request.ts";
import type { ModifyContext } from "./modify_context.ts";
import { readCsvSpecs } from "../discover/csv_spec.ts";
import { discoverHostFiles } from "../discover/host_files.ts";
import { csvEdits, prepareCsv } from "../modes/csv.ts";
import { findBinary } from "../discover/binaries.ts";

/** The csv-mode edits for `spec`; removes hooks of ours an earlier mode left in it. */
export function csvMode(
  spec: Spec,
  config: Config,
  request: DeviceRequest,
  ctx: ModifyContext,
): ContainerEdits {
  const specs = readCsvSpecs(config["xpu-container-runtime"].modes.csv["mount-spec-path"]);
  const files = discoverHostFiles(specs.entries, config["xpu-container-cli"].root);
  for (const w of [...specs.warnings, ...files.warnings]) ctx.log.warn(w);
  const edits = csvEdits(request, files, {
    ctkPath: findBinary("xpu-ctk", config, ctx),
    configPath: ctx.hookConfigPath,
  });
  const removed = prepareCsv(spec);
  if (removed > 0) ctx.log.debug(`Removed ${removed} earlier hook(s) of ours`);
  return edits;
}
