/**
 * Docker: the runtime in daemon.json's `runtimes`, every other key kept in its place.
 * @module
 */

import {
  type EngineOptions,
  type Original,
  originalOf,
  type Plan,
  readIfExists,
  writeIfChanged,
} from "./engine.ts";
import { detectIndent, parseLossless } from "../oci/spec_file.ts";
import { errorMessage } from "../internal/errors.ts";
import { NestingError } from "../internal/nesting.ts";

/** Docker's default config file. */
export const DOCKER_CONFIG = "/etc/docker/daemon.json";

type Json = Record<string, unknown>;

function load(path: string): { doc: Json; text: string | undefined } {
  const text = readIfExists(path);
  if (text === undefined || text.trim() === "") return { doc: {}, text };
  let doc: unknown;
  try {
    doc = parseLossless(text);
  } catch (e) {
    const why = e instanceof NestingError
      ? `is ${e.message}`
      : `is not valid JSON (${errorMessage(e)})`;
    throw new Error(`Cannot configure Docker: "${path}" ${why}; it was left unchanged`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new Error(
      `Cannot configure Docker: "${path}" is not a JSON object; it was left unchanged`,
    );
  }
  return { doc: doc as Json, text };
}

/** `doc` in the style of `original`: compact stays compact, else its indent (4 for new files). */
function render(doc: Json, original: string | undefined): string {
  const blank = original === undefined || original.trim() === "";
  const indent = blank
    ? "    "
    : !original.trim().includes("\n")
    ? ""
    : detectIndent(original) || "    ";
  const newline = blank || original.endsWith("\n") ? "\n" : "";
  return `${JSON.stringify(doc, null, indent)}${newline}`;
}

const RESTART = "Restart Docker to use it: systemctl restart docker";

/** Adds (or updates) the runtime, and `default-runtime` with setAsDefault. */
export function configureDocker(o: EngineOptions): Plan {
  const { doc, text } = load(o.config);
  const runtimes = (doc.runtimes ??= {}) as Json;
  if (typeof runtimes !== "object" || Array.isArray(runtimes)) {
    throw new Error(`Cannot configure Docker: "runtimes" in "${o.config}" is not an object`);
  }
  runtimes[o.runtimeName] = { path: o.runtimePath, runtimeArgs: [] };
  if (o.setAsDefault) doc["default-runtime"] = o.runtimeName;
  return { changes: writeIfChanged(o.config, render(doc, text)), notes: [RESTART] };
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The original's document; empty when it did not exist, undefined when unknown or unreadable. */
function originalDoc(original: Original | undefined): Json | undefined {
  if (original === undefined) return undefined;
  if (!original.existed || original.text.trim() === "") return {};
  try {
    const doc = parseLossless(original.text);
    return isObject(doc) ? doc : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Removes the runtime, and puts back what configure replaced as the original file had it (its
 * `runtimes` entry of that name, `default-runtime`). When nothing else changed since, that is
 * the original's exact bytes, or no file when there was none.
 */
export function unconfigureDocker(o: EngineOptions): Plan {
  const { doc, text } = load(o.config);
  if (text === undefined) return { changes: [], notes: [] };
  const original = originalOf(o.config);
  const before = originalDoc(original) ?? {};
  const runtimes = doc.runtimes;
  if (isObject(runtimes)) {
    const previous = isObject(before.runtimes) ? before.runtimes[o.runtimeName] : undefined;
    if (previous !== undefined) runtimes[o.runtimeName] = previous;
    else delete runtimes[o.runtimeName];
    if (Object.keys(runtimes).length === 0 && !isObject(before.runtimes)) delete doc.runtimes;
  }
  if (doc["default-runtime"] === o.runtimeName) {
    if (before["default-runtime"] !== undefined) doc["default-runtime"] = before["default-runtime"];
    else delete doc["default-runtime"];
  }
  const notes = [RESTART];
  if (original !== undefined && JSON.stringify(doc) === JSON.stringify(before)) {
    return original.existed
      ? { changes: writeIfChanged(o.config, original.text), notes }
      : { changes: [{ kind: "remove", path: o.config }], notes };
  }
  return { changes: writeIfChanged(o.config, render(doc, text)), notes };
}
