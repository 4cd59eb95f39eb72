/**
 * The operator CLI, `xpu-ctk`.
 * @module
 */

import {
  type Command,
  CommandUsageError,
  findCommand,
  helpText,
  resolveCommand,
  usageText,
} from "./command.ts";
import { passThroughCommands } from "./pass_through.ts";
import { cdiCommand } from "./cdi.ts";
import { configCommand } from "./config.ts";
import { infoCommand } from "./info.ts";
import { runCommand } from "./run.ts";
import { dockerCommand } from "./docker.ts";
import { allocationsCommand, lockCommand } from "./allocations.ts";
import { configureCommand, unconfigureCommand } from "./runtime_configure.ts";
import type { Invocation } from "../internal/argv0.ts";
import { errorMessage } from "../internal/errors.ts";
import { writeStderr, writeStdout } from "../internal/io.ts";
import { versionText } from "../version.ts";

const runtimeCommand: Command = {
  name: "runtime",
  summary: "Configure engines for the runtime shim, or run it",
  usage: ["runtime configure|unconfigure|exec …"],
  description: "`runtime exec -- ARGS` acts as xpu-container-runtime ARGS.",
  subcommands: [configureCommand, unconfigureCommand, ...passThroughCommands("runtime")],
};

const hookCommand: Command = {
  name: "hook",
  summary: "Run the OCI hook or a helper hook",
  usage: ["hook COMMAND [ARGS…]"],
  description: "`hook oci ARGS` acts as xpu-container-runtime-hook ARGS. The helper hooks are\n" +
    "the hooks csv and cdi modes add to a container.",
  subcommands: passThroughCommands("hook"),
};

/** The command tree of `xpu-ctk`. */
export const ROOT: Command = {
  name: "xpu-ctk",
  summary: "XPU Container Toolkit",
  usage: ["[--config FILE] COMMAND [ARGS…]"],
  description: "Configure and inspect the XPU Container Toolkit.",
  options: { version: { type: "boolean", short: "v", help: "Print the version" } },
  subcommands: [
    infoCommand,
    configCommand,
    cdiCommand,
    runCommand,
    dockerCommand,
    allocationsCommand,
    lockCommand,
    runtimeCommand,
    hookCommand,
    {
      name: "version",
      summary: "Print the version",
      usage: ["version"],
      run: () => (writeStdout(versionText("xpu-ctk")), 0),
    },
    {
      name: "help",
      summary: "Show help for a command",
      usage: ["help [COMMAND…]"],
      run: (ctx) => {
        const { command, path } = findCommand(ROOT, ctx.positionals);
        writeStdout(helpText(command, path));
        return 0;
      },
    },
  ],
  run: (ctx) => {
    if (ctx.values.version) {
      writeStdout(versionText("xpu-ctk"));
      return 0;
    }
    if (ctx.positionals.length > 0) {
      throw new CommandUsageError(`Unknown command "${ctx.positionals[0]}"`, ROOT, ROOT.name);
    }
    writeStdout(helpText(ROOT, ROOT.name));
    return 0;
  },
};

/** Runs `xpu-ctk` with `args`; returns the exit code (2 for usage errors, 1 for failures). */
export async function main(invocation: Invocation): Promise<number> {
  try {
    const resolved = resolveCommand(ROOT, invocation);
    if (resolved.kind === "help") {
      writeStdout(resolved.text);
      return 0;
    }
    return await resolved.command.run!(resolved.ctx);
  } catch (e) {
    if (e instanceof CommandUsageError) {
      writeStderr(
        `xpu-ctk: ${e.message}\n${usageText(e.command, e.path)}\n` +
          `Run '${e.path} --help' for more.\n`,
      );
      return 2;
    }
    writeStderr(`xpu-ctk: ${errorMessage(e)}\n`);
    return 1;
  }
}
