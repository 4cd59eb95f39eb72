/**
 * CRI-O: a drop-in under crio.conf.d; crio.conf itself is never edited.
 * @module
 */

import type { EngineOptions, Plan } from "./engine.ts";
import { MARKER_COMMENT, ownedRemove, ownedWrite } from "./marker.ts";
import { tomlKey, tomlString } from "./toml_text.ts";
import { dirName } from "../internal/fs.ts";

/** CRI-O's default config file. */
export const CRIO_CONFIG = "/etc/crio/crio.conf";

/** The drop-in for `runtimeName`: `crio.conf.d/99-<name>.conf` next to the config. */
export function crioDropIn(config: string, runtimeName: string): string {
  return `${dirName(config)}/crio.conf.d/99-${runtimeName}.conf`;
}

/** The drop-in's content. */
export function crioDropInText(o: EngineOptions): string {
  const lines = [MARKER_COMMENT, "# The XPU runtime for CRI-O.", ""];
  if (o.setAsDefault) {
    lines.push("[crio.runtime]", `default_runtime = ${tomlString(o.runtimeName)}`, "");
  }
  lines.push(
    `[crio.runtime.runtimes.${tomlKey(o.runtimeName)}]`,
    `runtime_path = ${tomlString(o.runtimePath)}`,
    `runtime_type = "oci"`,
    `runtime_root = ${tomlString(`/run/${o.runtimeName}`)}`,
    "",
  );
  return lines.join("\n");
}

const RESTART = "Restart CRI-O to use it: systemctl restart crio";

/** Writes the drop-in. */
export function configureCrio(o: EngineOptions): Plan {
  return {
    changes: ownedWrite("CRI-O", crioDropIn(o.config, o.runtimeName), crioDropInText(o)),
    notes: [RESTART],
  };
}

/** Removes the drop-in. */
export function unconfigureCrio(o: EngineOptions): Plan {
  return {
    changes: ownedRemove("CRI-O", crioDropIn(o.config, o.runtimeName)),
    notes: [RESTART],
  };
}
