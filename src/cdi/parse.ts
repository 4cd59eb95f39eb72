/**
 * Reading CDI spec files (JSON or YAML) and checking them.
 * @module
 */

import type { CdiSpec } from "./spec.ts";
import { loadYaml } from "./yaml.ts";
import { parseYamlSubset } from "./yaml_subset.ts";
import { validateSpec } from "./validate.ts";
import { errorMessage } from "../internal/errors.ts";

/** A spec file as read: its content when valid, else its problems (each `file: field: msg`). */
export type LoadedSpec =
  | { readonly ok: true; readonly file: string; readonly spec: CdiSpec }
  | { readonly ok: false; readonly file: string; readonly problems: readonly string[] };

/**
 * Parses spec `text`: JSON by extension, YAML otherwise, by the fast subset parser when the text
 * is written in its subset (specs are), else by the full YAML library, loaded only then.
 */
export async function parseSpecText(text: string, file: string): Promise<unknown> {
  if (file.endsWith(".json")) return JSON.parse(text);
  return parseYamlSubset(text) ?? (await loadYaml()).parse(text);
}

/** Reads (unless its `text` is given) and validates the spec at `file`. */
export async function loadSpecFile(file: string, text?: string): Promise<LoadedSpec> {
  let doc: unknown;
  try {
    doc = await parseSpecText(text ?? Deno.readTextFileSync(file), file);
  } catch (e) {
    return {
      ok: false,
      file,
      problems: [`${file}: cannot parse: ${errorMessage(e).split("\n")[0]}`],
    };
  }
  const problems = validateSpec(doc);
  if (problems.length > 0) {
    return {
      ok: false,
      file,
      problems: problems.map((p) => `${file}: ${p}`),
    };
  }
  return { ok: true, file, spec: doc as CdiSpec };
}
