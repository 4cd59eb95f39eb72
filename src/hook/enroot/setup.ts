/**
 * What an enroot container gets in csv and cdi modes, from the same container edits the runtime
 * shim applies: device nodes and mounts become ENROOT_MOUNTS lines (binds of the host's nodes,
 * which any user may make, where runc would mknod), environment entries ENROOT_ENVIRON lines,
 * and the helper hooks' work is done here, as enroot runs no OCI hooks: links are made in the
 * rootfs, and the library directories, which are mounted only after every hook has run (so no
 * ldconfig can see them), go to LD_LIBRARY_PATH.
 * @module
 */

import type { ContainerEdits } from "../../edits/edits.ts";
import { isHelperHook } from "../../internal/helper_hooks.ts";
import { isHelper, parseHelperArgs } from "../helpers/args.ts";
import { environLine, fstabLine } from "./lines.ts";

/** enroot's own options for a device node it binds (as its 10-devices.sh binds /dev/null). */
const DEVICE_OPTIONS = ["bind", "rw", "nosuid", "noexec", "private"];

/** The lines and work for one container. */
export interface EnrootSetup {
  /** fstab lines for ENROOT_MOUNTS. */
  readonly mounts: readonly string[];
  /** `KEY=VALUE` lines for ENROOT_ENVIRON. */
  readonly environ: readonly string[];
  /** `TARGET::LINK` links to make in the rootfs. */
  readonly links: readonly string[];
  /** Directories for LD_LIBRARY_PATH. */
  readonly libraryDirs: readonly string[];
  /** What enroot cannot carry out, one line each, for warnings. */
  readonly skipped: readonly string[];
}

/**
 * The setup for `edits`. With `restrictDev` (ENROOT_RESTRICT_DEV), the container's /dev is a
 * tmpfs and each node's file is created there; without, /dev is the host's, where nothing may
 * be created: a node is bound over the one that is there. Throws LineError.
 */
export function enrootSetup(edits: ContainerEdits, restrictDev: boolean): EnrootSetup {
  const deviceOptions = [...(restrictDev ? ["x-create=file"] : []), ...DEVICE_OPTIONS];
  const mounts = (edits.deviceNodes ?? []).map((n) =>
    fstabLine(n.hostPath ?? n.path, n.path, "none", deviceOptions)
  );
  for (const m of edits.mounts ?? []) {
    const options = m.options ?? [];
    const bind = m.type === "bind" || options.includes("bind") || options.includes("rbind");
    mounts.push(
      fstabLine(m.source ?? "none", m.destination, bind ? "none" : m.type ?? "none", [
        bind ? "x-create=auto" : "x-create=dir",
        ...options,
      ]),
    );
  }
  const environ = (edits.env ?? []).map((entry) => {
    const eq = entry.indexOf("=");
    return environLine(eq < 0 ? entry : entry.slice(0, eq), eq < 0 ? "" : entry.slice(eq + 1));
  });
  const links: string[] = [];
  const libraryDirs: string[] = [];
  const skipped: string[] = [];
  for (const hook of edits.hooks ?? []) {
    const helper = isHelperHook(hook.args) ? hook.args?.[2] : undefined;
    if (isHelper(helper) && helper !== "chmod") {
      const parsed = parseHelperArgs(hook.args!.slice(3));
      links.push(...parsed.links);
      for (const dir of parsed.folders) if (!libraryDirs.includes(dir)) libraryDirs.push(dir);
    } else {
      skipped.push(
        `The ${hook.hookName} hook ${JSON.stringify([hook.path, ...(hook.args ?? []).slice(1)])} ` +
          "was not run: enroot runs no OCI hooks",
      );
    }
  }
  if (edits.additionalGids?.length) {
    skipped.push(
      `The groups ${edits.additionalGids.join(", ")} were not added: enroot keeps the user's`,
    );
  }
  return { mounts, environ, links, libraryDirs, skipped };
}
