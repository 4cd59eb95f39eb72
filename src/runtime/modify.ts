/**
 * Giving a container its devices: load the bundle's spec, decide the mode, apply its edits,
 * write the spec back if anything changed.
 * @module
 */

import type { Config } from "../config/schema.ts";
import type { ModifyContext } from "./modify_context.ts";
import { SpecFile } from "../oci/spec_file.ts";
import type { Spec } from "../oci/spec.ts";
import {
  deviceListArg,
  type DeviceRequest,
  deviceRequest,
  envMap,
  memoryLimitOf,
  RequestError,
} from "../modes/request.ts";
import { type HostProbe, hostProbe, type Resolution, resolveMode } from "../modes/resolve.ts";
import { removeStaleTemps } from "../oci/stale_temps.ts";
import { lockDir } from "../internal/dir_lock.ts";
import { legacyEdits } from "../modes/legacy.ts";
import { instanceDevices, instanceHooks, replaceInstanceHooks } from "../modes/instance.ts";
import { CLI_NAME, findBinary } from "../discover/binaries.ts";
import {
  applyEdits,
  type ContainerEdits,
  isEmpty,
  type NamedHook,
  restoreHookOrder,
} from "../edits/edits.ts";

/**
 * Modifies `<bundle>/config.json` for an XPU container; leaves other containers untouched.
 * Creates of one bundle take turns (the bundle's lock), and each first removes the temp files
 * of rewrites that were killed.
 */
export async function modifyBundle(config: Config, ctx: ModifyContext): Promise<void> {
  const lock = lockDir(ctx.bundle);
  try {
    for (const note of removeStaleTemps(ctx.bundle)) ctx.log.info(note);
    await modifyLocked(config, ctx);
  } finally {
    lock.release();
  }
}

async function modifyLocked(config: Config, ctx: ModifyContext): Promise<void> {
  const file = SpecFile.load(`${ctx.bundle}/config.json`);
  const spec = file.spec;
  const request = deviceRequest(spec, config);
  const host = hostProbe(config, ctx.path);
  const resolution = resolveMode(config, spec, request, host);
  if (!request && resolution.mode !== "cdi") {
    ctx.log.debug(`${file.path}: not an XPU container, passed through unmodified`);
    return;
  }
  ctx.log.debug(() =>
    `${file.path}: devices ${
      request ? deviceListArg(request.devices) ?? "none" : "from annotations"
    }; ` +
    `mode ${resolution.mode} (${resolution.facts.join("; ")})`
  );
  const hookOrder = Object.keys(spec.hooks ?? {});
  let edits: ContainerEdits;
  switch (resolution.mode) {
    case "legacy":
      edits = legacyEdits(spec, {
        hookPath: findBinary("xpu-container-runtime-hook", config, ctx),
        configPath: ctx.hookConfigPath,
      });
      break;
    case "csv":
      // Each mode's modules load as one lazy chunk, only when the mode is used.
      edits = (await import("./csv_mode.ts")).csvMode(spec, config, request!, ctx);
      break;
    case "cdi": {
      const result = await (await import("./cdi_mode.ts")).cdiMode(spec, config, request, ctx);
      if (!result) {
        ctx.log.debug(`${file.path}: cdi mode, but no device requested; passed through unmodified`);
        return;
      }
      edits = result;
      break;
    }
  }
  const existing = new Map((spec.mounts ?? []).map((m) => [m.destination, m.source]));
  for (const mount of edits.mounts ?? []) {
    if (existing.has(mount.destination)) {
      const old = existing.get(mount.destination) ?? "?";
      ctx.log.info(`${file.path}: mount at ${mount.destination} from ${old} replaced`);
    }
  }
  if (!isEmpty(edits)) applyEdits(spec, edits);
  replaceInstanceHooks(spec, memoryInstanceHooks(config, spec, request, resolution, host, ctx));
  restoreHookOrder(spec, hookOrder);
  if (file.flush()) ctx.log.info(`${file.path}: ${resolution.mode} mode applied`);
  else ctx.log.debug(`${file.path}: already set up, left unchanged`);
}

/**
 * The memory limit's instance hooks for the container being created, once the mode's edits
 * are in `spec` (cdi devices are known by their nodes then); none without a limit or devices.
 * Throws when the limit cannot be carried out, before the spec is written.
 */
function memoryInstanceHooks(
  config: Config,
  spec: Spec,
  request: DeviceRequest | undefined,
  resolution: Resolution,
  host: HostProbe,
  ctx: ModifyContext,
): NamedHook[] {
  // Devices from CDI annotations alone make no request, but the limit is the container's still.
  const limit = request ? request.memoryLimit : memoryLimitOf(envMap(spec.process?.env));
  if (limit === undefined) return [];
  const devices = instanceDevices(spec, request);
  if (devices === undefined) {
    if (request?.devices === "none") {
      ctx.log.debug(`${limit.variable} is set, but no devices are requested: no instance`);
      return [];
    }
    throw new RequestError(
      `${limit.variable} is set, but the requested CDI devices add no /dev/xpu<N> node ` +
        `whose memory it could limit`,
    );
  }
  if (resolution.mode !== "legacy") {
    // Legacy mode needs the cli for every container, and its prestart hook says so.
    const cli = host.cli();
    if (!cli.found) {
      throw new Error(
        // deno-lint-ignore xpu-messages/values-quoted -- a mode's name
        `${limit.variable} is set, and ${resolution.mode} mode needs ${CLI_NAME} to create ` +
          `the container's XPU memory instance: ${cli.problem}`,
      );
    }
  }
  if (!ctx.containerId) {
    throw new Error(`Cannot set ${limit.variable} up: no container id on the command line`);
  }
  return instanceHooks({
    hookPath: findBinary("xpu-container-runtime-hook", config, ctx),
    containerId: ctx.containerId,
    configPath: ctx.hookConfigPath,
  });
}
