/**
 * A long-running `xpu-ctk run` for end-to-end tests: spawned with its own TMPDIR, its stdout
 * read up to the "ready" line its container prints.
 * @module
 */

import { bin } from "../helpers.ts";

/** What a finished run printed, and its exit code. */
export interface RunOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/** A spawned `xpu-ctk run` whose stdout has been read up to "ready\n" or its end. */
export interface ReadyRun {
  readonly child: Deno.ChildProcess;
  /** Stdout read so far: up to "ready\n", or all of it when the run ended first. */
  readonly stdout: string;
  /** Reads the rest of stdout and waits for the exit. */
  finish(): Promise<RunOutput>;
}

/** Spawns `xpu-ctk ARGS…` with TMPDIR `tmp`; resolves once it printed "ready\n" or ended. */
export async function spawnUntilReady(args: string[], tmp: string): Promise<ReadyRun> {
  const child = new Deno.Command(bin("xpu-ctk"), {
    args,
    env: { TMPDIR: tmp },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let stdout = "";
  while (!stdout.includes("ready\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    stdout += value;
  }
  return {
    child,
    stdout,
    finish: async () => {
      for (let r = await reader.read(); !r.done; r = await reader.read()) stdout += r.value;
      return { code: (await child.status).code, stdout, stderr: await stderr };
    },
  };
}
