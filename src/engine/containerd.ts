/**
 * containerd: the runtime goes in a drop-in file (conf.d/99-<name>.toml) that is correct for the
 * installed containerd, and the operator's config.toml changes only by that file's entry in its
 * top-level `imports`, added and removed character for character.
 * @module
 */

import {
  type EngineOptions,
  originalOf,
  type Plan,
  readIfExists,
  writeIfChanged,
} from "./engine.ts";
import { type ContainerdVersion, containerdVersion, findContainerd } from "./containerd_binary.ts";
import {
  configVersion,
  type Effective,
  effectiveFromCommand,
  effectiveFromFiles,
  loadedFiles,
  type Root,
  runtimePlugin,
} from "./containerd_effective.ts";
import { dropInText } from "./containerd_dropin.ts";
import { ownedRemove, ownedWrite } from "./marker.ts";
import { importNames, loadOrder } from "./containerd_files.ts";
import { ADDED_MARK, addImport, importsOf, removeImports } from "./containerd_imports.ts";
import { isTomlTable, parseContainerdToml } from "./containerd_toml.ts";
import { tomlString } from "./toml_text.ts";
import { fsReason } from "./fs_error.ts";
import { errorMessage } from "../internal/errors.ts";
import { dirName } from "../internal/fs.ts";
import { cleanPath } from "../internal/paths.ts";

/** containerd's default config file. */
export const CONTAINERD_CONFIG = "/etc/containerd/config.toml";

/** Where the effective configuration is read from. */
export type ConfigSource = "command" | "file";

/** What configuring containerd needs beyond every engine's options. */
export interface ContainerdOptions extends EngineOptions {
  /** `command` (containerd config dump) or `file`; default: command when containerd is found. */
  readonly configSource?: ConfigSource | undefined;
  /** Set `enable_cdi` and `cdi_spec_dirs` (containerd 1.7 or later). */
  readonly cdiEnabled?: boolean | undefined;
  /** The containerd binary (null: none); default: found on PATH or in the system directories. */
  readonly containerdBinary?: string | null | undefined;
}

/** The drop-in file for `runtimeName` next to the config: `conf.d/99-<name>.toml`. */
export function containerdDropIn(config: string, runtimeName: string): string {
  return `${dirName(config)}/conf.d/99-${runtimeName}.toml`;
}

const RESTART = "Restart containerd to use it: systemctl restart containerd";

function absolute(path: string): string {
  if (path.startsWith("/")) return cleanPath(path);
  let cwd: string;
  try {
    cwd = Deno.cwd();
  } catch (e) {
    throw new Error(`Cannot tell where "${path}" is: ${fsReason(e)}`, { cause: e });
  }
  return cleanPath(`${cwd}/${path}`);
}

function readRoot(path: string): Root {
  const text = readIfExists(path);
  return { path, text, doc: text === undefined ? {} : parseContainerdToml(text, path) };
}

/** What a config.toml that configure creates holds, apart from its `imports` line. */
function newRootHead(version: number): string {
  return `# Written by xpu-ctk runtime configure: there was no config.toml; unconfigure removes it.\n` +
    `version = ${version}\n`;
}

/**
 * Runs `fn`, turning its error into "Cannot <action> containerd: …; it was left unchanged"; an
 * error that already says what could not be done ("Cannot edit …") keeps its words.
 */
function guarded<T>(action: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    const message = errorMessage(e);
    const problem = message.startsWith("Cannot ")
      ? message
      : `Cannot ${action} containerd: ${message}`;
    throw new Error(
      problem.endsWith("; it was left unchanged") ? problem : `${problem}; it was left unchanged`,
      { cause: e },
    );
  }
}

interface Host {
  readonly binary: string | undefined;
  readonly version: ContainerdVersion | undefined;
  readonly source: ConfigSource;
}

function probeHost(o: ContainerdOptions): Host {
  const binary = o.containerdBinary === null ? undefined : o.containerdBinary ?? findContainerd();
  if (o.configSource === "command" && binary === undefined) {
    throw new Error(
      "--config-source=command needs the containerd binary, and none was found on PATH; " +
        "use --config-source=file",
    );
  }
  return {
    binary,
    version: binary === undefined ? undefined : containerdVersion(binary),
    source: o.configSource ?? (binary === undefined ? "file" : "command"),
  };
}

/** Whether `enable_cdi` works here; a note when that cannot be told. Throws when it cannot. */
function checkCdi(host: Host, version: number): string[] {
  if (host.version) {
    const { major, minor, text } = host.version;
    if (major > 1 || (major === 1 && minor >= 7)) return [];
    throw new Error(
      `"--cdi.enabled" needs containerd 1.7 or later (enable_cdi), and "${host.binary}" is "${text}"`,
    );
  }
  if (version >= 3) return [];
  return [
    "containerd's version is unknown: enable_cdi takes effect only on containerd 1.7 or later",
  ];
}

/**
 * On containerd 1.x the drop-in replaces the CRI section of every file loaded before it, so no
 * file loaded after it may have one. Throws naming such a file.
 */
function checkLoadedLast(root: Root, text: string, dropIn: string, version: number): void {
  const known = new Map([[root.path, parseContainerdToml(text, root.path)], [dropIn, {}]]);
  const order = loadOrder(root.path, known, false);
  const at = order.findIndex((f) => f.path === dropIn);
  const key = runtimePlugin(version);
  for (const { path, doc } of at < 0 ? [] : order.slice(at + 1)) {
    if (isTomlTable(doc.plugins) && doc.plugins[key] !== undefined) {
      throw new Error(
        `"${path}" is imported after "${dropIn}" and would replace its CRI section ` +
          `(plugins."${key}"); import "${dropIn}" last`,
      );
    }
  }
}

/** The root config's text once it imports `dropIn` (unchanged when an entry already does). */
function importing(root: Root, dropIn: string, version: number, merges: boolean): string {
  if (root.text === undefined) {
    return `${newRootHead(version)}imports = [${tomlString(dropIn)}] ${ADDED_MARK}\n`;
  }
  const entries = importsOf(root.doc, root.path);
  if (entries.some((e) => importNames(root.path, e, dropIn, merges))) return root.text;
  return addImport(root.text, root.doc, root.path, dropIn);
}

/** Writes the drop-in and adds it to `imports`. */
export function configureContainerd(o: ContainerdOptions): Plan {
  return guarded("configure", () => {
    const config = absolute(o.config);
    const dropIn = containerdDropIn(config, o.runtimeName);
    const root = readRoot(config);
    importsOf(root.doc, config); // An imports form containerd rejects stops us before anything runs.
    const host = probeHost(o);
    const major = host.version?.major;
    const version = root.text === undefined
      ? (major !== undefined && major >= 2 ? 3 : 2)
      : configVersion(root.doc, config);
    const merges = version >= 3 || (major !== undefined && major >= 2);
    const notes = o.cdiEnabled ? checkCdi(host, version) : [];
    const files = loadedFiles(root, dropIn, version, merges);
    const effective: Effective = host.source === "command"
      ? effectiveFromCommand(host.binary!, root, dropIn, merges)
      : effectiveFromFiles(files, version, merges);
    const content = dropInText({
      version,
      full: !merges,
      effective,
      runtimeName: o.runtimeName,
      runtimePath: o.runtimePath,
      setAsDefault: o.setAsDefault,
      cdi: o.cdiEnabled === true,
      root: config,
    });
    const next = importing(root, dropIn, version, merges);
    if (!merges && root.text !== undefined) checkLoadedLast(root, next, dropIn, version);
    if (effective.criDisabled) {
      notes.push(
        `containerd's CRI plugin is disabled (disabled_plugins in "${config}" or its imports): ` +
          "Kubernetes uses the xpu runtime only once it is enabled",
      );
    }
    return {
      changes: [...ownedWrite("containerd", dropIn, content), ...writeIfChanged(config, next)],
      notes: [...notes, RESTART],
    };
  });
}

/**
 * Whether configure added the `imports` entry that `names` selects: config.toml's original (kept
 * when configure first changed it) had none. Without an original, configure never changed it.
 */
function importAdded(config: string, names: (entry: string) => boolean): boolean {
  const original = originalOf(config);
  if (original === undefined) return false;
  if (!original.existed) return true;
  try {
    return !importsOf(parseContainerdToml(original.text, config), config).some(names);
  } catch {
    return false;
  }
}

/**
 * Removes the drop-in and the `imports` entries naming it that configure added; a config.toml
 * that configure created is removed when nothing else was added to it. An entry the operator
 * wrote stays.
 */
export function unconfigureContainerd(o: EngineOptions): Plan {
  return guarded("unconfigure", () => {
    const config = absolute(o.config);
    const dropIn = containerdDropIn(config, o.runtimeName);
    const root = readRoot(config);
    const changes: Plan["changes"][number][] = ownedRemove("containerd", dropIn);
    const notes: string[] = [];
    if (root.text !== undefined) {
      const names = (e: string) => !e.includes("*") && importNames(config, e, dropIn, false);
      const imported = importsOf(root.doc, config).some(names);
      if (imported && importAdded(config, names)) {
        const next = removeImports(root.text, root.doc, config, names);
        const version = configVersion(root.doc, config);
        if (next === newRootHead(version) && next !== root.text) {
          changes.push({ kind: "remove", path: config });
        } else changes.push(...writeIfChanged(config, next, false));
      } else if (imported && changes.length > 0) {
        notes.push(
          `"${config}" still imports "${dropIn}", as it did before configure: containerd does ` +
            "not start until that file exists again or the entry goes",
        );
      }
    }
    return { changes, notes: [...notes, RESTART] };
  });
}
