/**
 * The OCI spec `xpu-ctk run` generates for a root filesystem (runc's defaults, as `runc spec`).
 * @module
 */

import type { Mount, Spec } from "../oci/spec.ts";
import type { RunIsolation } from "./run_isolation.ts";

const CAPS = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];

/** What `xpu-ctk run` puts in the spec. */
export interface RunSpecOptions {
  readonly rootfs: string;
  readonly args: readonly string[];
  readonly env: readonly string[];
  readonly mounts: readonly Mount[];
  readonly readonly: boolean;
  readonly hostNetwork: boolean;
  readonly terminal: boolean;
}

/** Parses `SRC:DST[:ro]` into a bind mount. Returns a problem string when it is not one. */
export function parseMountFlag(text: string): Mount | string {
  const parts = text.split(":");
  const ro = parts.length === 3 && parts[2] === "ro";
  if ((parts.length !== 2 && !ro) || !parts[0]?.startsWith("/") || !parts[1]?.startsWith("/")) {
    return `Invalid --mount "${text}": expected /host/path:/container/path[:ro]`;
  }
  return {
    destination: parts[1],
    type: "bind",
    source: parts[0],
    options: ["rbind", "nosuid", "nodev", ro ? "ro" : "rw"],
  };
}

/** A spec like `runc spec`'s, for `opts`. */
export function runSpec(opts: RunSpecOptions): Spec {
  const namespaces = ["pid", "ipc", "uts", "mount", ...(opts.hostNetwork ? [] : ["network"])];
  return {
    ociVersion: "1.0.2-dev",
    process: {
      terminal: opts.terminal,
      user: { uid: 0, gid: 0 },
      args: [...opts.args],
      env: [
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "TERM=xterm",
        ...opts.env,
      ],
      cwd: "/",
      capabilities: { bounding: CAPS, effective: CAPS, permitted: CAPS, ambient: CAPS },
      rlimits: [{ type: "RLIMIT_NOFILE", hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: opts.rootfs, readonly: opts.readonly },
    hostname: "xpu",
    mounts: [
      { destination: "/proc", type: "proc", source: "proc" },
      {
        destination: "/dev",
        type: "tmpfs",
        source: "tmpfs",
        options: ["nosuid", "strictatime", "mode=755", "size=65536k"],
      },
      {
        destination: "/dev/pts",
        type: "devpts",
        source: "devpts",
        options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
      },
      {
        destination: "/dev/shm",
        type: "tmpfs",
        source: "shm",
        options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"],
      },
      {
        destination: "/dev/mqueue",
        type: "mqueue",
        source: "mqueue",
        options: ["nosuid", "noexec", "nodev"],
      },
      {
        destination: "/sys",
        type: "sysfs",
        source: "sysfs",
        options: ["nosuid", "noexec", "nodev", "ro"],
      },
      {
        destination: "/sys/fs/cgroup",
        type: "cgroup",
        source: "cgroup",
        options: ["nosuid", "noexec", "nodev", "relatime", "ro"],
      },
      ...opts.mounts,
    ],
    linux: {
      resources: { devices: [{ allow: false, access: "rwm" }] },
      namespaces: namespaces.map((type) => ({ type })),
      maskedPaths: [
        "/proc/acpi",
        "/proc/asound",
        "/proc/kcore",
        "/proc/keys",
        "/proc/latency_stats",
        "/proc/timer_list",
        "/proc/timer_stats",
        "/proc/sched_debug",
        "/sys/firmware",
        "/proc/scsi",
      ],
      readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
    },
  };
}

/** The host files a container on the host's network needs to resolve names. */
export const HOST_NETWORK_FILES = ["/etc/resolv.conf", "/etc/hosts"] as const;

/** Read-only bind mounts of the `present` host network files at the same paths. */
export function hostNetworkMounts(present: readonly string[]): Mount[] {
  return present.map((path) => ({
    destination: path,
    type: "bind",
    source: path,
    options: ["rbind", "nosuid", "nodev", "noexec", "ro"],
  }));
}

/**
 * Applies `iso` to a spec from runSpec: hostname, user, working directory, the namespaces shared
 * with the host, cgroup limits, and for rootless runc what `runc spec --rootless` changes (a user
 * namespace mapping the caller to root, /sys bound, no cgroup resources, devpts without gid=5).
 */
export function isolateSpec(spec: Spec, iso: RunIsolation): Spec {
  const linux = spec.linux!;
  const process = spec.process!;
  process.user = { uid: iso.user.uid, gid: iso.user.gid };
  process.cwd = iso.cwd;
  if (iso.hostname === undefined) delete spec.hostname;
  else spec.hostname = iso.hostname;
  const shared = new Set<string>(iso.hostNamespaces);
  const namespaces = (linux.namespaces as { type: string }[]).filter((n) => !shared.has(n.type));
  const resources = linux.resources!;
  if (iso.limits.memory !== undefined) resources.memory = { limit: iso.limits.memory };
  if (iso.limits.cpu !== undefined) resources.cpu = { ...iso.limits.cpu };
  if (iso.limits.pids !== undefined) resources.pids = { limit: iso.limits.pids };
  if (iso.rootless) {
    namespaces.push({ type: "user" });
    linux.uidMappings = [{ containerID: 0, hostID: iso.rootless.uid, size: 1 }];
    linux.gidMappings = [{ containerID: 0, hostID: iso.rootless.gid, size: 1 }];
    delete linux.resources;
    spec.mounts = spec.mounts!.map((m) =>
      m.type === "sysfs"
        ? {
          destination: "/sys",
          type: "none",
          source: "/sys",
          options: ["rbind", "nosuid", "noexec", "nodev", "ro"],
        }
        : m.type === "devpts"
        ? { ...m, options: m.options!.filter((o) => o !== "gid=5") }
        : m
    );
  }
  linux.namespaces = namespaces;
  return spec;
}
