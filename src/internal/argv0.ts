/**
 * How the executable was invoked: argv[0] and the applet it selects.
 * @module
 */

import { HELPER_HOOKS } from "./helper_hooks.ts";
import { baseName } from "./paths.ts";

/** The applets one binary can act as. */
export type Applet = "runtime" | "hook" | "cli";

/** Names that select the runtime shim. */
export const RUNTIME_NAMES: readonly string[] = ["xpu-container-runtime"];

/** Names that select the OCI hook. */
export const HOOK_NAMES: readonly string[] = [
  "xpu-container-runtime-hook",
  "xpu-container-toolkit",
];

/**
 * Names that run one CLI command: `xpu-docker ARGS` is `xpu-ctk docker ARGS`. The launcher starts
 * them at main.js like xpu-ctk; the build makes their symlinks (scripts/applets.ts --commands).
 */
export const COMMAND_NAMES: Readonly<Record<string, string>> = { "xpu-docker": "docker" };

/** What an applet's `main` receives: argv[0] as the caller gave it, and the applet's arguments. */
export interface Invocation {
  readonly argv0: string;
  readonly args: string[];
}

/**
 * argv[0] as the caller gave it: `XPU_ARGV0` if set, else the first field of /proc/self/cmdline.
 * `Deno.execPath()` resolves symlinks, so it cannot tell the applet names apart.
 */
function invokedName(): string {
  const override = Deno.env.get("XPU_ARGV0");
  if (override) return override;
  try {
    const raw = Deno.readTextFileSync("/proc/self/cmdline");
    const end = raw.indexOf("\0");
    return end < 0 ? raw : raw.slice(0, end);
  } catch {
    return "xpu-ctk";
  }
}

/** The enroot hook: `xpu-ctk hook enroot`, which enroot's hooks.d/98-xpu.sh runs. */
export const ENROOT_HOOK = "enroot";

/** An `xpu-ctk` command another applet runs, skipping the CLI's parser. */
export interface PassThrough {
  /** The command's names after `xpu-ctk`, e.g. `["hook", "oci"]`. */
  readonly path: readonly [string, string];
  readonly applet: Applet;
  /** Arguments the applet gets before the caller's: a helper hook's own name. */
  readonly lead: readonly string[];
}

/**
 * Every pass-through command: `runtime exec -- …` and `hook oci …` reach the runtime and hook
 * without symlinks, and the helper hooks (`hook create-symlinks …`) and the enroot hook the hook
 * applet. The CLI's
 * command tree lists these too, so this is the one place that says which applet runs them.
 */
export const PASS_THROUGH: readonly PassThrough[] = [
  { path: ["runtime", "exec"], applet: "runtime", lead: [] },
  { path: ["hook", "oci"], applet: "hook", lead: [] },
  ...HELPER_HOOKS.map((h): PassThrough => ({ path: ["hook", h], applet: "hook", lead: [h] })),
  { path: ["hook", ENROOT_HOOK], applet: "hook", lead: [ENROOT_HOOK] },
];

/**
 * Picks the applet for `argv0` and the arguments it receives. `help` for a pass-through command
 * goes to its applet as `--help`, so the command has one help text, the applet's.
 */
export function chooseApplet(argv0: string, args: readonly string[]): {
  applet: Applet;
  args: string[];
} {
  const name = baseName(argv0);
  if (RUNTIME_NAMES.includes(name)) return { applet: "runtime", args: [...args] };
  if (HOOK_NAMES.includes(name)) return { applet: "hook", args: [...args] };
  const command = Object.hasOwn(COMMAND_NAMES, name) ? COMMAND_NAMES[name] : undefined;
  if (command !== undefined) return { applet: "cli", args: [command, ...args] };
  const asked = args[0] === "help" && args.length === 3 ? args.slice(1) : undefined;
  const pass = PASS_THROUGH.find((p) =>
    (asked ?? args)[0] === p.path[0] && (asked ?? args)[1] === p.path[1]
  );
  if (!pass) return { applet: "cli", args: [...args] };
  if (asked) return { applet: pass.applet, args: [...pass.lead, "--help"] };
  const rest = args.slice(2);
  // runc's arguments may follow `--`, which only separates them from ours.
  const own = pass.applet === "runtime" && rest[0] === "--" ? rest.slice(1) : rest;
  return { applet: pass.applet, args: [...pass.lead, ...own] };
}

/**
 * This process's invocation with `args` (Deno.args): argv[0], read here once for the whole
 * process, the applet it selects and the applet's arguments (see chooseApplet).
 */
export function invocation(args: readonly string[]): Invocation & { readonly applet: Applet } {
  const argv0 = invokedName();
  return { argv0, ...chooseApplet(argv0, args) };
}
