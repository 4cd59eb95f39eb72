/**
 * Deciding the mode for a container, with the facts that decided it (PRODUCT.md §3.2).
 * @module
 */

import type { Config, Mode } from "../config/schema.ts";
import type { Spec } from "../oci/spec.ts";
import { findCli } from "../discover/cli.ts";
import { csvFiles } from "../discover/csv_spec.ts";
import { findXpuml } from "../discover/library.ts";
import { type DeviceRequest, isCdiName } from "./request.ts";

/** A resolved mode and the reasons for it, for logs and `xpu-ctk info`. */
export interface Resolution {
  readonly mode: Exclude<Mode, "auto">;
  readonly facts: readonly string[];
}

/** What auto-detection looks at on the host. */
export interface HostFacts {
  /** The cli's path, or why it was not found. */
  readonly cli: { readonly found: boolean; readonly detail: string };
  /** Where libxpuml.so.1 is, if anywhere. */
  readonly xpuml: string | undefined;
  /** CSV spec files present. */
  readonly csvFiles: readonly string[];
}

/** Looks at the host: cli, management library, CSV specs. `path` is the caller's PATH. */
export function hostFacts(config: Config, path: string | undefined): HostFacts {
  const cli = findCli(config, path);
  return {
    cli: cli.found ? { found: true, detail: cli.path } : { found: false, detail: cli.problem },
    xpuml: findXpuml(config),
    csvFiles: csvFiles(config["xpu-container-runtime"].modes.csv["mount-spec-path"]),
  };
}

/** CDI annotations with a configured prefix. */
export function cdiAnnotations(spec: Spec, config: Config): string[] {
  const prefixes = config["xpu-container-runtime"].modes.cdi["annotation-prefixes"];
  return Object.keys(spec.annotations ?? {}).filter((k) => prefixes.some((p) => k.startsWith(p)))
    .sort();
}

/**
 * The mode for a container: the configured one, or for `auto` the first that applies of
 * cdi (a CDI device name or annotation), legacy (cli and libxpuml.so.1 found), csv (CSV specs
 * present), legacy. `facts` is called only for `auto`.
 */
export function resolveMode(
  config: Config,
  spec: Spec,
  request: DeviceRequest | undefined,
  facts: () => HostFacts,
): Resolution {
  const configured = config["xpu-container-runtime"].mode;
  if (configured !== "auto") {
    return { mode: configured, facts: [`mode "${configured}" is configured`] };
  }
  const cdiNames = request && Array.isArray(request.devices)
    ? request.devices.filter(isCdiName)
    : [];
  if (cdiNames.length > 0) {
    return { mode: "cdi", facts: [`CDI devices requested: ${cdiNames.join(", ")}`] };
  }
  const annotations = cdiAnnotations(spec, config);
  if (annotations.length > 0) {
    return { mode: "cdi", facts: [`CDI annotations: ${annotations.join(", ")}`] };
  }
  const host = facts();
  const said = [
    host.cli.found ? `xpu-container-cli found at ${host.cli.detail}` : host.cli.detail,
    host.xpuml
      ? `libxpuml.so.1 found at ${host.xpuml}`
      : "libxpuml.so.1 not found under the driver root or in the ld cache",
    host.csvFiles.length > 0 ? `CSV specs: ${host.csvFiles.join(", ")}` : "no CSV specs",
  ];
  if (host.cli.found && host.xpuml) return { mode: "legacy", facts: said };
  if (host.csvFiles.length > 0) return { mode: "csv", facts: said };
  return { mode: "legacy", facts: said };
}
