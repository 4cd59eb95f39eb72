/**
 * The helper hooks csv and cdi modes inject: `xpu-ctk hook create-symlinks|update-ldcache|chmod`.
 * Each reads the container state on stdin to find the bundle and its rootfs.
 * @module
 */

import { type Helper, parseHelperArgs } from "../../internal/helper_args.ts";
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

const USAGE: Record<Helper, string> = {
  "create-symlinks": "xpu-ctk hook create-symlinks [--config FILE] --link TARGET::LINK…",
  "update-ldcache":
    "xpu-ctk hook update-ldcache [--config FILE] [--link TARGET::LINK…] --folder DIR…",
  chmod: "xpu-ctk hook chmod [--config FILE] --mode MODE --path PATH…",
};

const ABOUT: Record<Helper, string> = {
  "create-symlinks": "Creates each LINK (an absolute path in the container) pointing at TARGET.",
  "update-ldcache": "Creates each LINK (as create-symlinks does), lists each DIR in\n" +
    "/etc/ld.so.conf.d/00-xpu-container-toolkit.conf and runs the host's\n" +
    "ldconfig -r ROOTFS (xpu-container-cli.ldconfig) with an empty environment.",
  chmod: "Sets MODE (octal) on each PATH in the container.",
};

/** The repeated flag each helper needs at least once, and the list it fills. */
const TARGETS: Record<Helper, { flag: string; list: "links" | "folders" | "paths" }> = {
  "create-symlinks": { flag: "--link", list: "links" },
  "update-ldcache": { flag: "--folder", list: "folders" },
  chmod: { flag: "--path", list: "paths" },
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
        `Usage: ${USAGE[name]}\n\n${
          ABOUT[name]
        }\nRun by the OCI runtime with the container state on stdin; paths never\nresolve outside the container's root.\n`,
      );
      return 0;
    }
    const { flag, list } = TARGETS[name];
    if (parsed[list].length === 0) throw new UsageError(`Nothing to do: give ${flag}`);
    const { config } = await loadConfig({ path: parsed.config });
    const { rootfs } = loadContainer(parseState(readStdin(), false).bundle);
    const ldconfig = name === "update-ldcache"
      ? hostLdconfig(config["xpu-container-cli"].ldconfig)
      : "";
    const mode = name === "chmod" ? parseMode(parsed.mode) : 0;
    const root = Root.open(rootfs);
    try {
      if (name === "create-symlinks") createSymlinks(root, parsed.links, log);
      else if (name === "update-ldcache") await setUpLibraries(root, parsed, ldconfig, log);
      else chmodInRoot(root, mode, parsed.paths, log);
    } finally {
      root.close();
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      writeStderr(`${prefix}: ${e.message}\nUsage: ${USAGE[name]}\n`);
      return 2;
    }
    log.error(errorMessage(e));
    return 1;
  } finally {
    log.close();
  }
}
