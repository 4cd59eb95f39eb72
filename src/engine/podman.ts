/**
 * Podman: an OCI hooks.d file running the prestart hook (podman has no runtime shim slot for
 * this; CDI is its native way, and the advice says so).
 * @module
 */

import { type EngineOptions, type Plan, writeIfChanged } from "./engine.ts";
import { HOOK_ENV } from "../modes/legacy.ts";

/** Where the hook file goes by default. */
export const PODMAN_HOOK = "/etc/containers/oci/hooks.d/99-xpu-container-runtime-hook.json";

/** The hooks.d JSON (hooks schema 1.0.0). */
export function podmanHookText(o: EngineOptions): string {
  const hook = {
    version: "1.0.0",
    hook: {
      path: o.runtimePath,
      args: ["xpu-container-runtime-hook", "prestart"],
      env: [...HOOK_ENV],
    },
    // Podman's `when` cannot look at the environment; the hook itself does nothing for
    // containers that ask for no XPU.
    when: { always: true },
    stages: ["prestart"],
  };
  return `${JSON.stringify(hook, null, 2)}\n`;
}

const ADVICE = [
  "Podman also takes XPUs through CDI, without any hook:",
  "  xpu-ctk cdi generate --output /etc/cdi/xpu.yaml",
  "  podman run --device kunlunxin.com/xpu=0 …",
];

/** Writes the hooks.d file. */
export function configurePodman(o: EngineOptions): Plan {
  return { changes: writeIfChanged(o.config, podmanHookText(o), false), notes: ADVICE };
}

/** Removes the hooks.d file. */
export function unconfigurePodman(o: EngineOptions): Plan {
  return { changes: [{ kind: "remove", path: o.config }], notes: [] };
}
