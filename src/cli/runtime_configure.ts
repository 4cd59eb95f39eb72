/**
 * `xpu-ctk runtime configure|unconfigure --runtime=ENGINE` for every engine of the registry.
 * @module
 */

import {
  binaryWhere,
  type Command,
  type CommandContext,
  expectPositionals,
  usageError,
} from "./command.ts";
import { apply, type EngineOptions, type Plan } from "../engine/engine.ts";
import type { ContainerdOptions } from "../engine/containerd.ts";
import {
  DEFAULT_ENGINE,
  DEFAULT_RUNTIME_NAME,
  engineList,
  ENGINES,
  findEngine,
  isRuntimeName,
} from "../engine/registry.ts";
import { podmanPlan } from "./runtime_configure_podman.ts";
import { binaryPath } from "../discover/binaries.ts";
import { toolkitFacts } from "./toolkit_config.ts";
import { writeStderr, writeStdout } from "../internal/io.ts";

/** `docker|containerd|…`, for the usage lines. */
const ENGINE_CHOICES = ENGINES.map((e) => e.name).join("|");

/** containerd's own flags: --config-source and --cdi.enabled. */
function containerdFlags(ctx: CommandContext, engine: string): Partial<ContainerdOptions> {
  const source = ctx.values["config-source"] as string | undefined;
  if (source !== undefined && engine !== "containerd") {
    throw usageError(ctx, "--config-source applies to --runtime=containerd only");
  }
  if (source !== undefined && source !== "command" && source !== "file") {
    throw usageError(ctx, `Invalid --config-source "${source}": expected command or file`);
  }
  return engine !== "containerd" ? {} : {
    configSource: source as ContainerdOptions["configSource"],
    cdiEnabled: ctx.values["cdi.enabled"] === true,
  };
}

/** --config names a file; --runtime-path an absolute one (an engine runs it from anywhere). */
function checkPaths(ctx: CommandContext): void {
  const config = ctx.values.config as string | undefined;
  if (config === "") {
    throw usageError(ctx, `--config must name a file, not "${config}"`);
  }
  const path = ctx.values["runtime-path"] as string | undefined;
  if (path !== undefined && !path.startsWith("/")) {
    throw usageError(ctx, `--runtime-path must be an absolute path, not "${path}"`);
  }
}

async function run(ctx: CommandContext, action: "configure" | "unconfigure"): Promise<number> {
  expectPositionals(ctx, 0, 0);
  const name = (ctx.values.runtime as string | undefined) ?? DEFAULT_ENGINE.name;
  const engine = findEngine(name);
  if (!engine) {
    // deno-lint-ignore xpu-messages/values-quoted -- the engines' names, which the user types
    throw usageError(ctx, `Unknown --runtime "${name}": expected ${engineList()}`);
  }
  const runtimeName = (ctx.values["runtime-name"] as string | undefined) ?? DEFAULT_RUNTIME_NAME;
  if (!isRuntimeName(runtimeName)) {
    throw usageError(ctx, `Invalid --runtime-name "${runtimeName}"`);
  }
  if (engine.kind !== "podman" && ctx.values.mode !== undefined) {
    throw usageError(ctx, "--mode applies to --runtime=podman only");
  }
  if (
    engine.kind === "merged" && !engine.namesRuntime &&
    (ctx.values["runtime-name"] !== undefined || ctx.values["set-as-default"] === true)
  ) {
    const naming = ENGINES.filter((e) => e.kind === "podman" || e.namesRuntime);
    throw usageError(
      ctx,
      // deno-lint-ignore xpu-messages/values-quoted -- the engines' names, which the user types
      `--runtime-name and --set-as-default apply to ${engineList(undefined, naming)} only`,
    );
  }
  checkPaths(ctx);
  let config: string;
  let planner: () => Plan;
  if (engine.kind === "podman") {
    // Podman's files are written whole, not merged into: planned once, before the lock.
    const plan = await podmanPlan(ctx, action, { engine, runtimeName });
    config = plan.changes[0]?.path ?? engine.config;
    planner = () => plan;
  } else {
    const options: EngineOptions = {
      config: (ctx.values.config as string | undefined) ?? engine.config,
      runtimeName,
      runtimePath: (ctx.values["runtime-path"] as string | undefined) ??
        binaryPath(engine.binary, undefined, binaryWhere(ctx)),
      setAsDefault: ctx.values["set-as-default"] === true,
      ...containerdFlags(ctx, name),
      ...(engine.toolkit && action === "configure" ? { toolkit: await toolkitFacts(ctx) } : {}),
    };
    config = options.config;
    planner = () => engine[action](options);
  }
  if (ctx.values["dry-run"] === true) {
    const plan = planner();
    for (const change of plan.changes) {
      writeStdout(
        change.kind === "remove"
          ? `==> ${change.path} <== (would be removed)
`
          : `==> ${change.path} <==
${change.content}`,
      );
    }
    if (plan.changes.length === 0) writeStderr("xpu-ctk: nothing to change\n");
    return 0;
  }
  const { plan, done, swept } = apply(config, planner);
  for (const path of swept) writeStderr(`xpu-ctk: removed ${path}, left by a killed xpu-ctk\n`);
  for (const line of done.length > 0 ? done : ["nothing to change"]) {
    writeStderr(`xpu-ctk: ${line}\n`);
  }
  if (done.length > 0) { for (const note of plan.notes) writeStderr(`${note}\n`); }
  return 0;
}

const OPTIONS = {
  config: {
    type: "string",
    value: "FILE",
    help: "The engine's file (default per engine, see above)",
  },
  runtime: {
    type: "string",
    value: "ENGINE",
    help: engineList((e) => e === DEFAULT_ENGINE ? `${e.name} (the default)` : e.name),
  },
  "runtime-name": {
    type: "string",
    value: "NAME",
    help: `Name of the runtime in the engine (default ${DEFAULT_RUNTIME_NAME})`,
  },
  "runtime-path": {
    type: "string",
    value: "PATH",
    help: "The shim to register (podman: the hook, the shim, or cdi's xpu-ctk; enroot: xpu-ctk; " +
      "default: beside xpu-ctk, else /usr/bin)",
  },
  "set-as-default": { type: "boolean", help: "Make it the engine's default runtime" },
  mode: {
    type: "string",
    value: "MODE",
    help: "podman: hook, runtime or cdi (default cdi; unconfigure: every mode's file)",
  },
  "config-source": {
    type: "string",
    value: "SOURCE",
    help: "containerd: read its config by command (containerd config dump) or file",
  },
  "cdi.enabled": { type: "boolean", help: "containerd: enable CDI (enable_cdi, 1.7 or later)" },
  "dry-run": { type: "boolean", help: "Print the resulting files instead of writing them" },
} as const;

/** `runtime configure`. */
export const configureCommand: Command = {
  name: "configure",
  summary: "Register the XPU runtime with an engine",
  usage: [
    `runtime configure [--runtime=${ENGINE_CHOICES}] [--config FILE] [--runtime-name NAME]`,
    "                  [--runtime-path PATH] [--set-as-default] [--mode hook|runtime|cdi]",
    "                  [--config-source command|file] [--cdi.enabled] [--dry-run]",
  ],
  description:
    "docker (the default): adds runtimes.NAME to daemon.json (other keys kept, .bak of the\n" +
    "original; unconfigure puts back what it replaced, or removes a file it created).\n" +
    "containerd: writes conf.d/99-NAME.toml next to config.toml and adds it to its top-level\n" +
    "imports (nothing else in config.toml changes); on containerd 1.x the drop-in carries the\n" +
    "effective CRI section (containerd replaces a whole section with an imported one), read by\n" +
    "--config-source=command (containerd config dump, the default when containerd is installed)\n" +
    "or file. crio: writes crio.conf.d/99-NAME.conf.\n" +
    "podman --mode cdi (default): writes the CDI spec /etc/cdi/xpu.yaml; --mode runtime: adds\n" +
    "[engine.runtimes] NAME to containers.conf.d/99-NAME.conf; --mode hook: writes the prestart\n" +
    "hook's file into the hooks directory podman reads (containers.conf hooks_dir, else\n" +
    "/usr/share/containers/oci/hooks.d). It replaces or removes only files it wrote (marked).\n" +
    "slurm: sets RunTimeQuery, RunTimeKill, RunTimeDelete and RunTimeRun in oci.conf (other\n" +
    "lines kept; RunTimeCreate and RunTimeStart go) to run srun --container steps through the\n" +
    "shim under rootless runc; unconfigure puts back what it replaced.\n" +
    "enroot: writes the hook /etc/enroot/hooks.d/98-xpu.sh (marked, executable), which runs\n" +
    "xpu-ctk hook enroot before each container starts.\n" +
    "--config names the engine's file (daemon.json, config.toml, crio.conf, podman's file,\n" +
    "oci.conf, the enroot hook).\n" +
    "A file that does not parse or is not UTF-8 is an error and is never overwritten; writes are\n" +
    "atomic, go through a symlink to its target, and happen one call at a time (a lock).",
  options: OPTIONS,
  run: (ctx) => run(ctx, "configure"),
};

/** `runtime unconfigure`. */
export const unconfigureCommand: Command = {
  name: "unconfigure",
  summary: "Remove the XPU runtime from an engine",
  usage: [
    `runtime unconfigure [--runtime=${ENGINE_CHOICES}] [--config FILE] [--runtime-name NAME]`,
    "                    [--mode hook|runtime|cdi] [--dry-run]",
  ],
  options: OPTIONS,
  run: (ctx) => run(ctx, "unconfigure"),
};
