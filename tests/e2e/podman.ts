/**
 * Real podman for end-to-end tests: private storage under a temp dir, a busybox image, and runs
 * with the flags these machines need.
 * @module
 */

import { type Output, run } from "../helpers.ts";
import { makeRootfs, runcUnavailable } from "./bundle.ts";

/** True when a podman binary runs here. */
export function havePodman(): boolean {
  try {
    return new Deno.Command("podman", { args: ["--version"], stdout: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

/** True when podman tests cannot run here, said loudly; under CI they must run. */
export function podmanUnavailable(): boolean {
  if (runcUnavailable()) return true;
  if (havePodman()) return false;
  if (Deno.env.get("CI")) throw new Error("podman end-to-end tests need podman: run make deps");
  console.warn("SKIPPED: podman missing: make deps");
  return true;
}

/** The image every test container runs. */
export const IMAGE = "busybox-xpu";

/** Global flags for a podman whose storage is under `dir` (no --runtime: tests choose). */
export function podmanFlags(dir: string): string[] {
  return [
    "--root",
    `${dir}/storage`,
    "--runroot",
    `${dir}/runroot`,
    "--cgroup-manager",
    "cgroupfs",
    "--events-backend",
    "file",
    "--storage-driver",
    "vfs",
  ];
}

/** `podman run --rm` flags these machines need. */
export const RUN_FLAGS = [
  "--rm",
  "--network",
  "none",
  "--ulimit",
  "nofile=1024:1024",
  "--ulimit",
  "nproc=1024:1024",
];

/** Runs podman with storage under `dir`, `env` added (e.g. CONTAINERS_CONF). */
export function podman(dir: string, args: string[], env: Record<string, string> = {}) {
  return run("podman", [...podmanFlags(dir), ...args], { env, timeoutMs: 120_000 });
}

/** Imports a busybox rootfs as IMAGE into the storage under `dir`. */
export async function importImage(dir: string): Promise<void> {
  makeRootfs(`${dir}/image`);
  const tar = await run("tar", ["-C", `${dir}/image/rootfs`, "-cf", `${dir}/image.tar`, "."]);
  if (tar.code !== 0) throw new Error(`tar: ${tar.stderr}`);
  const out = await podman(dir, ["import", `${dir}/image.tar`, IMAGE]);
  if (out.code !== 0) throw new Error(`podman import: ${out.stderr}`);
}

/** Removes every container and image from the storage under `dir`, so it can be deleted. */
export async function cleanUp(dir: string): Promise<void> {
  await podman(dir, ["rm", "-af"]);
  await podman(dir, ["rmi", "-af"]);
}

/**
 * The directories `podman --log-level debug init` says it reads hooks from, for a container
 * created with `env`: podman reads hooks when it makes a container's spec, and `init` makes it
 * without the slow debug-mode attach of `run`.
 */
export async function hooksDirsOfPodman(
  dir: string,
  env: Record<string, string>,
): Promise<string[]> {
  const created = await podman(dir, ["create", ...RUN_FLAGS.slice(1), IMAGE, "true"], env);
  if (created.code !== 0) throw new Error(`podman create: ${created.stderr}`);
  const id = created.stdout.trim();
  const init: Output = await podman(
    dir,
    ["--runtime", "runc", "--log-level", "debug", "init", id],
    env,
  );
  await podman(dir, ["rm", "-f", id], env);
  if (init.code !== 0) throw new Error(`podman init: ${init.stderr}`);
  return [...init.stderr.matchAll(/reading hooks from ([^"\s]+)/g)].map((m) => m[1]!);
}
