/**
 * A tracer that never waits: it seizes (PTRACE_SEIZE) one thread other than the main one of the
 * process given, prints that thread's id, and sleeps for the seconds given. A seized thread that
 * ends stays a zombie until its tracer waits for it, so when that process is killed, /proc lists
 * its main thread and that thread, both zombies.
 * @module
 */

import { openLibc } from "../../src/internal/libc.ts";

const PTRACE_SEIZE = 0x4206;
const pid = Deno.args[0]!;
const libc = openLibc({
  ptrace: { parameters: ["i32", "i32", "pointer", "pointer"], result: "i64" },
});
const tid = [...Deno.readDirSync(`/proc/${pid}/task`)].map((t) => t.name).find((t) => t !== pid);
if (tid === undefined || libc.symbols.ptrace(PTRACE_SEIZE, Number(tid), null, null) !== 0n) {
  console.log("cannot seize");
  Deno.exit(1);
}
console.log(tid);
await new Promise((r) => setTimeout(r, Number(Deno.args[1] ?? "30") * 1000));
