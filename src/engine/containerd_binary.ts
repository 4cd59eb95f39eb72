/**
 * Asking the installed containerd: its version, and the configuration it would run with
 * (`containerd --config FILE config dump` prints the files merged over its defaults).
 * @module
 */

import { findProgram } from "../discover/binaries.ts";
import { fsReason } from "./fs_error.ts";

/** A containerd release, e.g. 1.6. */
export interface ContainerdVersion {
  readonly major: number;
  readonly minor: number;
  /** As `containerd --version` prints it, e.g. "1.6.20~ds1". */
  readonly text: string;
}

/** The containerd binary on PATH or in the system directories, or undefined. */
export function findContainerd(): string | undefined {
  return findProgram("containerd", { path: Deno.env.get("PATH") });
}

function runContainerd(binary: string, args: readonly string[]): string {
  const shown = `"${[binary, ...args].join(" ")}"`;
  let out: Deno.CommandOutput;
  try {
    // From /, as systemd starts it: containerd 1.x globs a relative import from there.
    out = new Deno.Command(binary, {
      args: [...args],
      cwd: "/",
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).outputSync();
  } catch (e) {
    throw new Error(`Cannot run ${shown}: ${fsReason(e)}`, { cause: e });
  }
  const dec = new TextDecoder();
  if (!out.success) {
    const why = dec.decode(out.stderr).trim().split("\n").at(-1)?.slice(0, 300) ||
      `exit ${out.code}`;
    throw new Error(`${shown} failed: ${why}`);
  }
  return dec.decode(out.stdout);
}

/** The version `binary --version` prints ("containerd <repo> 1.6.20~ds1 …"), or undefined. */
export function containerdVersion(binary: string): ContainerdVersion | undefined {
  let text: string;
  try {
    text = runContainerd(binary, ["--version"]);
  } catch {
    return undefined;
  }
  const word = text.trim().split(/\s+/)[2] ?? "";
  const m = /^v?(\d+)\.(\d+)/.exec(word);
  return m ? { major: Number(m[1]), minor: Number(m[2]), text: word.replace(/^v/, "") } : undefined;
}

/** `binary --config config config dump`: the effective configuration as TOML text. */
export function configDump(binary: string, config: string): string {
  return runContainerd(binary, ["--config", config, "config", "dump"]);
}

/** `binary config default`: the configuration containerd runs with when it has no file. */
export function configDefault(binary: string): string {
  return runContainerd(binary, ["config", "default"]);
}
