/**
 * Slurm's native OCI containers (`srun --container=BUNDLE`): the `RunTime*` lines of oci.conf
 * that make slurmstepd run each step's bundle through the shim under rootless runc. Other lines
 * of the file are kept as they are; `RunTimeCreate` and `RunTimeStart` go, because Slurm takes
 * either them or `RunTimeRun`, and with them a step hangs (see HPC.md).
 * @module
 */

import {
  type EngineOptions,
  originalOf,
  type Plan,
  readIfExists,
  writeIfChanged,
} from "./engine.ts";
import { VISIBLE_DEVICES } from "../config/variables.ts";
import { baseName } from "../internal/argv0.ts";

/** Slurm's default oci.conf. */
export const SLURM_OCI_CONF = "/etc/slurm/oci.conf";

/** The container id slurmstepd substitutes: node, user, job, step and task. */
const ID = "%n.%u.%j.%s.%t";

/** Rootless runc's state, one directory per user (%u), as the runtime runs as the job's user. */
const STATE = "/tmp/xpu-oci-%u";

/** The keys configure writes, in the order it adds them. */
const KEYS = ["RunTimeQuery", "RunTimeKill", "RunTimeDelete", "RunTimeRun"] as const;

/** Every key configure replaces or removes. */
const REPLACED: readonly string[] = [...KEYS, "RunTimeCreate", "RunTimeStart"];

/** The canonical key a line sets among REPLACED (Slurm reads keys in any case), if any. */
function keyOf(line: string): string | undefined {
  const m = /^\s*([A-Za-z]+)\s*=/.exec(line);
  return m ? REPLACED.find((k) => k.toLowerCase() === m[1]!.toLowerCase()) : undefined;
}

/** A line's value without the quotes around it. */
function valueOf(line: string): string {
  return line.slice(line.indexOf("=") + 1).trim().replace(/^"(.*)"$/, "$1");
}

/** The lines for `shim`, as slurmstepd runs them (through a shell, after substituting %x). */
function ourLines(shim: string): Map<string, string> {
  const runtime = `${shim} --rootless=true --root=${STATE}`;
  const commands = [`state ${ID}`, `kill -a ${ID}`, `delete --force ${ID}`, `run ${ID} -b %b`];
  return new Map(KEYS.map((key, i) => [key, `${key}="${runtime} ${commands[i]}"`]));
}

function linesOf(text: string): string[] {
  const body = text.endsWith("\n") ? text.slice(0, -1) : text;
  return body === "" ? [] : body.split("\n");
}

/** `text` with the RunTime lines for `shim`: each replacing the first of its key, or added. */
function configuredText(text: string, shim: string): string {
  const wanted = ourLines(shim);
  const out: string[] = [];
  for (const line of linesOf(text)) {
    const key = keyOf(line);
    if (key === undefined) out.push(line);
    else if (wanted.has(key)) {
      out.push(wanted.get(key)!);
      wanted.delete(key);
    }
  }
  return `${[...out, ...wanted.values()].join("\n")}\n`;
}

/** The shim a RunTimeRun line of ours runs, if the file has one. */
function ourShim(text: string): string | undefined {
  for (const line of linesOf(text)) {
    if (keyOf(line) !== "RunTimeRun") continue;
    const shim = valueOf(line).split(" ")[0]!;
    if (baseName(shim) === "xpu-container-runtime") return shim;
  }
  return undefined;
}

/** The shim's path must pass through oci.conf's quotes and slurmstepd's shell unchanged. */
function checkShim(shim: string): void {
  if (!/^\/[A-Za-z0-9/._+-]+$/.test(shim)) {
    throw new Error(
      `Cannot configure Slurm: the runtime path ${
        JSON.stringify(shim)
      } may hold only letters, digits and "/._+-", as slurmstepd runs it through a shell`,
    );
  }
}

/** The operator's advice after configure; a warning first when the host's mode cannot work. */
function notes(o: EngineOptions): string[] {
  const out: string[] = [];
  const host = o.toolkit?.host;
  if (host?.mode === "legacy") {
    out.push(
      `Warning: XPU containers on this host get legacy mode (${host.facts.join("; ")}), ` +
        "which cannot work under rootless runc: its hook runs as the job's user, and " +
        "xpu-container-cli needs root. Use csv or cdi mode: xpu-ctk config set " +
        "xpu-container-runtime.mode=csv --in-place",
    );
  }
  out.push(
    "The runtime runs as the job's user with slurmd's environment: it reads " +
      "/etc/xpu-container-runtime/config.toml",
    "Give nodes their XPUs as GRES: slurm.conf GresTypes=gpu and NodeName=… Gres=gpu:xpu:N, " +
      "gres.conf NodeName=… Name=gpu Type=xpu File=/dev/xpu[0-N]",
    "Set ConstrainDevices=yes in cgroup.conf: rootless runc sets no device rules, so Slurm's " +
      "cgroup is what keeps a job to the XPUs it was given",
    `Run XPU containers with: ${VISIBLE_DEVICES}=0 srun --gres=gpu:1 --container=BUNDLE … ` +
      "(the job's environment reaches the container)",
  );
  return out;
}

/** Sets the RunTime lines in oci.conf. */
export function configureSlurm(o: EngineOptions): Plan {
  checkShim(o.runtimePath);
  const text = readIfExists(o.config) ?? "";
  return {
    changes: writeIfChanged(o.config, configuredText(text, o.runtimePath)),
    notes: notes(o),
  };
}

/**
 * Removes the RunTime lines of ours. When nothing else changed since configure, the original's
 * exact bytes come back (or no file, when there was none); else the original's RunTime lines
 * are added back after the others. A file without our lines is left alone.
 */
export function unconfigureSlurm(o: EngineOptions): Plan {
  const text = readIfExists(o.config);
  const shim = text === undefined ? undefined : ourShim(text);
  if (text === undefined || shim === undefined) return { changes: [], notes: [] };
  const original = originalOf(o.config);
  // Unconfigure writes without a backup: one now would record an edited file as the original.
  if (
    original !== undefined && configuredText(original.existed ? original.text : "", shim) === text
  ) {
    return {
      changes: original.existed
        ? writeIfChanged(o.config, original.text, false)
        : [{ kind: "remove", path: o.config }],
      notes: [],
    };
  }
  const ours = new Set(ourLines(shim).values());
  const kept = linesOf(text).filter((line) => !ours.has(line));
  const back = original?.existed
    ? linesOf(original.text).filter((line) => keyOf(line) !== undefined)
    : [];
  return {
    changes: writeIfChanged(o.config, `${[...kept, ...back].join("\n")}\n`, false),
    notes: [],
  };
}
