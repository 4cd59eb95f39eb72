/**
 * The hook's command line: Go-style flags (`-debug`, `-config FILE`) before the command.
 * @module
 */

import { UsageError } from "../internal/errors.ts";
import { flagEnabled, splitFlag } from "../internal/flags.ts";

/** Commands a runtime runs the hook with. */
export const HOOK_COMMANDS = ["prestart", "createRuntime", "poststart", "poststop"] as const;

/** One of HOOK_COMMANDS. */
export type HookCommand = typeof HOOK_COMMANDS[number];

/** A parsed hook command line. */
export interface HookArgs {
  readonly debug: boolean;
  readonly config: string | undefined;
  readonly version: boolean;
  readonly help: boolean;
  readonly command: HookCommand | undefined;
  readonly id: string | undefined;
}

function isCommand(value: string): value is HookCommand {
  return (HOOK_COMMANDS as readonly string[]).includes(value);
}

/** Parses the hook's arguments. Throws UsageError. */
export function parseHookArgs(args: readonly string[]): HookArgs {
  let debug = false;
  let config: string | undefined;
  let version = false;
  let help = false;
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith("-")) break;
    const { name, value: inline } = splitFlag(arg);
    switch (name) {
      case "debug":
        debug = flagEnabled(inline);
        break;
      case "config":
        config = inline ?? args[++i];
        if (!config) throw new UsageError(`Flag "${arg}" needs a file`);
        break;
      case "version":
        version = true;
        break;
      case "h":
      case "help":
        help = true;
        break;
      default:
        throw new UsageError(`Unknown flag "${arg}"`);
    }
  }
  const command = args[i];
  if (version || help) return { debug, config, version, help, command: undefined, id: undefined };
  if (command === undefined) throw new UsageError("Missing command");
  if (!isCommand(command)) throw new UsageError(`Unknown command "${command}"`);
  const rest = args.slice(i + 1);
  const needsId = command === "createRuntime" || command === "poststop";
  if (needsId && rest.length === 0) {
    throw new UsageError(`Command "${command}" needs a container id`);
  }
  if (rest.length > (needsId ? 1 : 0)) {
    throw new UsageError(`Unexpected argument "${rest[needsId ? 1 : 0]}"`);
  }
  return { debug, config, version, help, command, id: rest[0] };
}
