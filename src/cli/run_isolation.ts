/**
 * What `xpu-ctk run` isolates and limits beyond the XPU request: hostname, user, working
 * directory, the namespaces shared with the host, cgroup limits and rootless runc. The flags
 * are read here into one value that run_spec.ts applies to the spec.
 * @module
 */

import { formatSize, parseSize } from "../internal/size.ts";

/** A cgroup limit asked for with --memory, --cpus or --pids-limit. */
export interface RunLimits {
  /** Bytes. */
  readonly memory?: number;
  /** CPU time per period, as `cpus × period`, both in microseconds. */
  readonly cpu?: CpuQuota;
  readonly pids?: number;
}

/** A CFS quota: `quota` microseconds of CPU time each `period`. */
export interface CpuQuota {
  readonly quota: number;
  readonly period: number;
}

/** The isolation options of one run, checked. */
export interface RunIsolation {
  /** Undefined with --uts host: the host's name is the container's. */
  readonly hostname: string | undefined;
  readonly user: { readonly uid: number; readonly gid: number };
  readonly cwd: string;
  /** Namespaces shared with the host (--pid, --uts, --ipc host). */
  readonly hostNamespaces: readonly ("pid" | "uts" | "ipc")[];
  readonly limits: RunLimits;
  /** With --rootless: the caller's ids, mapped to root in a user namespace. */
  readonly rootless: { readonly uid: number; readonly gid: number } | undefined;
}

/** The flags this module reads, for the command's option table and the bundle check. */
export const ISOLATION_FLAGS = [
  "hostname",
  "user",
  "workdir",
  "pid",
  "uts",
  "ipc",
  "memory",
  "cpus",
  "pids-limit",
  "rootless",
] as const;

/** A flag value that cannot be used; the message names the flag and the value. */
export class IsolationError extends Error {
  override name = "IsolationError";
}

// runc cannot start a container in less (Docker's minimum too).
const MIN_MEMORY = 6n * 1024n * 1024n;
// The kernel's largest pid_max.
const MAX_PIDS = 4194304;
// The largest id: (uid_t)-1 means "no id".
const MAX_ID = 2 ** 32 - 2;
const CPU_PERIOD = 100000;

function fail(flag: string, value: string, problem: string): never {
  throw new IsolationError(`Invalid --${flag} "${value}": ${problem}`);
}

/** Bytes for --memory: at least 6 MiB, and exact in a JSON number. */
export function parseMemoryFlag(value: string): number {
  const bytes = parseSize(value);
  if (typeof bytes === "string") fail("memory", value, bytes);
  if (bytes < MIN_MEMORY) fail("memory", value, `must be at least ${formatSize(MIN_MEMORY)}`);
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) {
    fail("memory", value, `must be at most ${Number.MAX_SAFE_INTEGER} bytes`);
  }
  return Number(bytes);
}

/** The CPU quota for --cpus N (a decimal, 0.01 up to the host's CPU count). */
export function parseCpusFlag(value: string, hostCpus: number): CpuQuota {
  if (!/^\d{1,6}(\.\d{1,2})?$/.test(value.trim())) {
    fail("cpus", value, "expected a number of CPUs with at most two decimals, e.g. 1.5");
  }
  const quota = Math.round(Number(value) * CPU_PERIOD);
  if (quota < CPU_PERIOD / 100 || quota > hostCpus * CPU_PERIOD) {
    fail("cpus", value, `must be from 0.01 to ${hostCpus} (the host's CPUs)`);
  }
  return { quota, period: CPU_PERIOD };
}

/** The limit for --pids-limit N. */
export function parsePidsFlag(value: string): number {
  const n = /^\d{1,8}$/.test(value.trim()) ? Number(value) : NaN;
  if (!(n >= 1 && n <= MAX_PIDS)) {
    fail("pids-limit", value, `expected a number from 1 to ${MAX_PIDS}`);
  }
  return n;
}

/** The ids for --user UID[:GID] (GID defaults to UID). Names are not looked up. */
export function parseUserFlag(value: string): { uid: number; gid: number } {
  const m = /^(\d{1,10})(?::(\d{1,10}))?$/.exec(value.trim());
  const uid = Number(m?.[1]);
  const gid = m?.[2] === undefined ? uid : Number(m[2]);
  if (!m || uid > MAX_ID || gid > MAX_ID) {
    fail("user", value, "expected UID or UID:GID as numbers (names are not looked up)");
  }
  return { uid, gid };
}

/** The directory for --workdir: absolute, normalized. */
export function parseWorkdirFlag(value: string): string {
  if (!value.startsWith("/") || value.includes("\0") || value.split("/").includes("..")) {
    fail("workdir", value, "expected an absolute path without ..");
  }
  return `/${value.split("/").filter((c) => c !== "" && c !== ".").join("/")}`;
}

/** The name for --hostname: what the kernel takes (at most 64 bytes), in hostname characters. */
export function parseHostnameFlag(value: string, flag = "hostname"): string {
  if (!/^[A-Za-z0-9]([A-Za-z0-9._-]{0,63})$/.test(value) || value.length > 64) {
    fail(
      flag,
      value,
      "expected letters, digits, '.', '_' and '-' (at most 64), first a letter or digit",
    );
  }
  return value;
}

/** The flag values `--FLAG` reads, as the command line or a profile gave them. */
export type IsolationValues = Readonly<Record<string, string | boolean | undefined>>;

/**
 * The isolation `values` ask for, for container `id` (the default hostname), run by `caller`
 * on a host with `hostCpus` CPUs. Throws IsolationError naming the flag.
 */
export function parseIsolation(
  values: IsolationValues,
  id: string,
  caller: { uid: number; gid: number },
  hostCpus: number,
): RunIsolation {
  const str = (flag: (typeof ISOLATION_FLAGS)[number]) => values[flag] as string | undefined;
  const hostNamespaces: ("pid" | "uts" | "ipc")[] = [];
  for (const ns of ["pid", "uts", "ipc"] as const) {
    const v = str(ns);
    if (v === undefined || v === "private") continue;
    if (v !== "host") fail(ns, v, "expected host or private");
    hostNamespaces.push(ns);
  }
  const named = str("hostname");
  if (named !== undefined && hostNamespaces.includes("uts")) {
    throw new IsolationError(
      "--hostname needs a UTS namespace of the container's: drop --uts host",
    );
  }
  const hostname = hostNamespaces.includes("uts")
    ? undefined
    : named !== undefined
    ? parseHostnameFlag(named)
    : parseHostnameFlag(id.slice(0, 64), "name");
  const limits: RunLimits = {
    ...(str("memory") !== undefined ? { memory: parseMemoryFlag(str("memory")!) } : {}),
    ...(str("cpus") !== undefined ? { cpu: parseCpusFlag(str("cpus")!, hostCpus) } : {}),
    ...(str("pids-limit") !== undefined ? { pids: parsePidsFlag(str("pids-limit")!) } : {}),
  };
  const user = str("user") !== undefined ? parseUserFlag(str("user")!) : { uid: 0, gid: 0 };
  const rootless = values.rootless === true ? { ...caller } : undefined;
  if (rootless) {
    const limited = (["memory", "cpus", "pids-limit"] as const).find((f) => str(f) !== undefined);
    if (limited !== undefined) {
      throw new IsolationError(
        `--${limited} cannot be set with --rootless: the cgroup is not the caller's to limit`,
      );
    }
    if (user.uid !== 0 || user.gid !== 0) {
      throw new IsolationError(
        "--user cannot be set with --rootless: only root (0:0), the caller, is mapped in the container",
      );
    }
  }
  return {
    hostname,
    user,
    cwd: str("workdir") !== undefined ? parseWorkdirFlag(str("workdir")!) : "/",
    hostNamespaces,
    limits,
    rootless,
  };
}
