/**
 * Which file each podman mode writes when `--config` names none, and which of them a host has.
 * @module
 */

import { readIfExists } from "./engine.ts";
import { hasMarker } from "./marker.ts";
import {
  DEFAULT_PODMAN_MODE,
  PODMAN_CDI_SPEC,
  PODMAN_HOOK_FILE,
  PODMAN_MODES,
  podmanDropIn,
  type PodmanMode,
} from "./podman.ts";
import { containersConfFiles, type HooksDirs, podmanHooksDirs } from "./podman_conf.ts";

/** Where this host's podman reads hooks (honouring CONTAINERS_CONF, as podman does). */
export function hostHooksDirs(): HooksDirs {
  return podmanHooksDirs(containersConfFiles(Deno.env.get("CONTAINERS_CONF")));
}

/** The file `mode` writes; the hook goes to the directory podman reads last, so none shadows it. */
export function podmanFile(mode: PodmanMode, runtimeName: string, dirs?: HooksDirs): string {
  switch (mode) {
    case "hook": {
      const all = (dirs ?? hostHooksDirs()).dirs;
      return `${all[all.length - 1]}/${PODMAN_HOOK_FILE}`;
    }
    case "runtime":
      return podmanDropIn(runtimeName);
    case "cdi":
      return PODMAN_CDI_SPEC;
  }
}

/**
 * The first mode's file that is one of ours, else the default mode's file, for `info`.
 * An unreadable containers.conf leaves the hook mode out rather than failing.
 */
export function podmanStatus(runtimeName: string): { file: string; configured: boolean } {
  const files = PODMAN_MODES.flatMap((mode) => {
    try {
      return [podmanFile(mode, runtimeName)];
    } catch {
      return [];
    }
  });
  for (const file of files) {
    const text = (() => {
      try {
        return readIfExists(file);
      } catch {
        return undefined;
      }
    })();
    if (text !== undefined && hasMarker(text)) return { file, configured: true };
  }
  return { file: podmanFile(DEFAULT_PODMAN_MODE, runtimeName), configured: false };
}
