/**
 * The host's ldconfig, which the library helper hooks (and the runtime shim doing their work)
 * run on a container's root.
 * @module
 */

import { isExecutableFile } from "./binaries.ts";

/**
 * The host ldconfig that `xpu-container-cli.ldconfig` names (`@` marks a host path; every
 * ldconfig run is a host one). Throws when it is unset or not an executable file.
 */
export function hostLdconfig(value: string): string {
  if (!value) throw new Error('No ldconfig configured ("xpu-container-cli.ldconfig" is empty)');
  const path = value.startsWith("@") ? value.slice(1) : value;
  if (!isExecutableFile(path)) {
    throw new Error(
      `ldconfig "${path}" (xpu-container-cli.ldconfig) is not an executable file on the host`,
    );
  }
  return path;
}
