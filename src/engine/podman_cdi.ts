/**
 * The CDI spec `runtime configure --runtime=podman --mode cdi` writes: `xpu-ctk cdi generate`'s
 * spec, in YAML (a comment carries the marker), refused when the host has no device to put in it.
 * @module
 */

import { formatSpec, type GenerateOptions, generateSpec } from "../cdi/generate.ts";
import { podmanCdiText } from "./podman.ts";

/** The spec's text, the device names it defines, and what generating it warned about. */
export interface PodmanCdiSpec {
  readonly text: string;
  readonly devices: readonly string[];
  readonly warnings: readonly string[];
}

/** Generates the spec for `opts`. Throws when no /dev/xpu<N> is found: such a spec is useless. */
export async function podmanCdiSpec(opts: GenerateOptions): Promise<PodmanCdiSpec> {
  const { spec, warnings } = generateSpec(opts);
  if (spec.devices.length === 0) {
    throw new Error(
      `Cannot configure podman for CDI: no /dev/xpu<N> device under "${opts.devRoot}"; ` +
        `load the driver first, or use --mode runtime`,
    );
  }
  return {
    text: podmanCdiText(await formatSpec(spec, "yaml")),
    devices: spec.devices.map((d) => `${spec.kind}=${d.name}`),
    warnings,
  };
}
