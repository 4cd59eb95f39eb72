/**
 * `xpu-ctk config`: the effective config, `get`, `set` and `default`.
 * @module
 */

import { type Command, type CommandContext, expectPositionals, usageError } from "./command.ts";
import { loadConfig, type LoadedConfig, readConfigText } from "../config/load.ts";
import { DEFAULTS, type KeyValue } from "../config/schema.ts";
import { renderConfig } from "../config/render.ts";
import { applyAssignments, formatGet, getValue, parseCliValue } from "../config/edit.ts";
import { dirName, writeFileAtomic } from "../internal/fs.ts";
import { writeStderr, writeStdout } from "../internal/io.ts";

/** Loads the config named by `--config` (or the default file), printing warnings to stderr. */
export async function loadForCli(ctx: CommandContext): Promise<LoadedConfig> {
  const loaded = await loadConfig({ path: ctx.configPath });
  for (const w of loaded.warnings) writeStderr(`xpu-ctk: warning: ${w}\n`);
  return loaded;
}

async function runSet(ctx: CommandContext): Promise<number> {
  expectPositionals(ctx, 1, Infinity);
  const inPlace = ctx.values["in-place"] === true;
  const output = ctx.values.output as string | undefined;
  if (inPlace && output !== undefined) {
    throw usageError(ctx, "--in-place and --output cannot be used together");
  }
  const assignments: [string, KeyValue][] = ctx.positionals.map((arg) => {
    const eq = arg.indexOf("=");
    if (eq <= 0) throw usageError(ctx, `Expected KEY=VALUE, found "${arg}"`);
    const key = arg.slice(0, eq);
    return [key, parseCliValue(key, arg.slice(eq + 1))];
  });
  const loaded = await loadForCli(ctx);
  // A host without a config file gets the commented default file with the new values in it.
  // Read again as it is (an ignored, untrusted file was not read at all): UTF-8 only, so the
  // bytes of values not set stay as they are.
  const text = loaded.exists ? readConfigText(loaded.path) : renderConfig(DEFAULTS, true);
  const out = applyAssignments(text, `"${loaded.path}"`, assignments);
  if (inPlace) {
    Deno.mkdirSync(dirName(loaded.path), { recursive: true });
    writeFileAtomic(loaded.path, out);
  } else if (output !== undefined) {
    writeFileAtomic(output, out);
  } else {
    writeStdout(out);
  }
  return 0;
}

/** The `config` command group. */
export const configCommand: Command = {
  name: "config",
  summary: "Show or change the configuration",
  usage: ["config [--config FILE]", "config get|set|default …"],
  description: "Without a subcommand, print the effective configuration as TOML.\n" +
    "The file is $XDG_CONFIG_HOME/xpu-container-runtime/config.toml when XDG_CONFIG_HOME is\n" +
    "set, else /etc/xpu-container-runtime/config.toml; --config names another.",
  run: async (ctx) => {
    expectPositionals(ctx, 0, 0);
    writeStdout(renderConfig((await loadForCli(ctx)).config, false));
    return 0;
  },
  subcommands: [
    {
      name: "get",
      summary: "Print the value of one key",
      usage: ["config get KEY"],
      description: "KEY is dotted, e.g. xpu-container-runtime.mode. Strings print bare, other\n" +
        "values in TOML syntax.",
      run: async (ctx) => {
        expectPositionals(ctx, 1, 1);
        const { config } = await loadForCli(ctx);
        writeStdout(`${formatGet(getValue(config, ctx.positionals[0]!))}\n`);
        return 0;
      },
    },
    {
      name: "set",
      summary: "Set keys, keeping the file's comments and layout",
      usage: ["config set KEY=VALUE… [--in-place | --output FILE]"],
      description: "Values are typed by the schema: booleans are true or false, lists are\n" +
        'comma-separated or a TOML array (["a", "b"]). Without --in-place or --output the\n' +
        "result is printed. Writes are atomic; an invalid key or value changes nothing.",
      options: {
        "in-place": { type: "boolean", short: "i", help: "Rewrite the config file itself" },
        output: { type: "string", short: "o", value: "FILE", help: "Write the result to FILE" },
      },
      run: runSet,
    },
    {
      name: "default",
      summary: "Print the commented default configuration file",
      usage: ["config default"],
      run: (ctx) => {
        expectPositionals(ctx, 0, 0);
        writeStdout(renderConfig(DEFAULTS, true));
        return 0;
      },
    },
  ],
};
