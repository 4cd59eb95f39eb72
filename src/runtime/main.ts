/**
 * The runtime shim, `xpu-container-runtime`: modifies the bundle on create/run, then hands the
 * untouched command line to the low-level runtime with execve.
 * @module
 */

import {
  bundleDir,
  containerId,
  MODIFYING_COMMANDS,
  parseRuntimeArgs,
  runsRootless,
  runtimeRoot,
} from "./args.ts";
import { findBinary } from "../discover/binaries.ts";
import {
  configPathForHooks,
  defaultConfigPath,
  loadConfig,
  type LoadedConfig,
} from "../config/load.ts";
import { defaultConfig } from "../config/schema.ts";
import { DECISION_DIR_ENV, recordDecision } from "./decision.ts";
import type { Invocation } from "../internal/argv0.ts";
import { callerEnvironment } from "../internal/env.ts";
import { errorMessage } from "../internal/errors.ts";
import { handOver } from "../internal/exec.ts";
import { writeStdout } from "../internal/io.ts";
import { type Level, Logger } from "../internal/log.ts";
import { versionText } from "../version.ts";

/** Usage of the runtime shim. */
export const RUNTIME_USAGE = `Usage: xpu-container-runtime [RUNC-GLOBAL-FLAGS] COMMAND [ARGS…]

An OCI runtime shim: on create and run it gives XPU containers their devices by editing the
bundle's config.json, then hands every command to the low-level runtime (runc) unchanged.
Register it with an engine like runc, e.g. in Docker's daemon.json:
  "runtimes": {"xpu": {"path": "/usr/bin/xpu-container-runtime"}}
`;

const PREFIX = "xpu-container-runtime";

// For the launcher's entry of this applet (scripts/build.sh), which main.ts does not run.
export { invocation } from "../internal/argv0.ts";

function isNullDevice(path: string): boolean {
  return path === "" || path === "/dev/null";
}

/** Runs the runtime shim with runc's `args`; returns the exit code unless it execs runc. */
export async function main({ argv0, args }: Invocation): Promise<number> {
  const startedMs = Date.now();
  const parsed = parseRuntimeArgs(args);
  if (parsed.command === undefined && parsed.help) {
    writeStdout(RUNTIME_USAGE);
    return 0;
  }
  if (parsed.command === undefined && parsed.version) writeStdout(versionText(PREFIX));

  const log = new Logger();
  log.addStderr(PREFIX, "warn");
  const fail = (msg: string): number => {
    log.error(msg);
    log.close();
    return 1;
  };
  const modifying = parsed.command !== undefined && MODIFYING_COMMANDS.has(parsed.command);
  // The engine's log first, before anything can fail: Docker reports a failed create from it,
  // and without it shows only that the file does not exist. Its level waits for the config.
  const logProblem = parsed.log !== undefined && !isNullDevice(parsed.log)
    ? log.addFile(parsed.log, parsed.logFormat, parsed.debug ? "debug" : "info")
    : undefined;
  if (logProblem) log.warn(logProblem);

  let loaded: LoadedConfig;
  let configFailed = false;
  try {
    loaded = await loadConfig({});
  } catch (e) {
    // A broken config must never stop state, kill or delete from reaching runc.
    if (modifying) return fail(errorMessage(e));
    log.warn(`${errorMessage(e)}; using the defaults`);
    configFailed = true;
    const path = defaultConfigPath((name) => Deno.env.get(name));
    loaded = { config: defaultConfig(), path, exists: false, trusted: true, warnings: [] };
  }
  const runtimeConfig = loaded.config["xpu-container-runtime"];
  const level: Level = parsed.debug ? "debug" : runtimeConfig["log-level"];
  log.setFileLevel(level);
  const debugProblem = isNullDevice(runtimeConfig.debug)
    ? undefined
    : log.addFile(runtimeConfig.debug, "text", level);
  if (debugProblem) log.warn(debugProblem);
  for (const w of loaded.warnings) log.warn(w);
  log.debug(() => `Invoked with ${JSON.stringify(args)}`);

  const env = callerEnvironment();
  let runc: string;
  try {
    runc = findBinary("low-level runtime", loaded.config, { path: env.PATH });
    const id = modifying ? containerId(parsed.commandArgs) : undefined;
    // Without an id runc can use, runc refuses the command line: the spec is left as it is.
    if (modifying && id === undefined) log.debug("No usable container id: the spec is left alone");
    if (id !== undefined) {
      // Only create and run pay for loading the spec-editing modules.
      const { modifyBundle } = await import("./modify.ts");
      const commandArgs = parsed.commandArgs;
      await modifyBundle(loaded.config, {
        bundle: bundleDir(commandArgs, Deno.cwd()),
        containerId: id,
        hookConfigPath: configPathForHooks(loaded),
        path: env.PATH,
        argv0,
        log,
        runtimeRoot: runtimeRoot(parsed, runc, env),
        rootless: runsRootless(parsed, Deno.uid() ?? 0),
      });
    }
  } catch (e) {
    return fail(errorMessage(e));
  }

  const recorded = recordDecision(Deno.env.get(DECISION_DIR_ENV), {
    configPath: loaded.path,
    configExists: loaded.exists,
    env,
    config: loaded.config,
    runtime: runc,
    // The front may answer only for a shim that would say nothing on a pass-through call.
    quiet: !configFailed && loaded.warnings.length === 0 && debugProblem === undefined &&
      runtimeConfig["log-level"] !== "debug",
    startedMs,
  });
  if (recorded) log.debug(recorded);
  log.debug(() => `Executing ${runc}`);
  try {
    return await handOver(runc, [runc, ...args], env, (why) => {
      log.warn(`${why}; running ${runc} as a child process instead`);
      log.close();
    });
  } catch (e) {
    return fail(errorMessage(e));
  }
}
