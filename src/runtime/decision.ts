/**
 * The shim's decision, recorded for its front (scripts/fast_path.bash): the low-level runtime
 * it hands every command to, and the inputs that decided it. While those inputs are unchanged,
 * the front execs that runtime without starting Deno, for create and run only when the bundle's
 * spec holds none of the config's needles (modes/untouched.ts); the shim stays the one that
 * decides, and the front acts only on a decision it can check. One file holds the config file's
 * path and needles and, for each of its last callers (their variables differ), the runtime chosen
 * for them and the paths the lookup passed before it.
 *
 * A decision is recorded only where the shim would say nothing on a pass-through call (no
 * warning, no debug logging) and its config file exists and settled more than two seconds
 * before it was read, and the config's time is not in whole seconds (a time given by a package or
 * a store, not written). The file's modification time is set to the config's, to the nanosecond:
 * the front compares the two, so a changed, replaced or removed config, and a decision written
 * by anyone but the shim (who cannot set the time back), sends it back to the shim.
 *
 * Beside it, for callers that ignore SIGPIPE, the shim records whether env(1) can reset it for
 * the runtime (env_signal.ts), with this decision's header: format 2 has the two files.
 * @module
 */

import { MODIFYING_COMMANDS } from "./args.ts";
import { untouchedNeedles } from "../modes/untouched.ts";
import { errorMessage } from "../internal/errors.ts";
import { lstatOrUndefined, ownedPrivately, removeQuietly, writeTemp } from "../internal/fs.ts";
import { lookupTrail } from "../discover/binaries.ts";
import type { Config } from "../config/schema.ts";
import { fileTimes, setModificationTime, timeMs } from "../internal/mtime.ts";
import { untrustedReason } from "../internal/trust.ts";
import { ENV_RECORD_FILE, recordEnv } from "./env_signal.ts";
import { buildCommit, VERSION } from "../version.ts";

/** The variable naming the decision's directory; the front sets it for the shim it starts. */
export const DECISION_DIR_ENV = "XPU_CTK_DECISION_DIR";

/** The decision's file name in that directory. */
export const DECISION_FILE = "runtime-decision";

/**
 * The caller's variables the decision depends on: XDG_CONFIG_HOME picks the config file
 * (defaultConfigPath in config/load.ts), PATH the runtime (lookupTrail in discover/binaries.ts).
 */
export const DECISION_VARIABLES: readonly string[] = ["XDG_CONFIG_HOME", "PATH"];

/**
 * runc's global flags without a value that the front skips to find the subcommand, as it skips
 * those with one (VALUE_FLAGS in args.ts): the shim does nothing with them either.
 */
export const FRONT_PLAIN_FLAGS: readonly string[] = ["systemd-cgroup"];

/** Subcommands the front always leaves to the shim. */
export const FRONT_SHIM_COMMANDS: readonly string[] = ["help", "h"];

/** Subcommands the front hands over only for a spec that holds none of the decision's needles. */
export const FRONT_CREATE_COMMANDS: readonly string[] = [...MODIFYING_COMMANDS];

/**
 * The front reads no more of a bundle's config.json than this (bytes); a larger one goes to the
 * shim. Docker's, with its seccomp profile, is about 20 KiB.
 */
export const FRONT_SPEC_MAX_BYTES = 262144;

/** The front reads no more of a decision than this (bytes); a longer one is not recorded. */
export const DECISION_MAX_BYTES = 8192;

/** Callers whose decisions one file keeps (engines, and their helpers, may differ in PATH). */
const MAX_RECORDS = 4;

/** A change this recent may share its timestamp with the next one (a coarse clock tick). */
const SETTLE_MS = 2000;

/** The first line of a decision: its format and the build that wrote it. */
export function decisionHeader(): string {
  return `xpu-container-runtime decision 2 ${VERSION}+${buildCommit()}`;
}

/** What the shim decided, and from what. */
export interface DecisionInputs {
  /** The config file the shim read or looked for. */
  readonly configPath: string;
  readonly configExists: boolean;
  /** The caller's environment (callerEnvironment). */
  readonly env: Readonly<Record<string, string>>;
  /** The config the shim used, and the runtime it chose by it. */
  readonly config: Config;
  readonly runtime: string;
  /** False when a pass-through call logs something (warnings, debug level). */
  readonly quiet: boolean;
  /** When the shim started, before it read the config (ms since the epoch). */
  readonly startedMs: number;
}

/** Only printable ASCII: the front compares bytes, and a line holds one value. */
const PLAIN = /^[ -~]*$/;

/**
 * A modification time in whole seconds was given, not written: by a package, an archive or a
 * store, which give many files one time (Nix gives every file the time 1), so the config that
 * replaces this one may have it too.
 */
const WHOLE_SECONDS = "the config file's modification time is in whole seconds, which another " +
  "config file may share";

function settled(changedMs: number, startedMs: number): boolean {
  return changedMs < startedMs - SETTLE_MS;
}

/**
 * The decision's lines that its callers share (the file's time is that config's): the build, the
 * config file, and what create may hand over, `create fast` and the needles (modes/untouched.ts)
 * or `create shim`; undefined when the path cannot be written (relative, or not printable ASCII).
 */
function headText(inputs: DecisionInputs): string | undefined {
  if (!inputs.configPath.startsWith("/") || !PLAIN.test(inputs.configPath)) return undefined;
  const needles = untouchedNeedles(inputs.config);
  const create = needles === undefined
    ? "create shim\n"
    : ["create fast", ...needles.map((n) => `needle ${n}`), ""].join("\n");
  return `${decisionHeader()}\nconfig ${inputs.configPath}\n${create}`;
}

/** Why a decision cannot be recorded; `config` when the reason holds for every caller. */
type NoDecision = { why: string; config?: true };

/**
 * One caller's record: its variables, the runtime chosen for them and the paths the lookup
 * passed before it, then `end`; or why it cannot be recorded. A reason that is the config's
 * (`config: true`) holds for every caller.
 */
function recordText(inputs: DecisionInputs): { text: string } | NoDecision {
  if (!inputs.quiet) return { why: "the shim logs on every call", config: true };
  if (!inputs.configExists) return { why: "there is no config file", config: true };
  const lines: string[] = [];
  for (const name of DECISION_VARIABLES) {
    const value = inputs.env[name];
    if (value !== undefined && !PLAIN.test(value)) return { why: `${name} is not printable ASCII` };
    lines.push(value === undefined ? `unset ${name}` : `env ${name}=${value}`);
  }
  const trail = lookupTrail("low-level runtime", inputs.config, { path: inputs.env.PATH });
  if (trail?.found !== inputs.runtime) return { why: "the runtime changed while it was chosen" };
  if (![inputs.runtime, ...trail.passed].every((p) => p.startsWith("/") && PLAIN.test(p))) {
    return { why: "a runtime path is relative or not printable ASCII" };
  }
  lines.push(`runtime ${inputs.runtime}`, ...trail.passed.map((s) => `skip ${s}`), "end");
  return { text: `${lines.join("\n")}\n` };
}

/** The records of a decision's text after its head, each with its `end` line. */
function records(body: string): string[] {
  return body.split(/(?<=^end\n)/m).filter((r) => r !== "");
}

/** The variable lines a record starts with: what tells its caller from another. */
function callerOf(record: string): string {
  return record.split("\n").slice(0, DECISION_VARIABLES.length).join("\n");
}

/** The shared lines and this caller's record for `inputs`, or why there are none. */
function ownText(inputs: DecisionInputs): { head: string; record: string } | NoDecision {
  const head = headText(inputs);
  if (head === undefined) return { why: "the config path is relative or not printable ASCII" };
  const record = recordText(inputs);
  return "text" in record ? { head, record: record.text } : record;
}

/**
 * The decision file's text: `head` and `record` first, then the records of `existing` (the text
 * of the file now, when it is for the same config and still holds) for other callers, as many
 * as fit (MAX_RECORDS, DECISION_MAX_BYTES).
 */
function withOthers(
  { head, record }: { head: string; record: string },
  existing: string,
): { text: string } | NoDecision {
  const others = existing.startsWith(head)
    ? records(existing.slice(head.length)).filter((r) => callerOf(r) !== callerOf(record))
    : [];
  let text = head + record;
  if (text.length >= DECISION_MAX_BYTES) return { why: "it is too long for the front to read" };
  for (const other of others.slice(0, MAX_RECORDS - 1)) {
    if (text.length + other.length >= DECISION_MAX_BYTES) break;
    text += other;
  }
  return { text };
}

/**
 * The decision file's text for `inputs`: its record first, then those of `existing` (the text of
 * the file now, when it is for the same config and still holds) for other callers, as many as fit
 * (MAX_RECORDS, DECISION_MAX_BYTES); or why there is none to record.
 */
export function decisionText(
  inputs: DecisionInputs,
  existing = "",
): { text: string } | NoDecision {
  const own = ownText(inputs);
  return "why" in own ? own : withOthers(own, existing);
}

/** The decision directory, created 0700 when missing; or why it cannot hold a decision. */
function openDir(dir: string): string | undefined {
  let info = lstatOrUndefined(dir);
  if (!info) {
    Deno.mkdirSync(dir, { mode: 0o700 });
    info = Deno.lstatSync(dir);
  }
  // The decision decides what runs as root: the rule for config files, whole path.
  if (!info.isDirectory || !ownedPrivately(info) || untrustedReason(dir) !== undefined) {
    return `it is not in a directory that only this user may write`;
  }
  return undefined;
}

/** The text of the decision in `file` if it is ours, bounded, and has the time of `config`. */
function currentText(file: string, config: Deno.FileInfo): string {
  const info = lstatOrUndefined(file);
  if (!info?.isFile || !ownedPrivately(info) || info.size >= DECISION_MAX_BYTES) return "";
  if (info.mtime?.getTime() !== config.mtime?.getTime()) return "";
  return Deno.readTextFileSync(file);
}

/**
 * Removes the decision in `dir` (a directory of this user's) that no longer holds: the one for
 * the config of `inputs` (one for another config may still hold for its callers), or any when
 * `inputs` is undefined. Returns why nothing was recorded.
 */
function forget(dir: string, file: string, why: string, inputs?: DecisionInputs): string {
  const note = `No decision recorded in "${file}": ${why}`;
  const info = lstatOrUndefined(dir);
  if (!info?.isDirectory || info.uid !== Deno.uid()) return note;
  if (inputs !== undefined) {
    const head = headText(inputs);
    const found = lstatOrUndefined(file);
    if (head === undefined || !found?.isFile || found.size >= DECISION_MAX_BYTES) return note;
    if (!Deno.readTextFileSync(file).startsWith(head)) return note;
  }
  removeQuietly(file);
  // Out of a directory others may write, env's record goes too.
  if (inputs === undefined) removeQuietly(`${dir}/${ENV_RECORD_FILE}`);
  return note;
}

/**
 * Records the decision in `dir` (DECISION_DIR_ENV; nothing when undefined), or removes one that
 * no longer holds. Returns a note for the debug log instead of throwing: a decision that cannot
 * be recorded only means the front leaves every call to the shim.
 */
export function recordDecision(
  dir: string | undefined,
  inputs: DecisionInputs,
): string | undefined {
  if (dir === undefined) return undefined;
  const file = `${dir}/${DECISION_FILE}`;
  try {
    if (!dir.startsWith("/") || dir.endsWith("/")) {
      return `No decision recorded: "${dir}" is not an absolute directory path`;
    }
    // Computed once: the record repeats the runtime's lookup.
    const own = ownText(inputs);
    if ("why" in own) {
      // The config's reasons hold for every caller of it; one caller's, only for that caller.
      return own.config ? forget(dir, file, own.why, inputs) : `No decision recorded: ${own.why}`;
    }
    const config = Deno.statSync(inputs.configPath);
    const changed = Math.max(config.mtime?.getTime() ?? Infinity, config.ctime?.getTime() ?? 0);
    if (!settled(changed, inputs.startedMs)) {
      return forget(dir, file, "the config file changed in the last two seconds", inputs);
    }
    // Whole seconds in milliseconds first: the exact time costs loading libc.
    if (
      (config.mtime?.getTime() ?? 0) % 1000 === 0 && fileTimes(inputs.configPath).mtime.nsec === 0
    ) {
      return forget(dir, file, WHOLE_SECONDS, inputs);
    }
    const problem = openDir(dir);
    if (problem) return forget(dir, file, problem);
    const envNote = recordEnv(dir, decisionHeader());
    const existing = currentText(file, config);
    const decided = withOthers(own, existing);
    if (!("text" in decided) || decided.text === existing) return envNote;
    const tmp = writeTemp(file, decided.text, 0o644);
    try {
      const times = fileTimes(inputs.configPath);
      if (!settled(Math.max(timeMs(times.mtime), timeMs(times.ctime)), inputs.startedMs)) {
        removeQuietly(tmp);
        return `No decision recorded in "${file}": the config file changed while it was read`;
      }
      if (times.mtime.nsec === 0) {
        removeQuietly(tmp);
        return forget(dir, file, WHOLE_SECONDS, inputs);
      }
      setModificationTime(tmp, times.mtime);
      Deno.renameSync(tmp, file);
    } catch (e) {
      removeQuietly(tmp);
      throw e;
    }
    return [`Recorded the decision in "${file}"`, envNote].filter((n) => n).join("; ");
  } catch (e) {
    return `Cannot record the decision in "${file}": ${errorMessage(e)}`;
  }
}
