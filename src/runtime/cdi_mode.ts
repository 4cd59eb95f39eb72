/**
 * The spec edits of cdi mode: the requested devices' edits from the CDI specs.
 * @module
 */

import type { Config } from "../config/schema.ts";
import type { Spec } from "../oci/spec.ts";
import { type ContainerEdits, mergeEdits } from "../edits/edits.ts";
import type { DeviceRequest } from "../modes/request.ts";
import type { ModifyContext } from "./modify_context.ts";
import { cdiEdits, requestedCdiNames } from "../modes/cdi.ts";
import { loadRegistry } from "../cdi/registry.ts";
import { kindOf } from "../internal/cdi_names.ts";
import { SpecCache } from "../cdi/cache.ts";
import { prepareCsv } from "../modes/csv.ts";

/** The cdi-mode edits for `spec`, or undefined when it requests no CDI device. */
export async function cdiMode(
  spec: Spec,
  config: Config,
  request: DeviceRequest | undefined,
  ctx: ModifyContext,
): Promise<ContainerEdits | undefined> {
  const names = requestedCdiNames(spec, config, request);
  if (names.length === 0) return undefined;
  // requestedCdiNames has checked every name, so each has a kind.
  const kinds = new Set(names.map((n) => kindOf(n)!));
  const cdiConfig = config["xpu-container-runtime"].modes.cdi;
  const cache = cdiConfig["cache-dir"] ? SpecCache.open(cdiConfig["cache-dir"]) : undefined;
  if (typeof cache === "string") ctx.log.debug(`CDI spec cache not used: ${cache}`);
  const usable = typeof cache === "string" ? undefined : cache;
  const registry = await loadRegistry(cdiConfig["spec-dirs"], kinds, usable);
  const unsaved = usable?.save();
  if (unsaved) ctx.log.debug(`CDI spec cache not saved: ${unsaved}`);
  for (const p of registry.problems) ctx.log.warn(p);
  const edits = mergeEdits(cdiEdits(names, registry));
  prepareCsv(spec);
  ctx.log.debug(() => `CDI devices ${names.join(", ")}`);
  return edits;
}
