/**
 * `xpu-ctk hook enroot`: the enroot hook (hooks.d/98-xpu.sh hands over to it). enroot runs it
 * before the container starts, in the container's user and mount namespaces, as the user who
 * started it. The request comes from the hook's environment and ENROOT_ENVIRON; in legacy mode
 * the cli sets the container up (NVIDIA's 98-nvidia.sh form), in csv and cdi modes the devices
 * and libraries go to ENROOT_MOUNTS as bind mounts, which any user may make.
 * @module
 */

import { enrootConfigureArgv } from "../../modes/cli_argv.ts";
import { type CliCall, cliCall } from "../../modes/cli_env.ts";
import {
  lastValue,
  LIBRARY_PATH,
  libraryPathLine,
  MAX_ENVIRON,
  requestEnvironment,
} from "./environ.ts";
import { slurmAllocation, withinAllocation } from "./slurm.ts";
import { type EnrootSetup, enrootSetup } from "./setup.ts";
import { createSymlinks } from "../../internal/root_symlinks.ts";
import { concatBytes } from "../../internal/bytes.ts";
import { loadConfig } from "../../config/load.ts";
import { MEMORY_LIMIT, VISIBLE_DEVICES } from "../../config/variables.ts";
import { deviceRequest, RequestError } from "../../modes/request.ts";
import { hostProbe, resolveMode } from "../../modes/resolve.ts";
import { modeFor } from "../../modes/factory.ts";
import { needsCli } from "../../modes/mode.ts";
import type { Spec } from "../../oci/spec.ts";
import { callerEnvironment } from "../../internal/env.ts";
import { errorMessage, UsageError } from "../../internal/errors.ts";
import { handOver } from "../../internal/exec.ts";
import { Root } from "../../internal/in_root.ts";
import { encoder, writeStderr, writeStdout } from "../../internal/io.ts";
import { Logger } from "../../internal/log.ts";
import { appendPlainFile, readPlainFile } from "../../internal/plain_file.ts";
import { quote } from "../../internal/quote.ts";
import { splitFlag } from "../../internal/flags.ts";

const PREFIX = "xpu-ctk hook enroot";

const USAGE = `Usage: xpu-ctk hook enroot [--config FILE] [--debug]

The enroot hook: enroot runs it (through hooks.d/98-xpu.sh, which "xpu-ctk runtime
configure --runtime=enroot" installs) before a container starts. The request is read from
the hook's environment, else from the last value in ENROOT_ENVIRON
(enroot start -e ${VISIBLE_DEVICES}=0 …); unset or "void" asks for nothing. Within a Slurm
job that names its devices (SLURM_STEP_GPUS, SLURM_JOB_GPUS), the container gets only those.
In legacy mode xpu-container-cli sets the container up (--user, --no-cgroups); in csv and
cdi modes the device nodes and libraries are appended to ENROOT_MOUNTS as bind mounts, and
their directories to LD_LIBRARY_PATH in ENROOT_ENVIRON. With ENROOT_RESTRICT_DEV=y the
container sees no other host device.
`;

interface EnrootArgs {
  readonly config: string | undefined;
  readonly debug: boolean;
  readonly help: boolean;
}

function parseArgs(args: readonly string[]): EnrootArgs {
  let config: string | undefined;
  let debug = false;
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const { name, value } = splitFlag(args[i]!);
    if (!args[i]!.startsWith("-")) throw new UsageError(`Unexpected argument "${args[i]}"`);
    if (name === "help" || name === "h") help = true;
    else if (name === "debug" && value === undefined) debug = true;
    else if (name === "config") {
      config = value ?? args[++i];
      if (!config) throw new UsageError(`Flag "${args[i - 1]}" needs a file`);
    } else throw new UsageError(`Unknown flag "${args[i]}"`);
  }
  return { config, debug, help };
}

/** The files enroot names for its hooks, each an absolute path. */
interface EnrootPaths {
  readonly rootfs: string;
  readonly environ: string;
  readonly mounts: string;
}

function enrootPaths(env: Readonly<Record<string, string>>): EnrootPaths {
  const get = (name: string) => {
    const value = env[name];
    // deno-lint-ignore xpu-messages/values-quoted -- the variable's name
    if (!value) throw new Error(`${name} is not set: enroot runs this hook (hooks.d/98-xpu.sh)`);
    // deno-lint-ignore xpu-messages/values-quoted -- the variable's name
    if (!value.startsWith("/")) throw new Error(`${name} ${quote(value)} is not an absolute path`);
    return value;
  };
  return {
    rootfs: get("ENROOT_ROOTFS"),
    environ: get("ENROOT_ENVIRON"),
    mounts: get("ENROOT_MOUNTS"),
  };
}

/** The cli's command line and environment in legacy mode; undefined when all is done. */
type Handover = CliCall | undefined;

async function setUp(args: EnrootArgs, log: Logger): Promise<Handover> {
  const env = callerEnvironment();
  const paths = enrootPaths(env);
  const environ = readPlainFile(
    paths.environ,
    MAX_ENVIRON,
    `ENROOT_ENVIRON ${quote(paths.environ)}`,
  );
  const variables = requestEnvironment(env, environ, paths.environ);
  if (variables.size === 0) {
    log.debug("Not an XPU container: no request variable is set");
    return undefined;
  }
  const { config, warnings } = await loadConfig({ path: args.config });
  for (const w of warnings) log.warn(w);
  const spec: Spec = { process: { env: [...variables].map(([k, v]) => `${k}=${v}`) } };
  let request = deviceRequest(spec, config);
  if (request === undefined) {
    log.debug("Not an XPU container: no device is requested");
    return undefined;
  }
  if (request.memoryLimit) {
    throw new RequestError(
      `${request.memoryLimit.variable} is set, but enroot runs no hook when a container stops, ` +
        `so its XPU memory instance could not be destroyed; unset ${MEMORY_LIMIT.name}`,
    );
  }
  const allocation = slurmAllocation(env);
  if (allocation) request = withinAllocation(request, allocation);
  const host = hostProbe(config, env.PATH);
  const resolution = resolveMode(config, spec, request, host);
  log.debug(`Mode ${resolution.mode} (${resolution.facts.join("; ")})`);
  if (needsCli(modeFor(resolution))) {
    const argv = enrootConfigureArgv(config, request, paths.rootfs, args.debug);
    return cliCall(config, host.cli(), env, argv);
  }
  // Each mode's modules load only when the mode is used.
  const { csvHostEdits, cdiHostEdits } = await import("./host_edits.ts");
  const edits = resolution.mode === "csv"
    ? csvHostEdits(config, request, log)
    : await cdiHostEdits(config, request, log);
  give(enrootSetup(edits, Boolean(env.ENROOT_RESTRICT_DEV)), paths, environ, log);
  return undefined;
}

/**
 * Carries `setup` out: links in the rootfs, then the lines appended to ENROOT_MOUNTS and
 * ENROOT_ENVIRON (`environ` is the latter's content). Every line is made before anything is
 * written, so a value that cannot be passed on changes nothing.
 */
function give(setup: EnrootSetup, paths: EnrootPaths, environ: Uint8Array, log: Logger): void {
  for (const s of setup.skipped) log.warn(s);
  const mounts = encoder.encode(setup.mounts.join(""));
  const lines: Uint8Array[] = [encoder.encode(setup.environ.join(""))];
  if (setup.libraryDirs.length > 0) {
    lines.push(libraryPathLine(setup.libraryDirs, lastValue(environ, LIBRARY_PATH)));
  }
  const added = concatBytes(lines);
  if (setup.links.length > 0) {
    const root = Root.open(paths.rootfs);
    try {
      createSymlinks(root, setup.links, log);
    } finally {
      root.close();
    }
  }
  if (mounts.length > 0) {
    appendPlainFile(paths.mounts, mounts, `ENROOT_MOUNTS ${quote(paths.mounts)}`);
  }
  if (added.length > 0) {
    appendPlainFile(paths.environ, added, `ENROOT_ENVIRON ${quote(paths.environ)}`);
  }
  log.debug(() => `Appended ${setup.mounts.length} mount(s) to ${paths.mounts}`);
}

/** Runs the enroot hook with `args`; returns the exit code unless it execs the cli. */
export async function runEnroot(args: readonly string[]): Promise<number> {
  let parsed: EnrootArgs;
  try {
    parsed = parseArgs(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    writeStderr(`${PREFIX}: ${e.message}\n${USAGE}`);
    return 2;
  }
  if (parsed.help) {
    writeStdout(USAGE);
    return 0;
  }
  const log = new Logger();
  log.addStderr(PREFIX, parsed.debug ? "debug" : "warn");
  let step: Handover;
  try {
    step = await setUp(parsed, log);
  } catch (e) {
    log.error(errorMessage(e));
    log.close();
    return 1;
  }
  if (!step) {
    log.close();
    return 0;
  }
  log.debug(() => `Executing ${JSON.stringify(step.argv)}`);
  try {
    return await handOver(step.argv[0]!, step.argv, step.env, (why) => {
      log.debug(`${why}; running the cli as a child process instead`);
      log.close();
    });
  } catch (e) {
    log.error(errorMessage(e));
    log.close();
    return 1;
  }
}
