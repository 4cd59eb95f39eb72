/**
 * Every engine xpu-ctk configures, in one table: its name, default file, the binary it
 * registers, how to configure and unconfigure it, whether it is configured, and the command
 * that says it is installed. The CLI derives its engine lists and messages from here.
 * @module
 */

import type { EngineOptions, Plan } from "./engine.ts";
import { configureDocker, DOCKER_CONFIG, unconfigureDocker } from "./docker.ts";
import {
  configureContainerd,
  CONTAINERD_CONFIG,
  containerdDropIn,
  unconfigureContainerd,
} from "./containerd.ts";
import { configureCrio, CRIO_CONFIG, crioDropIn, unconfigureCrio } from "./crio.ts";
import { configurePodman, type PodmanMode, unconfigurePodman } from "./podman.ts";
import { podmanStatus } from "./podman_files.ts";
import type { ToolkitBinary } from "../discover/binaries.ts";
import { configureEnroot, ENROOT_HOOK_FILE, unconfigureEnroot } from "./enroot.ts";
import { configureSlurm, SLURM_OCI_CONF, unconfigureSlurm } from "./slurm.ts";
import { hasMarker } from "./marker.ts";
import { lstatOrUndefined } from "../internal/fs.ts";

/** The runtime's name in an engine when `--runtime-name` gives none. */
export const DEFAULT_RUNTIME_NAME = "xpu";

/** True for a name an engine can know a runtime by: a letter or digit, then also `_`, `.`, `-`. */
export function isRuntimeName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name);
}

/** The shim the merged engines run. */
const SHIM: ToolkitBinary = "xpu-container-runtime";

/** What `info` reports for an engine: its file, and whether it holds our runtime. */
export interface EngineStatus {
  readonly file: string;
  readonly configured: boolean;
}

/** What every engine has. */
interface EngineBase {
  readonly name: string;
  /** The daemon or command whose presence on PATH says the engine is installed. */
  readonly command: string;
  /** The engine's file when `--config` names none (podman: the file its lock falls back to). */
  readonly config: string;
  /** Whether the engine holds the runtime `runtimeName`, and in which file. */
  readonly status: (runtimeName: string) => EngineStatus;
}

/** An engine whose file xpu-ctk merges its runtime into, from the common options alone. */
export interface MergedEngine extends EngineBase {
  readonly kind: "merged";
  /** The binary it registers. */
  readonly binary: ToolkitBinary;
  /** Whether it knows runtimes by name (`--runtime-name`, `--set-as-default`). */
  readonly namesRuntime: boolean;
  /** Whether configure needs the toolkit's config and the host's mode (EngineOptions.toolkit). */
  readonly toolkit: boolean;
  readonly configure: (o: EngineOptions) => Plan;
  readonly unconfigure: (o: EngineOptions) => Plan;
}

/** Podman: one whole file per mode, its content built by the CLI (hooks dir, CDI spec). */
export interface PodmanEngine extends EngineBase {
  readonly kind: "podman";
  /** The binary each mode registers (cdi: the xpu-ctk its spec's hooks run). */
  readonly binaries: Readonly<Record<PodmanMode, ToolkitBinary>>;
  readonly configure: (file: string, content: string, notes: readonly string[]) => Plan;
  readonly unconfigure: (file: string) => Plan;
}

/** One engine xpu-ctk configures. */
export type Engine = MergedEngine | PodmanEngine;

function fileHas(file: string, needle: string): boolean {
  try {
    return Deno.readTextFileSync(file).includes(needle);
  } catch {
    return false;
  }
}

function isMarked(file: string): boolean {
  try {
    return hasMarker(Deno.readTextFileSync(file));
  } catch {
    return false;
  }
}

function dropInStatus(file: string): EngineStatus {
  return { file, configured: lstatOrUndefined(file) !== undefined };
}

/** The engines, in the order messages and `info` list them; the first is the default. */
export const ENGINES: readonly Engine[] = [
  {
    kind: "merged",
    name: "docker",
    command: "dockerd",
    config: DOCKER_CONFIG,
    binary: SHIM,
    namesRuntime: true,
    toolkit: false,
    configure: configureDocker,
    unconfigure: unconfigureDocker,
    // daemon.json holds no marker: the shim's name in it is the sign.
    status: () => ({ file: DOCKER_CONFIG, configured: fileHas(DOCKER_CONFIG, SHIM) }),
  },
  {
    kind: "merged",
    name: "containerd",
    command: "containerd",
    config: CONTAINERD_CONFIG,
    binary: SHIM,
    namesRuntime: true,
    toolkit: false,
    configure: configureContainerd,
    unconfigure: unconfigureContainerd,
    status: (runtimeName) => dropInStatus(containerdDropIn(CONTAINERD_CONFIG, runtimeName)),
  },
  {
    kind: "merged",
    name: "crio",
    command: "crio",
    config: CRIO_CONFIG,
    binary: SHIM,
    namesRuntime: true,
    toolkit: false,
    configure: configureCrio,
    unconfigure: unconfigureCrio,
    status: (runtimeName) => dropInStatus(crioDropIn(CRIO_CONFIG, runtimeName)),
  },
  {
    kind: "podman",
    name: "podman",
    command: "podman",
    config: "/etc/containers/containers.conf",
    binaries: { hook: "xpu-container-runtime-hook", runtime: SHIM, cdi: "xpu-ctk" },
    configure: configurePodman,
    unconfigure: unconfigurePodman,
    status: podmanStatus,
  },
  {
    kind: "merged",
    name: "slurm",
    command: "slurmd",
    config: SLURM_OCI_CONF,
    binary: SHIM,
    namesRuntime: false,
    toolkit: true,
    configure: configureSlurm,
    unconfigure: unconfigureSlurm,
    // oci.conf is the operator's, with no marker: the shim's name in it is the sign.
    status: () => ({ file: SLURM_OCI_CONF, configured: fileHas(SLURM_OCI_CONF, SHIM) }),
  },
  {
    kind: "merged",
    name: "enroot",
    command: "enroot",
    config: ENROOT_HOOK_FILE,
    binary: "xpu-ctk",
    namesRuntime: false,
    toolkit: true,
    configure: configureEnroot,
    unconfigure: unconfigureEnroot,
    status: () => ({ file: ENROOT_HOOK_FILE, configured: isMarked(ENROOT_HOOK_FILE) }),
  },
];

/** The engine `--runtime` picks when given none (as with nvidia-ctk, Docker). */
export const DEFAULT_ENGINE: Engine = ENGINES[0]!;

/** The engine called `name`, or undefined when there is none. */
export function findEngine(name: string): Engine | undefined {
  return ENGINES.find((e) => e.name === name);
}

/** `engines` joined as prose, `docker, containerd, crio or podman`, each told by `describe`. */
export function engineList(
  describe: (e: Engine) => string = (e) => e.name,
  engines: readonly Engine[] = ENGINES,
): string {
  const names = engines.map(describe);
  return `${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}`;
}
