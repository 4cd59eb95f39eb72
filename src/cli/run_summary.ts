/**
 * `xpu-ctk run --verbose`: one screen on what the container got, read from the bundle's
 * config.json once the shim has edited it (devices, the mounts beyond runc's defaults, mode,
 * limits, namespaces, user).
 * @module
 */

import type { Config } from "../config/schema.ts";
import { deviceRequest } from "../modes/request.ts";
import { hostProbe, resolveMode } from "../modes/resolve.ts";
import type { Spec } from "../oci/spec.ts";
import { formatSize } from "../internal/size.ts";

// What runSpec mounts for every container: not worth a line.
const DEFAULT_MOUNTS = new Set([
  "/proc",
  "/dev",
  "/dev/pts",
  "/dev/shm",
  "/dev/mqueue",
  "/sys",
  "/sys/fs/cgroup",
]);

/** The summary lines of `spec` (the edited config.json), run with `config` from `configPath`. */
export function runSummary(spec: Spec, config: Config, configPath: string | undefined): string[] {
  const request = deviceRequest(spec, config);
  const mode = resolveMode(config, spec, request, hostProbe(config, configPath)).mode;
  const linux = spec.linux ?? {};
  const nodes = (linux.devices ?? []).map((d) => d.path);
  const mounts = (spec.mounts ?? []).filter((m) => !DEFAULT_MOUNTS.has(m.destination));
  // Under rootless runc the nodes are bind mounts of the host's.
  const bound = mounts.filter((m) => m.destination.startsWith("/dev/")).map((m) => m.destination);
  const resources = (linux.resources ?? {}) as {
    memory?: { limit?: number };
    cpu?: { quota?: number; period?: number };
    pids?: { limit?: number };
  };
  const limits = [
    resources.memory?.limit !== undefined
      ? `memory ${formatSize(BigInt(resources.memory.limit))}`
      : "",
    resources.cpu?.quota !== undefined
      ? `cpus ${resources.cpu.quota / (resources.cpu.period ?? 100000)}`
      : "",
    resources.pids?.limit !== undefined ? `pids ${resources.pids.limit}` : "",
  ].filter(Boolean);
  const own = new Set(((linux.namespaces ?? []) as { type: string }[]).map((n) => n.type));
  const shared = ["pid", "network", "ipc", "uts", "user"].filter((n) => !own.has(n));
  const user = spec.process?.user;
  const hooks = Object.values(spec.hooks ?? {}).flat().length;
  return [
    `mode:       ${mode}${linux.uidMappings ? " (rootless runc)" : ""}`,
    `devices:    ${[...nodes, ...bound].join(" ") || "none"}`,
    `mounts:     ${mounts.length} beyond runc's defaults${hooks > 0 ? `, ${hooks} hook(s)` : ""}`,
    ...mounts.map((m) => `  ${m.destination} <- ${m.source ?? m.type ?? ""}`),
    `limits:     ${limits.join(", ") || "none"}`,
    `namespaces: own ${[...own].join(" ")}; host ${shared.join(" ") || "none"}`,
    `process:    uid ${user?.uid ?? 0} gid ${user?.gid ?? 0}, cwd ${spec.process?.["cwd"] ?? "/"}` +
    `, hostname ${spec["hostname"] ?? "(host's)"}`,
  ];
}
