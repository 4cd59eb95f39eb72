/**
 * The shape of a loaded OCI spec: every field spec.ts declares must have the type it declares, so
 * no code after loading meets `process.env` as an object or a hook's path as a number. Fields
 * spec.ts does not declare are the engine's and runc's business: never looked at here.
 * @module
 */

/** What is wrong, and where: `at` lists the keys from the field outwards (built on the way out). */
interface Problem {
  readonly at: (string | number)[];
  readonly expected: string;
  readonly found: unknown;
}

// A field's path is built only for the field that is wrong: specs hold thousands of env entries.
type Check = (value: unknown) => Problem | undefined;

interface RawJson {
  readonly rawJSON: string;
}

// ES2025 JSON source access (numbers parseLossless keeps as their text): not yet in TypeScript.
const isRawJson = (JSON as unknown as { isRawJSON(v: unknown): v is RawJson }).isRawJSON;

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number" || isRawJson(value)) return "a number";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    !isRawJson(value);
}

function isInteger(value: unknown): boolean {
  if (typeof value === "number") return Number.isInteger(value);
  // Integers past 2^53 stay raw text; a raw fraction or exponent is not an integer to runc.
  return isRawJson(value) && /^-?[0-9]+$/.test(value.rawJSON);
}

function problem(expected: string, found: unknown): Problem {
  return { at: [], expected, found };
}

function scalar(expected: string, ok: (value: unknown) => boolean): Check {
  return (value) => ok(value) ? undefined : problem(expected, value);
}

const string = scalar("a string", (v) => typeof v === "string");
const boolean = scalar("a boolean", (v) => typeof v === "boolean");
const integer = scalar("an integer", isInteger);

function listOf(item: Check): Check {
  return (value) => {
    if (!Array.isArray(value)) return problem("an array", value);
    for (let i = 0; i < value.length; i++) {
      const found = item(value[i]);
      if (found) {
        found.at.push(i);
        return found;
      }
    }
    return undefined;
  };
}

function objectOf(
  fields: Readonly<Record<string, Check>>,
  required: readonly string[] = [],
): Check {
  const keys = Object.keys(fields);
  const checks = keys.map((k) => fields[k]!);
  return (value) => {
    if (!isObject(value)) return problem("an object", value);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const inner = value[key];
      if (inner === undefined && !Object.hasOwn(value, key) && !required.includes(key)) continue;
      const found = checks[i]!(inner);
      if (found) {
        found.at.push(key);
        return found;
      }
    }
    return undefined;
  };
}

function mapOf(item: Check): Check {
  return (value) => {
    if (!isObject(value)) return problem("an object", value);
    for (const key in value) {
      const found = item(value[key]);
      if (found) {
        found.at.push(JSON.stringify(key));
        return found;
      }
    }
    return undefined;
  };
}

// The longest lists are of strings (process.env): checked in one loop, no call per entry.
const strings: Check = (value) => {
  if (!Array.isArray(value)) return problem("an array", value);
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== "string") {
      const found = problem("a string", value[i]);
      found.at.push(i);
      return found;
    }
  }
  return undefined;
};

const hook = objectOf({ path: string, args: strings, env: strings, timeout: integer }, ["path"]);

const hookList = listOf(hook);

const boundingObject = objectOf({ bounding: strings });

// The old flat list form is still read (isPrivileged), so it is a shape of its own.
const capabilities: Check = (value) => {
  if (Array.isArray(value)) return strings(value);
  if (isObject(value)) return boundingObject(value);
  return problem("an object or an array", value);
};

const spec = objectOf({
  process: objectOf({
    env: strings,
    capabilities,
    user: objectOf({ uid: integer, gid: integer, additionalGids: listOf(integer) }),
  }),
  root: objectOf({ path: string }),
  mounts: listOf(
    objectOf({ destination: string, source: string, type: string, options: strings }, [
      "destination",
    ]),
  ),
  hooks: objectOf({
    prestart: hookList,
    createRuntime: hookList,
    createContainer: hookList,
    startContainer: hookList,
    poststart: hookList,
    poststop: hookList,
  }),
  annotations: mapOf(string),
  linux: objectOf({
    devices: listOf(
      objectOf({
        path: string,
        type: string,
        major: integer,
        minor: integer,
        fileMode: integer,
        uid: integer,
        gid: integer,
      }, ["path"]),
    ),
    resources: objectOf({
      devices: listOf(
        objectOf({ allow: boolean, type: string, major: integer, minor: integer, access: string }),
      ),
    }),
  }),
});

/**
 * The first field of `doc` (a parsed config.json object) whose type is not the one spec.ts
 * declares, as `process.env[3]: expected a string, found a number`; undefined when none.
 */
export function specShapeProblem(doc: Record<string, unknown>): string | undefined {
  const found = spec(doc);
  if (!found) return undefined;
  const field = found.at.reverse().map((k, i) =>
    typeof k === "number" || k.startsWith('"') ? `[${k}]` : i === 0 ? k : `.${k}`
  ).join("");
  return `${field}: expected ${found.expected}, found ${describe(found.found)}`;
}
