/**
 * What CSV entries name on the host, looked up under the driver root: device nodes with their
 * numbers, libraries (symlinks resolved), symlinks and directories.
 * @module
 */

import type { CsvEntry } from "./csv_spec.ts";
import { deviceInfoFromPath } from "./xpu_nodes.ts";
import { dirName, lstatOrUndefined, resolveInRoot } from "../internal/fs.ts";

/** A character device found on the host. */
export interface HostDevice {
  /** Path in the container (and under the driver root on the host). */
  readonly path: string;
  readonly hostPath: string;
  readonly major: number;
  readonly minor: number;
  /** Permission bits of the host node. */
  readonly fileMode: number;
}

/** A file or directory to bind-mount read-only at `path`. */
export interface HostMount {
  readonly path: string;
  readonly hostPath: string;
}

/** Mount options of every csv and cdi library mount. */
export const READ_ONLY_BIND = ["nosuid", "nodev", "bind", "ro"];

/** A symlink to recreate in the container: `link` pointing at `target`. */
export interface HostLink {
  readonly target: string;
  readonly link: string;
}

/** Everything the CSV entries resolved to, in entry order, and what was missing. */
export interface HostFiles {
  readonly devices: readonly HostDevice[];
  readonly mounts: readonly HostMount[];
  readonly links: readonly HostLink[];
  /** Directories holding libraries, for the ld cache. */
  readonly libraryDirs: readonly string[];
  readonly warnings: readonly string[];
}

/** The part of `hostPath` below `root`, as a container path. */
function insideRoot(root: string, hostPath: string): string {
  return root === "" ? hostPath : hostPath.slice(root.length) || "/";
}

/** What kind of file is at a path: from its directory's listing, read once per directory. */
type Kind = "file" | "dir" | "symlink" | "other" | undefined;

function kindLookup(): (hostPath: string) => Kind {
  const listings = new Map<string, Map<string, Kind> | undefined>();
  return (hostPath) => {
    const dir = dirName(hostPath);
    if (!listings.has(dir)) {
      try {
        const kinds = new Map<string, Kind>();
        for (const e of Deno.readDirSync(dir)) {
          kinds.set(
            e.name,
            e.isFile ? "file" : e.isDirectory ? "dir" : e.isSymlink ? "symlink" : "other",
          );
        }
        listings.set(dir, kinds);
      } catch {
        listings.set(dir, undefined);
      }
    }
    return listings.get(dir)?.get(hostPath.slice(dir.length + 1));
  };
}

/**
 * Looks up `entries` under `root` ("" for the host's /); under another root, symlinks on the way
 * to an entry are followed inside the root, and the host paths are the resolved ones.
 */
export function discoverHostFiles(entries: readonly CsvEntry[], root: string): HostFiles {
  const base = root.replace(/\/+$/, "");
  // One directory listing instead of an lstat per entry: CSV specs list hundreds of libraries.
  const kindOf = kindLookup();
  const devices: HostDevice[] = [];
  const mounts: HostMount[] = [];
  const links: HostLink[] = [];
  const libraryDirs: string[] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  // Under a driver root that is another container's rootfs, a symlink on the way to an entry
  // must not lead out of it: each entry's directory is resolved inside the root, once.
  const dirs = new Map<string, string>();
  const inRoot = (dir: string): string => {
    let host = dirs.get(dir);
    if (host === undefined) dirs.set(dir, host = resolveInRoot(base, dir));
    return host;
  };
  for (const entry of entries) {
    const where = `${entry.file}:${entry.line}`;
    const hostPath = base === "" || entry.path === "/"
      ? `${base}${entry.path}`
      : `${inRoot(dirName(entry.path))}/${entry.path.slice(entry.path.lastIndexOf("/") + 1)}`;
    const kind = kindOf(hostPath);
    if (kind === undefined) {
      warnings.push(`${where}: ${entry.type} "${hostPath}" not found; skipped`);
      continue;
    }
    if (seen.has(`${entry.type}:${entry.path}`)) continue;
    seen.add(`${entry.type}:${entry.path}`);
    switch (entry.type) {
      case "dev": {
        const node = deviceInfoFromPath(
          kind === "symlink" ? resolveInRoot(base || "/", entry.path) : hostPath,
        );
        if (typeof node === "string" || node.type !== "c") {
          warnings.push(`${where}: "${hostPath}" is not a character device; skipped`);
          break;
        }
        const { major, minor, fileMode } = node;
        devices.push({ path: entry.path, hostPath, major, minor, fileMode });
        break;
      }
      case "lib": {
        if (kind === "symlink") {
          // Mount what the link points at, and recreate the link itself in the container.
          const resolvedHost = resolveInRoot(base || "/", entry.path);
          const target = lstatOrUndefined(resolvedHost);
          if (!target?.isFile) {
            warnings.push(`${where}: library link "${hostPath}" does not lead to a file; skipped`);
            break;
          }
          const targetPath = insideRoot(base, resolvedHost);
          mounts.push({ path: targetPath, hostPath: resolvedHost });
          links.push({ target: Deno.readLinkSync(hostPath), link: entry.path });
          if (!libraryDirs.includes(dirName(targetPath))) libraryDirs.push(dirName(targetPath));
        } else if (kind === "file") {
          mounts.push({ path: entry.path, hostPath });
        } else {
          warnings.push(`${where}: library "${hostPath}" is not a file; skipped`);
          break;
        }
        if (!libraryDirs.includes(dirName(entry.path))) libraryDirs.push(dirName(entry.path));
        break;
      }
      case "sym":
        if (kind !== "symlink") {
          warnings.push(`${where}: "${hostPath}" is not a symlink; skipped`);
          break;
        }
        links.push({ target: Deno.readLinkSync(hostPath), link: entry.path });
        break;
      case "dir":
        if (kind !== "dir") {
          warnings.push(`${where}: "${hostPath}" is not a directory; skipped`);
          break;
        }
        mounts.push({ path: entry.path, hostPath });
        break;
    }
  }
  // A library mounted through its link and listed by itself is mounted once.
  const mounted = new Set<string>();
  const unique = mounts.filter((m) => !mounted.has(m.path) && mounted.add(m.path));
  return { devices, mounts: unique, links, libraryDirs, warnings };
}
