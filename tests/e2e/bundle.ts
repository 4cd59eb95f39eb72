/**
 * Real OCI bundles for end-to-end tests: a busybox-static rootfs and a `runc spec` config.
 * @module
 */

import { bin, type Output, rootOnly, run, TESTDATA } from "../helpers.ts";

/** The static busybox that test containers run. */
export const BUSYBOX = "/bin/busybox";

let applets: string[] | undefined;

function busyboxApplets(): string[] {
  if (!applets) {
    const out = new Deno.Command(BUSYBOX, { args: ["--list"], stdout: "piped" }).outputSync();
    applets = new TextDecoder().decode(out.stdout).split("\n").filter(Boolean);
  }
  return applets;
}

/** Makes `<dir>/rootfs` holding busybox and a link for each of its applets. */
export function makeRootfs(dir: string): string {
  const rootfs = `${dir}/rootfs`;
  for (const d of ["bin", "dev", "proc", "sys", "etc", "tmp"]) {
    Deno.mkdirSync(`${rootfs}/${d}`, { recursive: true });
  }
  Deno.copyFileSync(BUSYBOX, `${rootfs}/bin/busybox`);
  Deno.chmodSync(`${rootfs}/bin/busybox`, 0o755);
  for (const applet of busyboxApplets()) {
    if (applet !== "busybox") Deno.symlinkSync("busybox", `${rootfs}/bin/${applet}`);
  }
  return rootfs;
}

/** What a test container runs. */
export interface BundleOptions {
  readonly args: readonly string[];
  readonly env?: readonly string[];
}

/** Makes a bundle in `dir` (rootfs + config.json from `runc spec`); returns its path. */
export function makeBundle(dir: string, opts: BundleOptions): string {
  Deno.mkdirSync(dir, { recursive: true });
  makeRootfs(dir);
  const spec = JSON.parse(Deno.readTextFileSync(`${TESTDATA}/bundles/runc-spec.json`));
  spec.process.terminal = false;
  spec.process.args = [...opts.args];
  spec.process.env = [...spec.process.env, ...(opts.env ?? [])];
  // Hooks and helpers write into the rootfs.
  spec.root.readonly = false;
  Deno.writeTextFileSync(`${dir}/config.json`, JSON.stringify(spec, null, "\t"));
  return dir;
}

function haveRunc(): boolean {
  try {
    Deno.statSync(BUSYBOX);
    return new Deno.Command("runc", { args: ["--version"], stdout: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

/**
 * True when runc tests cannot run here (not root, or runc/busybox missing), said loudly; under
 * CI that is an error instead, because there they must run.
 */
export function runcUnavailable(): boolean {
  if (rootOnly("runc end-to-end tests need root")) return true;
  if (haveRunc()) return false;
  const why = "runc end-to-end tests need runc and busybox-static: run make deps";
  if (Deno.env.get("CI")) throw new Error(why);
  console.warn(`SKIPPED: ${why}`);
  return true;
}

/**
 * `xpu-container-runtime --root DIR/state create --bundle B ID` with the container's stdio in
 * DIR/out: the container inherits create's stdio, and a pipe would keep the test waiting.
 */
export async function createDetached(
  dir: string,
  env: Record<string, string>,
  bundle: string,
  id: string,
): Promise<Output> {
  return await run("/bin/sh", [
    "-c",
    `exec "$0" "$@" >"${dir}/out" 2>&1 </dev/null`,
    bin("xpu-container-runtime"),
    "--root",
    `${dir}/state`,
    "create",
    "--bundle",
    bundle,
    id,
  ], { env });
}

/**
 * `xpu-container-runtime --root DIR/state run --bundle B ID` with a fresh id; the container is
 * force-deleted from runc's state afterwards, whatever happened.
 */
export async function runThroughShim(
  dir: string,
  env: Record<string, string>,
  bundle: string,
): Promise<Output> {
  const id = `xpu-e2e-${crypto.randomUUID().slice(0, 8)}`;
  try {
    return await run(bin("xpu-container-runtime"), [
      "--root",
      `${dir}/state`,
      "run",
      "--bundle",
      bundle,
      id,
    ], { env });
  } finally {
    await run("runc", ["--root", `${dir}/state`, "delete", "--force", id]);
  }
}
