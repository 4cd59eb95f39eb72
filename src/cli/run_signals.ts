/**
 * What `xpu-ctk run` does with the signals it gets: the first stop signal asks the container to
 * stop, other signals are passed on, and a container that has not stopped within the stop
 * timeout, or is asked twice, is killed.
 * @module
 */

import { FORWARDED_SIGNALS } from "../internal/spawn.ts";

/** Signals passed on to the container: those any hand-over passes on. */
export const RELAYED: readonly Deno.Signal[] = FORWARDED_SIGNALS;

/** Signals that ask the container to stop. */
const STOPPING: ReadonlySet<Deno.Signal> = new Set(["SIGHUP", "SIGINT", "SIGTERM"]);

/** Where signals go once the container is being run. */
export interface RelayTarget {
  /** Passes `signal` on to the container. */
  forward(signal: Deno.Signal): void;
  /** Kills the container; `why` says why, for the user. */
  kill(why: string): void;
}

/** Runs `fn` after `ms` milliseconds; returns what cancels it. Tests bring their own clock. */
export type Timer = (fn: () => void, ms: number) => () => void;

const REAL_TIMER: Timer = (fn, ms) => {
  const handle = setTimeout(fn, ms);
  return () => clearTimeout(handle);
};

/** The signal state of one `xpu-ctk run`. */
export class SignalRelay {
  readonly #stopTimeoutMs: number;
  readonly #timer: Timer;
  #target: RelayTarget | undefined;
  #stopping: Deno.Signal | undefined;
  #cancel: (() => void) | undefined;

  /** A relay that kills a container `stopTimeoutMs` after the first stop signal. */
  constructor(stopTimeoutMs: number, timer: Timer = REAL_TIMER) {
    this.#stopTimeoutMs = stopTimeoutMs;
    this.#timer = timer;
  }

  /** The first stop signal received, if any. */
  get stopping(): Deno.Signal | undefined {
    return this.#stopping;
  }

  /** Takes `signal`: before `attach` a stop signal is only remembered, others are dropped. */
  receive(signal: Deno.Signal): void {
    const target = this.#target;
    if (!STOPPING.has(signal)) {
      target?.forward(signal);
      return;
    }
    if (this.#stopping === undefined) {
      this.#stopping = signal;
      if (target) this.#stop(target, signal);
      return;
    }
    target?.kill(`killing the container: ${signal} again`);
  }

  /** Sends signals to `target` from now on, starting with a stop signal already received. */
  attach(target: RelayTarget): void {
    this.#target = target;
    if (this.#stopping !== undefined) this.#stop(target, this.#stopping);
  }

  /** Cancels a pending kill; signals still received go nowhere. */
  close(): void {
    this.#cancel?.();
    this.#cancel = undefined;
    this.#target = undefined;
  }

  #stop(target: RelayTarget, signal: Deno.Signal): void {
    target.forward(signal);
    const seconds = this.#stopTimeoutMs / 1000;
    this.#cancel = this.#timer(
      () => target.kill(`killing the container: still running ${seconds} s after ${signal}`),
      this.#stopTimeoutMs,
    );
  }
}

/** Hands every RELAYED signal this process gets to `relay`; returns what stops that. */
export function listen(relay: SignalRelay): () => void {
  const handlers = RELAYED.map((signal) => {
    const handler = () => relay.receive(signal);
    Deno.addSignalListener(signal, handler);
    return [signal, handler] as const;
  });
  return () => {
    for (const [signal, handler] of handlers) Deno.removeSignalListener(signal, handler);
  };
}
