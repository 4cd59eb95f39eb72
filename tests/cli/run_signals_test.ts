import { assertEquals } from "../assert.ts";
import { SignalRelay } from "../../src/cli/run_signals.ts";

/** A relay on a fake clock whose target records what it was asked, as lines. */
function relay(stopTimeoutMs = 10_000) {
  const calls: string[] = [];
  const timers: { fn: () => void; ms: number; cancelled: boolean }[] = [];
  const r = new SignalRelay(stopTimeoutMs, (fn, ms) => {
    const t = { fn, ms, cancelled: false };
    timers.push(t);
    return () => (t.cancelled = true);
  });
  const target = {
    forward: (s: Deno.Signal) => calls.push(`forward ${s}`),
    kill: (why: string) => calls.push(`kill: ${why}`),
  };
  /** Fires every timer not cancelled. */
  const elapse = () => timers.filter((t) => !t.cancelled).forEach((t) => t.fn());
  return { r, target, calls, timers, elapse };
}

const SEQUENCES: [string, Deno.Signal[], string[]][] = [
  ["a stop signal is passed on", ["SIGTERM"], ["forward SIGTERM"]],
  ["a second stop signal kills it", ["SIGINT", "SIGINT"], [
    "forward SIGINT",
    "kill: killing the container: SIGINT again",
  ]],
  ["any two stop signals do", ["SIGHUP", "SIGTERM"], [
    "forward SIGHUP",
    "kill: killing the container: SIGTERM again",
  ]],
  ["other signals are passed on too, and do not count as stop signals", [
    "SIGWINCH",
    "SIGUSR1",
    "SIGQUIT",
    "SIGTERM",
    "SIGUSR2",
  ], [
    "forward SIGWINCH",
    "forward SIGUSR1",
    "forward SIGQUIT",
    "forward SIGTERM",
    "forward SIGUSR2",
  ]],
];

for (const [name, signals, expected] of SEQUENCES) {
  Deno.test(`SignalRelay: ${name}`, () => {
    const { r, target, calls } = relay();
    r.attach(target);
    for (const s of signals) r.receive(s);
    assertEquals(calls, expected);
  });
}

Deno.test("SignalRelay kills a container still running at the stop timeout", () => {
  const { r, target, calls, timers, elapse } = relay(2500);
  r.attach(target);
  r.receive("SIGTERM");
  assertEquals(timers.map((t) => t.ms), [2500]);
  elapse();
  assertEquals(calls, [
    "forward SIGTERM",
    "kill: killing the container: still running 2.5 s after SIGTERM",
  ]);
});

Deno.test("SignalRelay: before attach a stop signal is remembered and sent on attach", () => {
  const { r, target, calls, timers } = relay();
  r.receive("SIGWINCH");
  r.receive("SIGINT");
  assertEquals(r.stopping, "SIGINT");
  assertEquals(calls, []);
  assertEquals(timers.length, 0);
  r.attach(target);
  assertEquals(calls, ["forward SIGINT"]);
  assertEquals(timers.length, 1);
});

Deno.test("SignalRelay: close cancels the kill and sends nothing more", () => {
  const { r, target, calls, elapse } = relay();
  r.attach(target);
  r.receive("SIGTERM");
  r.close();
  elapse();
  r.receive("SIGTERM");
  r.receive("SIGWINCH");
  assertEquals(calls, ["forward SIGTERM"]);
});
