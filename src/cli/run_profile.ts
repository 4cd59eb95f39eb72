/**
 * `xpu-ctk run --profile FILE`: a JSON or TOML file of run options in the form HPC users keep
 * them (`name`, `rootFs`, `nvidiaGpus`, `runtimeArgs`, `isolationOptions`), read into option
 * values that the command line's replace. Every problem names the file and the key.
 * @module
 */

import { type Command, parse } from "./command.ts";
import { ConfigError } from "../config/config_error.ts";
import { parseToml } from "../config/toml.ts";
import { errorMessage } from "../internal/errors.ts";
import { jsonSyntaxMessage } from "../internal/json_syntax.ts";
import { isStackOverflow, nestingProblem, TOO_DEEP } from "../internal/nesting.ts";
import { readUtf8File } from "../internal/utf8.ts";

/** The largest profile read. */
export const MAX_PROFILE_BYTES = 1024 * 1024;

/** Option values as the command's parser gives them. */
export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** A profile that cannot be used; the message names the file (and the key). */
export class ProfileError extends Error {
  override name = "ProfileError";
}

/** A profile read. */
export interface Profile {
  /** Option values by option name, as the command line gives them. */
  readonly values: OptionValues;
  /** The command after `--` in runtimeArgs. */
  readonly positionals: readonly string[];
  /** The profile key each option came from, for messages. */
  readonly keys: ReadonlyMap<string, string>;
}

type Kind = "string" | "number" | "boolean";

/** isolationOptions' keys: the option each sets and the kinds of value it takes. */
const ISOLATION_KEYS: Readonly<Record<string, readonly [string, readonly Kind[]]>> = {
  network: ["network", ["string"]],
  pid: ["pid", ["string"]],
  ipc: ["ipc", ["string"]],
  uts: ["uts", ["string"]],
  hostname: ["hostname", ["string"]],
  user: ["user", ["string", "number"]],
  workdir: ["workdir", ["string"]],
  memory: ["memory", ["string", "number"]],
  cpus: ["cpus", ["string", "number"]],
  pidsLimit: ["pids-limit", ["string", "number"]],
  rootless: ["rootless", ["boolean"]],
  rw: ["rw", ["boolean"]],
};

const TOP_KEYS = ["name", "rootFs", "nvidiaGpus", "runtimeArgs", "isolationOptions"];

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  if (typeof value === "bigint") return "a number";
  if (typeof value === "object") return "a table";
  return `a ${typeof value}`;
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The document in `text`, JSON or TOML by the file's name (else by its first character). */
function parseDocument(path: string, text: string): Record<string, unknown> {
  const json = /\.json$/i.test(path) ||
    (!/\.toml$/i.test(path) && text.trimStart().startsWith("{"));
  if (!json) {
    const shown = `"${path}"`;
    try {
      return parseToml(text, shown);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      const reason = e.message.replace(`Invalid config ${shown}: `, "");
      throw new ProfileError(`Invalid profile "${path}": ${reason}`, { cause: e });
    }
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const reason = isStackOverflow(e)
      ? TOO_DEEP
      : text.trim() === ""
      ? "the file is empty"
      : `invalid JSON: ${jsonSyntaxMessage(text, e)}`;
    throw new ProfileError(`Invalid profile "${path}": ${reason}`, { cause: e });
  }
  const problem = nestingProblem(doc) ??
    (isTable(doc) ? undefined : `expected an object, found ${kindOf(doc)}`);
  if (problem !== undefined) throw new ProfileError(`Invalid profile "${path}": ${problem}`);
  return doc as Record<string, unknown>;
}

/** Reads and checks the profile at `path` for `command` (run); Throws ProfileError. */
export function loadProfile(path: string, command: Command, commandPath: string): Profile {
  let text: string;
  try {
    text = readUtf8File(path, MAX_PROFILE_BYTES);
  } catch (e) {
    throw new ProfileError(`Cannot read profile "${path}": ${errorMessage(e)}`, { cause: e });
  }
  const doc = parseDocument(path, text);
  const bad = (key: string, problem: string) =>
    new ProfileError(`Invalid profile "${path}": key "${key}": ${problem}`);
  const values: OptionValues = {};
  const keys = new Map<string, string>();
  const set = (option: string, key: string, value: string | boolean) => {
    const earlier = keys.get(option);
    if (earlier !== undefined) throw bad(key, `sets --${option}, which "${earlier}" sets too`);
    keys.set(option, key);
    values[option] = value;
  };
  const text1 = (key: string, value: unknown, kinds: readonly Kind[]): string | boolean => {
    const kind = typeof value === "bigint" ? "number" : typeof value;
    if (!(kinds as readonly string[]).includes(kind)) {
      throw bad(key, `expected ${kinds.map((k) => `a ${k}`).join(" or ")}, found ${kindOf(value)}`);
    }
    return typeof value === "boolean" ? value : String(value);
  };
  for (const key of Object.keys(doc)) {
    if (!TOP_KEYS.includes(key)) throw bad(key, `unknown key; known: ${TOP_KEYS.join(", ")}`);
  }
  let positionals: string[] = [];
  const args = doc.runtimeArgs;
  if (args !== undefined) {
    if (!Array.isArray(args) || args.some((a) => typeof a !== "string")) {
      throw bad("runtimeArgs", `expected a list of strings, found ${kindOf(args)}`);
    }
    let parsed;
    try {
      parsed = parse(command, commandPath, args as string[]);
    } catch (e) {
      throw bad("runtimeArgs", errorMessage(e));
    }
    for (const option of ["profile", "config", "help"]) {
      if (parsed.values[option] !== undefined) throw bad("runtimeArgs", `--${option} is not taken`);
    }
    for (const [option, value] of Object.entries(parsed.values)) {
      keys.set(option, "runtimeArgs");
      values[option] = value;
    }
    positionals = parsed.positionals;
  }
  if (doc.name !== undefined) set("name", "name", text1("name", doc.name, ["string"]));
  if (doc.rootFs !== undefined) {
    const rootfs = text1("rootFs", doc.rootFs, ["string"]) as string;
    if (rootfs === "") throw bad("rootFs", "expected a directory, found an empty string");
    const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/") + 1) : "";
    set("rootfs", "rootFs", rootfs.startsWith("/") ? rootfs : `${dir}${rootfs}`);
  }
  if (doc.nvidiaGpus !== undefined) set("xpus", "nvidiaGpus", xpuList(doc.nvidiaGpus, bad));
  const iso = doc.isolationOptions;
  if (iso !== undefined) {
    if (!isTable(iso)) throw bad("isolationOptions", `expected a table, found ${kindOf(iso)}`);
    for (const [key, value] of Object.entries(iso)) {
      const where = `isolationOptions.${key}`;
      const known = Object.hasOwn(ISOLATION_KEYS, key) ? ISOLATION_KEYS[key] : undefined;
      if (known === undefined) {
        throw bad(where, `unknown key; known: ${Object.keys(ISOLATION_KEYS).join(", ")}`);
      }
      set(known[0], where, text1(where, value, known[1]));
    }
  }
  return { values, positionals, keys };
}

/** nvidiaGpus as --xpus: a list of indices or ids (empty: none), or the list as one string. */
function xpuList(value: unknown, bad: (key: string, problem: string) => ProfileError): string {
  if (typeof value === "string") return value;
  const items = Array.isArray(value) ? value : [];
  const ok = Array.isArray(value) &&
    items.every((v) =>
      typeof v === "string" || typeof v === "bigint" ||
      (typeof v === "number" && Number.isInteger(v) && v >= 0)
    );
  if (!ok) {
    throw bad(
      "nvidiaGpus",
      `expected a list of device indices or ids, or a string such as "0,1" or "all", found ${
        kindOf(value)
      }`,
    );
  }
  return items.length === 0 ? "void" : items.map(String).join(",");
}

/**
 * `message` (a usage error) with the profile key it is about, when it names an option that
 * came from the profile and not from the command line (`given`).
 */
export function blame(
  profile: Profile,
  path: string,
  message: string,
  given: OptionValues,
): string {
  for (const m of message.matchAll(/--([a-z][a-z-]*)/g)) {
    const key = profile.keys.get(m[1]!);
    if (key !== undefined && given[m[1]!] === undefined) {
      return `Invalid profile "${path}": key "${key}": ${message}`;
    }
  }
  return message;
}
