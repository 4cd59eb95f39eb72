/**
 * Deciding the mode for a container, with the facts that decided it (PRODUCT.md §3.2).
 * @module
 */

import type { Config, Mode } from "../config/schema.ts";
import type { Spec } from "../oci/spec.ts";
import { type BinaryLookup, lookupBinary } from "../discover/binaries.ts";
import { csvFiles } from "../discover/csv_spec.ts";
import { findXpuml } from "../discover/library.ts";
import type { DeviceRequest } from "./request.ts";
import { isQualifiedName } from "../internal/cdi_names.ts";

/** A resolved mode and the reasons for it, for logs and `xpu-ctk info`. */
export interface Resolution {
  readonly mode: Exclude<Mode, "auto">;
  readonly facts: readonly string[];
}

/** What auto-detection can look at on the host; each fact is looked up once, when first asked. */
export interface HostProbe {
  /** The cli's path, or why it was not found. */
  cli(): BinaryLookup;
  /** Where libxpuml.so.1 is, if anywhere. */
  xpuml(): string | undefined;
  /** CSV spec files present. */
  csvFiles(): readonly string[];
}

function once<T>(f: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = f();
      done = true;
    }
    return value;
  };
}

/** A probe of this host for `config`; `path` is the caller's PATH. Nothing is read until asked. */
export function hostProbe(config: Config, path: string | undefined): HostProbe {
  return {
    cli: once(() => lookupBinary("xpu-container-cli", config, { path })),
    xpuml: once(() => findXpuml(config)),
    csvFiles: once(() => csvFiles(config["xpu-container-runtime"].modes.csv["mount-spec-path"])),
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
 * present), legacy. Only the facts that decide it are looked at, and they are the `facts`.
 */
export function resolveMode(
  config: Config,
  spec: Spec,
  request: DeviceRequest | undefined,
  host: HostProbe,
): Resolution {
  const configured = config["xpu-container-runtime"].mode;
  if (configured !== "auto") {
    return { mode: configured, facts: [`mode "${configured}" is configured`] };
  }
  const cdiNames = request && Array.isArray(request.devices)
    ? request.devices.filter(isQualifiedName)
    : [];
  if (cdiNames.length > 0) {
    return { mode: "cdi", facts: [`CDI devices requested: ${cdiNames.join(", ")}`] };
  }
  const annotations = cdiAnnotations(spec, config);
  if (annotations.length > 0) {
    return { mode: "cdi", facts: [`CDI annotations: ${annotations.join(", ")}`] };
  }
  const facts: string[] = [];
  const cli = host.cli();
  facts.push(cli.found ? `xpu-container-cli found at ${cli.path}` : cli.problem);
  if (cli.found) {
    const xpuml = host.xpuml();
    facts.push(
      xpuml
        ? `libxpuml.so.1 found at ${xpuml}`
        : "libxpuml.so.1 not found under the driver root or in the ld cache",
    );
    if (xpuml) return { mode: "legacy", facts };
  }
  const csv = host.csvFiles();
  facts.push(csv.length > 0 ? `CSV specs: ${csv.join(", ")}` : "no CSV specs");
  return { mode: csv.length > 0 ? "csv" : "legacy", facts };
}
