/**
 * One `xpu-ctk run`: its temp dir, the overlay that keeps a root filesystem unchanged, the
 * container run through the shim with signals relayed to it, and the clean-up that follows
 * whatever happened.
 * @module
 */

import { listen, SignalRelay } from "./run_signals.ts";
import { errorMessage } from "../internal/errors.ts";
import { writeStderr } from "../internal/io.ts";
import { mountOverlay, type Overlay } from "../internal/overlay.ts";
import { exitCodeOf } from "../internal/spawn.ts";

/** What a session needs to know about the container it runs. */
export interface RunSessionOptions {
  /** The low-level runtime, to kill and delete the container. */
  readonly runc: string;
  readonly id: string;
  readonly stopTimeoutMs: number;
}

/** A temp dir and a container id, and the undoing of everything done with them. */
export class RunSession {
  /** The temp dir: bundle, runc's state, the overlay. */
  readonly work: string;
  /** runc's `--root` for this container. */
  readonly state: string;
  readonly #opts: RunSessionOptions;
  readonly #relay: SignalRelay;
  readonly #unlisten: () => void;
  #overlay: Overlay | undefined;
  #known = false;

  /** Starts listening for signals, then makes the temp dir. */
  constructor(opts: RunSessionOptions) {
    this.#opts = opts;
    this.#relay = new SignalRelay(opts.stopTimeoutMs);
    // From here on a signal cannot end this process before it has cleaned up.
    this.#unlisten = listen(this.#relay);
    try {
      this.work = Deno.makeTempDirSync({ prefix: "xpu-ctk-run-" });
    } catch (e) {
      this.#unlisten();
      throw new Error(`Cannot make a temp dir: ${errorMessage(e)}`, { cause: e });
    }
    this.state = `${this.work}/state`;
  }

  /** A root that shows `rootfs` and takes the writes made to it, which go with the session. */
  overlay(rootfs: string): string {
    try {
      this.#overlay = mountOverlay(rootfs, this.work);
    } catch (e) {
      throw new Error(
        `${errorMessage(e)}; without --rw the root filesystem is kept unchanged under an ` +
          "overlay: give --rw to run it as it is, written to",
        { cause: e },
      );
    }
    return this.#overlay.root;
  }

  /**
   * Runs `path` with `args` (the shim, which becomes `runc run`) in a session of its own, so that
   * a signal reaches the container once, through this process; returns the exit code to exit
   * with. A stop signal received before this means it never starts. `onCreated` is called once
   * runc has created the container (or, when it was too short-lived to be seen, after it ended).
   */
  async run(
    path: string,
    args: string[],
    env: Record<string, string>,
    onCreated?: () => void | Promise<void>,
  ): Promise<number> {
    if (this.#relay.stopping !== undefined) return this.#stoppedBy(this.#relay.stopping);
    const child = new Deno.Command(path, {
      args,
      env,
      stdin: "inherit",
      stdout: "inherit",
      stderr: "inherit",
      detached: true,
    }).spawn();
    const signalChild = (signal: Deno.Signal) => {
      try {
        child.kill(signal);
      } catch {
        // It has exited already.
      }
    };
    // runc run passes every signal it gets on to the container's first process (but SIGCHLD, and
    // SIGWINCH, on which it resizes the terminal). Until it listens, a signal would end the shim
    // or runc instead, perhaps with the container half made: signals wait until `runc state`
    // knows the container, which is after runc has begun to listen.
    const pending: Deno.Signal[] = [];
    let poll: ReturnType<typeof setInterval> | undefined;
    const flush = () => {
      if (!this.#created()) return;
      clearInterval(poll);
      for (const signal of pending.splice(0)) signalChild(signal);
    };
    this.#relay.attach({
      forward: (signal) => {
        pending.push(signal);
        flush();
        if (pending.length > 0) poll ??= setInterval(flush, 50);
      },
      kill: (why) => {
        writeStderr(`xpu-ctk run: ${why}\n`);
        // Not created yet (a hook still running): only runc and its children can be killed.
        if (this.#runc(["kill", this.#opts.id, "KILL"]) === undefined) signalChild("SIGKILL");
      },
    });
    // Once: while it runs, or after it has exited for one too short-lived to be seen (runc run
    // deletes the container as it exits).
    let told: Promise<void> | undefined;
    const tell = (seen: boolean) => {
      if (onCreated && told === undefined && seen) told = Promise.resolve(onCreated());
    };
    const watch = onCreated ? setInterval(() => tell(this.#created()), 50) : undefined;
    const status = await child.status;
    clearInterval(poll);
    clearInterval(watch);
    tell(true);
    await told;
    return exitCodeOf(status);
  }

  /**
   * Deletes the container, unmounts the overlay and removes the temp dir (kept, and said so,
   * only when something in it is still mounted); then stops listening for signals.
   */
  close(): void {
    this.#relay.close();
    this.#runc(["delete", "--force", this.#opts.id]);
    const problems = this.#overlay?.close() ?? [];
    // Never a recursive removal through a mount: it would reach the user's files.
    if (problems.length === 0) {
      try {
        Deno.removeSync(this.work, { recursive: true });
      } catch (e) {
        problems.push(`Cannot remove "${this.work}": ${errorMessage(e)}`);
      }
    } else problems.push(`Leaving "${this.work}" behind`);
    for (const p of problems) writeStderr(`xpu-ctk run: ${p}\n`);
    this.#unlisten();
  }

  /** The exit code of a run called off by `signal`: as if it had killed this process. */
  #stoppedBy(signal: Deno.Signal): number {
    return exitCodeOf({ success: false, code: 1, signal });
  }

  /** Whether runc knows the container: it has created it, whatever has happened since. */
  #created(): boolean {
    this.#known ||= this.#runc(["state", this.#opts.id]) !== undefined;
    return this.#known;
  }

  /** Runs runc on this session's state; what it printed, or undefined when it failed. */
  #runc(args: string[]): string | undefined {
    try {
      const out = new Deno.Command(this.#opts.runc, {
        args: ["--root", this.state, ...args],
        stdin: "null",
        stdout: "piped",
        stderr: "null",
      }).outputSync();
      return out.success ? new TextDecoder().decode(out.stdout) : undefined;
    } catch {
      return undefined;
    }
  }
}
