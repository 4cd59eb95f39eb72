/**
 * The full TOML parser (smol-toml), for files outside the subset toml_subset.ts reads: engine
 * configs, and config files written with TOML's rarer forms.
 * @module
 */

import { parse, TomlError } from "smol-toml";
import { ConfigError } from "./config_error.ts";
import { errorMessage } from "../internal/errors.ts";
import { isStackOverflow, MAX_NESTING, nestingProblem, TOO_DEEP } from "../internal/nesting.ts";

/** Parses TOML text (big integers exact); `shown` names it in messages. Throws ConfigError. */
export function parseToml(text: string, shown: string): Record<string, unknown> {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text, { integersAsBigInt: "asNeeded", maxDepth: MAX_NESTING });
  } catch (e) {
    if (isStackOverflow(e)) throw new ConfigError(`Invalid config ${shown}: ${TOO_DEEP}`);
    if (e instanceof TomlError) {
      let reason = e.message.split("\n")[0]!.replace(/^Invalid TOML document: /, "");
      // smol-toml's own words for its maxDepth, which is MAX_NESTING.
      if (/excessively nested/.test(reason)) reason = TOO_DEEP;
      throw new ConfigError(
        `Invalid config ${shown}: line ${e.line}, column ${e.column}: ${reason}`,
        { cause: e },
      );
    }
    throw new ConfigError(`Invalid config ${shown}: ${errorMessage(e)}`, { cause: e });
  }
  // Deep table headers (`[a.a.a…]`) pass the parser; nothing after it may meet them.
  const depthProblem = nestingProblem(doc);
  if (depthProblem) throw new ConfigError(`Invalid config ${shown}: ${depthProblem}`);
  return doc;
}
