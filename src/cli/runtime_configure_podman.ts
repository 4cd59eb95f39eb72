/**
 * `runtime configure|unconfigure --runtime=podman [--mode hook|runtime|cdi]`: which file each
 * mode writes, its content, and the advice after it.
 * @module
 */

import { binaryWhere, type CommandContext, usageError } from "./command.ts";
import { type Plan, readIfExists } from "../engine/engine.ts";
import { hasMarker } from "../engine/marker.ts";
import {
  DEFAULT_PODMAN_MODE,
  PODMAN_MODES,
  podmanDropInText,
  podmanHookText,
  type PodmanMode,
} from "../engine/podman.ts";
import type { PodmanEngine } from "../engine/registry.ts";
import { hostHooksDirs, podmanFile } from "../engine/podman_files.ts";
import { podmanCdiSpec } from "../engine/podman_cdi.ts";
import { configPathForHooks } from "../config/load.ts";
import { toolkitConfig, warn } from "./toolkit_config.ts";
import { generateOptions } from "./cdi_options.ts";
import { hostProbe, resolveMode } from "../modes/resolve.ts";
import { VISIBLE_DEVICES } from "../config/variables.ts";
import { binaryPath, isExecutableFile } from "../discover/binaries.ts";

/** What the podman part needs from the shared command. */
export interface PodmanRequest {
  readonly engine: PodmanEngine;
  readonly runtimeName: string;
}

function option(ctx: CommandContext, name: string): string | undefined {
  return ctx.values[name] as string | undefined;
}

function parseMode(ctx: CommandContext): PodmanMode | undefined {
  const mode = option(ctx, "mode");
  if (mode === undefined || (PODMAN_MODES as readonly string[]).includes(mode)) {
    return mode as PodmanMode | undefined;
  }
  throw usageError(ctx, `Unknown --mode "${mode}": expected hook, runtime or cdi`);
}

function checkUsage(ctx: CommandContext, mode: PodmanMode): void {
  if (ctx.values["set-as-default"] === true && mode !== "runtime") {
    throw usageError(ctx, `--set-as-default needs --mode runtime (podman has no default hook)`);
  }
  const config = option(ctx, "config");
  if (mode === "cdi" && config !== undefined && !config.endsWith(".yaml")) {
    throw usageError(
      ctx,
      `--config "${config}" must end in ".yaml" for --mode cdi: podman reads .yaml and .json ` +
        `specs, and only YAML can carry the toolkit's marker`,
    );
  }
}

async function configureHook(ctx: CommandContext, req: PodmanRequest): Promise<Plan> {
  const given = option(ctx, "config");
  const dirs = given === undefined ? hostHooksDirs() : undefined;
  const loaded = await toolkitConfig(ctx);
  const hook = option(ctx, "runtime-path") ??
    binaryPath(req.engine.binaries.hook, loaded.config, binaryWhere(ctx));
  const notes: string[] = [];
  if (dirs) {
    const source = dirs.source ? `hooks_dir in "${dirs.source}"` : "its default";
    notes.push(`podman reads hooks from ${dirs.dirs.join(", ")} (${source})`);
  }
  notes.push(`Run XPU containers with: podman run -e ${VISIBLE_DEVICES}=0 …`);
  if (!isExecutableFile(hook)) {
    notes.push(`Warning: "${hook}" is not an executable file; podman skips a hook it cannot run`);
  }
  const probe = hostProbe(loaded.config, Deno.env.get("PATH"));
  const host = resolveMode(loaded.config, {}, undefined, probe);
  const cli = probe.cli();
  if (host.mode !== "legacy") {
    notes.push(
      `Warning: this host needs ${host.mode} mode (${host.facts.join("; ")}), which the hook ` +
        `cannot carry out: use --mode runtime or --mode cdi`,
    );
  } else if (!cli.found) {
    notes.push(`Warning: ${cli.problem}; the hook needs it for every XPU container`);
  }
  const text = podmanHookText(hook, configPathForHooks(loaded));
  return req.engine.configure(given ?? podmanFile("hook", req.runtimeName, dirs), text, notes);
}

function configureRuntime(ctx: CommandContext, req: PodmanRequest): Plan {
  const shim = option(ctx, "runtime-path") ??
    binaryPath(req.engine.binaries.runtime, undefined, binaryWhere(ctx));
  const setAsDefault = ctx.values["set-as-default"] === true;
  const text = podmanDropInText(req.runtimeName, shim, setAsDefault);
  const notes = [
    setAsDefault
      ? `podman now runs every container through ${shim}; XPU containers: podman run -e ${VISIBLE_DEVICES}=0 …`
      : `Run XPU containers with: podman run --runtime ${req.runtimeName} -e ${VISIBLE_DEVICES}=0 …`,
  ];
  return req.engine.configure(
    option(ctx, "config") ?? podmanFile("runtime", req.runtimeName),
    text,
    notes,
  );
}

async function configureCdi(ctx: CommandContext, req: PodmanRequest): Promise<Plan> {
  const loaded = await toolkitConfig(ctx);
  const spec = await podmanCdiSpec(
    generateOptions(loaded, { ctkPath: option(ctx, "runtime-path") }, binaryWhere(ctx)),
  );
  for (const w of spec.warnings) warn(w);
  return req.engine.configure(
    option(ctx, "config") ?? podmanFile("cdi", req.runtimeName),
    spec.text,
    [
      `Run XPU containers with: podman run --device ${spec.devices[0]} … (devices: ${
        spec.devices.join(", ")
      })`,
      "Configure again when the devices or the driver change",
    ],
  );
}

/** Without --mode or --config: every mode's file that carries the marker; others are kept. */
function unconfigureAll(req: PodmanRequest): Plan {
  const changes = PODMAN_MODES.map((mode) => podmanFile(mode, req.runtimeName)).flatMap((file) => {
    const text = readIfExists(file);
    if (text === undefined) return [];
    if (!hasMarker(text)) {
      warn(`"${file}" was not written by xpu-ctk runtime configure; it was left unchanged`);
      return [];
    }
    return req.engine.unconfigure(file).changes;
  });
  return { changes, notes: [] };
}

/** The plan for `runtime configure|unconfigure --runtime=podman`. */
export async function podmanPlan(
  ctx: CommandContext,
  action: "configure" | "unconfigure",
  req: PodmanRequest,
): Promise<Plan> {
  const given = parseMode(ctx);
  const mode = given ?? DEFAULT_PODMAN_MODE;
  if (action === "unconfigure") {
    const file = option(ctx, "config");
    if (file !== undefined) return req.engine.unconfigure(file);
    if (given === undefined) return unconfigureAll(req);
    return req.engine.unconfigure(podmanFile(mode, req.runtimeName));
  }
  checkUsage(ctx, mode);
  switch (mode) {
    case "hook":
      return await configureHook(ctx, req);
    case "runtime":
      return configureRuntime(ctx, req);
    case "cdi":
      return await configureCdi(ctx, req);
  }
}
