/**
 * The CDI spec model (the fields this toolkit reads and writes).
 * @module
 */

/** A CDI device node. */
export interface CdiDeviceNode {
  path: string;
  hostPath?: string;
  type?: string;
  major?: number;
  minor?: number;
  fileMode?: number;
  permissions?: string;
  uid?: number;
  gid?: number;
}

/** A CDI mount. */
export interface CdiMount {
  hostPath: string;
  containerPath: string;
  type?: string;
  options?: string[];
}

/** A CDI hook. */
export interface CdiHook {
  hookName: string;
  path: string;
  args?: string[];
  env?: string[];
  timeout?: number;
}

/** CDI container edits. */
export interface CdiEdits {
  env?: string[];
  deviceNodes?: CdiDeviceNode[];
  mounts?: CdiMount[];
  hooks?: CdiHook[];
  additionalGids?: number[];
  intelRdt?: Record<string, unknown>;
  netDevices?: { hostInterfaceName: string; name: string }[];
}

/** A CDI device. */
export interface CdiDevice {
  name: string;
  annotations?: Record<string, string>;
  containerEdits: CdiEdits;
}

/** A CDI spec file's content. */
export interface CdiSpec {
  cdiVersion: string;
  kind: string;
  annotations?: Record<string, string>;
  devices: CdiDevice[];
  containerEdits?: CdiEdits;
}

/** CDI spec versions this toolkit knows, oldest first. */
export const CDI_VERSIONS: readonly string[] = [
  "0.3.0",
  "0.4.0",
  "0.5.0",
  "0.6.0",
  "0.7.0",
  "0.8.0",
  "1.0.0",
  "1.1.0",
];

/** Compares two known versions by their order in CDI_VERSIONS. */
export function compareVersions(a: string, b: string): number {
  return CDI_VERSIONS.indexOf(a) - CDI_VERSIONS.indexOf(b);
}

/** File name endings of CDI spec files. */
export const SPEC_EXTENSIONS: readonly string[] = [".json", ".yaml", ".yml"];

/** The largest CDI spec file read; a bigger one is reported, not read. */
export const MAX_SPEC_BYTES = 16 * 1024 * 1024;
