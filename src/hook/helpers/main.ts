/**
 * The helper hooks csv and cdi modes inject: `xpu-ctk hook create-symlinks|update-ldcache|chmod`.
 * Each reads the container state on stdin to find the bundle and its rootfs.
 * @module
 */

import { createSymlinks } from "../../internal/root_symlinks.ts";
import { setUpLibraries } from "../../internal/ldcache.ts";
import { hostLdconfig } from "../../discover/ldconfig.ts";
import { chmodInRoot, parseMode } from "./chmod.ts";
import { loadContainer, parseState, readStdin } from "../state.ts";
import { loadConfig } from "../../config/load.ts";
import { errorMessage, UsageError } from "../../internal/errors.ts";
import { Root } from "../../internal/in_root.ts";
import { writeStderr, writeStdout } from "../../internal/io.ts";
import { Logger } from "../../internal/log.ts";
import {
  CONFIG_FLAG,
  type Helper,
  HELPER_TARGETS,
  LISTS,
  MODE_FLAG,
  parseHelperArgs,
  TARGET_VALUES,
} from "../../internal/helper_hooks.ts";

function usage(name: Helper): string {
  const { flag, also = [] } = HELPER_TARGETS[name];
  const mode = name === "chmod" ? `--${MODE_FLAG} MODE ` : "";
  const optional = also.map((f) => `[--${f} ${TARGET_VALUES[f]}…] `).join("");
  return `xpu-ctk hook ${name} [--${CONFIG_FLAG} FILE] ${mode}${optional}--${flag} ${
    TARGET_VALUES[flag]
  }…`;
}

const ABOUT: Record<Helper, string> = {
  "create-symlinks": "Creates each LINK (an absolute path in the container) pointing at TARGET.",
  "update-ldcache": "Creates each LINK (as create-symlinks does), lists each DIR in\n" +
    "/etc/ld.so.conf.d/00-xpu-container-toolkit.conf and runs the host's\n" +
    "ldconfig -r ROOTFS (xpu-container-cli.ldconfig) with an empty environment.",
  chmod: "Sets MODE (octal) on each PATH in the container.",
};

/** Runs helper hook `name` with `args`; returns the exit code. */
export async function runHelper(name: Helper, args: readonly string[]): Promise<number> {
  const prefix = `xpu-ctk hook ${name}`;
  const log = new Logger();
  log.addStderr(prefix, "warn");
  try {
    const parsed = parseHelperArgs(args);
    if (parsed.help) {
      writeStdout(
        `Usage: ${usage(name)}\n\n${
          ABOUT[name]
        }\nRun by the OCI runtime with the container state on stdin; paths never\nresolve outside the container's root.\n`,
      );
      return 0;
    }
    const { flag } = HELPER_TARGETS[name];
    if (parsed[LISTS[flag]].length === 0) throw new UsageError(`Nothing to do: give --${flag}`);
    const { config } = await loadConfig({ path: parsed.config });
    const { rootfs } = loadContainer(parseState(readStdin(), false).bundle);
    const ldconfig = name === "update-ldcache"
      ? hostLdconfig(config["xpu-container-cli"].ldconfig)
      : "";
    const mode = name === "chmod" ? parseMode(parsed.mode) : 0;
    const root = Root.open(rootfs);
    try {
      if (name === "create-symlinks") createSymlinks(root, parsed.links, log);
      else if (name === "update-ldcache") setUpLibraries(root, parsed, ldconfig, log);
      else chmodInRoot(root, mode, parsed.paths, log);
    } finally {
      root.close();
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      writeStderr(`${prefix}: ${e.message}\nUsage: ${usage(name)}\n`);
      return 2;
    }
    log.error(errorMessage(e));
    return 1;
  } finally {
    log.close();
  }
}
