/**
 * The allocation state file: which containers hold which devices, and how to tell that each
 * container still lives. Parsed as hostile input (another program, a disk error or a person
 * may have written it): every field is checked and a problem names the file and the field.
 * @module
 */

import { ENVIRONMENT_ID_RULE, type Holding, isEnvironmentId, OWN_ENVIRONMENT } from "./model.ts";
import { jsonSyntaxMessage } from "../internal/json_syntax.ts";
import { nestingProblem } from "../internal/nesting.ts";
import { MAX_SIZE } from "../internal/size.ts";
import { MAX_INDEX } from "../internal/xpu_index.ts";

/** The format version this code writes and reads. */
export const STATE_VERSION = 1;

/** A process, named so that a reused pid is not taken for it: pid and start time (clock ticks after boot). */
export interface ProcessId {
  readonly pid: number;
  readonly start: string;
}

/** A holding as recorded, with what tells whether its container lives. */
export interface Entry extends Holding {
  /** The process that creates the container (the shim, then the runtime it execs). */
  readonly creator: ProcessId;
  /** The low-level runtime's state directory (its `--root`), where the container's state is. */
  readonly runtimeRoot: string;
}

/** The state file's content. */
export interface State {
  /** The boot the entries belong to (/proc/sys/kernel/random/boot_id). */
  readonly boot: string;
  readonly entries: readonly Entry[];
}

/** A state file that cannot be used. */
export class StateFileError extends Error {
  override name = "StateFileError";
}

/** The error for the state file `file` that cannot be used because of `why`. */
export function stateProblem(file: string, why: string, cause?: unknown): StateFileError {
  return new StateFileError(
    `Cannot use the allocation state "${file}": ${why}; remove the file to start afresh ` +
      "(every allocation is forgotten)",
    { cause },
  );
}

/** A field that is not what it must be: where it is and why. */
class FieldError {
  constructor(readonly why: string) {}
}

// A detail: the message it goes into starts with the file's name (stateProblem).
const wrong = (why: string) => new FieldError(why);

/** The most entries a state file may hold: far more containers than one host runs. */
export const MAX_ENTRIES = 65536;

const MAX_DEVICES = 4096;
const MAX_ID = 1024;

/** runc's rule for container ids, without the names that are not directories of their own. */
export function isContainerId(id: string): boolean {
  return id.length <= MAX_ID && /^[\w+.-]+$/.test(id) && id !== "." && id !== "..";
}

type Fields = Record<string, unknown>;

function field<T>(
  where: string,
  value: unknown,
  what: string,
  ok: (v: unknown) => v is T,
): T {
  if (!ok(value)) throw wrong(`${where}: expected ${what}, found ${describe(value)}`);
  return value;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `a string`;
  if (typeof value === "object") return "an object";
  if (value === undefined) return "nothing";
  return `a ${typeof value}`;
}

const isString = (v: unknown): v is string => typeof v === "string";
const isObject = (v: unknown): v is Fields =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function entryOf(value: unknown, where: string): Entry {
  const e = field(where, value, "an object", isObject);
  const at = (key: string) => `${where}.${key}`;
  const container = field(
    at("container"),
    e.container,
    "a container id",
    (v): v is string => isString(v) && isContainerId(v),
  );
  const environment = field(
    at("environment"),
    e.environment,
    `an environment id (${ENVIRONMENT_ID_RULE}) or "${OWN_ENVIRONMENT}" and a container id`,
    (v): v is string =>
      isString(v) &&
      (isEnvironmentId(v) ||
        (v.startsWith(OWN_ENVIRONMENT) && isContainerId(v.slice(OWN_ENVIRONMENT.length)))),
  );
  const devices = field(
    at("devices"),
    e.devices,
    `an ascending array of device indices (0 to ${MAX_INDEX})`,
    (v): v is number[] =>
      Array.isArray(v) && v.length <= MAX_DEVICES &&
      v.every((n, i) =>
        Number.isInteger(n) && n >= 0 && n <= MAX_INDEX && (i === 0 || n > (v[i - 1] as number))
      ),
  );
  const memory = field(
    at("memory"),
    e.memory,
    "null or a size in bytes as a string of digits",
    (v): v is string | null =>
      v === null || (isString(v) && /^[1-9]\d{0,18}$/.test(v) && BigInt(v) <= MAX_SIZE),
  );
  const explicit = field(
    at("explicit"),
    e.explicit,
    "true or false",
    (v): v is boolean => typeof v === "boolean",
  );
  const since = field(
    at("since"),
    e.since,
    "a time (ISO 8601)",
    (v): v is string => isString(v) && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/.test(v),
  );
  const creator = field(at("creator"), e.creator, "an object", isObject);
  const pid = field(
    at("creator.pid"),
    creator.pid,
    "a process id",
    (v): v is number => Number.isInteger(v) && (v as number) > 0 && (v as number) < 2 ** 31,
  );
  const start = field(
    at("creator.start"),
    creator.start,
    "a start time as a string of digits",
    (v): v is string => isString(v) && /^\d{1,20}$/.test(v),
  );
  const runtimeRoot = field(
    at("runtimeRoot"),
    e.runtimeRoot,
    "an absolute path",
    (v): v is string => isString(v) && v.startsWith("/") && v.length <= 4096 && !v.includes("\0"),
  );
  return {
    container,
    environment,
    devices,
    memory: memory === null ? undefined : BigInt(memory),
    explicit,
    since,
    creator: { pid, start },
    runtimeRoot,
  };
}

/** Parses the text of the state file `file`. Throws StateFileError naming the file and the field. */
export function parseState(text: string, file: string): State {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw stateProblem(file, `invalid JSON: ${jsonSyntaxMessage(text, e)}`, e);
  }
  const nesting = nestingProblem(value);
  if (nesting) throw stateProblem(file, nesting);
  try {
    return stateOf(value);
  } catch (e) {
    if (e instanceof FieldError) throw stateProblem(file, e.why);
    throw e;
  }
}

function stateOf(value: unknown): State {
  const doc = field("the document", value, "an object", isObject);
  if (doc.version !== STATE_VERSION) {
    const found = typeof doc.version === "number" ? doc.version : describe(doc.version);
    throw wrong(`version: expected ${STATE_VERSION}, found ${found}`);
  }
  const boot = field(
    "boot",
    doc.boot,
    "a boot id",
    (v): v is string => isString(v) && /^[0-9a-f-]{1,64}$/.test(v),
  );
  const list = field(
    "entries",
    doc.entries,
    `an array of at most ${MAX_ENTRIES} entries`,
    (v): v is unknown[] => Array.isArray(v) && v.length <= MAX_ENTRIES,
  );
  const entries = list.map((e, i) => entryOf(e, `entries[${i}]`));
  const seen = new Set<string>();
  for (const [i, e] of entries.entries()) {
    if (seen.has(e.container)) {
      throw wrong(`entries[${i}].container: "${e.container}" is listed twice`);
    }
    seen.add(e.container);
  }
  return { boot, entries };
}

/** `e` as a line of the state file. */
function entryLine(e: Entry): string {
  return JSON.stringify({
    container: e.container,
    environment: e.environment,
    devices: e.devices,
    memory: e.memory === undefined ? null : String(e.memory),
    explicit: e.explicit,
    since: e.since,
    creator: e.creator,
    runtimeRoot: e.runtimeRoot,
  });
}

/**
 * What would make the state file refuse `e` once written (`field: why`), or undefined: a file
 * the next load refuses would stop every allocation until an operator removes it.
 */
export function entryProblem(e: Entry): string | undefined {
  try {
    entryOf(JSON.parse(entryLine(e)), "entry");
    return undefined;
  } catch (err) {
    if (err instanceof FieldError) return err.why.replace(/^entry\./, "");
    throw err;
  }
}

/** The state file's text for `state`: entries sorted by container id, one per line. */
export function formatState(state: State): string {
  const entries = [...state.entries].sort((a, b) =>
    a.container < b.container ? -1 : a.container > b.container ? 1 : 0
  ).map(entryLine);
  const body = entries.length === 0 ? "[]" : `[\n    ${entries.join(",\n    ")}\n  ]`;
  return `{\n  "version": ${STATE_VERSION},\n  "boot": ${
    JSON.stringify(state.boot)
  },\n  "entries": ${body}\n}\n`;
}
