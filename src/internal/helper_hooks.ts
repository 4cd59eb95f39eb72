/**
 * The helper hooks the toolkit injects (`xpu-ctk hook create-symlinks|update-ldcache`): their
 * args and the env every injected hook gets. Below cdi and modes because both build them.
 * @module
 */

import { baseName } from "./argv0.ts";

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

/** createContainer hooks recreating `links` and updating the ld cache for `libraryDirs`. */
export function helperHooks(
  links: readonly { target: string; link: string }[],
  libraryDirs: readonly string[],
  opts: HelperOptions,
): HelperHook[] {
  const hook = (helper: string, args: string[]): HelperHook => ({
    hookName: "createContainer",
    path: opts.ctkPath,
    args: [
      "xpu-ctk",
      "hook",
      helper,
      ...(opts.configPath ? ["--config", opts.configPath] : []),
      ...args,
    ],
    env: [...HOOK_ENV],
  });
  const hooks: HelperHook[] = [];
  if (links.length > 0) {
    hooks.push(hook("create-symlinks", links.flatMap((l) => ["--link", `${l.target}::${l.link}`])));
  }
  if (libraryDirs.length > 0) {
    hooks.push(hook("update-ldcache", libraryDirs.flatMap((d) => ["--folder", d])));
  }
  return hooks;
}
