/**
 * The operator CLI, `xpu-ctk`.
 * @module
 */

import { type Command, CommandUsageError, helpText, resolveCommand, usageText } from "./command.ts";
import { cdiCommand } from "./cdi.ts";
import { configCommand } from "./config.ts";
import { infoCommand } from "./info.ts";
import { runCommand } from "./run.ts";
import { configureCommand, unconfigureCommand } from "./runtime_configure.ts";
import { errorMessage } from "../internal/errors.ts";
import { writeStderr, writeStdout } from "../internal/io.ts";
import { versionText } from "../version.ts";

const runtimeCommand: Command = {
  name: "runtime",
  summary: "Configure engines for the runtime shim, or run it",
  usage: ["runtime configure|unconfigure|exec …"],
  description: "`runtime exec -- ARGS` acts as xpu-container-runtime ARGS.",
  subcommands: [
    configureCommand,
    unconfigureCommand,
    {
      name: "exec",
      summary: "Act as xpu-container-runtime (the OCI runtime shim)",
      usage: ["runtime exec -- RUNC-ARGS…"],
    },
  ],
};

const hookCommand: Command = {
  name: "hook",
  summary: "Run the OCI hook",
  usage: ["hook oci prestart|createRuntime|poststart|poststop [ID]"],
  description: "`hook oci ARGS` acts as xpu-container-runtime-hook ARGS.",
  subcommands: [{
    name: "oci",
    summary: "Act as xpu-container-runtime-hook (the OCI lifecycle hook)",
    usage: ["hook oci prestart|createRuntime|poststart|poststop [ID]"],
  }],
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
        let command: Command = ROOT;
        let path = ROOT.name;
        for (const name of ctx.positionals) {
          const sub = command.subcommands?.find((c) => c.name === name);
          if (!sub) throw new CommandUsageError(`Unknown command "${name}"`, command, path);
          command = sub;
          path = `${path} ${name}`;
        }
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
export async function main(args: string[]): Promise<number> {
  try {
    const resolved = resolveCommand(ROOT, args);
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
