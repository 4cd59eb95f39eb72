/**
 * `xpu-docker`'s command line: its own options taken out of `docker run`'s, and the docker
 * arguments that ask the runtime for XPUs in their place. Pure: no docker is run here.
 *
 * The rule that finds the image: docker's global options come before the subcommand, `run`
 * options before the image, and the image is the first argument that is neither an option nor
 * the value of one (or the argument after `--`). Which options take a value is known from the
 * tables below (docker 20 to 27); an option docker adds later is taken for a flag, so its value,
 * given as a separate argument, would be taken for the image: give it as `--option=value`.
 * @module
 */

import { FLAG_OPTIONS, VALUE_OPTIONS } from "./request_options.ts";
import { DEVICE_COUNT, VISIBLE_DEVICES } from "../config/variables.ts";
import { RequestError } from "../modes/request.ts";
import { UsageError } from "../internal/errors.ts";

/** docker's global options (before the subcommand) that take a value. */
const GLOBAL_VALUES = new Set([
  "--config",
  "-c",
  "--context",
  "-H",
  "--host",
  "-l",
  "--log-level",
  "--tlscacert",
  "--tlscert",
  "--tlskey",
]);

/** `docker run`'s long options that take a value. */
const RUN_VALUES = new Set(
  [
    "add-host",
    "annotation",
    "attach",
    "blkio-weight",
    "blkio-weight-device",
    "cap-add",
    "cap-drop",
    "cgroup-parent",
    "cgroupns",
    "cidfile",
    "cpu-count",
    "cpu-percent",
    "cpu-period",
    "cpu-quota",
    "cpu-rt-period",
    "cpu-rt-runtime",
    "cpu-shares",
    "cpus",
    "cpuset-cpus",
    "cpuset-mems",
    "detach-keys",
    "device",
    "device-cgroup-rule",
    "device-read-bps",
    "device-read-iops",
    "device-write-bps",
    "device-write-iops",
    "dns",
    "dns-opt",
    "dns-option",
    "dns-search",
    "domainname",
    "entrypoint",
    "env",
    "env-file",
    "expose",
    "gpus",
    "group-add",
    "health-cmd",
    "health-interval",
    "health-retries",
    "health-start-interval",
    "health-start-period",
    "health-timeout",
    "hostname",
    "io-maxbandwidth",
    "io-maxiops",
    "ip",
    "ip6",
    "ipc",
    "isolation",
    "kernel-memory",
    "label",
    "label-file",
    "link",
    "link-local-ip",
    "log-driver",
    "log-opt",
    "mac-address",
    "memory",
    "memory-reservation",
    "memory-swap",
    "memory-swappiness",
    "mount",
    "name",
    "net",
    "net-alias",
    "network",
    "network-alias",
    "oom-score-adj",
    "pid",
    "pids-limit",
    "platform",
    "publish",
    "pull",
    "restart",
    "runtime",
    "security-opt",
    "shm-size",
    "stop-signal",
    "stop-timeout",
    "storage-opt",
    "sysctl",
    "tmpfs",
    "ulimit",
    "user",
    "userns",
    "uts",
    "volume",
    "volume-driver",
    "volumes-from",
    "workdir",
  ].map((name) => `--${name}`),
);

/** `docker run`'s one-letter options that take a value (-a -c -e -h -l -m -p -u -v -w). */
const RUN_SHORT_VALUES = "acehlmpuvw";

/** What to do with an xpu-docker command line. */
export interface DockerPlan {
  /** docker's arguments (after the program name). */
  readonly args: readonly string[];
  /** Print the command instead of running it. */
  readonly dryRun: boolean;
  /** Print xpu-docker's help before docker's. */
  readonly help: boolean;
}

function isHelp(arg: string): boolean {
  return arg === "--help" || arg === "-h";
}

/** Index of docker's subcommand in `args` (after its global options), or -1. */
function subcommandIndex(args: readonly string[]): number {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") return i + 1 < args.length ? i + 1 : -1;
    if (!arg.startsWith("-") || arg === "-") return i;
    if (GLOBAL_VALUES.has(arg)) i++;
  }
  return -1;
}

/** How many arguments from `args[i]`, one of docker run's options, belong to it (1 or 2). */
function dockerOptionLength(args: readonly string[], i: number): number {
  const arg = args[i]!;
  if (arg.startsWith("--")) return !arg.includes("=") && RUN_VALUES.has(arg) ? 2 : 1;
  // A cluster of one-letter options (-it, -e X, -eX, -e=X): the first that takes a value takes
  // the rest of the argument, or the next argument when nothing is left.
  for (let c = 1; c < arg.length; c++) {
    if (RUN_SHORT_VALUES.includes(arg[c]!)) return c === arg.length - 1 ? 2 : 1;
  }
  return 1;
}

/**
 * The plan for `xpu-docker ARGS`: for `run` (or `container run`), xpu-docker's options taken out
 * of those before the image and `--runtime=RUNTIME` and `-e VARIABLE=VALUE` put after `run`
 * (docker's own options after them win); any other command unchanged. Throws UsageError for a
 * bad option or value.
 */
export function planDocker(args: readonly string[], runtime: string): DockerPlan {
  const sub = subcommandIndex(args);
  const before = sub < 0 ? args : args.slice(0, sub);
  const globalHelp = before.some(isHelp) || (sub >= 0 && args[sub] === "help");
  const runAt = args[sub] === "run"
    ? sub
    : args[sub] === "container" && args[sub + 1] === "run"
    ? sub + 1
    : -1;
  if (runAt < 0) return { args: [...args], dryRun: false, help: globalHelp };

  const set = new Map<string, string>();
  const kept: string[] = [];
  let dryRun = false;
  let help = false;
  let i = runAt + 1;
  while (i < args.length) {
    const arg = args[i]!;
    if (arg === "--" || !arg.startsWith("-") || arg === "-") break;
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    const own = Object.hasOwn(VALUE_OPTIONS, name) ? VALUE_OPTIONS[name] : undefined;
    if (own) {
      const value = name !== arg ? arg.slice(eq + 1) : args[i + 1];
      // deno-lint-ignore xpu-messages/values-quoted -- an option's name
      if (value === undefined) throw new UsageError(`Option ${name} needs a value`);
      try {
        own.check(value, name);
      } catch (e) {
        if (e instanceof RequestError) throw new UsageError(e.message, { cause: e });
        throw e;
      }
      set.set(own.variable, value);
      i += name === arg ? 2 : 1;
      continue;
    }
    const flag = arg.replace(/^--(no-)?/, "");
    if (arg.startsWith("--") && Object.hasOwn(FLAG_OPTIONS, flag)) {
      set.set(FLAG_OPTIONS[flag]!.variable, arg.startsWith("--no-") ? "0" : "1");
      i++;
      continue;
    }
    if (arg === "--dry-run") {
      dryRun = true;
      i++;
      continue;
    }
    if (isHelp(arg)) help = true;
    const length = dockerOptionLength(args, i);
    kept.push(...args.slice(i, i + length));
    i += length;
  }
  if (set.has(VISIBLE_DEVICES) && set.has(DEVICE_COUNT.name)) {
    throw new UsageError("Give --xpus or --xpu-count, not both");
  }
  const env = [...set].flatMap(([variable, value]) => ["-e", `${variable}=${value}`]);
  return {
    args: [...args.slice(0, runAt + 1), `--runtime=${runtime}`, ...env, ...kept, ...args.slice(i)],
    dryRun,
    help: help || globalHelp,
  };
}
