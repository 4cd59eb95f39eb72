/**
 * Reading runc's command line without changing it: global flags, the subcommand, the bundle,
 * the container id, and the engine's log settings.
 * @module
 */

import { flagEnabled, splitFlag } from "../internal/flags.ts";
import { baseName } from "../internal/paths.ts";
import { inUserNamespace } from "../internal/userns.ts";

/** runc global flags that take a value (`--root R` or `--root=R`, one or two dashes). */
export const VALUE_FLAGS: ReadonlySet<string> = new Set([
  "root",
  "log",
  "log-format",
  "criu",
  "rootless",
]);

/** Subcommands whose bundle the shim modifies. */
export const MODIFYING_COMMANDS: ReadonlySet<string> = new Set(["create", "run"]);

/** What the shim needs to know from runc's arguments. */
export interface RuntimeArgs {
  /** The subcommand (`create`, `state`, …), or undefined when there is none. */
  readonly command: string | undefined;
  /** Value of `--root` (the low-level runtime's state directory), if given. */
  readonly root: string | undefined;
  /** Value of `--log`, if given. */
  readonly log: string | undefined;
  readonly logFormat: "json" | "text";
  /** `--debug` given (and not `--debug=false`). */
  readonly debug: boolean;
  /** `--version`/`-v` or `--help`/`-h` before any subcommand. */
  readonly version: boolean;
  readonly help: boolean;
  /** Value of `--rootless` (`true`, `false` or `auto`), if given. */
  readonly rootless: string | undefined;
  /** Arguments after the subcommand. */
  readonly commandArgs: readonly string[];
}

/** A command line the shim cannot act on. */
export class RuntimeArgsError extends Error {
  override name = "RuntimeArgsError";
}

/** Parses runc's global flags and finds the subcommand. Never reorders or drops anything. */
export function parseRuntimeArgs(args: readonly string[]): RuntimeArgs {
  let root: string | undefined;
  let log: string | undefined;
  let rootless: string | undefined;
  let logFormat: "json" | "text" = "text";
  let debug = false;
  let version = false;
  let help = false;
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith("-") || arg === "-") break;
    if (arg === "--") {
      i++;
      break;
    }
    const { name, value: inline } = splitFlag(arg);
    let value = inline;
    if (VALUE_FLAGS.has(name) && value === undefined) value = args[++i];
    switch (name) {
      case "root":
        root = value;
        break;
      case "log":
        log = value;
        break;
      case "rootless":
        rootless = value;
        break;
      case "log-format":
        logFormat = value === "json" ? "json" : "text";
        break;
      case "debug":
        debug = flagEnabled(value);
        break;
      case "version":
      case "v":
        version = true;
        break;
      case "help":
      case "h":
        help = true;
        break;
    }
  }
  return {
    command: args[i],
    root,
    log,
    logFormat,
    debug,
    version,
    help,
    rootless,
    commandArgs: args.slice(i + 1),
  };
}

/** A boolean flag's value as runc reads it (Go's strconv.ParseBool), else undefined. */
function goBool(value: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(value)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(value)) return false;
  return undefined;
}

/**
 * Whether runc runs the container rootless, by runc's rule: `--rootless` as a boolean when it is
 * one, else (unset or `auto`) when the caller is not root or runs in a user namespace.
 */
export function runsRootless(
  parsed: RuntimeArgs,
  uid: number,
  inUserNs: () => boolean = inUserNamespace,
): boolean {
  const given = parsed.rootless === undefined ? undefined : goBool(parsed.rootless);
  if (given !== undefined) return given;
  return uid !== 0 || inUserNs();
}

/** The spellings of runc's bundle flag (Go's flag package takes one dash or two). */
export const BUNDLE_FLAGS: readonly string[] = ["--bundle", "-bundle", "--b", "-b"];

const BUNDLE_FLAG = new RegExp(`^(?:${BUNDLE_FLAGS.join("|")})(?:=(.*))?$`, "s");

/** The bundle directory of a subcommand's arguments: `--bundle`/`-b` in any form, else `cwd`. */
export function bundleDir(commandArgs: readonly string[], cwd: string): string {
  let bundle: string | undefined;
  for (let i = 0; i < commandArgs.length; i++) {
    const m = BUNDLE_FLAG.exec(commandArgs[i]!);
    if (!m) continue;
    if (m[1] !== undefined) bundle = m[1];
    else {
      const next = commandArgs[i + 1];
      if (next === undefined || next.startsWith("-")) {
        throw new RuntimeArgsError(`Flag "${commandArgs[i]}" needs a bundle directory`);
      }
      bundle = next;
      i++;
    }
    if (bundle === "") {
      throw new RuntimeArgsError(`Flag "${commandArgs[i]}" needs a bundle directory`);
    }
  }
  if (bundle === undefined) return cwd;
  return bundle.startsWith("/") ? bundle : `${cwd.replace(/\/+$/, "")}/${bundle}`;
}

/** `create`/`run` flags that take a value (the next argument unless given with `=`). */
export const COMMAND_VALUE_FLAGS: ReadonlySet<string> = new Set([
  "bundle",
  "b",
  "console-socket",
  "pid-file",
  "preserve-fds",
]);

/** runc's `create`/`run` flags without a value (`run` has the last four), for the front. */
export const COMMAND_PLAIN_FLAGS: readonly string[] = [
  "no-pivot",
  "no-new-keyring",
  "detach",
  "d",
  "keep",
  "no-subreaper",
];

/** runc's rule for container ids: a name it could use as a directory of its state. */
const VALID_ID = /^[\w+.-]+$/;

/**
 * The container id of `create`/`run`, as runc reads it: its flags may come before and after the
 * id (urfave/cli moves them to the front; Slurm's oci.conf runs `run ID -b BUNDLE`), and what is
 * left, and everything after `--`, must be exactly one argument, a name runc accepts; else
 * undefined, and runc reports the command line itself.
 */
export function containerId(commandArgs: readonly string[]): string | undefined {
  const rest: string[] = [];
  for (let i = 0; i < commandArgs.length; i++) {
    const arg = commandArgs[i]!;
    if (arg === "--") {
      rest.push(...commandArgs.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") rest.push(arg);
    else if (!arg.includes("=") && COMMAND_VALUE_FLAGS.has(arg.replace(/^--?/, ""))) {
      // A flag without its value: runc refuses the command line.
      if (++i === commandArgs.length) return undefined;
    }
  }
  const id = rest.length === 1 ? rest[0] : undefined;
  return id !== undefined && VALID_ID.test(id) && id !== "." && id !== ".." ? id : undefined;
}

/**
 * The low-level runtime's state directory: `--root`, else its default, `/run/<name>` (runc's
 * `/run/runc`, crun's `/run/crun`) for root and `$XDG_RUNTIME_DIR/<name>` for other users.
 */
export function runtimeRoot(
  parsed: RuntimeArgs,
  lowLevel: string,
  env: Record<string, string>,
): string {
  if (parsed.root !== undefined && parsed.root.startsWith("/")) return parsed.root;
  const name = baseName(lowLevel);
  const base = Deno.uid() === 0 || !env.XDG_RUNTIME_DIR ? "/run" : env.XDG_RUNTIME_DIR;
  return parsed.root !== undefined ? `${Deno.cwd()}/${parsed.root}` : `${base}/${name}`;
}
