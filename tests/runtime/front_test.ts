/**
 * The compiled build's front (`scripts/launcher.sh --front`), installed as the runtime's name
 * beside the compiled binary: the launcher's fast path, else the binary. The binary itself
 * cannot be built here (deno compile needs denort), so a recording script stands in for it.
 * @module
 */

import { assertEquals, assertTrue } from "../assert.ts";
import { q, ROOT, run, withTempDir } from "../helpers.ts";
import { DECISION_DIR_ENV, recordDecision } from "../../src/runtime/decision.ts";
import { ENV_RECORD_FILE } from "../../src/runtime/env_signal.ts";
import {
  callRuntime,
  environList,
  exists,
  makeFixture,
  records,
  runtimesConfig,
} from "./fast_path.ts";

/** Writes the front for `target` into `dir`/bin/xpu-container-runtime. */
async function front(dir: string, target: string, decisions: string): Promise<string> {
  Deno.mkdirSync(`${dir}/bin`, { recursive: true });
  const out = await run(`${ROOT}/scripts/launcher.sh`, [
    "--front",
    `${dir}/bin/xpu-container-runtime`,
    target,
    decisions,
  ], { env: { DENO_DIR: `${ROOT}/.deno` } });
  assertEquals(out.code, 0, out.stderr);
  return `${dir}/bin`;
}

/** A stand-in for the compiled binary: records its arguments and environment, NUL-separated. */
function standIn(path: string): void {
  Deno.writeTextFileSync(
    path,
    `#!/bin/bash\nmapfile -d '' -t e </proc/self/environ\nprintf '%s\\0' "$@" >${
      q(`${path}.argv`)
    }\nprintf '%s\\0' "\${e[@]}" >${q(`${path}.environ`)}\n`,
  );
  Deno.chmodSync(path, 0o755);
}

const fields = (path: string) => Deno.readTextFileSync(path).split("\0").slice(0, -1);

Deno.test("the compiled build's front hands what it cannot answer to the binary, naming where to decide", async () => {
  await withTempDir(async (dir) => {
    const fix = makeFixture(`${dir}/fix`);
    standIn(`${dir}/xpu-ctk`);
    const bin = await front(dir, `${dir}/xpu-ctk`, `${dir}/baked`);
    const { [DECISION_DIR_ENV]: _, ...env } = fix.env;
    const args = ["--root", "/r", "delete", "a b", ""];
    const out = await callRuntime(bin, args, { ...env, PWD: "/caller" });
    assertEquals(out.code, 0, out.stderr);
    assertEquals(fields(`${dir}/xpu-ctk.argv`), args);
    const got = fields(`${dir}/xpu-ctk.environ`);
    // The binary is told where the front looks for the decision (its baked-in directory), and
    // the record of what the front changed lets the shim hand runc the caller's environment.
    assertTrue(got.includes(`${DECISION_DIR_ENV}=${dir}/baked`), got.join("\n"));
    const record = got.find((e) => e.startsWith("XPU_CTK_LAUNCHER_ENV="))!.split("\n");
    for (const entry of [DECISION_DIR_ENV, "PWD=/caller", "SHLVL", "OLDPWD", "_"]) {
      assertTrue(record.includes(entry), `${entry} not recorded: ${record}`);
    }
    assertEquals(records(fix), []);
  });
});

Deno.test("the compiled build's front takes the fast path where the shim's decision holds", async () => {
  await withTempDir(async (dir) => {
    const fix = makeFixture(`${dir}/fix`);
    standIn(`${dir}/xpu-ctk`);
    const bin = await front(dir, `${dir}/xpu-ctk`, `${dir}/fix/decisions`);
    const { [DECISION_DIR_ENV]: _, ...env } = fix.env;
    // What the shim behind the binary records (its config settled long before it started).
    const note = recordDecision(`${dir}/fix/decisions`, {
      configPath: fix.config,
      configExists: true,
      env,
      config: runtimesConfig([fix.runtime]),
      runtime: fix.runtime,
      quiet: true,
      startedMs: Date.now() + 60_000,
    });
    assertTrue(note?.startsWith("Recorded"), note);
    const out = await callRuntime(bin, ["state", "c"], env);
    assertEquals(out.code, 0, out.stderr);
    const [rec] = records(fix);
    assertEquals([rec?.args, rec?.pid, rec?.environ], [["state", "c"], out.pid, environList(env)]);
    assertEquals(exists(`${dir}/xpu-ctk.argv`), false);
  });
});

Deno.test("the compiled build's front answers a caller that ignores SIGPIPE where env(1) is recorded to reset it", async () => {
  await withTempDir(async (dir) => {
    const fix = makeFixture(`${dir}/fix`);
    standIn(`${dir}/xpu-ctk`);
    const bin = await front(dir, `${dir}/xpu-ctk`, `${dir}/fix/decisions`);
    const { [DECISION_DIR_ENV]: _, ...env } = fix.env;
    const note = recordDecision(`${dir}/fix/decisions`, {
      configPath: fix.config,
      configExists: true,
      env,
      config: runtimesConfig([fix.runtime]),
      runtime: fix.runtime,
      quiet: true,
      startedMs: Date.now() + 60_000,
    });
    assertTrue(note?.includes("resets SIGPIPE"), note);
    // A create of a container that asks for nothing, as Podman's conmon runs it.
    Deno.mkdirSync(`${dir}/bundle`);
    Deno.writeTextFileSync(`${dir}/bundle/config.json`, `{"process":{"args":["true"]}}\n`);
    const args = ["create", "--bundle", `${dir}/bundle`, "c"];
    const out = await callRuntime(bin, args, env, "PIPE");
    assertEquals(out.code, 0, out.stderr);
    const [rec] = records(fix);
    assertEquals([rec?.args, rec?.pid, rec?.environ], [args, out.pid, environList(env)]);
    assertEquals(rec!.sigign & (1n << 12n), 0n);
    assertEquals(exists(`${dir}/xpu-ctk.argv`), false);
    // Without the record, the binary (the shim) answers.
    Deno.removeSync(`${dir}/fix/decisions/${ENV_RECORD_FILE}`);
    assertEquals((await callRuntime(bin, args, env, "PIPE")).code, 0);
    assertEquals(fields(`${dir}/xpu-ctk.argv`), args);
    assertEquals(records(fix).length, 1);
  });
});
