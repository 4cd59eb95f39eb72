/**
 * The drop-in's content. containerd 1.x replaces a whole plugin section with an imported one, so
 * there the drop-in carries the effective CRI section with the XPU runtime added; containerd 2.x
 * merges imported sections, so there it holds only what changes. Either way it is written with
 * the root config's version and plugin names (a file of another version is not loaded).
 * @module
 */

import { type Effective, runtimePlugin } from "./containerd_effective.ts";
import { cloneToml, isTomlTable, renderTables, type Table } from "./containerd_toml.ts";

/** What the drop-in is made from. */
export interface DropInInput {
  /** The root config's version (1, 2 or 3): the drop-in's names and `version`. */
  readonly version: number;
  /** Carry the whole effective section (containerd 1.x), or only the changes (2.x). */
  readonly full: boolean;
  readonly effective: Effective;
  readonly runtimeName: string;
  readonly runtimePath: string;
  readonly setAsDefault: boolean;
  readonly cdi: boolean;
  /** The root config, named in the comment. */
  readonly root: string;
}

/** The annotations CRI passes on to the XPU runtime: CDI device requests by a device plugin. */
export const CONTAINER_ANNOTATIONS: readonly string[] = ["cdi.k8s.io/*"];

/** containerd's default CDI spec directories, also the toolkit's. */
export const CDI_SPEC_DIRS: readonly string[] = ["/etc/cdi", "/var/run/cdi"];

const RUNC_V2 = "io.containerd.runc.v2";

function table(parent: Table, key: string): Table {
  const t = parent[key];
  if (isTomlTable(t)) return t;
  const made: Table = {};
  parent[key] = made;
  return made;
}

/**
 * The runtime the XPU runtime is modelled on: the default runtime when it is a runc one, else
 * `runc`, else a bare runc v2 runtime.
 */
function baseRuntime(section: Table, runtimeName: string): Table {
  const containerd = isTomlTable(section.containerd) ? section.containerd : {};
  const runtimes = isTomlTable(containerd.runtimes) ? containerd.runtimes : {};
  const named = containerd.default_runtime_name;
  for (const name of [typeof named === "string" ? named : "runc", "runc"]) {
    const r = runtimes[name];
    if (name === runtimeName || !isTomlTable(r)) continue;
    const type = r.runtime_type ?? RUNC_V2;
    if (typeof type === "string" && /^io\.containerd\.runc\.v[12]$/.test(type)) return r;
  }
  return { runtime_type: RUNC_V2 };
}

/**
 * The XPU runtime: a copy of the base runtime (its cgroup driver and the rest), our binary as
 * runc, and CDI annotations allowed through. Pod annotations are never copied: an allow-list
 * there would let any pod ask for devices.
 */
export function xpuRuntime(input: DropInInput): Table {
  const base = baseRuntime(input.effective.section, input.runtimeName);
  // Across a version change only the fields whose meaning is sure are carried over.
  const sameLayout = (input.effective.version >= 3) === (input.version >= 3);
  const out: Table = sameLayout
    ? cloneToml(base)
    : { runtime_type: base.runtime_type, options: cloneToml(base.options) };
  delete out.pod_annotations;
  out.runtime_type ??= RUNC_V2;
  out.options = { ...(isTomlTable(out.options) ? out.options : {}), BinaryName: input.runtimePath };
  const allowed = Array.isArray(out.container_annotations) ? out.container_annotations : [];
  out.container_annotations = [...new Set([...allowed, ...CONTAINER_ANNOTATIONS])];
  return out;
}

/** The drop-in as a TOML document. */
export function dropInDoc(input: DropInInput): Table {
  const section: Table = input.full ? cloneToml(input.effective.section) : {};
  const containerd = table(section, "containerd");
  // containerd 1.x replaces its default runtimes map with one that a file sets, so a map
  // built from the files alone must keep the runc runtime that was there by default.
  const runtimes = table(containerd, "runtimes");
  if (input.full && !input.effective.complete && Object.keys(runtimes).length === 0) {
    runtimes.runc = { runtime_type: RUNC_V2 };
  }
  runtimes[input.runtimeName] = xpuRuntime(input);
  if (input.setAsDefault) containerd.default_runtime_name = input.runtimeName;
  if (input.cdi) {
    section.enable_cdi = true;
    const dirs = section.cdi_spec_dirs;
    if (!Array.isArray(dirs) || dirs.length === 0) section.cdi_spec_dirs = [...CDI_SPEC_DIRS];
  }
  return {
    ...(input.version >= 2 ? { version: BigInt(input.version) } : {}),
    plugins: { [runtimePlugin(input.version)]: section },
  };
}

/** The drop-in file's text. */
export function dropInText(input: DropInInput): string {
  const doc = dropInDoc(input);
  const head = [
    `# Written by xpu-ctk runtime configure: the XPU runtime "${input.runtimeName}" for containerd.`,
    ...(input.full
      ? [
        "# containerd 1.x replaces a whole plugin section with an imported one, so this file",
        `# carries the effective CRI section of "${input.root}" as well:`,
        "# run xpu-ctk runtime configure again after changing that section.",
      ]
      : ["# containerd 2.x merges this file into what the files loaded before it set."]),
  ];
  const version = doc.version === undefined ? [] : [`version = ${doc.version}`];
  return `${[...head, ...version, ...renderTables({ plugins: doc.plugins })].join("\n")}\n`;
}
