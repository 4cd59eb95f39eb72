/**
 * containerd: the runtime goes in a drop-in file; the operator's config.toml changes only in its
 * top-level `imports` list, edited in place so its comments and layout stay.
 * @module
 */

import { type EngineOptions, type Plan, readIfExists, writeIfChanged } from "./engine.ts";
import { parseToml } from "../config/toml.ts";
import { removeFromToml, setInToml } from "../config/edit.ts";
import { errorMessage } from "../internal/errors.ts";
import { dirName } from "../internal/fs.ts";

/** containerd's default config file. */
export const CONTAINERD_CONFIG = "/etc/containerd/config.toml";

/** The drop-in file for `runtimeName` next to the config: `conf.d/99-<name>.toml`. */
export function containerdDropIn(config: string, runtimeName: string): string {
  return `${dirName(config)}/conf.d/99-${runtimeName}.toml`;
}

function load(path: string): { text: string; doc: Record<string, unknown> } {
  const text = readIfExists(path) ?? "";
  try {
    return { text, doc: parseToml(text, `"${path}"`) };
  } catch (e) {
    throw new Error(`Cannot configure containerd: ${errorMessage(e)}; it was left unchanged`);
  }
}

/** The drop-in's content for config `version` 2 (containerd 1.x) or 3 (containerd 2.x). */
export function containerdDropInText(o: EngineOptions, version: number): string {
  const cri = version >= 3
    ? 'plugins."io.containerd.cri.v1.runtime".containerd'
    : 'plugins."io.containerd.grpc.v1.cri".containerd';
  const lines = [
    "# Written by xpu-ctk runtime configure: the XPU runtime for containerd.",
    `version = ${version >= 3 ? 3 : 2}`,
    "",
  ];
  if (o.setAsDefault) {
    lines.push(`[${cri}]`, `  default_runtime_name = ${JSON.stringify(o.runtimeName)}`, "");
  }
  lines.push(
    `[${cri}.runtimes.${o.runtimeName}]`,
    `  runtime_type = "io.containerd.runc.v2"`,
    "",
    `[${cri}.runtimes.${o.runtimeName}.options]`,
    `  BinaryName = ${JSON.stringify(o.runtimePath)}`,
    "",
  );
  return lines.join("\n");
}

const RESTART = "Restart containerd to use it: systemctl restart containerd";

/** Writes the drop-in and adds it to `imports`. */
export function configureContainerd(o: EngineOptions): Plan {
  const { text, doc } = load(o.config);
  const version = typeof doc.version === "number" || typeof doc.version === "bigint"
    ? Number(doc.version)
    : 2;
  const dropIn = containerdDropIn(o.config, o.runtimeName);
  const imports = Array.isArray(doc.imports) ? doc.imports.map(String) : [];
  const changes = writeIfChanged(dropIn, containerdDropInText(o, version), false);
  if (!imports.includes(dropIn)) {
    const next = text.trim() === ""
      ? `version = 2\nimports = ${JSON.stringify([dropIn])}\n`
      : setInToml(text, "imports", [...imports, dropIn]);
    changes.push(...writeIfChanged(o.config, next));
  }
  return { changes, notes: [RESTART] };
}

/** Removes the drop-in and its `imports` entry (the key too, when nothing else is imported). */
export function unconfigureContainerd(o: EngineOptions): Plan {
  const { text, doc } = load(o.config);
  const dropIn = containerdDropIn(o.config, o.runtimeName);
  const imports = Array.isArray(doc.imports) ? doc.imports.map(String) : [];
  const changes: Plan["changes"][number][] = [{ kind: "remove", path: dropIn }];
  if (imports.includes(dropIn)) {
    const rest = imports.filter((i) => i !== dropIn);
    const next = rest.length > 0
      ? setInToml(text, "imports", rest)
      : removeFromToml(text, "imports");
    changes.push(...writeIfChanged(o.config, next));
  }
  return { changes, notes: [RESTART] };
}
