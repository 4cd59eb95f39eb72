/**
 * `xpu-ctk hook update-ldcache --folder DIR…`: makes the driver's libraries visible to the
 * container's dynamic linker.
 * @module
 */

import type { Config } from "../../config/schema.ts";
import { lstatOrUndefined, mkdirInRoot, resolveInRoot } from "../../internal/fs.ts";
import { isExecutableFile } from "../../internal/lookpath.ts";
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
 * Writes LDCACHE_CONF naming `folders` (and an ld.so.conf that includes it, if the image has
 * none) inside `rootfs`, then runs the host's ldconfig with `-r rootfs` and an empty environment.
 */
export function updateLdcache(
  rootfs: string,
  folders: readonly string[],
  ldconfig: string,
  log: Logger,
): void {
  for (const folder of folders) {
    if (!folder.startsWith("/")) {
      throw new Error(`Invalid --folder "${folder}": expected an absolute path`);
    }
  }
  mkdirInRoot(rootfs, "/etc/ld.so.conf.d");
  const conf = resolveInRoot(rootfs, LDCACHE_CONF);
  Deno.writeTextFileSync(conf, `# Written by xpu-ctk hook update-ldcache\n${folders.join("\n")}\n`);
  const main = resolveInRoot(rootfs, "/etc/ld.so.conf");
  if (!lstatOrUndefined(main)) Deno.writeTextFileSync(main, "include /etc/ld.so.conf.d/*.conf\n");
  // ldconfig chroots into the root itself, so nothing it reads can lead out of the container.
  const out = new Deno.Command(ldconfig, {
    args: ["-r", rootfs],
    clearEnv: true,
    env: {},
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  const stderr = new TextDecoder().decode(out.stderr).trim();
  if (!out.success) {
    throw new Error(`${ldconfig} -r ${rootfs} failed: ${stderr || `exit ${out.code}`}`);
  }
  if (stderr) log.debug(`ldconfig: ${stderr}`);
}
