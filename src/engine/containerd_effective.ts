/**
 * The effective section of containerd's runtime plugin (CRI), without our own drop-in: from
 * `containerd config dump` when the binary is there, else from the files containerd would load.
 * Leaving the drop-in out means a second configure starts from what the operator has, so
 * dropping `--set-as-default` or picking up a changed CRI section works.
 * @module
 */

import { configDefault, configDump } from "./containerd_binary.ts";
import { importNames, loadOrder, resolveImport } from "./containerd_files.ts";
import { importsOf, replaceImports } from "./containerd_imports.ts";
import { cloneToml, isTomlTable, parseContainerdToml, type Table } from "./containerd_toml.ts";

/** The plugin whose section holds the runtimes, by config version. */
export function runtimePlugin(version: number): string {
  return version >= 3
    ? "io.containerd.cri.v1.runtime"
    : version === 2
    ? "io.containerd.grpc.v1.cri"
    : "cri";
}

/** The effective runtime plugin section. */
export interface Effective {
  /** The config version whose names and layout `section` has. */
  readonly version: number;
  readonly section: Table;
  /** True when containerd filled in its defaults; false when only the files' keys are known. */
  readonly complete: boolean;
  /** True when `disabled_plugins` turns the CRI plugin off (as Docker's containerd.io does). */
  readonly criDisabled: boolean;
}

/** The root config.toml as read. */
export interface Root {
  /** Absolute path. */
  readonly path: string;
  /** Undefined when there is no such file. */
  readonly text: string | undefined;
  readonly doc: Table;
}

function sectionOf(doc: Table, version: number): Table {
  const plugins = isTomlTable(doc.plugins) ? doc.plugins : {};
  const section = plugins[runtimePlugin(version)];
  return isTomlTable(section) ? cloneToml(section) : {};
}

/** The CRI plugin's names in `disabled_plugins`: the full ones, and version 1's short one. */
const CRI_NAMES = ["io.containerd.grpc.v1.cri", "io.containerd.cri.v1.runtime", "cri"];

function criDisabled(disabled: readonly unknown[]): boolean {
  return disabled.some((p) => typeof p === "string" && CRI_NAMES.includes(p));
}

function versionOf(doc: Table): number {
  const v = doc.version;
  // containerd reads a missing version, or 0, as version 1.
  return typeof v === "bigint" || typeof v === "number" ? Number(v) || 1 : 1;
}

/**
 * From `binary config dump` of the root config; when the root imports `dropIn`, of a temporary
 * copy whose imports name every file the root's entries name, except `dropIn`.
 */
export function effectiveFromCommand(
  binary: string,
  root: Root,
  dropIn: string,
  joinPatterns: boolean,
): Effective {
  let text: string;
  if (root.text === undefined) text = configDefault(binary);
  else {
    const entries = importsOf(root.doc, root.path);
    if (!entries.some((e) => importNames(root.path, e, dropIn, joinPatterns))) {
      text = configDump(binary, root.path);
    } else {
      const files = entries.flatMap((e) => resolveImport(root.path, e, joinPatterns))
        .filter((f) => f !== dropIn);
      const dir = Deno.makeTempDirSync({ prefix: "xpu-ctk-containerd-" });
      try {
        const copy = `${dir}/config.toml`;
        Deno.writeTextFileSync(copy, replaceImports(root.text, root.doc, root.path, files));
        text = configDump(binary, copy);
      } finally {
        Deno.removeSync(dir, { recursive: true });
      }
    }
  }
  const doc = parseContainerdToml(text, `containerd config dump of ${root.path}`);
  const version = versionOf(doc);
  const disabled = Array.isArray(doc.disabled_plugins) ? doc.disabled_plugins : [];
  return {
    version,
    section: sectionOf(doc, version),
    complete: true,
    criDisabled: criDisabled(disabled),
  };
}

function mergeInto(to: Table, from: Table): void {
  for (const [k, v] of Object.entries(from)) {
    const old = to[k];
    if (isTomlTable(old) && isTomlTable(v)) mergeInto(old, v);
    else to[k] = cloneToml(v);
  }
}

/**
 * From the files containerd loads for the root, `dropIn` left out: containerd 1.x takes a
 * plugin's section from the last file that has one, 2.x merges them in order.
 */
export function effectiveFromFiles(
  root: Root,
  dropIn: string,
  version: number,
  merges: boolean,
): Effective {
  const files = root.text === undefined
    ? []
    : loadOrder(root.path, new Map([[root.path, root.doc]]), merges, (p) => p === dropIn);
  const key = runtimePlugin(version);
  const section: Table = {};
  const disabled: unknown[] = [];
  for (const { doc } of files) {
    if (Array.isArray(doc.disabled_plugins)) disabled.push(...doc.disabled_plugins);
    const own = isTomlTable(doc.plugins) ? doc.plugins[key] : undefined;
    if (!isTomlTable(own)) continue;
    if (!merges) { for (const k of Object.keys(section)) delete section[k]; }
    mergeInto(section, own);
  }
  return { version, section, complete: false, criDisabled: criDisabled(disabled) };
}

/** The version `doc` declares: 1 when it has none. Throws for a version containerd rejects. */
export function configVersion(doc: Table, path: string): number {
  const v = versionOf(doc);
  if (![1, 2, 3].includes(v) || (doc.version !== undefined && typeof doc.version !== "bigint")) {
    throw new Error(
      `"${path}" has config version ${String(doc.version)}; xpu-ctk knows versions 1 to 3`,
    );
  }
  return v;
}
