/**
 * The helper hooks (`xpu-ctk hook create-symlinks|update-ldcache|chmod`): their names, their
 * flags, the argv csv and cdi modes inject to run them and its parser, the env every injected
 * hook gets, and what a library helper hook would do (for the runtime shim, which does it itself
 * where it can). The argv[0] dispatch, the hook applet that runs them, the modes that inject them
 * and the shim all read this one module. Below cdi and modes because both build them.
 * @module
 */

import { baseName } from "./paths.ts";
import { UsageError } from "./errors.ts";

/** The helper hooks: `xpu-ctk hook` subcommands the hook applet runs at container start. */
export const HELPER_HOOKS = ["create-symlinks", "update-ldcache", "chmod"] as const;

/** One of HELPER_HOOKS. */
export type Helper = typeof HELPER_HOOKS[number];

/** Between a link's target and the link itself in a `--link` value. */
export const LINK_SEPARATOR = "::";

/** A flag a helper repeats, once per thing it works on. */
export type TargetFlag = "link" | "folder" | "path";

/** Each repeated flag's value, as usage shows it. */
export const TARGET_VALUES: Readonly<Record<TargetFlag, string>> = {
  link: `TARGET${LINK_SEPARATOR}LINK`,
  folder: "DIR",
  path: "PATH",
};

/**
 * The flag each helper needs at least once, and the ones it also takes (update-ldcache makes
 * links too, so one process does both jobs).
 */
export const HELPER_TARGETS: Readonly<
  Record<Helper, { readonly flag: TargetFlag; readonly also?: readonly TargetFlag[] }>
> = {
  "create-symlinks": { flag: "link" },
  "update-ldcache": { flag: "folder", also: ["link"] },
  chmod: { flag: "path" },
};

/** The flag naming a non-default config file, which every helper takes. */
export const CONFIG_FLAG = "config";

/** chmod's flag for the octal mode. */
export const MODE_FLAG = "mode";

/** The only environment injected hooks get: never the container's. */
export const HOOK_ENV: readonly string[] = [
  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
];

/** True for the helper hooks this toolkit injects (`xpu-ctk hook …`). */
export function isHelperHook(args: readonly string[] | undefined): boolean {
  return (args?.[0] === "xpu-ctk" || baseName(args?.[0] ?? "") === "xpu-ctk") &&
    args?.[1] === "hook";
}

/** True when `name` is a helper hook. */
export function isHelper(name: string | undefined): name is Helper {
  return (HELPER_HOOKS as readonly (string | undefined)[]).includes(name);
}

/** Where helper hooks run and what config they read. */
export interface HelperOptions {
  /** The xpu-ctk binary. */
  readonly ctkPath: string;
  /** A non-default config file (`--config FILE`). */
  readonly configPath?: string | undefined;
}

// A type alias, not an interface, so it fits the index signature of the OCI Hook.
/** A createContainer hook, in the shape both OCI specs and CDI specs take. */
export type HelperHook = {
  readonly hookName: "createContainer";
  readonly path: string;
  readonly args: string[];
  readonly env: string[];
};

/**
 * The createContainer hook recreating `links` and updating the ld cache for `libraryDirs`: one
 * process, `update-ldcache --link … --folder …` (or `create-symlinks` when there is no folder);
 * none when there is nothing to do.
 */
export function helperHooks(
  links: readonly { target: string; link: string }[],
  libraryDirs: readonly string[],
  opts: HelperOptions,
): HelperHook[] {
  if (links.length === 0 && libraryDirs.length === 0) return [];
  const targets = (flag: TargetFlag, values: readonly string[]) =>
    values.flatMap((v) => [`--${flag}`, v]);
  return [{
    hookName: "createContainer",
    path: opts.ctkPath,
    args: [
      "xpu-ctk",
      "hook",
      libraryDirs.length > 0 ? "update-ldcache" : "create-symlinks",
      ...(opts.configPath ? [`--${CONFIG_FLAG}`, opts.configPath] : []),
      ...targets("link", links.map((l) => `${l.target}${LINK_SEPARATOR}${l.link}`)),
      ...targets("folder", libraryDirs),
    ],
    env: [...HOOK_ENV],
  }];
}

/** Parsed helper arguments. */
export interface HelperArgs {
  readonly links: string[];
  readonly folders: string[];
  readonly paths: string[];
  readonly mode: string | undefined;
  readonly config: string | undefined;
  readonly help: boolean;
}

/** The list each target flag fills. */
export const LISTS: Readonly<Record<TargetFlag, "links" | "folders" | "paths">> = {
  link: "links",
  folder: "folders",
  path: "paths",
};

/** Parses `args` (after the helper's name). Throws UsageError. */
export function parseHelperArgs(args: readonly string[]): HelperArgs {
  const out = { links: [] as string[], folders: [] as string[], paths: [] as string[] };
  let mode: string | undefined;
  let config: string | undefined;
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const m = /^--?([a-z-]+)(?:=(.*))?$/s.exec(arg);
    if (!m) throw new UsageError(`Unexpected argument "${arg}"`);
    const name = m[1]!;
    if (name === "help" || name === "h") {
      help = true;
      continue;
    }
    if (!(name in LISTS) && name !== MODE_FLAG && name !== CONFIG_FLAG) {
      throw new UsageError(`Unknown flag "${arg}"`);
    }
    const value = m[2] ?? args[++i];
    if (value === undefined || value === "") throw new UsageError(`Flag "--${name}" needs a value`);
    if (name === MODE_FLAG) mode = value;
    else if (name === CONFIG_FLAG) config = value;
    else out[LISTS[name as TargetFlag]].push(value);
  }
  return { ...out, mode, config, help };
}

/** The work of the library helper hooks: links (`TARGET::LINK`) and folders for the ld cache. */
export interface LibraryWork {
  readonly links: readonly string[];
  readonly folders: readonly string[];
}

/**
 * What a library helper hook of ours (`xpu-ctk hook create-symlinks|update-ldcache`, run by an
 * `xpu-ctk` binary) would do, when it reads the config `configPath` (undefined: the default
 * one); undefined for any other hook, and for one whose arguments it would refuse.
 */
export function libraryWorkOf(
  hook: { readonly path: string; readonly args?: readonly string[] | undefined },
  configPath: string | undefined,
): LibraryWork | undefined {
  const args = hook.args ?? [];
  const name = args[2];
  if (!isHelperHook(args) || baseName(hook.path) !== "xpu-ctk") return undefined;
  if (name !== "create-symlinks" && name !== "update-ldcache") return undefined;
  let parsed;
  try {
    parsed = parseHelperArgs(args.slice(3));
  } catch {
    return undefined;
  }
  const links = parsed.links;
  const folders = name === "update-ldcache" ? parsed.folders : [];
  const needed = name === "update-ldcache" ? folders : links;
  if (parsed.help || needed.length === 0 || parsed.config !== configPath) return undefined;
  return { links, folders };
}
