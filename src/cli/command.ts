/**
 * A tiny command table over `node:util` parseArgs: nested commands, per-command options,
 * generated help, and usage errors that exit 2.
 * @module
 */

import { parseArgs } from "node:util";
import type { Where } from "../discover/binaries.ts";
import type { Applet, Invocation } from "../internal/argv0.ts";
import { UsageError } from "../internal/errors.ts";

/** One option of a command. */
export interface OptionSpec {
  readonly type: "string" | "boolean";
  readonly short?: string;
  readonly multiple?: boolean;
  /** Placeholder shown in help, e.g. FILE. */
  readonly value?: string;
  readonly help: string;
}

/** What a command's `run` receives. */
export interface CommandContext {
  readonly values: Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;
  readonly positionals: readonly string[];
  /** `--config FILE` given before or after the command name. */
  readonly configPath: string | undefined;
  /** The command being run and how it was reached, e.g. `xpu-ctk config set`. */
  readonly command: Command;
  readonly path: string;
  /** argv[0] of this process, to find the toolkit's binaries beside it. */
  readonly argv0: string;
}

/** A command or a group of subcommands. */
export interface Command {
  readonly name: string;
  /** One line for the parent's command list. */
  readonly summary: string;
  /** Usage lines after the program name, e.g. `config get KEY`. */
  readonly usage: readonly string[];
  /** A paragraph shown in the command's help. */
  readonly description?: string;
  readonly options?: Readonly<Record<string, OptionSpec>>;
  readonly subcommands?: readonly Command[];
  readonly run?: (ctx: CommandContext) => number | Promise<number>;
  /** The applet that runs this command and prints its help (PASS_THROUGH in argv0.ts). */
  readonly applet?: Applet;
  /** The command reads its arguments itself: `run` gets them all, unparsed, as positionals. */
  readonly rawArgs?: boolean;
}

/** A usage error that knows which command's usage to show. */
export class CommandUsageError extends UsageError {
  /** The command whose usage applies. */
  readonly command: Command;
  /** The command path, e.g. `xpu-ctk config set`. */
  readonly path: string;

  constructor(message: string, command: Command, path: string) {
    super(message);
    this.command = command;
    this.path = path;
  }
}

const COMMON: Readonly<Record<string, OptionSpec>> = {
  config: { type: "string", value: "FILE", help: "Read configuration from FILE" },
  help: { type: "boolean", short: "h", help: "Show this help" },
};

/**
 * The usage lines of `command` reached as `path`. A line that starts with a space continues the
 * one before it, so it gets no program name.
 */
export function usageText(command: Command, path: string): string {
  const prog = path.split(" ")[0]!;
  return command.usage.map((u, i) => {
    const start = i === 0 ? "Usage:" : "      ";
    return `${start} ${u.startsWith(" ") ? " ".repeat(prog.length) : prog} ${u}`;
  }).join("\n");
}

/** Full help for `command` reached as `path`. */
export function helpText(command: Command, path: string): string {
  const out = [usageText(command, path)];
  if (command.description) out.push("", command.description);
  if (command.subcommands?.length) {
    out.push("", "Commands:");
    const width = Math.max(...command.subcommands.map((c) => c.name.length));
    for (const sub of command.subcommands) out.push(`  ${sub.name.padEnd(width)}  ${sub.summary}`);
  }
  // A command may describe a common option its own way (runtime configure's --config).
  const options = { ...COMMON, ...command.options };
  const labels = Object.entries(options).map(([name, o]) => {
    const short = o.short ? `-${o.short}, ` : "";
    return [`${short}--${name}${o.value ? ` ${o.value}` : ""}`, o.help] as const;
  });
  const width = Math.max(...labels.map(([l]) => l.length));
  out.push("", "Options:", ...labels.map(([l, h]) => `  ${l.padEnd(width)}  ${h}`));
  if (command.subcommands?.length) {
    out.push("", `Run '${path} COMMAND --help' for more about a command.`);
  }
  return `${out.join("\n")}\n`;
}

/** The command named by `names` below `root` and its path. Throws CommandUsageError. */
export function findCommand(
  root: Command,
  names: readonly string[],
): { command: Command; path: string } {
  let command = root;
  let path = root.name;
  for (const name of names) {
    const sub = command.subcommands?.find((c) => c.name === name);
    if (!sub) throw new CommandUsageError(`Unknown command "${name}"`, command, path);
    if (sub.applet) throw passThroughError(command, path, name);
    command = sub;
    path = `${path} ${name}`;
  }
  return { command, path };
}

/**
 * The error for pass-through command `name` below `parent` when it reaches the CLI: argv[0]
 * dispatch hands it to its applet only when its names come first and nothing stands between them.
 */
function passThroughError(parent: Command, path: string, name: string): CommandUsageError {
  return new CommandUsageError(
    `Command "${name}" takes its arguments after its name: run '${path} ${name} --help'`,
    parent,
    path,
  );
}

/** Result of resolving a command line: what to run, or help to print. */
export type Resolved =
  | { readonly kind: "run"; readonly command: Command; readonly ctx: CommandContext }
  | { readonly kind: "help"; readonly text: string };

/** Resolves `args` against the command tree below `root`. Throws CommandUsageError. */
export function resolveCommand(root: Command, { argv0, args }: Invocation): Resolved {
  let command = root;
  let path = root.name;
  let rest = [...args];
  let configPath: string | undefined;
  for (;;) {
    // Options before a subcommand name belong to the current level (e.g. `xpu-ctk --config F info`).
    const firstPositional = firstPositionalIndex(command, rest);
    const leading = firstPositional < 0 ? rest : rest.slice(0, firstPositional);
    const next = firstPositional < 0 ? undefined : rest[firstPositional];
    const sub = next === undefined ? undefined : command.subcommands?.find((c) => c.name === next);
    if (!sub || leading.includes("--")) break;
    const parsed = parse(command, path, leading);
    if (parsed.values.help) return { kind: "help", text: helpText(command, path) };
    if (sub.applet) throw passThroughError(command, path, sub.name);
    configPath = (parsed.values.config as string | undefined) ?? configPath;
    command = sub;
    path = `${path} ${sub.name}`;
    rest = rest.slice(firstPositional + 1);
    if (sub.rawArgs) {
      return {
        kind: "run",
        command,
        ctx: { values: {}, positionals: rest, configPath, command, path, argv0 },
      };
    }
  }
  const parsed = parse(command, path, rest);
  if (parsed.values.help) return { kind: "help", text: helpText(command, path) };
  if (!command.run) {
    const what = parsed.positionals[0];
    throw new CommandUsageError(
      what === undefined ? "Missing command" : `Unknown command "${what}"`,
      command,
      path,
    );
  }
  return {
    kind: "run",
    command,
    ctx: {
      values: parsed.values,
      positionals: parsed.positionals,
      configPath: (parsed.values.config as string | undefined) ?? configPath,
      command,
      path,
      argv0,
    },
  };
}

/** Index of the first argument that is neither an option nor an option's value, or -1. */
function firstPositionalIndex(command: Command, args: readonly string[]): number {
  const options = Object.entries({ ...command.options, ...COMMON });
  const takesValue = (arg: string) =>
    options.some(([name, o]) =>
      o.type === "string" &&
      (arg === `--${name}` || (o.short !== undefined && arg === `-${o.short}`))
    );
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") return -1;
    if (!arg.startsWith("-") || arg === "-") return i;
    if (takesValue(arg)) i++;
  }
  return -1;
}

/** `args` parsed with `command`'s options (and the common ones). Throws CommandUsageError. */
export function parse(command: Command, path: string, args: string[]) {
  const options: Record<
    string,
    { type: "string" | "boolean"; short?: string; multiple?: boolean }
  > = {};
  for (const [name, o] of Object.entries({ ...COMMON, ...command.options })) {
    options[name] = {
      type: o.type,
      ...(o.short ? { short: o.short } : {}),
      ...(o.multiple ? { multiple: true } : {}),
    };
  }
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    const msg = e instanceof Error ? e.message.replace(/\. To specify a positional.*$/s, "") : "";
    throw new CommandUsageError(msg || "Invalid arguments", command, path);
  }
}

/** Where `ctx`'s command finds the toolkit's binaries: beside this xpu-ctk, then on PATH. */
export function binaryWhere(ctx: CommandContext): Where {
  return { argv0: ctx.argv0, path: Deno.env.get("PATH") };
}

/** Throws a usage error for `ctx`'s command unless it got between `min` and `max` positionals. */
export function expectPositionals(ctx: CommandContext, min: number, max: number): void {
  const n = ctx.positionals.length;
  if (n < min) throw usageError(ctx, "Missing argument");
  if (n > max) throw usageError(ctx, `Unexpected argument "${ctx.positionals[max]}"`);
}

/** A usage error for the command of `ctx`. */
export function usageError(ctx: CommandContext, message: string): CommandUsageError {
  return new CommandUsageError(message, ctx.command, ctx.path);
}
