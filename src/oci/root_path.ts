/**
 * Where a bundle's root filesystem is: `root.path`, relative to the bundle (never the cwd).
 * @module
 */

import type { Spec } from "./spec.ts";
import { cleanPath } from "../internal/paths.ts";

/**
 * The absolute root path of `spec` in `bundle`, or undefined when it names none. Cleaned by
 * name, as runc does (`..` after a link names the link's directory, not where the link leads).
 */
export function rootfsPath(spec: Spec, bundle: string): string | undefined {
  const root = spec.root?.path;
  if (typeof root !== "string" || root === "") return undefined;
  return cleanPath(root.startsWith("/") ? root : `${bundle}/${root}`);
}
