/**
 * Runs `sh -c 'exit 3'` through runQuietly and prints its exit code, then whether this process
 * ignores SIGCHLD afterwards ("ignored" or "default"): started with SIGCHLD ignored, both must
 * hold (the child waited for, the disposition given back).
 * @module
 */

import { runQuietly } from "../../src/internal/quiet_child.ts";

const end = runQuietly("/bin/sh", ["-c", "exit 3"], { timeoutMs: 60_000, maxBytes: 1 << 30 });
const sigIgn = Deno.readTextFileSync("/proc/self/status").match(/^SigIgn:\s*([0-9a-f]+)$/m)![1]!;
const ignored = (BigInt(`0x${sigIgn}`) & (1n << 16n)) !== 0n;
console.log(`${end.code} ${ignored ? "ignored" : "default"}`);
