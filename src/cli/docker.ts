/**
 * `xpu-docker` (`xpu-ctk docker`): docker, with `run` given the XPU runtime and the request
 * variables its options stand for. docker is executed with an argument array, never a shell.
 * @module
 */

import type { Command, CommandContext } from "./command.ts";
import { planDocker } from "./docker_args.ts";
import { FLAG_OPTIONS, VALUE_OPTIONS } from "./request_options.ts";
import { findProgram } from "../discover/binaries.ts";
import { DEFAULT_RUNTIME_NAME, isRuntimeName } from "../engine/registry.ts";
import { COMMAND_NAMES } from "../internal/argv0.ts";
import { callerEnvironment } from "../internal/env.ts";
import { errorMessage, UsageError } from "../internal/errors.ts";
import { handOver } from "../internal/exec.ts";
import { writeStderr, writeStdout } from "../internal/io.ts";
import { baseName } from "../internal/paths.ts";
import { quote, shellQuote } from "../internal/quote.ts";

/** The variable naming the docker binary (a path, or a name looked up on PATH). */
export const DOCKER_BINARY_VARIABLE = "XPU_DOCKER";

/** The variable naming the runtime as docker knows it (`runtime configure --runtime-name`). */
export const DOCKER_RUNTIME_VARIABLE = "XPU_DOCKER_RUNTIME";

/** The name the command was run by, for messages: `xpu-docker` or `xpu-ctk docker`. */
function programName(ctx: CommandContext): string {
  const name = baseName(ctx.argv0);
  return Object.hasOwn(COMMAND_NAMES, name) ? name : ctx.path;
}

function helpText(prog: string): string {
  const options: [string, string][] = [
    ...Object.entries(VALUE_OPTIONS).map(([o, v]): [string, string] => [
      `${o} ${v.value}`,
      `${v.help} (${v.variable})`,
    ]),
    ...Object.entries(FLAG_OPTIONS).map(([o, v]): [string, string] => [
      `--[no-]${o}`,
      `${v.help} (${v.variable}=1, 0)`,
    ]),
    ["--dry-run", "Print the docker command instead of running it"],
  ];
  const width = Math.max(...options.map(([l]) => l.length));
  return [
    `Usage: ${prog} run [--xpus LIST | --xpu-count N] [--xpu-memory SIZE] [--eid ID]`,
    "         [--[no-]over-subscribe] [--[no-]device-locks] [--wait DUR] [--dry-run]",
    "         [DOCKER-RUN-OPTIONS…] IMAGE [COMMAND [ARG…]]",
    `       ${prog} DOCKER-COMMAND [ARGS…]`,
    "",
    "Runs docker. `run` (and `container run`) gets --runtime=NAME, the XPU runtime as docker knows",
    `it (${DOCKER_RUNTIME_VARIABLE}, default ${DEFAULT_RUNTIME_NAME}), and -e for each option below;`,
    "options of docker's own given later win. The options are read before the image only:",
    "the image is the first argument that is neither an option nor an option's value. A docker",
    "option this command does not know is taken for a flag: give its value as --option=VALUE.",
    "Every other command goes to docker unchanged. The docker binary is",
    `${DOCKER_BINARY_VARIABLE} (a path, or a name looked up on PATH), default docker.`,
    "",
    "Options of run:",
    ...options.map(([l, h]) => `  ${l.padEnd(width)}  ${h}`),
    "",
    "docker's help follows.",
    "",
  ].join("\n");
}

/** The docker binary: XPU_DOCKER as a path, or the program it (default docker) names on PATH. */
function dockerBinary(env: Record<string, string>): string {
  const name = env[DOCKER_BINARY_VARIABLE] || "docker";
  if (name.includes("/")) return name;
  const found = findProgram(name, { argv0: undefined, path: env.PATH });
  if (found === undefined) {
    throw new Error(
      `Cannot find ${quote(name)} on PATH: set ${DOCKER_BINARY_VARIABLE} to the docker binary`,
    );
  }
  return found;
}

async function run(ctx: CommandContext): Promise<number> {
  const prog = programName(ctx);
  const env = callerEnvironment();
  try {
    const runtime = env[DOCKER_RUNTIME_VARIABLE] || DEFAULT_RUNTIME_NAME;
    if (!isRuntimeName(runtime)) {
      throw new UsageError(`Invalid ${DOCKER_RUNTIME_VARIABLE} ${quote(runtime)}`);
    }
    const plan = planDocker(ctx.positionals, runtime);
    // Ours comes first, whether or not there is a docker to add its own.
    if (plan.help && !plan.dryRun) writeStdout(helpText(prog));
    const docker = dockerBinary(env);
    const argv = [docker, ...plan.args];
    if (plan.dryRun) {
      writeStdout(`${argv.map(shellQuote).join(" ")}\n`);
      return 0;
    }
    return await handOver(docker, argv, env, () => {});
  } catch (e) {
    writeStderr(`${prog}: ${errorMessage(e)}\n`);
    if (!(e instanceof UsageError)) return 1;
    writeStderr(`Run '${prog} --help' for more.\n`);
    return 2;
  }
}

/** The `docker` command, also run as `xpu-docker`. */
export const dockerCommand: Command = {
  name: "docker",
  summary: "Run docker with XPUs: xpu-docker run --xpu-count N IMAGE (also as xpu-docker)",
  usage: ["docker run [--xpus LIST | --xpu-count N] [OPTIONS…] IMAGE [COMMAND…]"],
  description: "Run 'xpu-docker --help' for its options.",
  rawArgs: true,
  run,
};
