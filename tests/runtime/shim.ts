/**
 * Running the runtime shim against the fake runc: its config, the runc calls it made.
 * @module
 */

import { configEnv, q, TESTDATA } from "../helpers.ts";

/** The fake runc: records each call in $FAKE_RUNC_LOG. */
export const FAKE_RUNC = `${TESTDATA}/bin/fake-runc`;

/** A hook binary that records its calls. */
export const RECORD_HOOK = `${TESTDATA}/bin/record-hook`;

/** `runc spec` output. */
export const RUNC_SPEC = Deno.readTextFileSync(`${TESTDATA}/bundles/runc-spec.json`);

/** `<dir>/bundle` with RUNC_SPEC as its config.json, `env` added to the process. */
export function makeShimBundle(dir: string, env: string[] = []): string {
  const b = `${dir}/bundle`;
  Deno.mkdirSync(b, { recursive: true });
  const text = env.length === 0 ? RUNC_SPEC : RUNC_SPEC.replace(
    '"TERM=xterm"',
    ['"TERM=xterm"', ...env.map((e) => JSON.stringify(e))].join(",\n\t\t\t"),
  );
  Deno.writeTextFileSync(`${b}/config.json`, text);
  return b;
}

/** The config file a shimEnv(dir) call writes. */
export function shimConfigPath(dir: string): string {
  return `${dir}/xdg/xpu-container-runtime/config.toml`;
}

/** Env for the shim: config.toml with the fake runc and the recording hook, plus `extra` TOML. */
export function shimEnv(dir: string, extra = ""): Record<string, string> {
  const toml = `[xpu-container-runtime]\nruntimes = [${q(FAKE_RUNC)}]\n` +
    `[xpu-container-runtime-hook]\npath = ${q(RECORD_HOOK)}\n${extra}`;
  return { ...configEnv(`${dir}/xdg`, toml), FAKE_RUNC_LOG: `${dir}/runc.log` };
}

/** The arguments of each call the fake runc recorded for shimEnv(dir). */
export function runcCalls(dir: string): string[][] {
  let text: string;
  try {
    text = Deno.readTextFileSync(`${dir}/runc.log`);
  } catch {
    return [];
  }
  return text.split("end\n").filter((b) => b.trim()).map((block) =>
    block.split("\n").filter((l) => l.startsWith("arg=")).map((l) => l.slice(4))
  );
}
