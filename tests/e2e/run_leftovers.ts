/**
 * What `xpu-ctk run` may leave behind: changes to a root filesystem, mounts, processes.
 * @module
 */

import { mountsUnder } from "../helpers.ts";

async function sha256(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", Deno.readFileSync(path));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Every file, directory and link below `root`, each with its type, mode, owner, mtime and content
 * (the SHA-256 of a file, the target of a link), one line each, sorted.
 */
export async function snapshot(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    for (const e of Deno.readDirSync(dir)) {
      const path = `${dir}/${e.name}`;
      const st = Deno.lstatSync(path);
      const what = st.isSymlink
        ? `link ${Deno.readLinkSync(path)}`
        : st.isFile
        ? `file ${await sha256(path)}`
        : st.isDirectory
        ? "dir"
        : "other";
      out.push(
        `${path.slice(root.length)} ${what} ${st.mode?.toString(8)} ${st.uid}:${st.gid} ` +
          `${st.mtime?.getTime()}`,
      );
      if (st.isDirectory) await walk(path);
    }
  };
  await walk(root);
  const top = Deno.statSync(root);
  out.push(`/ ${top.mode?.toString(8)} ${top.uid}:${top.gid} ${top.mtime?.getTime()}`);
  return out.sort();
}

/** Processes running `sleep ARG`. */
function sleepers(arg: string): string[] {
  const found: string[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^[0-9]+$/.test(e.name)) continue;
    try {
      const cmdline = Deno.readTextFileSync(`/proc/${e.name}/cmdline`);
      if (cmdline === `sleep\0${arg}\0`) found.push(`process ${e.name}: sleep ${arg}`);
    } catch {
      // It has exited.
    }
  }
  return found;
}

/**
 * The mounts at or below `dir` and, when `sleepArg` is given, the processes running
 * `sleep SLEEP-ARG` (a container's, which a killed PID namespace takes a moment to reap).
 */
export async function leftBehind(dir: string, sleepArg?: string): Promise<string[]> {
  for (let tries = 0;; tries++) {
    const left = [
      ...mountsUnder(dir).map((m) => `mount ${m}`),
      ...(sleepArg === undefined ? [] : sleepers(sleepArg)),
    ];
    if (left.length === 0 || tries >= 20) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
}
