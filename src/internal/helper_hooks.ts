/**
 * The helper hooks (`xpu-ctk hook create-symlinks|update-ldcache|chmod`): their names, their
 * flags, the argv csv and cdi modes inject to run them, and the env every injected hook gets.
 * The argv[0] dispatch, the hook applet that runs them and the modes that inject them all read
 * this one table. Below cdi and modes because both build them.
 * @module
 */

import { baseName } from "./paths.ts";

/** The helper hooks: `xpu-ctk hook` subcommands the hook applet runs at container start. */
export const HELPER_HOOKS = ["create-symlinks", "update-ldcache", "chmod"] as const;

/** One of HELPER_HOOKS. */
export type Helper = typeof HELPER_HOOKS[number];

/** Between a link's target and the link itself in a `--link` value. */
export const LINK_SEPARATOR = "::";

/** The flag each helper repeats, once per thing it works on, and its value as usage shows it. */
export const HELPER_TARGETS: Readonly<
  Record<Helper, { readonly flag: "link" | "folder" | "path"; readonly value: string }>
> = {
  "create-symlinks": { flag: "link", value: `TARGET${LINK_SEPARATOR}LINK` },
  "update-ldcache": { flag: "folder", value: "DIR" },
  chmod: { flag: "path", value: "PATH" },
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

/** The createContainer hook running `helper` on `targets` (each given with its flag). */
function helperHook(helper: Helper, targets: readonly string[], opts: HelperOptions): HelperHook {
  const flag = `--${HELPER_TARGETS[helper].flag}`;
  return {
    hookName: "createContainer",
    path: opts.ctkPath,
    args: [
      "xpu-ctk",
      "hook",
      helper,
      ...(opts.configPath ? [`--${CONFIG_FLAG}`, opts.configPath] : []),
      ...targets.flatMap((t) => [flag, t]),
    ],
    env: [...HOOK_ENV],
  };
}

/** createContainer hooks recreating `links` and updating the ld cache for `libraryDirs`. */
export function helperHooks(
  links: readonly { target: string; link: string }[],
  libraryDirs: readonly string[],
  opts: HelperOptions,
): HelperHook[] {
  const hooks: HelperHook[] = [];
  if (links.length > 0) {
    const values = links.map((l) => `${l.target}${LINK_SEPARATOR}${l.link}`);
    hooks.push(helperHook("create-symlinks", values, opts));
  }
  if (libraryDirs.length > 0) hooks.push(helperHook("update-ldcache", libraryDirs, opts));
  return hooks;
}
