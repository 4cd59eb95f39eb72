/**
 * The XPU device nodes: the one grammar of their names (`/dev/xpu<N>`, `/dev/xpuctrl`), what
 * a device node on the host is (type, numbers, mode), read through an injected `stat` so tests
 * need neither root nor mknod, and which XPUs a device directory holds.
 *
 * The driver names a device's node `xpu` and its index in decimal (`xpu%d`), so an index has no
 * sign and no leading zero, and it is at most MAX_INDEX (internal/xpu_index.ts): `/dev/xpu01`, `/dev/xpu-1` and
 * `/dev/xpu4294967296` are no XPU device's node (to csv mode they are other `dev` entries).
 * @module
 */

import { errorMessage } from "../internal/errors.ts";
import { MAX_INDEX } from "../internal/xpu_index.ts";

/** The file name of the control node every XPU container gets. */
export const XPU_CTRL = "xpuctrl";

/** What an XPU node's name says: a device's index, or the control node. */
export type XpuNode = number | "ctrl";

/** The node a file name (`xpu3`, `xpuctrl`) names, or undefined when it is no XPU node. */
export function parseXpuNodeName(name: string): XpuNode | undefined {
  if (name === XPU_CTRL) return "ctrl";
  const digits = /^xpu(0|[1-9][0-9]{0,6})$/.exec(name)?.[1];
  if (digits === undefined) return undefined;
  const index = Number(digits);
  return index <= MAX_INDEX ? index : undefined;
}

/** The node a container path names (only directly in `/dev`), or undefined. */
export function parseXpuNode(path: string): XpuNode | undefined {
  return path.startsWith("/dev/") ? parseXpuNodeName(path.slice(5)) : undefined;
}

/** The index of the device whose node is at the container path `path`, or undefined. */
export function xpuIndexOf(path: string): number | undefined {
  const node = parseXpuNode(path);
  return typeof node === "number" ? node : undefined;
}

/** The file name of device `index`'s node. */
export function xpuNodeName(index: number | string): string {
  return `xpu${index}`;
}

/** The container path of device `index`'s node. */
export function xpuNodePath(index: number | string): string {
  return `/dev/${xpuNodeName(index)}`;
}

/** Major and minor numbers of a device number (Linux's dev_t encoding). */
export function splitDev(rdev: number): { major: number; minor: number } {
  return { major: (rdev >> 8) & 0xfff, minor: (rdev & 0xff) | ((rdev >> 12) & 0xfff00) };
}

/** A device node on the host, as the OCI spec's `linux.devices` and CDI's `deviceNodes` say it. */
export interface DeviceInfo {
  /** `c` (character), `b` (block) or `p` (FIFO). */
  readonly type: "c" | "b" | "p";
  readonly major: number;
  readonly minor: number;
  /** Permission bits. */
  readonly fileMode: number;
}

/** What deviceInfoFromPath reads of a file: the fields of Deno.FileInfo it needs. */
export type NodeStat = Pick<
  Deno.FileInfo,
  | "isFile"
  | "isDirectory"
  | "isSymlink"
  | "isCharDevice"
  | "isBlockDevice"
  | "isFifo"
  | "isSocket"
  | "rdev"
  | "mode"
>;

/** A stat function: Deno.lstatSync, Deno.statSync or a test's fake. Throws as they do. */
export type Stat = (path: string) => NodeStat;

function kindOf(info: NodeStat): string {
  if (info.isFile) return "a regular file";
  if (info.isDirectory) return "a directory";
  if (info.isSymlink) return "a symbolic link";
  return info.isSocket ? "a socket" : "of an unknown type";
}

/**
 * The device node at `path` (model: CDI's deviceInfoFromPath), or why there is none: `stat`
 * is Deno.lstatSync unless given (statSync follows a final link; tests pass a fake).
 */
export function deviceInfoFromPath(path: string, stat: Stat = Deno.lstatSync): DeviceInfo | string {
  let info: NodeStat;
  try {
    info = stat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
      return "it does not exist";
    }
    return errorMessage(e);
  }
  const type = info.isCharDevice ? "c" : info.isBlockDevice ? "b" : info.isFifo ? "p" : undefined;
  if (type === undefined) return `it is ${kindOf(info)}, not a device`;
  return { type, ...splitDev(info.rdev ?? 0), fileMode: (info.mode ?? 0o666) & 0o777 };
}

/** True when `path` is a character device (a link to one is not: `stat` is lstat by default). */
export function isCharDevice(path: string, stat: Stat = Deno.lstatSync): boolean {
  const info = deviceInfoFromPath(path, stat);
  return typeof info !== "string" && info.type === "c";
}

/** The device directory under the driver root `driverRoot` ("" for the host's own). */
export function devRootOf(driverRoot: string): string {
  return `${driverRoot.replace(/\/+$/, "")}/dev`;
}

/** The indices of the XPUs in `devRoot` (e.g. `/dev`): its `xpu<N>` character devices, ascending. */
export function deviceIndices(devRoot: string, stat: Stat = Deno.lstatSync): number[] {
  let names: string[] = [];
  try {
    names = [...Deno.readDirSync(devRoot)].map((e) => e.name);
  } catch {
    return [];
  }
  return names
    .flatMap((n) => {
      const node = parseXpuNodeName(n);
      return typeof node === "number" && isCharDevice(`${devRoot}/${n}`, stat) ? [node] : [];
    })
    .sort((a, b) => a - b);
}
