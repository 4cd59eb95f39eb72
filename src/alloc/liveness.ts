/**
 * Whether a recorded container still lives: its creating process, or the process the runtime
 * recorded for it, runs (pid and start time both match, so a reused pid is not mistaken for
 * it). Read from /proc and the low-level runtime's state directory.
 * @module
 */

import type { Entry, ProcessId } from "./state.ts";
import { readRegularFile } from "../internal/read_file.ts";
import { decodeLenient } from "../internal/utf8.ts";

const MAX_RUNTIME_STATE = 1024 * 1024;

/** This boot's id; "" when the kernel does not tell. */
export function bootId(): string {
  try {
    return Deno.readTextFileSync("/proc/sys/kernel/random/boot_id").trim();
  } catch {
    return "";
  }
}

/** The fields of `/proc/.../stat` at `path` after the command name, or undefined when gone. */
function statFields(path: string): string[] | undefined {
  let stat: string;
  try {
    stat = Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces and parentheses itself.
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/**
 * The start time (clock ticks after boot, field 22 of /proc/PID/stat) of process `pid`, or
 * undefined when it is gone or has ended (a zombie: only its parent has not reaped it).
 */
export function processStart(pid: number): string | undefined {
  const fields = statFields(`/proc/${pid}/stat`);
  if (fields === undefined || fields[0] === "X") return undefined;
  // Only the main thread may be the zombie: it has exited, or another thread is exec'ing (the
  // shim execs runc from a worker thread), and the process lives while any thread does.
  if (fields[0] === "Z" && !hasOtherLiveThread(pid)) return undefined;
  return fields[19];
}

/**
 * True when process `pid` has a thread besides its main one that has not ended (a traced
 * thread stays listed, a zombie, until its tracer waits for it).
 */
function hasOtherLiveThread(pid: number): boolean {
  try {
    for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
      if (task.name === String(pid)) continue;
      const state = statFields(`/proc/${pid}/task/${task.name}/stat`)?.[0];
      if (state !== undefined && state !== "Z" && state !== "X") return true;
    }
  } catch {
    // Gone meanwhile.
  }
  return false;
}

/** This process, as the creator of a container it is setting up. */
export function thisProcess(): ProcessId {
  return { pid: Deno.pid, start: processStart(Deno.pid) ?? "0" };
}

/** True while `id` names a running process. */
export function isRunning(id: ProcessId): boolean {
  return processStart(id.pid) === id.start;
}

/**
 * The container's init process as runc records it (`init_process_pid`, `init_process_start`
 * in `<root>/<id>/state.json`): undefined when the runtime has no state for it (deleted, or not
 * created yet), "unknown" when the state is there but does not say (another runtime's layout).
 */
function recordedInit(entry: Entry): ProcessId | "unknown" | undefined {
  const dir = `${entry.runtimeRoot.replace(/\/+$/, "")}/${entry.container}`;
  try {
    if (!Deno.statSync(dir).isDirectory) return undefined;
  } catch {
    return undefined;
  }
  try {
    const state = JSON.parse(
      decodeLenient(readRegularFile(`${dir}/state.json`, MAX_RUNTIME_STATE)),
    );
    const pid = state?.init_process_pid;
    const start = state?.init_process_start;
    if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(start)) return "unknown";
    return { pid, start: String(start) };
  } catch {
    return "unknown";
  }
}

/**
 * Why `entry`'s container no longer lives, or undefined while it does: its creator still runs
 * (the create is under way, or `runc run` waits for the container), or the runtime's state for
 * it names a running init process. A state the toolkit cannot read counts as living: only an
 * operator may end it then.
 */
export function staleReason(entry: Entry): string | undefined {
  if (isRunning(entry.creator)) return undefined;
  const creator = `its creator (pid ${entry.creator.pid}) has ended`;
  const init = recordedInit(entry);
  if (init === undefined) {
    return `${creator} and "${entry.runtimeRoot}" holds no runtime state for it`;
  }
  if (init === "unknown" || isRunning(init)) return undefined;
  return `${creator} and so has its init process (pid ${init.pid})`;
}
