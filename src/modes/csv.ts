/**
 * CSV mode: device nodes, read-only library mounts and helper hooks put into the spec from what
 * the CSV files list, so the devices survive cgroup rewrites and need no prestart cli call.
 * Loaded only for a container in csv mode.
 * @module
 */

import { readCsvSpecs } from "../discover/csv_spec.ts";
import { discoverHostFiles } from "../discover/host_files.ts";
import type { Step } from "./mode.ts";
import { csvEdits } from "./csv_edits.ts";
import { prepareRoot, removeOurHooks } from "./our_hooks.ts";
import { memoryInstance } from "./instance.ts";
import { rootlessDevices } from "./rootless.ts";
import { findBinary } from "../discover/binaries.ts";

/** What the CSV files list, found under the driver root. */
export const csv: Step = {
  name: "csv",
  run({ config, request, caller }) {
    // Only a mode that accepts annotations runs without a request; csv mode does not.
    if (!request) return { nothingToDo: "no device requested" };
    const specs = readCsvSpecs(config["xpu-container-runtime"].modes.csv["mount-spec-path"]);
    const files = discoverHostFiles(specs.entries, config["xpu-container-cli"].root);
    for (const w of [...specs.warnings, ...files.warnings]) caller.log.warn(w);
    return {
      edits: csvEdits(request, files, {
        ctkPath: findBinary("xpu-ctk", config, caller),
        configPath: caller.hookConfigPath,
      }),
    };
  },
};

/** CSV mode's steps, in order. */
export const CSV_STEPS: readonly Step[] = [
  removeOurHooks,
  csv,
  prepareRoot,
  memoryInstance,
  rootlessDevices,
];
