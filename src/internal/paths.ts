/**
 * Lexical path normalisation: no file-system access, so it is the same on every host.
 * @module
 */

// CSV specs list hundreds of paths, nearly all already clean: those skip the split.
function isPlain(path: string): boolean {
  return path.startsWith("/") && !path.includes("//") && !path.includes("/.") &&
    (path.length === 1 || !path.endsWith("/"));
}

/**
 * `path` with empty and `.` components dropped and `..` applied; a `..` above `/` stays at `/`
 * (as the kernel does). A relative path keeps the `..` it cannot apply; an empty one is ".".
 */
export function cleanPath(path: string): string {
  if (isPlain(path)) return path;
  const absolute = path.startsWith("/");
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part !== "..") out.push(part);
    else if (out.length > 0 && out.at(-1) !== "..") out.pop();
    else if (!absolute) out.push(part);
  }
  const joined = out.join("/");
  return absolute ? `/${joined}` : joined || ".";
}

/** True when applying the `..` components of absolute `path` would climb above `/`. */
export function climbsAboveRoot(path: string): boolean {
  if (isPlain(path)) return false;
  let depth = 0;
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    depth += part === ".." ? -1 : 1;
    if (depth < 0) return true;
  }
  return false;
}

/** The last path component of `path`. */
export function baseName(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}
