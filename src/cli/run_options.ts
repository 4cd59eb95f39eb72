/**
 * `xpu-ctk run`'s isolation options (hostname, user, workdir, namespaces, limits, rootless), the
 * profile and --verbose: their option table and help, and their values read into a RunIsolation.
 * @module
 */

import { type CommandContext, type OptionSpec, usageError } from "./command.ts";
import { IsolationError, parseIsolation, type RunIsolation } from "./run_isolation.ts";
import { HOST_NETWORK_FILES } from "./run_spec.ts";

/** The options this file adds to run's table. */
export const ISOLATION_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  hostname: { type: "string", value: "NAME", help: "The container's hostname (default the id)" },
  user: { type: "string", value: "UID[:GID]", help: "Run as these numeric ids (default 0:0)" },
  workdir: { type: "string", value: "DIR", help: "Working directory in the container (default /)" },
  pid: { type: "string", value: "host", help: "Share the host's PID namespace" },
  uts: { type: "string", value: "host", help: "Share the host's UTS namespace (its hostname)" },
  ipc: { type: "string", value: "host", help: "Share the host's IPC namespace" },
  memory: {
    type: "string",
    value: "SIZE",
    help: "Memory limit of the container's cgroup, e.g. 1g",
  },
  cpus: { type: "string", value: "N", help: "CPU limit, e.g. 1.5" },
  "pids-limit": { type: "string", value: "N", help: "Most processes the container may have" },
  rootless: {
    type: "boolean",
    help: "Rootless runc: the caller mapped to root in a user namespace",
  },
  profile: { type: "string", value: "FILE", help: "Take options from a JSON or TOML profile" },
  verbose: { type: "boolean", help: "Print what the container got on stderr" },
};

/** The help paragraph on these options and the profile. */
export const ISOLATION_HELP = [
  "--network host binds the host's /etc/resolv.conf and /etc/hosts read-only. --memory, --cpus",
  "and --pids-limit set linux.resources (not with --rootless, whose cgroup is not the caller's).",
  "--user takes numbers only: names in the root filesystem's /etc/passwd are not looked up.",
  "--rootless runs runc --rootless=true with the caller's uid and gid mapped to root in a user",
  "namespace (as runc spec --rootless); a non-root caller needs --rw (it may not mount an overlay).",
  "A profile (FILE.json, or TOML) gives options; the command line's replace the profile's:",
  '  {"name": "train", "rootFs": "./rootfs", "nvidiaGpus": [0, 1],',
  '   "runtimeArgs": ["--env", "A=1", "--", "python3", "train.py"],',
  '   "isolationOptions": {"network": "host", "memory": "8g", "cpus": 4, "pidsLimit": 512}}',
  "rootFs is relative to the profile's directory; nvidiaGpus sets --xpus (a list or a string);",
  "runtimeArgs are run options (and the command after --); isolationOptions keys: network, pid,",
  "ipc, uts, hostname, user, workdir, memory, cpus, pidsLimit, rootless, rw. Unknown keys are errors.",
].join("\n");

/** The host network files that exist here (a host may lack one). */
export function presentNetworkFiles(): string[] {
  return HOST_NETWORK_FILES.filter((path) => {
    try {
      return Deno.statSync(path).isFile;
    } catch {
      return false;
    }
  });
}

/** The isolation `ctx` asks for, for container `id`. Throws a usage error naming the flag. */
export function isolationOf(ctx: CommandContext, id: string): RunIsolation {
  const values = ctx.values as Readonly<Record<string, string | boolean | undefined>>;
  try {
    return parseIsolation(
      values,
      id,
      { uid: Deno.uid() ?? 0, gid: Deno.gid() ?? 0 },
      navigator.hardwareConcurrency,
    );
  } catch (e) {
    if (e instanceof IsolationError) throw usageError(ctx, e.message);
    throw e;
  }
}
