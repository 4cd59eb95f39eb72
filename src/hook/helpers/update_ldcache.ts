/**
 * `xpu-ctk hook update-ldcache --folder DIR…`: makes the driver's libraries visible to the
 * container's dynamic linker.
 * @module
 */

import type { Config } from "../../config/schema.ts";
import { baseName } from "../../internal/argv0.ts";
import { dirName } from "../../internal/fs.ts";
import type { Handle, Root } from "../../internal/in_root.ts";
import { LDCONFIG_LIMITS, type LdconfigLimits, runLdconfig } from "./ldconfig.ts";
import { isExecutableFile } from "../../discover/binaries.ts";
import type { Logger } from "../../internal/log.ts";

/** The conf file the hook owns inside the container. */
export const LDCACHE_CONF = "/etc/ld.so.conf.d/00-xpu-container-toolkit.conf";

/** The host ldconfig from config (`@` marks a host path; every ldconfig run is a host one). */
export function ldconfigPath(config: Config): string {
  const value = config["xpu-container-cli"].ldconfig;
  if (!value) throw new Error('No ldconfig configured ("xpu-container-cli.ldconfig" is empty)');
  const path = value.startsWith("@") ? value.slice(1) : value;
  if (!isExecutableFile(path)) {
    throw new Error(
      `ldconfig "${path}" (xpu-container-cli.ldconfig) is not an executable file on the host`,
    );
  }
  return path;
}

/**
 * The first configuration file ldconfig would read that is not a regular file (a FIFO would block
 * it for ever), as a container path.
 */
function unreadableConf(root: Root, confDir: Handle): string | undefined {
  const paths = [
    "/etc/ld.so.conf",
    ...root.list(confDir).filter((n) => n.endsWith(".conf")).map((n) => `${confDir.path}/${n}`),
  ];
  // A name that is not UTF-8 cannot be looked up by its decoded form: refuse it unseen.
  return paths.find((p) => {
    if (p.includes("\uFFFD")) return true;
    const h = root.resolve(p);
    try {
      return h !== undefined && root.stat(h).kind === "other";
    } finally {
      root.release(h);
    }
  });
}

/**
 * Writes LDCACHE_CONF naming `folders` (and an ld.so.conf that includes it, if the image has
 * none) inside `root`, then runs the host's ldconfig on the root (see runLdconfig).
 */
export async function updateLdcache(
  root: Root,
  folders: readonly string[],
  ldconfig: string,
  log: Logger,
  limits: LdconfigLimits = LDCONFIG_LIMITS,
): Promise<void> {
  for (const folder of folders) {
    if (!folder.startsWith("/") || /[\n\0]/.test(folder)) {
      throw new Error(`Invalid --folder ${JSON.stringify(folder)}: expected an absolute path`);
    }
  }
  const etc = root.mkdirAll("/etc");
  const confDir = root.mkdirAll(dirName(LDCACHE_CONF));
  root.replaceFileAt(
    confDir,
    baseName(LDCACHE_CONF),
    `# Written by xpu-ctk hook update-ldcache\n${folders.join("\n")}\n`,
  );
  // Only where the image has none: a link there (even a dangling one) is the image's own.
  root.createFileAt(etc, "ld.so.conf", "include /etc/ld.so.conf.d/*.conf\n");
  const blocking = unreadableConf(root, confDir);
  if (blocking) {
    throw new Error(
      `"${blocking}" in the container is not a regular file with a UTF-8 name; ldconfig not run`,
    );
  }
  await runLdconfig(ldconfig, root.path, log, limits);
}
