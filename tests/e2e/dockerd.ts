/**
 * A private dockerd for end-to-end tests: its own socket, data and exec roots, vfs storage, no
 * iptables or bridge, the daemon.json a test gives; stopped by its own PID.
 * @module
 */

import { assertEquals } from "../assert.ts";
import { type Output, run } from "../helpers.ts";
import { makeRootfs, runcUnavailable } from "./bundle.ts";

/** The docker client: Debian's matches Debian's daemon; another docker may come first on PATH. */
export const DOCKER = (() => {
  try {
    Deno.statSync("/usr/bin/docker");
    return "/usr/bin/docker";
  } catch {
    return "docker";
  }
})();

function haveDockerd(): boolean {
  try {
    return new Deno.Command("dockerd", { args: ["--version"], stdout: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
}

/**
 * True when dockerd tests cannot run here (not root, runc or dockerd missing), said loudly;
 * under CI that is an error instead.
 */
export function dockerdUnavailable(): boolean {
  if (runcUnavailable()) return true;
  if (haveDockerd()) return false;
  if (Deno.env.get("CI")) throw new Error("dockerd is missing: make deps installs docker.io");
  console.warn("SKIPPED: dockerd missing: make deps");
  return true;
}

/** Waits until `probe` says yes, at most `ms` long. */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  ms = 60_000,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A running private dockerd. */
export interface Dockerd {
  /** Its socket, as DOCKER_HOST spells it. */
  readonly host: string;
  /** Runs the docker client against it. */
  docker(args: readonly string[]): Promise<Output>;
  /** Removes every container, stops the daemon by its PID and unmounts what it left. */
  stop(): Promise<void>;
}

/**
 * Starts dockerd with its state in `dir` and `daemonJson` as its config, `env` added to its
 * environment (the XPU runtime it starts inherits it); resolves once it answers.
 */
export async function startDockerd(
  dir: string,
  daemonJson: string,
  env: Record<string, string>,
): Promise<Dockerd> {
  const host = `unix://${dir}/docker.sock`;
  const daemon = new Deno.Command("dockerd", {
    args: [
      "--host",
      host,
      "--data-root",
      `${dir}/data`,
      "--exec-root",
      `${dir}/exec`,
      "--pidfile",
      `${dir}/docker.pid`,
      "--config-file",
      daemonJson,
      "--iptables=false",
      "--ip-masq=false",
      "--bridge=none",
      "--storage-driver",
      "vfs",
    ],
    env,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const log = daemon.stderr.pipeTo(
    Deno.openSync(`${dir}/dockerd.log`, { write: true, create: true }).writable,
  );
  const docker = (args: readonly string[]) =>
    run(DOCKER, ["-H", host, ...args], { timeoutMs: 120_000 });
  const stop = async () => {
    // Containers first: the daemon would give each one its stop timeout.
    const ids = (await docker(["ps", "-aq"])).stdout.split("\n").filter(Boolean);
    if (ids.length > 0) await docker(["rm", "-f", ...ids]);
    try {
      daemon.kill("SIGTERM");
    } catch {
      // Already gone.
    }
    const timer = setTimeout(() => daemon.kill("SIGKILL"), 30_000);
    await daemon.status;
    clearTimeout(timer);
    await log.catch(() => {});
    const mounts = Deno.readTextFileSync("/proc/mounts").split("\n").filter((l) =>
      l.includes(` ${dir}/`)
    );
    for (const m of mounts.reverse()) await run("umount", ["-l", m.split(" ")[1]!]);
  };
  try {
    await waitFor("dockerd", async () => (await docker(["info"])).code === 0);
  } catch (e) {
    await stop();
    throw e;
  }
  return { host, docker, stop };
}

/** Imports a busybox rootfs made in `dir` as the image `name`. */
export async function importBusybox(dir: string, dockerd: Dockerd, name: string): Promise<void> {
  makeRootfs(dir);
  const tar = await run("tar", ["-C", `${dir}/rootfs`, "-cf", `${dir}/rootfs.tar`, "."]);
  assertEquals(tar.code, 0, tar.stderr);
  const imported = await dockerd.docker(["import", `${dir}/rootfs.tar`, name]);
  assertEquals(imported.code, 0, imported.stderr);
}
