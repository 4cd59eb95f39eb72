/**
 * The effective section of containerd's runtime plugin (CRI), without our own drop-in: from
 * `containerd config dump` when the binary is there, else from the files containerd would load.
 * Leaving the drop-in out means a second configure starts from what the operator has, so
 * dropping `--set-as-default` or picking up a changed CRI section works.
 * @module
 */

import { configDefault, configDump } from "./containerd_binary.ts";
import { importNames, type LoadedFile, loadOrder, resolveImport } from "./containerd_files.ts";
import { importsOf, replaceImports } from "./containerd_imports.ts";
import {
  cloneToml,
  containerdKind,
  isTomlTable,
  parseContainerdToml,
  type Table,
  tableOrMissing,
} from "./containerd_toml.ts";
import { tomlKey } from "./toml_text.ts";
import { fsReason } from "./fs_error.ts";

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

/** Runs `fn` on a temp file holding `text`, removed afterwards. */
function withScratchFile<T>(text: string, fn: (path: string) => T): T {
  let dir: string;
  try {
    dir = Deno.makeTempDirSync({ prefix: "xpu-ctk-containerd-" });
    Deno.writeTextFileSync(`${dir}/config.toml`, text);
  } catch (e) {
    throw new Error(`Cannot make a copy of config.toml for containerd: ${fsReason(e)}`, {
      cause: e,
    });
  }
  try {
    return fn(`${dir}/config.toml`);
  } finally {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // A temp directory left in /tmp harms nothing.
    }
  }
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
      const copy = replaceImports(root.text, root.doc, root.path, files);
      text = withScratchFile(copy, (path) => configDump(binary, path));
    }
  }
  const source = `containerd config dump of ${root.path}`;
  const doc = parseContainerdToml(text, source);
  const version = versionOf(doc);
  checkRuntimeSection(doc, source, version);
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
 * The files containerd loads for the root, `dropIn` left out, each read strictly and checked
 * (checkRuntimeSection): also before `containerd config dump` reads them, so that a FIFO among
 * them cannot hang it.
 */
export function loadedFiles(
  root: Root,
  dropIn: string,
  version: number,
  merges: boolean,
): LoadedFile[] {
  const files = root.text === undefined
    ? []
    : loadOrder(root.path, new Map([[root.path, root.doc]]), merges, (p) => p === dropIn);
  for (const { path, doc } of files) checkRuntimeSection(doc, path, version);
  return files;
}

/**
 * From `files` (loadedFiles): containerd 1.x takes a plugin's section from the last file that
 * has one, 2.x merges them in order.
 */
export function effectiveFromFiles(
  files: readonly LoadedFile[],
  version: number,
  merges: boolean,
): Effective {
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
  const v = doc.version;
  if (v !== undefined && typeof v !== "bigint") {
    const shown = typeof v === "string" ? ` (${JSON.stringify(v)})` : "";
    throw new Error(
      `"version" in "${path}" is ${containerdKind(v)}${shown}; containerd reads only an ` +
        "integer (version = 2)",
    );
  }
  const versionNumber = versionOf(doc);
  if (![1, 2, 3].includes(versionNumber)) {
    throw new Error(
      `"${path}" has config version ${versionNumber}; xpu-ctk knows versions 1 to 3`,
    );
  }
  return versionNumber;
}

/**
 * Throws naming the key when the runtime plugin's section of `doc` (version `version`) has
 * something other than a table where containerd decodes one: the section, its `containerd`,
 * `runtimes`, each runtime and its `options`. Such a file does not load, and nothing of it may
 * be copied into the drop-in.
 */
function checkRuntimeSection(doc: Table, path: string, version: number): void {
  const plugins = tableOrMissing(doc.plugins, "plugins", path);
  const key = `plugins.${tomlKey(runtimePlugin(version))}`;
  const section = tableOrMissing(plugins?.[runtimePlugin(version)], key, path);
  const containerd = tableOrMissing(section?.containerd, `${key}.containerd`, path);
  const runtimes = tableOrMissing(containerd?.runtimes, `${key}.containerd.runtimes`, path);
  for (const [name, value] of Object.entries(runtimes ?? {})) {
    const at = `${key}.containerd.runtimes.${tomlKey(name)}`;
    tableOrMissing(tableOrMissing(value, at, path)?.options, `${at}.options`, path);
  }
}
