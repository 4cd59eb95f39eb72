/**
 * Podman, three ways: an OCI hooks.d file for the prestart hook (legacy mode only), an
 * `[engine.runtimes]` entry for the shim in a containers.conf drop-in, or a CDI spec, podman's
 * own way to add devices. Each file is written whole, with the marker, and only such a file is
 * replaced or removed.
 * @module
 */

import type { Plan } from "./engine.ts";
import { MARKER_COMMENT, MARKER_KEY, MARKER_VALUE, ownedRemove, ownedWrite } from "./marker.ts";
import { CONTAINERS_CONF_D } from "./podman_conf.ts";
import { tomlKey, tomlString } from "./toml_text.ts";
import { hookBinaryHook } from "../modes/our_hooks.ts";
import { VISIBLE_DEVICES } from "../config/variables.ts";

/** How podman gets XPUs. */
export type PodmanMode = "hook" | "runtime" | "cdi";

/** Every mode, in the order help lists them. */
export const PODMAN_MODES: readonly PodmanMode[] = ["hook", "runtime", "cdi"];

/**
 * CDI: podman's own mechanism, so no toolkit code runs in podman's container start, rootless
 * podman works too, and it serves legacy and csv hosts alike; the hook serves legacy hosts only,
 * and the runtime needs `--runtime` on every run (or becomes every container's runtime).
 */
export const DEFAULT_PODMAN_MODE: PodmanMode = "cdi";

/** The hook file's name inside podman's hooks directory. */
export const PODMAN_HOOK_FILE = "99-xpu-container-runtime-hook.json";

/** The CDI spec `--mode cdi` writes: the name the README's `cdi generate` example uses. */
export const PODMAN_CDI_SPEC = "/etc/cdi/xpu.yaml";

/** The containers.conf drop-in for `runtimeName`. */
export function podmanDropIn(runtimeName: string): string {
  return `${CONTAINERS_CONF_D}/99-${runtimeName}.conf`;
}

/** The hooks.d JSON (hooks schema 1.0.0) running `hookPath`, told about `configPath` if set. */
export function podmanHookText(hookPath: string, configPath: string | undefined): string {
  const hook = {
    [MARKER_KEY]: MARKER_VALUE,
    version: "1.0.0",
    hook: hookBinaryHook({ hookPath, configPath }, "prestart"),
    // Podman's `when` cannot look at the environment; the hook itself does nothing for
    // containers that ask for no XPU.
    when: { always: true },
    stages: ["prestart"],
  };
  return `${JSON.stringify(hook, null, 2)}\n`;
}

/** The containers.conf drop-in registering the shim as `runtimeName`. */
export function podmanDropInText(
  runtimeName: string,
  runtimePath: string,
  setAsDefault: boolean,
): string {
  const lines = [
    MARKER_COMMENT,
    `# The XPU runtime for podman: podman run --runtime ${runtimeName} -e ${VISIBLE_DEVICES}=0 …`,
    "",
  ];
  if (setAsDefault) lines.push("[engine]", `runtime = ${tomlString(runtimeName)}`, "");
  lines.push("[engine.runtimes]", `${tomlKey(runtimeName)} = [${tomlString(runtimePath)}]`, "");
  return lines.join("\n");
}

/** A CDI spec's YAML text with the marker on top. */
export function podmanCdiText(yaml: string): string {
  return `${MARKER_COMMENT}\n${yaml}`;
}

/** Writes `content` to `file`, which must be absent or carry the marker. */
export function configurePodman(file: string, content: string, notes: readonly string[]): Plan {
  return { changes: ownedWrite("podman", file, content), notes };
}

/** Removes `file`, which must be absent or carry the marker. */
export function unconfigurePodman(file: string): Plan {
  return { changes: ownedRemove("podman", file), notes: [] };
}
