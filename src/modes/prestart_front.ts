/**
 * The prestart front: the prestart hook legacy mode injects when the shim can compute the cli
 * call at create. It is a bash script held here and run as `/bin/bash -c SCRIPT …`, so it starts
 * no Deno: it reads the OCI state runc writes on its stdin, and when that state has runc's exact
 * shape and names the container the call was computed for, it execs xpu-container-cli with the
 * computed arguments and environment and `--pid=` the state's pid. Anything else execs the hook
 * binary (`xpu-container-runtime-hook prestart`) with the state's bytes as they came, and it
 * decides as the hook always does. Every argument and variable of both calls is computed here,
 * by the functions the hook uses (cli_argv.ts, cli_env.ts); the script only fills in the pid.
 * @module
 */

import type { Hook } from "../oci/spec.ts";
import type { StepInput } from "./mode.ts";
import { configureAroundPid, PID_FLAG } from "./cli_argv.ts";
import { cliCall } from "./cli_env.ts";
import { hostProbe, resolveMode } from "./resolve.ts";
import { debugLogFile } from "../config/schema.ts";
import { isExecutableFile } from "../discover/binaries.ts";
import { rootfsPath } from "../oci/root_path.ts";
import { HOOK_NAMES } from "../internal/argv0.ts";
import { envAssignment, envEntries } from "../internal/env.ts";
import { baseName } from "../internal/paths.ts";

/** The shell that runs the front, and the programs it runs: by absolute path, never by PATH. */
export const FRONT_PROGRAMS = {
  shell: "/bin/bash",
  // bash adds PWD and SHLVL to what it execs; env(1), started with none, sets exactly the list.
  env: "/usr/bin/env",
  cat: "/bin/cat",
} as const;

/** The most bytes of the state the front reads; a longer state goes to the hook. */
export const FRONT_STATE_MAX_BYTES = 65536;

/** The container ids the front accepts: runc's, without `+`. */
const ID = "[A-Za-z0-9_.-]+";

/**
 * One character of a JSON string as Go's encoder writes it, printable ASCII only (the hook
 * checks every other byte: a string that is not UTF-8 is its to refuse).
 */
const CHAR = String.raw`([] !#-[^-~]|\\(["\\/bfnrt]|u[0-9A-Fa-f]{4}))`;

/**
 * runc's state, all of it (specs.State: ociVersion, id, status, pid, bundle, annotations, in
 * that order, with no space): runc 1.1 writes status `creating` for the prestart hook, older
 * versions `created`. The groups are the id (1) and the pid (3), which has no leading zero and at
 * most 9 digits (runc omits a pid of 0). A POSIX ERE, matched in the C locale, byte by byte.
 */
export const RUNC_STATE = `^\\{"ociVersion":"[0-9A-Za-z.+-]+","id":"(${ID})",` +
  `"status":"creat(ing|ed)","pid":([1-9][0-9]{0,8}),"bundle":"/${CHAR}*"` +
  `(,"annotations":\\{("${CHAR}*":"${CHAR}*"(,"${CHAR}*":"${CHAR}*")*)?\\})?\\}$`;

/**
 * The front. `$0` is the hook's name; `$1` the container id; `$2` PID_FLAG; `$3` the count of
 * the hook's words (its environment's entries, its path, its arguments after argv[0]), then
 * them; then the count of the cli's words (its environment's entries, its path, its arguments
 * before the pid), then them; then the cli's arguments after the pid. The state is data only:
 * matched, compared and printed, never evaluated; the pid is taken from the match's digits.
 * `read -d ''` stops at a NUL byte, which a variable cannot hold, so the hook is given the bytes
 * read, the NUL, and the rest of stdin; where nothing was read, its stdin untouched.
 */
export const PRESTART_FRONT: string = [
  "LC_ALL=C state= rc=0",
  `IFS= read -r -d '' -n ${FRONT_STATE_MAX_BYTES} state || rc=$?`,
  `re='${RUNC_STATE}'`,
  "c=$((4 + $3))",
  'if ((rc)) && [[ $state =~ $re && ${BASH_REMATCH[1]} == "$1" ]]; then',
  `  exec -c ${FRONT_PROGRAMS.env} -- "\${@:c+1:\${!c}}" "$2\${BASH_REMATCH[3]}" "\${@:c+1+\${!c}}"`,
  "elif ((!rc)); then",
  `  exec -c ${FRONT_PROGRAMS.env} -- "\${@:4:$3}" < <(printf %s "$state"; ` +
  `((\${#state} == ${FRONT_STATE_MAX_BYTES})) || printf '\\0'; exec ${FRONT_PROGRAMS.cat})`,
  "elif [[ $state ]]; then",
  `  exec -c ${FRONT_PROGRAMS.env} -- "\${@:4:$3}" < <(printf %s "$state")`,
  "fi",
  `exec -c ${FRONT_PROGRAMS.env} -- "\${@:4:$3}"`,
].join("\n");

/** True for a program env(1) runs as it is named: an absolute path without `=`. */
function plainPath(path: string): boolean {
  return path.startsWith("/") && !path.includes("=");
}

/**
 * The front for the container `input` describes, running the hook `hook` (the hook binary's
 * prestart hook) where it cannot take the state; or why there is none, and `hook` must run.
 */
export function prestartFront(input: StepInput, hook: Hook): Hook | string {
  const { config, spec, request, mode, host, caller } = input;
  const id = caller.containerId;
  const hookArgs = hook.args ?? [];
  if (!request) return "no device request";
  if (id === undefined || !new RegExp(`^${ID}$`).test(id)) {
    return "the container id is not one the front accepts";
  }
  if (debugLogFile(config)) return "the hook writes the log file";
  if (!plainPath(hook.path) || !HOOK_NAMES.includes(baseName(hook.path))) {
    return `the hook "${hook.path}" is not an absolute path named as the hook`;
  }
  if (!(hook.env ?? []).every((e) => envAssignment(e))) {
    return "the hook's environment has an entry that is not NAME=VALUE";
  }
  const missing = Object.values(FRONT_PROGRAMS).find((p) => !isExecutableFile(p));
  if (missing) return `"${missing}" is not an executable file`;
  const rootfs = rootfsPath(spec, caller.bundle);
  if (rootfs === undefined) return "no root.path";
  // What the hook finds and decides with its own environment (its PATH finds the cli).
  const hookEnv: Record<string, string> = {};
  for (const a of (hook.env ?? []).map(envAssignment)) if (a) hookEnv[a.name] = a.value;
  const hookHost = { ...host, cli: hostProbe(config, hookEnv.PATH).cli };
  const carriesOut = config["xpu-container-runtime-hook"]["skip-mode-detection"] ||
    resolveMode(config, spec, request, hookHost).mode === mode.name;
  if (!carriesOut) return "the hook would choose another mode";
  const cli = hookHost.cli();
  if (!cli.found) return cli.problem;
  if (!plainPath(cli.path)) return `the cli "${cli.path}" is not an absolute path without "="`;
  const { beforePid, afterPid } = configureAroundPid(config, request, rootfs, false);
  const call = cliCall(config, cli, hookEnv, beforePid);
  const fallback = [...(hook.env ?? []), hook.path, ...hookArgs.slice(1)];
  const cliWords = [...envEntries(call.env), ...call.argv];
  return {
    path: FRONT_PROGRAMS.shell,
    args: [
      HOOK_NAMES[0]!,
      "-c",
      PRESTART_FRONT,
      HOOK_NAMES[0]!,
      id,
      PID_FLAG,
      String(fallback.length),
      ...fallback,
      String(cliWords.length),
      ...cliWords,
      ...afterPid,
    ],
    env: [...(hook.env ?? [])],
  };
}
