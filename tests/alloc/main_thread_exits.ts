/**
 * A process whose main thread exits while another thread runs on: it prints "ready" once the
 * other thread is running, then ends its main thread (as the main thread of a process that
 * execs from a worker thread is ended first). The other thread sleeps for the seconds given.
 * @module
 */

import { openLibc } from "../../src/internal/libc.ts";

const libc = openLibc({
  sleep: { parameters: ["u32"], result: "u32", nonblocking: true },
  pthread_exit: { parameters: ["pointer"], result: "void" },
});
void libc.symbols.sleep(Number(Deno.args[0] ?? "30"));
// The worker thread has the call once this line runs: give it a moment to start sleeping.
await new Promise((r) => setTimeout(r, 100));
console.log("ready");
libc.symbols.pthread_exit(null);
