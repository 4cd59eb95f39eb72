/**
 * Giving a container its devices: load the bundle's spec, decide the mode, apply its edits,
 * write the spec back if anything changed.
 * @module
 */

import type { Config } from "../config/schema.ts";
import type { Logger } from "../internal/log.ts";
import { SpecFile } from "../oci/spec_file.ts";
import { deviceListArg, type DeviceRequest, deviceRequest } from "../modes/request.ts";
import { hostProbe, resolveMode } from "../modes/resolve.ts";
import { legacyEdits } from "../modes/legacy.ts";
import { findCtkBinary, findHookBinary } from "../modes/hook_binary.ts";
import { applyEdits, type ContainerEdits, isEmpty, mergeEdits } from "../edits/edits.ts";
import type { Spec } from "../oci/spec.ts";

/** What modifyBundle needs besides the config. */
export interface ModifyContext {
  readonly bundle: string;
  readonly containerId: string | undefined;
  /** The config file injected hooks must be told about, when it is not the default one. */
  readonly hookConfigPath: string | undefined;
  /** The caller's PATH, for finding binaries. */
  readonly path: string | undefined;
  /** argv[0] of this process, to find the xpu-ctk beside it. */
  readonly argv0: string;
  readonly log: Logger;
}

async function csvMode(
  spec: Spec,
  config: Config,
  request: DeviceRequest,
  ctx: ModifyContext,
): Promise<ContainerEdits> {
  // Loaded together: each module is a file to read and compile, and they overlap.
  const [{ readCsvSpecs }, { discoverHostFiles }, { csvEdits, prepareCsv }] = await Promise.all([
    import("../discover/csv_spec.ts"),
    import("../discover/host_files.ts"),
    import("../modes/csv.ts"),
  ]);
  const specs = readCsvSpecs(config["xpu-container-runtime"].modes.csv["mount-spec-path"]);
  const files = discoverHostFiles(specs.entries, config["xpu-container-cli"].root);
  for (const w of [...specs.warnings, ...files.warnings]) ctx.log.warn(w);
  const edits = csvEdits(request, files, {
    ctkPath: findCtkBinary(config, ctx.argv0, ctx.path),
    configPath: ctx.hookConfigPath,
  });
  const removed = prepareCsv(spec);
  if (removed > 0) ctx.log.debug(`Removed ${removed} earlier hook(s) of ours`);
  return edits;
}

async function cdiMode(
  spec: Spec,
  config: Config,
  request: DeviceRequest | undefined,
  ctx: ModifyContext,
): Promise<ContainerEdits | undefined> {
  const [{ requestedCdiNames, cdiEdits }, { loadRegistry }, { prepareCsv }] = await Promise.all([
    import("../modes/cdi.ts"),
    import("../cdi/registry.ts"),
    import("../modes/csv.ts"),
  ]);
  const names = requestedCdiNames(spec, config, request);
  if (names.length === 0) return undefined;
  const kinds = new Set(names.map((n) => n.slice(0, n.indexOf("="))));
  const registry = await loadRegistry(
    config["xpu-container-runtime"].modes.cdi["spec-dirs"],
    kinds,
  );
  for (const p of registry.problems) ctx.log.warn(p);
  const edits = mergeEdits(cdiEdits(names, registry));
  prepareCsv(spec);
  ctx.log.debug(() => `CDI devices ${names.join(", ")}`);
  return edits;
}

/** Modifies `<bundle>/config.json` for an XPU container; leaves other containers untouched. */
export async function modifyBundle(config: Config, ctx: ModifyContext): Promise<void> {
  const file = SpecFile.load(`${ctx.bundle}/config.json`);
  const spec = file.spec;
  const request = deviceRequest(spec, config);
  const resolution = resolveMode(config, spec, request, hostProbe(config, ctx.path));
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
  let edits: ContainerEdits;
  switch (resolution.mode) {
    case "legacy":
      edits = legacyEdits(spec, request!, {
        hookPath: findHookBinary(config, ctx.path, ctx.argv0),
        containerId: ctx.containerId,
        configPath: ctx.hookConfigPath,
      });
      break;
    case "csv":
      edits = await csvMode(spec, config, request!, ctx);
      break;
    case "cdi": {
      const result = await cdiMode(spec, config, request, ctx);
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
  if (file.flush()) ctx.log.info(`${file.path}: ${resolution.mode} mode applied`);
  else ctx.log.debug(`${file.path}: already set up, left unchanged`);
}
