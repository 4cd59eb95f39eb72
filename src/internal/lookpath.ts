/**
 * Finding executables the way the toolkit's contract says: PATH, then the system directories.
 * @module
 */

/** True when `path` is a regular file (after symlinks) with an execute bit set. */
export function isExecutableFile(path: string): boolean {
  try {
    const info = Deno.statSync(path);
    return info.isFile && ((info.mode ?? 0) & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** Directories searched after PATH. */
export const SYSTEM_DIRS: readonly string[] = [
  "/usr/local/sbin",
  "/usr/local/bin",
  "/usr/sbin",
  "/usr/bin",
  "/sbin",
  "/bin",
];

/** The directories to search for a bare name: PATH's absolute entries, then SYSTEM_DIRS. */
export function searchDirs(path: string | undefined): string[] {
  const dirs = (path ?? "").split(":").filter((d) => d.startsWith("/"));
  return [...new Set([...dirs, ...SYSTEM_DIRS])];
}

/**
 * Resolves `name`: a name with a `/` is used as it is; a bare name is searched in `dirs`.
 * Returns the executable's path, or undefined; `tried` collects every path looked at.
 */
export function lookPath(
  name: string,
  dirs: readonly string[],
  tried: string[] = [],
): string | undefined {
  if (name.includes("/")) {
    tried.push(name);
    return isExecutableFile(name) ? name : undefined;
  }
  for (const dir of dirs) {
    const candidate = `${dir.replace(/\/+$/, "")}/${name}`;
    tried.push(candidate);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}
