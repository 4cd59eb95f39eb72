/**
 * The parts of the OCI runtime spec the toolkit reads or writes. Index signatures keep every
 * other field, so nothing unknown is dropped. Every field declared here is checked when a spec is
 * loaded (spec_shape.ts); the others are neither checked nor changed.
 * @module
 */

/** An OCI hook. */
export interface Hook {
  path: string;
  args?: string[];
  env?: string[];
  timeout?: number;
  [key: string]: unknown;
}

/** The lifecycle points where hooks run. */
export type HookName =
  | "prestart"
  | "createRuntime"
  | "createContainer"
  | "startContainer"
  | "poststart"
  | "poststop";

/** Every lifecycle point, in the order a container passes them. */
export const HOOK_POINTS: readonly HookName[] = [
  "prestart",
  "createRuntime",
  "createContainer",
  "startContainer",
  "poststart",
  "poststop",
];

/** All hook lists by lifecycle point. */
export type Hooks = { [name in HookName]?: Hook[] } & { [key: string]: unknown };

/** A mount. */
export interface Mount {
  destination: string;
  source?: string;
  type?: string;
  options?: string[];
  [key: string]: unknown;
}

/** A device node to create in the container. */
export interface LinuxDevice {
  path: string;
  type?: string;
  major?: number;
  minor?: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
  [key: string]: unknown;
}

/** A device cgroup rule. */
export interface LinuxDeviceCgroup {
  allow?: boolean;
  type?: string;
  major?: number;
  minor?: number;
  access?: string;
  [key: string]: unknown;
}

/** The container process. */
export interface Process {
  env?: string[];
  capabilities?: { bounding?: string[]; [key: string]: unknown } | string[];
  user?: { uid?: number; gid?: number; additionalGids?: number[]; [key: string]: unknown };
  [key: string]: unknown;
}

/** An OCI runtime spec (config.json). */
export interface Spec {
  process?: Process;
  root?: { path?: string; [key: string]: unknown };
  mounts?: Mount[];
  hooks?: Hooks;
  annotations?: Record<string, string>;
  linux?: {
    devices?: LinuxDevice[];
    resources?: { devices?: LinuxDeviceCgroup[]; [key: string]: unknown };
    [key: string]: unknown;
  };
  [key: string]: unknown;
}
