/**
 * `xpu-ctk cdi generate|list|validate`.
 * @module
 */

import {
  binaryWhere,
  type Command,
  type CommandContext,
  expectPositionals,
  usageError,
} from "./command.ts";
import { loadForCli } from "./config.ts";
import { formatSpec, generateSpec } from "../cdi/generate.ts";
import { loadSpecFile } from "../cdi/parse.ts";
import { loadRegistry, specFiles } from "../cdi/registry.ts";
import { kindProblem } from "../internal/cdi_names.ts";
import { generateOptions } from "./cdi_options.ts";
import { writeFileAtomic } from "../internal/fs.ts";
import { writeStderr, writeStdout } from "../internal/io.ts";

function specDirs(ctx: CommandContext, configured: readonly string[]): readonly string[] {
  const given = ctx.values["spec-dir"] as string[] | undefined;
  return given?.length ? given : configured;
}

async function generate(ctx: CommandContext): Promise<number> {
  expectPositionals(ctx, 0, 0);
  const loaded = await loadForCli(ctx);
  const output = ctx.values.output as string | undefined;
  // As with nvidia-ctk: the output file's extension decides unless --format is given.
  const format = (ctx.values.format as string | undefined) ??
    (output?.endsWith(".json") ? "json" : "yaml");
  if (format !== "yaml" && format !== "json") {
    throw usageError(ctx, `--format must be yaml or json, not "${format}"`);
  }
  const from = ctx.values.from as string | undefined;
  if (from !== undefined && from !== "csv" && from !== "devices") {
    throw usageError(ctx, `--from must be csv or devices, not "${from}"`);
  }
  const opts = generateOptions(loaded, {
    kind: ctx.values.kind as string | undefined,
    driverRoot: ctx.values["driver-root"] as string | undefined,
    devRoot: ctx.values["dev-root"] as string | undefined,
    from: from as "csv" | "devices" | undefined,
  }, binaryWhere(ctx));
  const problem = kindProblem(opts.kind);
  if (problem) throw usageError(ctx, `Invalid --kind: ${problem}`);
  const { spec, warnings } = generateSpec(opts);
  const devRoot = opts.devRoot;
  if (spec.devices.length === 0) {
    throw new Error(
      `No /dev/xpu<N> device nodes under "${devRoot}"; nothing written (see --dev-root and --driver-root)`,
    );
  }
  for (const w of warnings) writeStderr(`xpu-ctk: warning: ${w}\n`);
  const text = await formatSpec(spec, format);
  if (output === undefined) writeStdout(text);
  else {
    // 0644: rootless engines read specs as other users.
    writeFileAtomic(output, text, 0o644);
    Deno.chmodSync(output, 0o644);
    writeStderr(
      `xpu-ctk: wrote ${output} (cdiVersion ${spec.cdiVersion}, ${spec.devices.length} devices)\n`,
    );
  }
  return 0;
}

async function list(ctx: CommandContext): Promise<number> {
  expectPositionals(ctx, 0, 0);
  const config = (await loadForCli(ctx)).config;
  const registry = await loadRegistry(
    specDirs(ctx, config["xpu-container-runtime"].modes.cdi["spec-dirs"]),
  );
  for (const p of registry.problems) writeStderr(`xpu-ctk: warning: ${p}\n`);
  const names = [...registry.devices.keys()].sort();
  const width = names.reduce((w, n) => Math.max(w, n.length), 0);
  writeStdout(names.map((n) => `${n.padEnd(width)}  ${registry.devices.get(n)!.file}\n`).join(""));
  return 0;
}

async function validate(ctx: CommandContext): Promise<number> {
  const files = ctx.positionals.length > 0 ? [...ctx.positionals] : specDirs(
    ctx,
    (await loadForCli(ctx)).config["xpu-container-runtime"].modes.cdi["spec-dirs"],
  ).flatMap(specFiles);
  if (files.length === 0) {
    writeStderr("xpu-ctk: no CDI spec files to validate\n");
    return 1;
  }
  let bad = 0;
  for (const file of files) {
    const loaded = await loadSpecFile(file);
    if (loaded.ok) {
      writeStdout(
        `${file}: valid (cdiVersion ${loaded.spec.cdiVersion}, ${loaded.spec.devices.length} devices)\n`,
      );
    } else {
      bad++;
      writeStdout(loaded.problems.map((p) => `${p}\n`).join(""));
    }
  }
  return bad > 0 ? 1 : 0;
}

const SPEC_DIR_OPTION = {
  "spec-dir": {
    type: "string",
    multiple: true,
    value: "DIR",
    help: "Spec directory (default: modes.cdi.spec-dirs)",
  },
} as const;

/** The `cdi` command group. */
export const cdiCommand: Command = {
  name: "cdi",
  summary: "Generate, list and validate CDI specs",
  usage: ["cdi generate|list|validate …"],
  subcommands: [
    {
      name: "generate",
      summary: "Write a CDI spec for this host's XPUs",
      usage: [
        "cdi generate [--output FILE] [--format yaml|json] [--driver-root DIR] [--dev-root DIR]",
        "             [--from csv|devices] [--kind VENDOR/CLASS]",
      ],
      description:
        'One device per /dev/xpu<N> under --dev-root (named by index) plus "all"; the\n' +
        "control node, the driver's libraries (from the CSV specs, or the driver root's\n" +
        "usr/local/xpu/lib64 and xpu_smi) and the ldcache/symlink hooks are shared edits.\n" +
        "The spec gets the lowest cdiVersion its content needs; files are written 0644.",
      options: {
        output: {
          type: "string",
          short: "o",
          value: "FILE",
          help: "Write to FILE instead of stdout",
        },
        format: {
          type: "string",
          value: "yaml|json",
          help: "Output format (default: json for a FILE ending in .json, else yaml)",
        },
        "driver-root": {
          type: "string",
          value: "DIR",
          help: "Driver root (default: xpu-container-cli.root)",
        },
        "dev-root": {
          type: "string",
          value: "DIR",
          help: "The root under which dev/ lives (default: the driver root)",
        },
        from: { type: "string", value: "csv|devices", help: "Where the driver's files come from" },
        kind: { type: "string", value: "KIND", help: "CDI kind (default: modes.cdi.default-kind)" },
      },
      run: generate,
    },
    {
      name: "list",
      summary: "List the CDI devices in the spec directories",
      usage: ["cdi list [--spec-dir DIR]…"],
      options: SPEC_DIR_OPTION,
      run: list,
    },
    {
      name: "validate",
      summary: "Check CDI specs; exit 1 with one line per problem",
      usage: ["cdi validate [--spec-dir DIR]… [FILE…]"],
      options: SPEC_DIR_OPTION,
      run: validate,
    },
  ],
};
