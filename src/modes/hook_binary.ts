/**
 * Where the hook binary the runtime injects lives.
 * @module
 */

import type { Config } from "../config/schema.ts";
import { isExecutableFile, lookPath, searchDirs } from "../internal/lookpath.ts";
import { besideInvoked } from "../internal/argv0.ts";

/** Installed location used when the hook is on no PATH. */
export const DEFAULT_HOOK_PATH = "/usr/bin/xpu-container-runtime-hook";

/** `name` beside the binary running now (`argv0`), else on `dirs`; `tried` collects the paths. */
function besideOrOn(
  name: string,
  argv0: string,
  dirs: readonly string[],
  tried: string[],
): string | undefined {
  const near = besideInvoked(argv0, name);
  if (near) {
    tried.push(near);
    if (isExecutableFile(near)) return near;
  }
  return lookPath(name, dirs, tried);
}

/**
 * The hook binary: config `[xpu-container-runtime-hook] path`, else the one beside the binary
 * running now (`argv0`), else `xpu-container-runtime-hook` on `path`, else DEFAULT_HOOK_PATH.
 * Throws naming what was looked at when none is executable.
 */
export function findHookBinary(config: Config, path: string | undefined, argv0 = ""): string {
  const configured = config["xpu-container-runtime-hook"].path;
  if (configured) {
    if (isExecutableFile(configured)) return configured;
    throw new Error(
      `Hook binary "${configured}" (xpu-container-runtime-hook.path) is not an executable file`,
    );
  }
  const tried: string[] = [];
  const dirs = [...new Set((path ?? "").split(":").filter((d) => d.startsWith("/")))];
  const found = besideOrOn("xpu-container-runtime-hook", argv0, dirs, tried) ??
    lookPath(DEFAULT_HOOK_PATH, [], tried);
  if (found) return found;
  throw new Error(
    `Hook binary xpu-container-runtime-hook not found: tried ${[...new Set(tried)].join(", ")}; ` +
      `set xpu-container-runtime-hook.path in the config`,
  );
}

/**
 * The xpu-ctk binary for helper hooks: config `[xpu-ctk] path`, else the `xpu-ctk` beside the
 * binary running now (`argv0`), else `xpu-ctk` on `path` or the system dirs. Throws when none.
 */
export function findCtkBinary(config: Config, argv0: string, path: string | undefined): string {
  const configured = config["xpu-ctk"].path;
  if (configured) {
    if (isExecutableFile(configured)) return configured;
    throw new Error(`xpu-ctk binary "${configured}" (xpu-ctk.path) is not an executable file`);
  }
  const tried: string[] = [];
  const found = besideOrOn("xpu-ctk", argv0, searchDirs(path), tried);
  if (found) return found;
  throw new Error(
    `xpu-ctk not found for helper hooks: tried ${tried.join(", ")}; set xpu-ctk.path in the config`,
  );
}
