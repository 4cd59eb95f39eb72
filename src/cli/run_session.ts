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
  #started = false;

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
   * with. A stop signal before the container runs means it never does.
   */
  async run(path: string, args: string[], env: Record<string, string>): Promise<number> {
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
    let aborted: Deno.Signal | undefined;
    this.#relay.attach({
      // runc run passes every signal it gets on to the container's first process (but SIGCHLD,
      // and SIGWINCH, on which it resizes the terminal), once that runs. Before that, a signal
      // ends the shim or runc itself, at a moment only runc knows: the start is called off.
      stop: (signal) => {
        if (this.#running()) signalChild(signal);
        else {
          aborted = signal;
          signalChild("SIGKILL");
        }
      },
      forward: (signal) => {
        if (this.#running()) signalChild(signal);
      },
      kill: (why) => {
        writeStderr(`xpu-ctk run: ${why}\n`);
        if (this.#runc(["kill", this.#opts.id, "KILL"]) === undefined) signalChild("SIGKILL");
      },
    });
    const status = await child.status;
    return aborted !== undefined ? this.#stoppedBy(aborted) : exitCodeOf(status);
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

  /** Whether the container's process has been started (a stopped one has run, too). */
  #running(): boolean {
    this.#started ||= /"status":\s*"(running|paused|stopped)"/.test(
      this.#runc(["state", this.#opts.id]) ?? "",
    );
    return this.#started;
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
