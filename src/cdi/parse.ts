/**
 * Reading CDI spec files (JSON or YAML) and checking them.
 * @module
 */

import { type CdiSpec, MAX_SPEC_BYTES } from "./spec.ts";
import { loadYaml, parseYaml } from "./yaml.ts";
import { jsonSyntaxMessage } from "../internal/json_syntax.ts";
import { parseYamlSubset } from "./yaml_subset.ts";
import { validateSpec } from "./validate.ts";
import { errorMessage } from "../internal/errors.ts";
import { isStackOverflow, NestingError, nestingProblem, TOO_DEEP } from "../internal/nesting.ts";
import { decodeUtf8, Utf8Error } from "../internal/utf8.ts";
import { readRegularFile } from "../internal/read_file.ts";

/**
 * A spec file as read: its content when valid, else its problems (each `file: field: msg`) and,
 * when it parsed, the kind and device names it declares (a requested one makes it an error).
 */
export type LoadedSpec =
  | { readonly ok: true; readonly file: string; readonly spec: CdiSpec }
  | {
    readonly ok: false;
    readonly file: string;
    readonly problems: readonly string[];
    readonly kind?: string;
    readonly names?: readonly string[];
  };

/**
 * Parses spec `text`: JSON by extension, YAML otherwise, by the fast subset parser when the text
 * is written in its subset (specs are), else by the full YAML library, loaded only then. YAML
 * aliases are expanded (the library's limit of 100 applies), so the document may contain itself
 * or nest deeper than MAX_NESTING: check it with nestingProblem before using it. Throws the
 * parsers' errors, and NestingError for a document too deep for them.
 */
export async function parseSpecText(text: string, file: string): Promise<unknown> {
  try {
    if (file.endsWith(".json")) {
      try {
        return JSON.parse(text);
      } catch (e) {
        if (isStackOverflow(e)) throw e;
        throw new SyntaxError(jsonSyntaxMessage(text, e));
      }
    }
    return parseYamlSubset(text) ?? parseYaml(await loadYaml(), text);
  } catch (e) {
    // The YAML library reports its own stack overflow so (only far past the limit).
    const code = (e as { code?: unknown } | undefined)?.code;
    if (isStackOverflow(e) || code === "RESOURCE_EXHAUSTION") {
      throw new NestingError(TOO_DEEP, { cause: e });
    }
    throw e;
  }
}

/** The kind and device names `doc` declares, as far as it has them. */
function declared(doc: unknown): { kind?: string; names?: string[] } {
  if (typeof doc !== "object" || doc === null) return {};
  const { kind, devices } = doc as Record<string, unknown>;
  const names = Array.isArray(devices)
    ? devices.flatMap((d) => {
      const name = (d as Record<string, unknown> | null)?.name;
      return typeof name === "string" ? [name] : [];
    })
    : undefined;
  return {
    ...(typeof kind === "string" ? { kind } : {}),
    ...(names ? { names } : {}),
  };
}

/** Reads (unless its `bytes` are given) and validates the spec at `file`. */
export async function loadSpecFile(file: string, bytes?: Uint8Array): Promise<LoadedSpec> {
  const failed = (reason: string): LoadedSpec => ({
    ok: false,
    file,
    problems: [`${file}: ${reason}`],
  });
  let content: Uint8Array;
  try {
    content = bytes ?? readRegularFile(file, MAX_SPEC_BYTES);
  } catch (e) {
    return failed(`cannot read: ${errorMessage(e)}`);
  }
  let doc: unknown;
  try {
    // Bytes that are not UTF-8 would reach mounts and hooks as U+FFFD: the file is refused.
    doc = await parseSpecText(decodeUtf8(content), file);
  } catch (e) {
    if (e instanceof Utf8Error || e instanceof NestingError) return failed(e.message);
    return failed(`cannot parse: ${errorMessage(e).split("\n")[0]}`);
  }
  // What it declares is read from the top level only, which any parsed document has.
  const nesting = nestingProblem(doc);
  if (nesting) return { ...failed(nesting), ...declared(doc) };
  const problems = validateSpec(doc);
  if (problems.length > 0) {
    return { ok: false, file, problems: problems.map((p) => `${file}: ${p}`), ...declared(doc) };
  }
  return { ok: true, file, spec: doc as CdiSpec };
}
