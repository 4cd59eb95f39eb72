/**
 * The full TOML parser (smol-toml), for files outside the subset toml_subset.ts reads: engine
 * configs, and config files written with TOML's rarer forms.
 * @module
 */

import { parse, TomlError } from "smol-toml";
import { ConfigError } from "./load.ts";
import { errorMessage } from "../internal/errors.ts";

/** Parses TOML text (big integers exact); `source` names it in messages. Throws ConfigError. */
export function parseToml(text: string, source: string): Record<string, unknown> {
  try {
    return parse(text, { integersAsBigInt: "asNeeded" }) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof TomlError) {
      const reason = e.message.split("\n")[0]!.replace(/^Invalid TOML document: /, "");
      throw new ConfigError(
        `Invalid config ${source}: line ${e.line}, column ${e.column}: ${reason}`,
        { cause: e },
      );
    }
    throw new ConfigError(`Invalid config ${source}: ${errorMessage(e)}`, { cause: e });
  }
}
