/**
 * The record of whether env(1) resets SIGPIPE for the runtime (src/runtime/env_signal.ts), with
 * copies of this machine's env and stand-ins that accept the option but do not reset the signal.
 * @module
 */

import { assertEquals, assertMatch } from "../assert.ts";
import { withTempDir } from "../helpers.ts";
import {
  ENV_PATH,
  ENV_RECORD_FILE,
  recordEnv,
  resetsSigpipe,
} from "../../src/runtime/env_signal.ts";
import { fileTimes } from "../../src/internal/mtime.ts";

const HEADER = "xpu-container-runtime decision 2 test";

/**
 * An env that takes every option and execs the rest: with `ignores`, it ignores SIGPIPE for
 * `--ignore-signal=PIPE` (a shell can) but leaves it ignored for `--default-signal=PIPE`.
 */
function standIn(path: string, ignores: boolean): void {
  Deno.writeTextFileSync(
    path,
    `#!/bin/bash
while [[ $1 == -* ]]; do
  [[ $1 == --ignore-signal=PIPE && ${ignores ? 1 : ""} ]] && trap '' PIPE
  [[ $1 == -- ]] && { shift; break; }
  shift
done
while [[ $1 == *=* ]]; do export "$1"; shift; done
exec "$@"
`,
  );
  Deno.chmodSync(path, 0o755);
}

function readRecord(dir: string): string {
  return Deno.readTextFileSync(`${dir}/${ENV_RECORD_FILE}`);
}

Deno.test("this machine's env resets SIGPIPE; an env that only accepts the option does not", async () => {
  await withTempDir((dir) => {
    assertEquals(resetsSigpipe(ENV_PATH), true);
    standIn(`${dir}/keeps`, true);
    standIn(`${dir}/never-ignores`, false);
    assertEquals(resetsSigpipe(`${dir}/keeps`), false);
    assertEquals(resetsSigpipe(`${dir}/never-ignores`), false);
    assertEquals(resetsSigpipe(`${dir}/missing`), false);
  });
});

Deno.test("the record has env's file and answer, and env's modification time", async () => {
  await withTempDir(async (dir) => {
    const env = `${dir}/env`;
    Deno.copyFileSync(ENV_PATH, env);
    Deno.mkdirSync(`${dir}/d`, { mode: 0o700 });
    assertMatch(recordEnv(`${dir}/d`, HEADER, env)!, /resets SIGPIPE$/);
    const text = readRecord(`${dir}/d`);
    assertMatch(text, /^xpu-container-runtime decision 2 test\nfile \d+ \d+ \d+ \d+ \d+\n/);
    assertMatch(text, /\ndefault-signal yes\n$/);
    const record = `${dir}/d/${ENV_RECORD_FILE}`;
    assertEquals(fileTimes(record).mtime, fileTimes(env).mtime);
    // Asked once: while env is that file, the record stands.
    assertEquals(recordEnv(`${dir}/d`, HEADER, env), undefined);
    // Another build's record is replaced.
    assertMatch(recordEnv(`${dir}/d`, `${HEADER}-other`, env)!, /^Recorded/);
    assertEquals(recordEnv(`${dir}/d`, HEADER, env)?.startsWith("Recorded"), true);
    // The record's time set apart from env's: asked again.
    await Deno.utime(record, 1, 1);
    assertMatch(recordEnv(`${dir}/d`, HEADER, env)!, /^Recorded/);
    assertEquals(fileTimes(record).mtime, fileTimes(env).mtime);
  });
});

Deno.test("env replaced by one that cannot reset SIGPIPE, even with the same time, is asked again", async () => {
  await withTempDir(async (dir) => {
    const env = `${dir}/env`;
    Deno.copyFileSync(ENV_PATH, env);
    Deno.mkdirSync(`${dir}/d`, { mode: 0o700 });
    recordEnv(`${dir}/d`, HEADER, env);
    const { mtime } = Deno.statSync(env);
    standIn(`${dir}/new`, true);
    await Deno.utime(`${dir}/new`, mtime!, mtime!);
    Deno.renameSync(`${dir}/new`, env);
    assertMatch(recordEnv(`${dir}/d`, HEADER, env)!, /cannot reset SIGPIPE$/);
    assertMatch(readRecord(`${dir}/d`), /\ndefault-signal no\n$/);
    // The answer stands while env is that file.
    assertEquals(recordEnv(`${dir}/d`, HEADER, env), undefined);
  });
});

Deno.test("env that is a symlink or missing has no record", async () => {
  await withTempDir((dir) => {
    const env = `${dir}/env`;
    Deno.copyFileSync(ENV_PATH, env);
    Deno.mkdirSync(`${dir}/d`, { mode: 0o700 });
    recordEnv(`${dir}/d`, HEADER, env);
    Deno.removeSync(env);
    Deno.symlinkSync(ENV_PATH, env);
    assertMatch(recordEnv(`${dir}/d`, HEADER, env)!, /^Removed .*is not a file$/);
    assertEquals(recordEnv(`${dir}/d`, HEADER, env), undefined);
    Deno.removeSync(env);
    assertEquals(recordEnv(`${dir}/d`, HEADER, env), undefined);
    assertEquals([...Deno.readDirSync(`${dir}/d`)], []);
  });
});
