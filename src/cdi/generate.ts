/**
 * Generating a CDI spec for the host's XPUs: one device per /dev/xpu<N> plus `all`, shared edits
 * for the control node, the driver's files and the helper hooks.
 * @module
 */

import type { CdiDevice, CdiDeviceNode, CdiHook, CdiMount, CdiSpec } from "./spec.ts";
import { minimumVersion } from "./version.ts";
import { loadYaml } from "./yaml.ts";
import { type CsvEntry, readCsvSpecs } from "../discover/csv_spec.ts";
import { discoverHostFiles, type HostFiles } from "../discover/host_files.ts";
import { DRIVER_LIB_DIR } from "../discover/library.ts";
import { READ_ONLY_BIND } from "../discover/host_files.ts";
import { deviceIndices, isCharDevice, XPU_CTRL, xpuNodeName } from "../discover/xpu_nodes.ts";
import { helperHooks } from "../internal/helper_hooks.ts";
import { lstatOrUndefined } from "../internal/fs.ts";

/** What to generate from. */
export interface GenerateOptions {
  readonly kind: string;
  /** Where the host's /dev/xpu<N> nodes are. */
  readonly devRoot: string;
  /** The driver root ("" or "/" for the host's /). */
  readonly driverRoot: string;
  /** Libraries from the CSV specs, or from the driver root's directories. */
  readonly from: "csv" | "devices";
  readonly csvDir: string;
  /** xpu-ctk for the helper hooks, and a non-default config for them. */
  readonly ctkPath: string;
  readonly configPath?: string | undefined;
}

/** The driver's tool, mounted by `--from devices` as well as its libraries. */
export const XPU_SMI = "/usr/local/xpu/bin/xpu_smi";

function driverFiles(driverRoot: string): HostFiles {
  const base = driverRoot.replace(/\/+$/, "");
  const entries: CsvEntry[] = [];
  try {
    for (
      const name of [...Deno.readDirSync(`${base}${DRIVER_LIB_DIR}`)].map((e) => e.name).sort()
    ) {
      entries.push({
        type: "lib",
        path: `${DRIVER_LIB_DIR}/${name}`,
        file: "(driver root)",
        line: 0,
      });
    }
  } catch {
    // No library directory: nothing to mount from it.
  }
  const files = discoverHostFiles(entries, base);
  if (!lstatOrUndefined(`${base}${XPU_SMI}`)?.isFile) return files;
  return { ...files, mounts: [...files.mounts, { path: XPU_SMI, hostPath: `${base}${XPU_SMI}` }] };
}

/** The spec for the host described by `opts`, with the lowest cdiVersion it needs. */
export function generateSpec(opts: GenerateOptions): { spec: CdiSpec; warnings: string[] } {
  const devRoot = opts.devRoot.replace(/\/+$/, "");
  const files = opts.from === "csv"
    ? (() => {
      const specs = readCsvSpecs(opts.csvDir);
      const found = discoverHostFiles(
        specs.entries.filter((e) => e.type !== "dev"),
        opts.driverRoot,
      );
      return { ...found, warnings: [...specs.warnings, ...found.warnings] };
    })()
    : driverFiles(opts.driverRoot);
  const node = (n: string): CdiDeviceNode => ({ path: `/dev/${n}`, hostPath: `${devRoot}/${n}` });
  const indices = deviceIndices(devRoot);
  const devices: CdiDevice[] = indices.map((n) => ({
    name: String(n),
    containerEdits: { deviceNodes: [node(xpuNodeName(n))] },
  }));
  if (indices.length > 0) {
    devices.push({
      name: "all",
      containerEdits: { deviceNodes: indices.map((n) => node(xpuNodeName(n))) },
    });
  }
  const mounts: CdiMount[] = files.mounts.map((m) => ({
    hostPath: m.hostPath,
    containerPath: m.path,
    options: [...READ_ONLY_BIND],
  }));
  const hooks: CdiHook[] = helperHooks(files.links, files.libraryDirs, opts).map((
    { hookName, path, args, env },
  ) => ({
    hookName,
    path,
    ...(args ? { args } : {}),
    ...(env ? { env } : {}),
  }));
  const shared = {
    ...(isCharDevice(`${devRoot}/${XPU_CTRL}`) ? { deviceNodes: [node(XPU_CTRL)] } : {}),
    ...(mounts.length ? { mounts } : {}),
    ...(hooks.length ? { hooks } : {}),
  };
  const spec: CdiSpec = {
    cdiVersion: "", // filled in below, once the content is known; first, as people read it
    kind: opts.kind,
    devices,
    ...(Object.keys(shared).length ? { containerEdits: shared } : {}),
  };
  spec.cdiVersion = minimumVersion(spec).version;
  const warnings = [...files.warnings];
  if (indices.length === 0) warnings.push(`No /dev/xpu<N> devices under ${devRoot}`);
  return { spec, warnings };
}

/** The spec as YAML or JSON text. */
export async function formatSpec(spec: CdiSpec, format: "yaml" | "json"): Promise<string> {
  if (format === "json") return `${JSON.stringify(spec, null, 2)}\n`;
  return (await loadYaml()).stringify(spec);
}
