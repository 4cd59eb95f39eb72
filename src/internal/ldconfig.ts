/**
 * Running the host's ldconfig on a container's root, which the image controls: ldconfig chroots
 * into the root, but a procfs mounted there (runc mounts one before createContainer hooks run)
 * still leads to the host's `/` through `/proc/<pid>/root`, and what it reads may be a FIFO or
 * `/dev/zero`. So it runs in a private mount namespace without such mounts, with an empty
 * environment, a time limit and an address-space limit, and its output is not passed on whole.
 * @module
 */

import { errorMessage } from "./errors.ts";
import { isolateFrom } from "./mount_ns.ts";
import { type ChildEnd, runQuietly } from "./quiet_child.ts";
import type { MessageLog } from "./log.ts";

/** The bounds of one ldconfig run. */
export interface LdconfigLimits {
  readonly timeoutMs: number;
  readonly maxBytes: number;
  /**
   * Whether runLdconfig makes the private mount namespace itself: false where the caller has
   * made one (the runtime shim), and for tests that run the hook in their own process.
   */
  readonly isolate: boolean;
}

/** 30 s and 1 GiB: a large image's cache takes a second and a few MiB. */
export const LDCONFIG_LIMITS: LdconfigLimits = {
  timeoutMs: 30_000,
  maxBytes: 1 << 30,
  isolate: true,
};

const QUOTED_CHARS = 200;

/** Runs `ldconfig -r ROOT` within `limits`. Throws with one line saying what went wrong. */
export function runLdconfig(
  ldconfig: string,
  rootPath: string,
  log: MessageLog,
  limits: LdconfigLimits = LDCONFIG_LIMITS,
): void {
  const root = Deno.realPathSync(rootPath);
  const shown = `"${ldconfig} -r ${root}"`;
  if (limits.isolate) {
    try {
      isolateFrom(root);
    } catch (e) {
      if (Deno.uid() === 0) throw new Error(`${shown} not run: ${errorMessage(e)}`);
      // Without root there is no namespace to make, and ldconfig writes only what this user may.
      log.debug(`${errorMessage(e)}; ldconfig runs in this mount namespace`);
    }
  }
  let end: ChildEnd;
  try {
    end = runQuietly(ldconfig, ["-r", root], limits);
  } catch (e) {
    throw new Error(`${shown} failed: ${errorMessage(e)}`, { cause: e });
  }
  const stderr = new TextDecoder().decode(end.stderr).trim();
  if (end.timedOut) {
    throw new Error(`${shown} did not finish within ${limits.timeoutMs / 1000} s`);
  }
  // deno-lint-ignore xpu-messages/values-quoted -- a signal's name
  if (end.signal) throw new Error(`${shown} was killed by ${end.signal}`);
  if (end.code !== 0) {
    // The first line says why; the rest may quote whatever the image made it read.
    const reason = stderr.split("\n")[0]!.slice(0, QUOTED_CHARS);
    throw new Error(`${shown} failed (exit ${end.code})${reason ? `: ${reason}` : ""}`);
  }
  if (stderr) log.debug(`ldconfig: ${stderr.slice(0, QUOTED_CHARS)}`);
}
