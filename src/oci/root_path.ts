/**
 * Where a bundle's root filesystem is: `root.path`, relative to the bundle (never the cwd).
 * @module
 */

import type { Spec } from "./spec.ts";

/** The absolute root path of `spec` in `bundle`, or undefined when it names none. */
export function rootfsPath(spec: Spec, bundle: string): string | undefined {
  const root = spec.root?.path;
  if (typeof root !== "string" || root === "") return undefined;
  const rootfs = root.startsWith("/") ? root : `${bundle}/${root}`;
  return rootfs.replace(/\/+$/, "") || "/";
}
