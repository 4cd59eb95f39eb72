/**
 * The helper hooks the toolkit injects (`xpu-ctk hook create-symlinks|update-ldcache`): their
 * args, the env every injected hook gets, and what they do (for the runtime shim, which does it
 * itself where it can). Below cdi and modes because both build them.
 * @module
 */

import { baseName } from "./argv0.ts";
import { parseHelperArgs } from "./helper_args.ts";
import type { LibraryWork } from "./ldcache.ts";

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
  return [{
    hookName: "createContainer",
    path: opts.ctkPath,
    args: [
      "xpu-ctk",
      "hook",
      libraryDirs.length > 0 ? "update-ldcache" : "create-symlinks",
      ...(opts.configPath ? ["--config", opts.configPath] : []),
      ...links.flatMap((l) => ["--link", `${l.target}::${l.link}`]),
      ...libraryDirs.flatMap((d) => ["--folder", d]),
    ],
    env: [...HOOK_ENV],
  }];
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
