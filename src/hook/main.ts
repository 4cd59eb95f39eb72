/**
 * The OCI hook, `xpu-container-runtime-hook`: sets an XPU container up through the vendor's
 * xpu-container-cli. Runs as root on the host; everything it reads is treated as untrusted.
 * @module
 */

import { type HookArgs, parseHookArgs } from "./args.ts";
import { isHelper } from "../internal/helper_hooks.ts";
import { configureArgv, instanceArgv } from "../modes/cli_argv.ts";
import { type CliCall, cliCall } from "../modes/cli_env.ts";
import { loadContainer, parseState, readStdin } from "./state.ts";
import { loadConfig } from "../config/load.ts";
import { type Config, debugLogFile } from "../config/schema.ts";
import { type DeviceRequest, deviceRequest } from "../modes/request.ts";
import { containerMemoryLimit, instanceDevices } from "../modes/instance.ts";
import { MEMORY_LIMIT } from "../config/variables.ts";
import type { Spec } from "../oci/spec.ts";
import { hostProbe, resolveMode } from "../modes/resolve.ts";
import { modeFor } from "../modes/factory.ts";
import { hookCanCarryOut } from "../modes/mode.ts";
import { hasXpuDevices, hookCannotCarryOut } from "./spec_modes.ts";
import { ENROOT_HOOK, type Invocation } from "../internal/argv0.ts";
import { callerEnvironment } from "../internal/env.ts";
import { errorMessage, UsageError } from "../internal/errors.ts";
import { handOver } from "../internal/exec.ts";
import { writeStderr, writeStdout } from "../internal/io.ts";
import { Logger } from "../internal/log.ts";
import { versionText } from "../version.ts";

/** Usage of the hook. */
export const HOOK_USAGE = `Usage: xpu-container-runtime-hook [-debug] [-config FILE] COMMAND [ID]

Run by the OCI runtime with the container's state on stdin:
  prestart            set the container's XPUs up through xpu-container-cli configure
  createRuntime ID    create the container's XPU memory instance (${MEMORY_LIMIT.name} set)
  poststart           nothing
  poststop ID         release the XPUs allocated to the container, destroy its XPU memory
                      instance

Flags:
  -debug         log at debug level to stderr; the cli logs to stderr too (--debug=/dev/stderr)
  -config FILE   read FILE instead of the default config.toml
  -version       print the version
`;

const PREFIX = "xpu-container-runtime-hook";

// For the launcher's entry of this applet (scripts/build.sh), which main.ts does not run.
export { invocation } from "../internal/argv0.ts";

/** The `cxpu` arguments for an instance command, or undefined when there is no instance. */
function instanceArgs(
  args: HookArgs,
  config: Config,
  spec: Spec,
  request: DeviceRequest | undefined,
  log: Logger,
): string[] | undefined {
  const limit = containerMemoryLimit(spec, request);
  if (limit === undefined) return undefined;
  const devices = instanceDevices(spec, request);
  if (devices === undefined) {
    log.debug(`${limit.variable} is set, but the container has no device: no instance`);
    return undefined;
  }
  const action = args.command === "createRuntime" ? "create" : "destroy";
  return instanceArgv(config, action, args.id!, devices, limit.bytes, args.debug);
}

/** The cli command line and environment for `args`, or undefined when there is nothing to do. */
function plan(
  args: HookArgs,
  config: Config,
  log: Logger,
  argv0: string,
): CliCall | undefined {
  const command = args.command!;
  const state = parseState(readStdin(), command === "prestart");
  const container = loadContainer(state.bundle);
  const request = deviceRequest(container.spec, config);
  const env = callerEnvironment();
  const host = hostProbe(config, env.PATH);
  let cliArgs: string[] | undefined;
  if (command !== "prestart") {
    cliArgs = instanceArgs(args, config, container.spec, request, log);
  } else if (!request) {
    log.debug(`${state.bundle}: not an XPU container`);
  } else {
    if (!config["xpu-container-runtime-hook"]["skip-mode-detection"]) {
      const resolved = resolveMode(config, container.spec, request, host);
      if (!hookCanCarryOut(modeFor(resolved))) {
        const facts = resolved.facts.join("; ");
        if (!hasXpuDevices(container.spec)) {
          log.debug(`mode ${resolved.mode} (${facts})`);
          throw new Error(hookCannotCarryOut(resolved, config, request, { argv0, path: env.PATH }));
        }
        log.debug(`mode ${resolved.mode} (${facts}); the spec already holds XPU devices`);
        return undefined;
      }
    }
    cliArgs = configureArgv(config, request, state.pid!, container.rootfs, args.debug);
  }
  if (cliArgs === undefined) return undefined;
  return cliCall(config, host.cli(), env, cliArgs);
}

/** Runs the hook with `args`; returns the exit code unless it execs the cli. */
export async function main({ argv0, args }: Invocation): Promise<number> {
  if (isHelper(args[0])) {
    const { runHelper } = await import("./helpers/main.ts");
    return await runHelper(args[0], args.slice(1));
  }
  if (args[0] === ENROOT_HOOK) {
    const { runEnroot } = await import("./enroot/main.ts");
    return await runEnroot(args.slice(1));
  }
  let parsed: HookArgs;
  try {
    parsed = parseHookArgs(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    writeStderr(`${PREFIX}: ${e.message}\n${HOOK_USAGE}`);
    return 2;
  }
  if (parsed.version) {
    writeStdout(versionText(PREFIX));
    return 0;
  }
  if (parsed.help) {
    writeStdout(HOOK_USAGE);
    return 0;
  }
  if (parsed.command === "poststart") return 0;

  const log = new Logger();
  log.addStderr(PREFIX, parsed.debug ? "debug" : "error");
  let step: CliCall | undefined;
  try {
    const { config, warnings } = await loadConfig({ path: parsed.config });
    const debugFile = debugLogFile(config);
    if (debugFile) {
      log.addFile(
        debugFile,
        "text",
        parsed.debug ? "debug" : config["xpu-container-runtime"]["log-level"],
      );
    }
    for (const w of warnings) log.warn(w);
    if (parsed.command === "poststop") {
      (await import("./release.ts")).releaseAllocation(config, parsed.id!, log);
    }
    step = plan(parsed, config, log, argv0);
  } catch (e) {
    log.error(`${parsed.command}: ${errorMessage(e)}`);
    log.close();
    return 1;
  }
  if (!step) {
    log.close();
    return 0;
  }
  const path = step.argv[0]!;
  log.debug(() => `Executing ${JSON.stringify(step.argv)}`);
  try {
    return await handOver(path, step.argv, step.env, (why) => {
      log.debug(`${why}; running the cli as a child process instead`);
      log.close();
    });
  } catch (e) {
    log.error(`${parsed.command}: ${errorMessage(e)}`);
    log.close();
    return 1;
  }
}
