/**
 * The toolkit's own config for `runtime configure`, whose `--config` names the engine's file:
 * the engines that run the toolkit need to know which config it reads and what mode it gives.
 * @module
 */

import type { CommandContext } from "./command.ts";
import type { ToolkitFacts } from "../engine/engine.ts";
import { loadForCli } from "./config.ts";
import { configPathForHooks, type LoadedConfig } from "../config/load.ts";
import { hostProbe, resolveMode } from "../modes/resolve.ts";
import { writeStderr } from "../internal/io.ts";

/** Prints `message` as a warning of xpu-ctk. */
export function warn(message: string): void {
  writeStderr(`xpu-ctk: warning: ${message}\n`);
}

/** The toolkit's config (global `--config`, else the default); its warnings are printed. */
export async function toolkitConfig(ctx: CommandContext): Promise<LoadedConfig> {
  // The command table lets this command's --config override a global one; when given, the
  // global one cannot be told apart, so the default config applies.
  return await loadForCli({
    ...ctx,
    configPath: ctx.values.config === undefined ? ctx.configPath : undefined,
  });
}

/** The config a hook must be told to read, and the mode an XPU container on this host gets. */
export async function toolkitFacts(ctx: CommandContext): Promise<ToolkitFacts> {
  const loaded = await toolkitConfig(ctx);
  const probe = hostProbe(loaded.config, Deno.env.get("PATH"));
  return {
    configPath: configPathForHooks(loaded),
    host: resolveMode(loaded.config, {}, undefined, probe),
  };
}
