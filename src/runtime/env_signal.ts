/**
 * Whether env(1) can hand the runtime SIGPIPE at its default, recorded beside the shim's decision
 * for its front (scripts/fast_path.bash). The front execs the runtime through env(1); a caller
 * that ignores SIGPIPE (Podman's conmon) would leave it ignored, which bash cannot undo, but GNU
 * env (coreutils 8.31 and later) can: `--default-signal=PIPE`. The shim finds out by running env
 * once as the front would, under an ignored SIGPIPE, and records the answer with env's file's
 * identity, in a file given env's modification time. The front believes a `yes` only while env is
 * a file (a symlink's target may change without its time) with that time; the shim asks again
 * whenever env's file is another (device, inode, size, times) or the record's time is not env's.
 * @module
 */

import { lstatOrUndefined, ownedPrivately, removeQuietly, writeTemp } from "../internal/fs.ts";
import { fileTimes, setModificationTime } from "../internal/mtime.ts";

/** The env(1) the front execs the runtime through. */
export const ENV_PATH = "/usr/bin/env";

/** The record's file name in the decision's directory. */
export const ENV_RECORD_FILE = "env-default-signal";

/** The record's last line when env resets SIGPIPE; the front acts on no other. */
export const ENV_RESETS = "default-signal yes";

/** The front reads no more of the record than this (bytes). */
export const ENV_RECORD_MAX_BYTES = 512;

/** The front's shell: what the probe runs to see the signals env hands on. */
const BASH = "/bin/bash";

// Prints the ignored signals (SigIgn, hex) of the shell running it; given env's path, first
// execs env as the front does, with the same script after it.
const PROBE =
  `while read -r k v; do [[ $k == SigIgn: ]] && printf '%s\\n' "$v"; done </proc/self/status
[[ $# == 0 ]] || exec "$1" --default-signal=PIPE -- ${BASH} -p -c "$0" "$0"`;

const SIGPIPE_BIT = 1n << 12n;

/** What tells one env file from another. */
function identity(info: Deno.FileInfo): string {
  const times = [info.mtime, info.ctime].map((t) => t?.getTime());
  return ["file", info.dev, info.ino, info.size, ...times].join(" ");
}

/**
 * True when `env`, started with SIGPIPE ignored, runs a program with `--default-signal=PIPE`
 * so that SIGPIPE is at its default and every other signal as it was (the shim's own hand-over
 * resets SIGPIPE alone, src/internal/exec.ts).
 */
export function resetsSigpipe(env: string): boolean {
  let out: Deno.CommandOutput;
  try {
    out = new Deno.Command(env, {
      args: ["--ignore-signal=PIPE", "--", BASH, "-p", "-c", PROBE, PROBE, env],
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).outputSync();
  } catch {
    return false;
  }
  const text = new TextDecoder().decode(out.stdout);
  const found = /^([0-9a-f]{1,16})\n([0-9a-f]{1,16})\n$/.exec(text);
  if (!out.success || !found) return false;
  const [before, after] = [BigInt(`0x${found[1]}`), BigInt(`0x${found[2]}`)];
  return (before & SIGPIPE_BIT) !== 0n && after === (before & ~SIGPIPE_BIT);
}

/**
 * Brings the record in `dir` (the decision's directory, one only this user may write) up to
 * date for `env`; `header` is the decision's first line, so another build's record is not
 * believed. Returns a note for the debug log when it wrote or removed the record.
 */
export function recordEnv(dir: string, header: string, env = ENV_PATH): string | undefined {
  const file = `${dir}/${ENV_RECORD_FILE}`;
  const info = lstatOrUndefined(env);
  if (!info?.isFile) {
    if (!lstatOrUndefined(file)) return undefined;
    removeQuietly(file);
    return `Removed "${file}": "${env}" is not a file`;
  }
  const head = `${header}\n${identity(info)}\n`;
  const current = lstatOrUndefined(file);
  if (
    current?.isFile && ownedPrivately(current) && current.size < ENV_RECORD_MAX_BYTES &&
    current.mtime?.getTime() === info.mtime?.getTime() &&
    Deno.readTextFileSync(file).startsWith(head)
  ) return undefined;
  const resets = resetsSigpipe(env);
  const { mtime } = fileTimes(env);
  const after = lstatOrUndefined(env);
  if (!after?.isFile || identity(after) !== identity(info)) {
    removeQuietly(file);
    return `Removed "${file}": "${env}" changed while it was run`;
  }
  const tmp = writeTemp(file, `${head}${resets ? ENV_RESETS : "default-signal no"}\n`, 0o644);
  try {
    setModificationTime(tmp, mtime);
    Deno.renameSync(tmp, file);
  } catch (e) {
    removeQuietly(tmp);
    throw e;
  }
  return `Recorded in "${file}" that "${env}" ${resets ? "resets" : "cannot reset"} SIGPIPE`;
}
