/**
 * A bundle's config.json loaded losslessly and written back atomically, only when changed.
 * @module
 */

import type { Spec } from "./spec.ts";
import { errorMessage } from "../internal/errors.ts";
import { writeFileAtomic } from "../internal/fs.ts";

// ES2025 JSON source access: not yet in TypeScript's lib.
interface JsonWithSource {
  parse(
    text: string,
    reviver: (this: unknown, key: string, value: unknown, context: { source?: string }) => unknown,
  ): unknown;
  rawJSON(text: string): unknown;
}
const JSONS = JSON as unknown as JsonWithSource;

// A number token that a double might not reproduce: a fraction or exponent, 16+ digits, or -0.
// Strings can match too (a false alarm only costs the slower exact parse).
const RISKY_NUMBER = /[:\[,]\s*(?:-0(?![.\deE])|-?\d+(?:[.eE]|\d{15}))/;

/**
 * Parses JSON keeping every number's exact text: one that a double would alter (integers past
 * 2^53, `1.50`, `1e3`) is kept as raw JSON, which `JSON.stringify` writes back byte for byte.
 */
export function parseLossless(text: string): unknown {
  // The reviver costs milliseconds on large specs; most specs hold only small integers.
  if (!RISKY_NUMBER.test(text)) return JSON.parse(text);
  return JSONS.parse(text, (_key, value, context) => {
    if (
      typeof value === "number" && context.source !== undefined && String(value) !== context.source
    ) {
      return JSONS.rawJSON(context.source);
    }
    return value;
  });
}

/** The indentation `text` uses (a tab, some spaces, or none for compact JSON). */
export function detectIndent(text: string): string {
  const m = /\n([ \t]+)"/.exec(text);
  return m ? m[1]! : "";
}

/** A config.json that cannot be used. */
export class SpecError extends Error {
  override name = "SpecError";
}

/** A loaded config.json. */
export class SpecFile {
  /** The file's path. */
  readonly path: string;
  /** The spec; modify it in place, then `flush`. */
  readonly spec: Spec;
  readonly #original: string;
  readonly #indent: string;
  readonly #newline: boolean;

  private constructor(path: string, spec: Spec, text: string) {
    this.path = path;
    this.spec = spec;
    this.#original = text;
    this.#indent = detectIndent(text);
    this.#newline = text.endsWith("\n");
  }

  /** Loads `path`. Throws SpecError naming the file and the problem. */
  static load(path: string): SpecFile {
    let text: string;
    try {
      text = Deno.readTextFileSync(path);
    } catch (e) {
      throw new SpecError(`Cannot load OCI spec "${path}": ${errorMessage(e)}`, { cause: e });
    }
    let value: unknown;
    try {
      value = parseLossless(text);
    } catch (e) {
      const reason = text.trim() === "" ? "the file is empty" : `invalid JSON: ${errorMessage(e)}`;
      throw new SpecError(`Cannot load OCI spec "${path}": ${reason}`, { cause: e });
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      const found = Array.isArray(value)
        ? "an array"
        : value === null
        ? "null"
        : `a ${typeof value}`;
      throw new SpecError(`Cannot load OCI spec "${path}": expected a JSON object, found ${found}`);
    }
    return new SpecFile(path, value as Spec, text);
  }

  #serialize(): string {
    return JSON.stringify(this.spec, null, this.#indent) + (this.#newline ? "\n" : "");
  }

  /** True when writing the spec now would change the file's text. */
  changed(): boolean {
    return this.#serialize() !== this.#original;
  }

  /**
   * Writes the spec back unless that leaves the text as it was (temp file in the bundle, fsync,
   * rename, mode kept). Returns whether it wrote. On failure the original file is untouched.
   */
  flush(): boolean {
    const text = this.#serialize();
    if (text === this.#original) return false;
    writeFileAtomic(this.path, text);
    return true;
  }
}
