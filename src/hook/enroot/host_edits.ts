/**
 * The container edits csv and cdi modes make for a request, computed for an enroot container,
 * which has no spec to apply them to: csv from the CSV specs under the driver root (each device
 * node with the host node it came from, which an enroot bind mount needs), cdi from the spec
 * directories.
 * @module
 */

import type { Config } from "../../config/schema.ts";
import { type ContainerEdits, mergeEdits } from "../../edits/edits.ts";
import type { DeviceRequest } from "../../modes/request.ts";
import { csvEdits } from "../../modes/csv.ts";
import { cdiEdits, requestedCdiNames } from "../../modes/cdi.ts";
import { readCsvSpecs } from "../../discover/csv_spec.ts";
import { discoverHostFiles } from "../../discover/host_files.ts";
import { loadRegistry } from "../../cdi/registry.ts";
import { kindOf } from "../../internal/cdi_names.ts";
import type { Logger } from "../../internal/log.ts";

/** The helper hooks' binary: enroot runs none of them, its setup reads their arguments. */
const HELPERS = { ctkPath: "xpu-ctk" };

/** csv mode's edits for `request`, each device node with its host node. */
export function csvHostEdits(config: Config, request: DeviceRequest, log: Logger): ContainerEdits {
  const specs = readCsvSpecs(config["xpu-container-runtime"].modes.csv["mount-spec-path"]);
  const files = discoverHostFiles(specs.entries, config["xpu-container-cli"].root);
  for (const w of [...specs.warnings, ...files.warnings]) log.warn(w);
  const edits = csvEdits(request, files, HELPERS);
  const hostPaths = new Map(files.devices.map((d) => [d.path, d.hostPath]));
  return {
    ...edits,
    deviceNodes: (edits.deviceNodes ?? []).map((n) => ({
      ...n,
      hostPath: hostPaths.get(n.path) ?? n.path,
    })),
  };
}

/** cdi mode's edits for `request`, from the configured spec directories. */
export async function cdiHostEdits(
  config: Config,
  request: DeviceRequest,
  log: Logger,
): Promise<ContainerEdits> {
  const names = requestedCdiNames({}, config, request);
  const kinds = new Set(names.map((n) => kindOf(n)!));
  const registry = await loadRegistry(
    config["xpu-container-runtime"].modes.cdi["spec-dirs"],
    kinds,
  );
  for (const p of registry.problems) log.warn(p);
  return mergeEdits(cdiEdits(names, registry));
}
