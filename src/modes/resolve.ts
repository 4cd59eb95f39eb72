/**
 * Deciding the mode for a container, with the facts that decided it.
 * @module
 */

import type { Config, Mode } from "../config/schema.ts";

/** Modes this version can apply. */
export const IMPLEMENTED_MODES: readonly Mode[] = ["legacy"];

/** A resolved mode and the reasons for it, for logs and `xpu-ctk info`. */
export interface Resolution {
  readonly mode: Exclude<Mode, "auto">;
  readonly facts: readonly string[];
}

/** Resolves the configured mode for one container. */
export function resolveMode(config: Config): Resolution {
  const configured = config["xpu-container-runtime"].mode;
  if (configured !== "auto") {
    if (!IMPLEMENTED_MODES.includes(configured)) {
      throw new Error(
        `Mode "${configured}" (xpu-container-runtime.mode) is not available in this version; use ${
          IMPLEMENTED_MODES.map((m) => `"${m}"`).join(" or ")
        } or "auto"`,
      );
    }
    return { mode: configured, facts: [`mode "${configured}" is configured`] };
  }
  return { mode: "legacy", facts: ['mode "auto": legacy is the only mode this version detects'] };
}
