/**
 * A bundle's config.json loaded losslessly and written back atomically, only when changed.
 * @module
 */

import type { Spec } from "./spec.ts";
import { specShapeProblem } from "./spec_shape.ts";
import { errorMessage } from "../internal/errors.ts";
import { jsonSyntaxMessage } from "../internal/json_syntax.ts";
import { writeFileAtomic } from "../internal/fs.ts";
import { isStackOverflow, NestingError, nestingProblem, TOO_DEEP } from "../internal/nesting.ts";
import { decodeLenient, invalidUtf8Offset, Utf8Error } from "../internal/utf8.ts";
import { readRegularFile } from "../internal/read_file.ts";

/** The largest config.json read; runc sets no limit, but a bigger one is surely not a spec. */
const MAX_SPEC_BYTES = 64 * 1024 * 1024;

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

function parseKeepingNumbers(text: string): unknown {
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

/**
 * Parses JSON keeping every number's exact text: one that a double would alter (integers past
 * 2^53, `1.50`, `1e3`) is kept as raw JSON, which `JSON.stringify` writes back byte for byte.
 * Throws SyntaxError for invalid JSON and NestingError past MAX_NESTING levels.
 */
export function parseLossless(text: string): unknown {
  let value: unknown;
  try {
    value = parseKeepingNumbers(text);
  } catch (e) {
    // The reviver recurses: only a document far deeper than the limit gets here.
    if (isStackOverflow(e)) throw new NestingError(TOO_DEEP, { cause: e });
    throw e;
  }
  const problem = nestingProblem(value);
  if (problem) throw new NestingError(problem);
  return value;
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
  /** Where the file's first byte that is not UTF-8 is, or undefined when it is all UTF-8. */
  readonly #badByte: Utf8Error | undefined;

  private constructor(path: string, spec: Spec, text: string, badByte: Utf8Error | undefined) {
    this.path = path;
    this.spec = spec;
    this.#original = text;
    this.#indent = detectIndent(text);
    this.#newline = text.endsWith("\n");
    this.#badByte = badByte;
  }

  /**
   * Loads `path`, checking the shape of every field the toolkit uses (spec_shape.ts). Throws
   * SpecError naming the file and the problem.
   */
  static load(path: string): SpecFile {
    let bytes: Uint8Array;
    try {
      bytes = readRegularFile(path, MAX_SPEC_BYTES);
    } catch (e) {
      throw new SpecError(`Cannot load OCI spec "${path}": ${errorMessage(e)}`, { cause: e });
    }
    // Bytes that are not UTF-8 are read as runc reads them (U+FFFD), and the file is refused
    // only if it has to be rewritten (flush): a spec the shim leaves alone stays byte-exact.
    const text = decodeLenient(bytes);
    // Only a text with U+FFFD can hide bad bytes: the exact search runs for those alone.
    const bad = text.includes("\uFFFD") ? invalidUtf8Offset(bytes) : -1;
    let value: unknown;
    try {
      value = parseLossless(text);
    } catch (e) {
      if (e instanceof NestingError) {
        throw new SpecError(`Invalid OCI spec "${path}": ${e.message}`, { cause: e });
      }
      const reason = text.trim() === ""
        ? "the file is empty"
        : `invalid JSON: ${jsonSyntaxMessage(text, e)}`;
      throw new SpecError(`Cannot load OCI spec "${path}": ${reason}`, { cause: e });
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      const foundKind = Array.isArray(value)
        ? "an array"
        : value === null
        ? "null"
        : `a ${typeof value}`;
      throw new SpecError(
        `Cannot load OCI spec "${path}": expected a JSON object, found ${foundKind}`,
      );
    }
    const shapeProblem = specShapeProblem(value as Record<string, unknown>);
    if (shapeProblem) throw new SpecError(`Invalid OCI spec "${path}": ${shapeProblem}`);
    const badByte = bad < 0 ? undefined : new Utf8Error(bad, bytes[bad] ?? 0);
    return new SpecFile(path, value as Spec, text, badByte);
  }

  #serialize(): string {
    return JSON.stringify(this.spec, null, this.#indent) + (this.#newline ? "\n" : "");
  }

  /**
   * Writes the spec back unless that leaves the text as it was (temp file in the bundle, fsync,
   * rename, mode kept). Returns whether it wrote. On failure the original file is untouched.
   */
  flush(): boolean {
    const text = this.#serialize();
    if (text === this.#original) return false;
    if (this.#badByte) {
      throw new SpecError(
        `Invalid OCI spec "${this.path}": ${this.#badByte.message}; ` +
          "rewriting it would replace those bytes, so it was left unchanged",
      );
    }
    writeFileAtomic(this.path, text);
    return true;
  }
}
