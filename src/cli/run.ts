/**
 * `xpu-ctk run`: a root filesystem (or a bundle) run as a container with XPUs through the
 * runtime shim and runc, no engine needed.
 * @module
 */

import {
  binaryWhere,
  type Command,
  type CommandContext,
  CommandUsageError,
  usageError,
} from "./command.ts";
import { blame, loadProfile, type Profile, ProfileError } from "./run_profile.ts";
import { loadForCli } from "./config.ts";
import { RunSession } from "./run_session.ts";
import { printSummary } from "./run_verbose.ts";
import { hostNetworkMounts, isolateSpec, parseMountFlag, runSpec } from "./run_spec.ts";
import {
  ISOLATION_HELP,
  ISOLATION_OPTIONS,
  isolationOf,
  presentNetworkFiles,
} from "./run_options.ts";
import { binaryPath, findBinary } from "../discover/binaries.ts";
import { VALUE_OPTIONS } from "./request_options.ts";
import { RequestError } from "../modes/request.ts";
import {
  ALLOCATION_WAIT,
  DEVICE_COUNT,
  ENVIRONMENT_ID,
  MEMORY_LIMIT,
  VISIBLE_DEVICES,
  XPU_VISIBLE_DEVICES,
} from "../config/variables.ts";
import type { Mount } from "../oci/spec.ts";
import { envAssignment, splitEnvEntry } from "../internal/env.ts";
import { errorMessage } from "../internal/errors.ts";
import { quote } from "../internal/quote.ts";

function list(ctx: CommandContext, name: string): string[] {
  return (ctx.values[name] as string[] | undefined) ?? [];
}

/** run's options that set request variables, and the request option (VALUE_OPTIONS) each is. */
const REQUEST_OPTIONS = [
  ["xpus", "--xpus"],
  ["xpu-count", "--xpu-count"],
  ["memory-limit", "--xpu-memory"],
  ["eid", "--eid"],
  ["wait", "--wait"],
] as const;

/**
 * The request variables run's options set (CXPU_VISIBLE_DEVICES default all, unless a count is
 * asked for), checked as the runtime will check them. Each may come from --env instead, but not
 * from both.
 */
function requestEnv(ctx: CommandContext, env: readonly string[]): string[] {
  const named = new Set(env.map((e) => splitEnvEntry(e).name));
  const out: string[] = [];
  for (const [option, name] of REQUEST_OPTIONS) {
    const { variable, check } = VALUE_OPTIONS[name]!;
    const value = ctx.values[option] as string | undefined;
    if (value !== undefined && named.has(variable)) {
      throw usageError(ctx, `--${option} and --env ${variable}= both set ${variable}: give one`);
    }
    if (value === undefined) continue;
    try {
      if (option !== "xpus" || !["", "void"].includes(value.trim())) check(value, `--${option}`);
    } catch (e) {
      if (e instanceof RequestError) throw usageError(ctx, e.message);
      throw e;
    }
    out.push(`${variable}=${value}`);
  }
  if (ctx.values.xpus !== undefined && ctx.values["xpu-count"] !== undefined) {
    throw usageError(ctx, "Give --xpus or --xpu-count, not both");
  }
  const counted = named.has(DEVICE_COUNT.name) || ctx.values["xpu-count"] !== undefined;
  if (!named.has(VISIBLE_DEVICES) && ctx.values.xpus === undefined && !counted) {
    out.unshift(`${VISIBLE_DEVICES}=all`);
  }
  return out;
}

/** Throws unless `path`, given as --`flag`, is a directory (or a symlink to one). */
function directoryOf(flag: string, path: string): void {
  let problem: string | undefined;
  try {
    if (!Deno.statSync(path).isDirectory) problem = "not a directory";
  } catch (e) {
    problem = e instanceof Deno.errors.NotFound ? "no such directory" : errorMessage(e);
  }
  if (problem !== undefined) throw new Error(`Cannot run --${flag} ${quote(path)}: ${problem}`);
}

async function run(ctx: CommandContext): Promise<number> {
  const rootfs = ctx.values.rootfs as string | undefined;
  const given = ctx.values.bundle as string | undefined;
  if ((rootfs === undefined) === (given === undefined)) {
    throw usageError(ctx, "Give exactly one of --rootfs and --bundle");
  }
  // An empty path would be the working directory, run as a root filesystem.
  if (rootfs === "" || given === "") {
    throw usageError(
      ctx,
      `Invalid --${rootfs === "" ? "rootfs" : "bundle"} "": expected a directory`,
    );
  }
  const shaping = [
    "xpus",
    "xpu-count",
    "memory-limit",
    "eid",
    "wait",
    "env",
    "mount",
    "rw",
    "network",
  ].filter((k) => ctx.values[k] !== undefined);
  if (given !== undefined && shaping.length > 0) {
    throw usageError(
      ctx,
      `--${shaping[0]} applies to --rootfs; a bundle's config.json says it all`,
    );
  }
  // A profile's own options are checked one by one: it may give what applies to a bundle.
  const isolating = [...Object.keys(ISOLATION_OPTIONS)].find((k) =>
    ctx.values[k] !== undefined && k !== "rootless" && k !== "verbose" && k !== "profile"
  );
  if (given !== undefined && isolating !== undefined) {
    throw usageError(ctx, `--${isolating} applies to --rootfs; a bundle's config.json says it all`);
  }
  const network = (ctx.values.network as string | undefined) ?? "none";
  if (network !== "none" && network !== "host") {
    throw usageError(ctx, `--network must be host or none, not "${network}"`);
  }
  const env = list(ctx, "env");
  const bad = env.find((e) => envAssignment(e) === undefined);
  if (bad !== undefined) throw usageError(ctx, `Invalid --env "${bad}": expected KEY=VALUE`);
  const mounts: Mount[] = [];
  for (const m of list(ctx, "mount")) {
    const parsed = parseMountFlag(m);
    if (typeof parsed === "string") throw usageError(ctx, parsed);
    mounts.push(parsed);
  }
  const stopText = (ctx.values["stop-timeout"] as string | undefined) ?? "10";
  const stopTimeout = /^[0-9]{1,5}$/.test(stopText) ? Number(stopText) : undefined;
  if (stopTimeout === undefined) {
    throw usageError(ctx, `--stop-timeout must be a number of seconds, not "${stopText}"`);
  }
  const request = requestEnv(ctx, env);

  const id = (ctx.values.name as string | undefined) ??
    `xpu-run-${crypto.randomUUID().slice(0, 8)}`;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(id)) throw usageError(ctx, `Invalid --name "${id}"`);
  const iso = isolationOf(ctx, id);
  directoryOf(rootfs === undefined ? "bundle" : "rootfs", (rootfs ?? given)!);

  const config = (await loadForCli(ctx)).config;
  const runc = findBinary("low-level runtime", config, binaryWhere(ctx));
  const session = new RunSession({ runc, id, stopTimeoutMs: stopTimeout * 1000 });
  const work = session.work;
  try {
    let bundle = given;
    if (bundle === undefined) {
      bundle = `${work}/bundle`;
      Deno.mkdirSync(bundle);
      const abs = rootfs!.startsWith("/") ? rootfs! : `${Deno.cwd()}/${rootfs}`;
      const spec = runSpec({
        rootfs: ctx.values.rw === true ? abs : session.overlay(abs),
        args: ctx.positionals.length > 0 ? ctx.positionals : ["sh"],
        env: [...request, ...env],
        mounts: [
          ...(network === "host" ? hostNetworkMounts(presentNetworkFiles()) : []),
          ...mounts,
        ],
        readonly: ctx.values.rw !== true,
        hostNetwork: network === "host",
        terminal: Deno.stdin.isTerminal(),
      });
      isolateSpec(spec, iso);
      Deno.writeTextFileSync(`${bundle}/config.json`, `${JSON.stringify(spec, null, "\t")}\n`);
    }
    const shimArgs = [
      "runtime",
      "exec",
      "--",
      ...(ctx.values.rootless === true ? ["--rootless=true"] : []),
      "--root",
      session.state,
      "run",
      "--bundle",
      bundle,
      id,
    ];
    const childEnv: Record<string, string> = {};
    if (ctx.configPath) {
      // The shim (and the hooks it injects) find --config's file the way they find any other.
      Deno.mkdirSync(`${work}/xdg/xpu-container-runtime`, { recursive: true });
      Deno.copyFileSync(ctx.configPath, `${work}/xdg/xpu-container-runtime/config.toml`);
      childEnv.XDG_CONFIG_HOME = `${work}/xdg`;
    }
    // This binary runs the shim as `xpu-ctk runtime exec -- …`.
    const summary = ctx.values.verbose === true
      ? () => printSummary(`${bundle}/config.json`, config, ctx.configPath)
      : undefined;
    return await session.run(
      binaryPath("self", config, binaryWhere(ctx)),
      shimArgs,
      childEnv,
      summary,
    );
  } finally {
    session.close();
  }
}

/**
 * run with --profile's options under the command line's; a usage error about an option the
 * profile gave names the profile and its key.
 */
async function runWithProfile(ctx: CommandContext): Promise<number> {
  const path = ctx.values.profile as string | undefined;
  if (path === undefined) return await run(ctx);
  let profile: Profile;
  try {
    profile = loadProfile(path, ctx.command, ctx.path);
  } catch (e) {
    if (e instanceof ProfileError) throw usageError(ctx, e.message);
    throw e;
  }
  const given = Object.fromEntries(Object.entries(ctx.values).filter(([, v]) => v !== undefined));
  const merged: CommandContext = {
    ...ctx,
    values: { ...profile.values, ...given },
    positionals: ctx.positionals.length > 0 ? ctx.positionals : profile.positionals,
  };
  try {
    return await run(merged);
  } catch (e) {
    if (e instanceof CommandUsageError) {
      throw usageError(ctx, blame(profile, path, e.message, ctx.values));
    }
    throw e;
  }
}

/** The `run` command. */
export const runCommand: Command = {
  name: "run",
  summary: "Run a root filesystem as a container with XPUs (no engine needed)",
  usage: [
    "run (--rootfs DIR | --bundle DIR) [--xpus LIST | --xpu-count N] [--memory-limit SIZE]",
    "    [--eid ID] [--wait DUR] [--env K=V]… [--mount SRC:DST[:ro]]… [--rw]",
    "    [--network host|none] [--name ID] [--stop-timeout S]",
    "    [--hostname NAME] [--user UID[:GID]] [--workdir DIR] [--pid|--uts|--ipc host]",
    "    [--memory SIZE] [--cpus N] [--pids-limit N] [--rootless] [--profile FILE]",
    "    [--verbose] [-- CMD…]",
  ],
  description:
    `With --rootfs, a bundle is generated (read-only root unless --rw, ${VISIBLE_DEVICES}\n` +
    `from --xpus, default all unless --xpu-count asks the allocator for ${DEVICE_COUNT.name}\n` +
    "devices), run through xpu-container-runtime and runc, and removed\n" +
    "afterwards. Without --rw the root filesystem is never written to: the container (and the\n" +
    "toolkit's hooks) see it under an overlay whose writes are discarded. The exit code is the\n" +
    "container process's. Interactive when stdin is a terminal. CMD defaults to sh.\n" +
    `--env ${XPU_VISIBLE_DEVICES}=… reaches the container untouched: it selects among the\n` +
    "container's devices for the XPU runtime inside.\n" +
    "SIGINT, SIGTERM and SIGHUP (and SIGQUIT, SIGUSR1, SIGUSR2) go to the container; one that\n" +
    "has not stopped S seconds (default 10) after the first, or at the second, is killed. The\n" +
    "container and everything made for it are removed whatever happens.\n" +
    ISOLATION_HELP,
  options: {
    rootfs: { type: "string", value: "DIR", help: "Root filesystem to run" },
    bundle: { type: "string", value: "DIR", help: "An OCI bundle to run instead" },
    xpus: { type: "string", value: "LIST", help: `${VISIBLE_DEVICES} (default all)` },
    "xpu-count": {
      type: "string",
      value: "N",
      help: `${DEVICE_COUNT.name}: N devices, picked among the free ones`,
    },
    "memory-limit": { type: "string", value: "SIZE", help: `${MEMORY_LIMIT.name}, e.g. 4g` },
    eid: { type: "string", value: "ID", help: `${ENVIRONMENT_ID.name}: share devices by id` },
    wait: {
      type: "string",
      value: "DUR",
      help: `${ALLOCATION_WAIT.name}: wait up to DUR for free devices`,
    },
    env: { type: "string", multiple: true, value: "K=V", help: "Add to the environment" },
    mount: {
      type: "string",
      multiple: true,
      value: "SRC:DST[:ro]",
      help: "Bind-mount a host path",
    },
    rw: { type: "boolean", help: "Writable root filesystem" },
    network: { type: "string", value: "host|none", help: "Network namespace (default none)" },
    name: { type: "string", value: "ID", help: "Container id (default xpu-run-RANDOM)" },
    "stop-timeout": {
      type: "string",
      value: "S",
      help: "Seconds from a stop signal to killing the container (default 10)",
    },
    ...ISOLATION_OPTIONS,
  },
  run: runWithProfile,
};
