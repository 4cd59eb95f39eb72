/**
 * Loading configuration from a file, a TOML string or an object, with typed validation.
 * @module
 */

import {
  buildConfig,
  type Config,
  defaultConfig,
  isTablePath,
  type KeySpec,
  keySpec,
  type KeyValue,
} from "./schema.ts";
import { errorMessage } from "../internal/errors.ts";
import { nestingProblem } from "../internal/nesting.ts";
import { readUtf8File, Utf8Error } from "../internal/utf8.ts";
import { distrust } from "../internal/trust.ts";
import { parseTomlSubset } from "./toml_subset.ts";
import { ConfigError } from "./config_error.ts";

/** The largest config file read; a bigger one is refused. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** A configuration that cannot be used (defined apart so toml.ts need not import this file). */
export { ConfigError };

/** A loaded configuration and what was noticed on the way. */
export interface LoadedConfig {
  readonly config: Config;
  /** The file read, or the path that was looked for. */
  readonly path: string;
  /** False when no file existed and the defaults apply. */
  readonly exists: boolean;
  /** False when the file was ignored, and the defaults apply, because others may write it. */
  readonly trusted: boolean;
  /** Unknown keys and similar non-fatal findings. */
  readonly warnings: readonly string[];
}

/** The default config file location: `$XDG_CONFIG_HOME/…` when set, else under /etc. */
export function defaultConfigPath(env: (name: string) => string | undefined): string {
  const xdg = env("XDG_CONFIG_HOME");
  return xdg
    ? `${xdg.replace(/\/+$/, "")}/xpu-container-runtime/config.toml`
    : "/etc/xpu-container-runtime/config.toml";
}

/**
 * The file injected hooks must be told to read (`--config`): the one loaded, unless it is the
 * default under /etc, which they find by themselves.
 */
export function configPathForHooks(loaded: LoadedConfig): string | undefined {
  return loaded.exists && loaded.path !== defaultConfigPath(() => undefined)
    ? loaded.path
    : undefined;
}

/** A TOML value's type as a person would name it, for "found …" in messages. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return `a string (${JSON.stringify(value)})`;
  if (typeof value === "boolean") return `a boolean (${value})`;
  if (typeof value === "bigint") return `an integer (${value})`;
  if (typeof value === "number") {
    return Number.isInteger(value) ? `an integer (${value})` : `a float (${value})`;
  }
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return "a date-time";
  return "a table";
}

function expected(type: KeySpec["type"]): string {
  switch (type.kind) {
    case "string":
      return "a string";
    case "boolean":
      return "a boolean";
    case "string-list":
      return "an array of strings";
    case "enum":
      return `one of ${type.values.map((v) => JSON.stringify(v)).join(", ")}`;
  }
}

/** The outcome of checking a value against its key's type. */
export type Checked = { ok: true; value: KeyValue } | { ok: false; problem: string };

/** Checks `value` against `spec`'s type. */
export function checkValue(spec: KeySpec, value: unknown): Checked {
  const bad: Checked = {
    ok: false,
    problem: `key "${spec.key}": expected ${expected(spec.type)}, found ${describeValue(value)}`,
  };
  const rule = spec.rule;
  const breaks = (v: string, key: string): Checked | undefined =>
    rule && !rule.ok(v)
      ? {
        ok: false,
        problem: `key "${key}": expected ${rule.expected}, found ${describeValue(v)}`,
      }
      : undefined;
  switch (spec.type.kind) {
    case "string":
      if (typeof value !== "string") return bad;
      return breaks(value, spec.key) ?? { ok: true, value };
    case "boolean":
      return typeof value === "boolean" ? { ok: true, value } : bad;
    case "enum":
      return typeof value === "string" && spec.type.values.includes(value)
        ? { ok: true, value }
        : bad;
    case "string-list": {
      if (!Array.isArray(value)) return bad;
      const i = value.findIndex((v) => typeof v !== "string");
      if (i >= 0) {
        return {
          ok: false,
          problem: `key "${spec.key}[${i}]": expected a string, found ${describeValue(value[i])}`,
        };
      }
      for (const [j, v] of (value as string[]).entries()) {
        const broken = breaks(v, `${spec.key}[${j}]`);
        if (broken) return broken;
      }
      return { ok: true, value: value as string[] };
    }
  }
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    !(value instanceof Date);
}

/** Validates a parsed TOML document; `shown` names it in messages, quoted. Throws ConfigError. */
export function configFromObject(
  doc: Record<string, unknown>,
  shown: string,
): { config: Config; warnings: string[] } {
  // Every call reads its config: walk the few keys a file sets, not every key of the schema.
  const problems: string[] = [];
  const unknown: string[] = [];
  const values = new Map<string, KeyValue>();
  const walk = (table: Record<string, unknown>, prefix: string): void => {
    for (const [name, value] of Object.entries(table)) {
      const path = prefix ? `${prefix}.${name}` : name;
      const spec = keySpec(path);
      if (spec) {
        const checked = checkValue(spec, value);
        if (checked.ok) values.set(path, checked.value);
        else problems.push(checked.problem);
      } else if (!isTablePath(path)) unknown.push(path);
      else if (isTable(value)) walk(value, path);
      else problems.push(`key "${path}": expected a table, found ${describeValue(value)}`);
    }
  };
  walk(doc, "");
  if (problems.length > 0) {
    throw new ConfigError(`Invalid config ${shown}: ${problems.join("; ")}`);
  }
  const warnings = unknown.map((k) => `Unknown key "${k}" in config ${shown} is ignored`);
  return { config: buildConfig((spec) => values.get(spec.key)), warnings };
}

/**
 * Parses config TOML: by the subset parser when the text is written in its subset (config files
 * are), else by the full parser, loaded only then. Throws ConfigError.
 */
export async function parseConfigText(
  text: string,
  shown: string,
): Promise<Record<string, unknown>> {
  const doc = parseTomlSubset(text);
  if (doc === undefined) return (await import("./toml.ts")).parseToml(text, shown);
  // Deep table headers (`[a.a.a…]`) pass the parser; nothing after it may meet them.
  const depthProblem = nestingProblem(doc);
  if (depthProblem) throw new ConfigError(`Invalid config ${shown}: ${depthProblem}`);
  return doc;
}

/** Loads configuration from TOML text. Throws ConfigError. */
export async function configFromString(
  text: string,
  shown = "<string>",
): Promise<{ config: Config; warnings: string[] }> {
  return configFromObject(await parseConfigText(text, shown), shown);
}

/**
 * The text of the config file at `path`, UTF-8 only. Throws ConfigError naming the file, whose
 * cause is what the read threw (Deno.errors.NotFound for a missing file).
 */
export function readConfigText(path: string): string {
  try {
    return readUtf8File(path, MAX_CONFIG_BYTES);
  } catch (e) {
    // Read as U+FFFD, a byte in a string would become another value, and `config set` would
    // write it back changed.
    if (e instanceof Utf8Error) {
      throw new ConfigError(`Invalid config "${path}": ${e.message}`, { cause: e });
    }
    throw new ConfigError(`Cannot read config "${path}": ${errorMessage(e)}`, { cause: e });
  }
}

/**
 * Loads the config file at `path` (or the default location). A missing file at the default
 * location means defaults; a file named explicitly must exist. A file that others than root may
 * write means defaults and a warning: it decides what runs as root. Throws ConfigError.
 */
export async function loadConfig(options: {
  path?: string | undefined;
  env?: (name: string) => string | undefined;
}): Promise<LoadedConfig> {
  const env = options.env ?? ((n: string) => Deno.env.get(n));
  const path = options.path || defaultConfigPath(env);
  const shown = `"${path}"`;
  // Looked at before reading (a FIFO there would block every call) and again after, which finds a
  // file others made or replaced in between theirs, or gone.
  const before = distrust("config", path);
  if (before) {
    return { config: defaultConfig(), path, exists: true, trusted: false, warnings: [before] };
  }
  let text: string;
  try {
    text = readConfigText(path);
  } catch (e) {
    if (e instanceof ConfigError && e.cause instanceof Deno.errors.NotFound && !options.path) {
      return { config: defaultConfig(), path, exists: false, trusted: true, warnings: [] };
    }
    throw e;
  }
  const untrusted = distrust("config", path, undefined, true);
  if (untrusted) {
    return { config: defaultConfig(), path, exists: true, trusted: false, warnings: [untrusted] };
  }
  const { config, warnings } = await configFromString(text, shown);
  return { config, path, exists: true, trusted: true, warnings };
}
