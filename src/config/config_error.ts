/**
 * The error of a configuration that cannot be used. Its own file so toml.ts, which load.ts
 * loads lazily, need not import load.ts back.
 * @module
 */

/** A configuration that cannot be used: names the file and the place of the problem. */
export class ConfigError extends Error {
  override name = "ConfigError";
}
