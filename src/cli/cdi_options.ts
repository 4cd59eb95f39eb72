/**
 * What `cdi generate` and `runtime configure --runtime=podman --mode cdi` generate a spec from:
 * the host's config, with the command line's choices over it.
 * @module
 */

import type { GenerateOptions } from "../cdi/generate.ts";
import { configPathForHooks, type LoadedConfig } from "../config/load.ts";
import { csvFiles } from "../discover/csv_spec.ts";
import { findBinary, type Where } from "../discover/binaries.ts";

/** The choices a command line may make; each defaults to the config's. */
export interface GenerateChoices {
  readonly kind?: string | undefined;
  readonly driverRoot?: string | undefined;
  /** The root under which dev/ lives, as in nvidia-ctk (default: the driver root). */
  readonly devRoot?: string | undefined;
  readonly from?: "csv" | "devices" | undefined;
  readonly ctkPath?: string | undefined;
}

/** The options to generate this host's spec with; its hooks' xpu-ctk is found from `where`. */
export function generateOptions(
  loaded: LoadedConfig,
  choices: GenerateChoices,
  where: Where,
): GenerateOptions {
  const config = loaded.config;
  const driverRoot = (choices.driverRoot ?? config["xpu-container-cli"].root).replace(/\/+$/, "");
  const csvDir = config["xpu-container-runtime"].modes.csv["mount-spec-path"];
  return {
    kind: choices.kind ?? config["xpu-container-runtime"].modes.cdi["default-kind"],
    devRoot: `${(choices.devRoot ?? driverRoot).replace(/\/+$/, "")}/dev`,
    driverRoot,
    from: choices.from ?? (csvFiles(csvDir).length > 0 ? "csv" : "devices"),
    csvDir,
    ctkPath: choices.ctkPath ?? findBinary("xpu-ctk", config, where),
    configPath: configPathForHooks(loaded),
  };
}
