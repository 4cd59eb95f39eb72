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
import { jsonSyntaxMessage } from "../internal/json_syntax.ts";
import { NestingError } from "../internal/nesting.ts";

/** Docker's default config file. */
export const DOCKER_CONFIG = "/etc/docker/daemon.json";

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

type Action = "configure" | "unconfigure";

function refuse(action: Action, path: string, why: string): Error {
  // deno-lint-ignore xpu-messages/values-quoted -- the command's verb
  return new Error(`Cannot ${action} Docker: "${path}" ${why}; it was left unchanged`);
}

/** Why `text` is not JSON, on one line: where, and what is wrong there. */
function load(path: string, action: Action): { doc: Json; text: string | undefined } {
  const text = readIfExists(path);
  // JSON has no byte-order mark, and one would be invisible in a message.
  if (text?.startsWith("\ufeff")) {
    throw refuse(action, path, "starts with a byte-order mark (U+FEFF), which JSON does not allow");
  }
  if (text === undefined || text.trim() === "") return { doc: {}, text };
  let doc: unknown;
  try {
    doc = parseLossless(text);
  } catch (e) {
    throw refuse(
      action,
      path,
      e instanceof NestingError
        ? `is ${e.message}`
        : `is not valid JSON (${jsonSyntaxMessage(text, e)})`,
    );
  }
  if (!isObject(doc)) throw refuse(action, path, "is not a JSON object");
  return { doc, text };
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
  const { doc, text } = load(o.config, "configure");
  // dockerd reads a null "runtimes" as none; unconfigure puts the null back.
  const runtimes = (doc.runtimes ??= {}) as Json;
  if (!isObject(runtimes)) {
    throw new Error(
      `Cannot configure Docker: "runtimes" in "${o.config}" is not an object; it was left unchanged`,
    );
  }
  runtimes[o.runtimeName] = { path: o.runtimePath, runtimeArgs: [] };
  if (o.setAsDefault) doc["default-runtime"] = o.runtimeName;
  return { changes: writeIfChanged(o.config, render(doc, text)), notes: [RESTART] };
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
 * the original's exact bytes, or no file when there was none. Without the runtime (or it as the
 * default) there is nothing of ours in the file, and it is left alone.
 */
export function unconfigureDocker(o: EngineOptions): Plan {
  const { doc, text } = load(o.config, "unconfigure");
  const runtimes = doc.runtimes;
  const ours = isObject(runtimes) && Object.hasOwn(runtimes, o.runtimeName);
  if (text === undefined || (!ours && doc["default-runtime"] !== o.runtimeName)) {
    return { changes: [], notes: [] };
  }
  const original = originalOf(o.config);
  const before = originalDoc(original) ?? {};
  if (ours) {
    const previous = isObject(before.runtimes) ? before.runtimes[o.runtimeName] : undefined;
    if (previous !== undefined) runtimes[o.runtimeName] = previous;
    else delete runtimes[o.runtimeName];
    if (Object.keys(runtimes).length === 0 && !isObject(before.runtimes)) {
      // Back to what the original had there: nothing, or a null.
      if (before.runtimes === undefined) delete doc.runtimes;
      else doc.runtimes = before.runtimes;
    }
  }
  if (doc["default-runtime"] === o.runtimeName) {
    if (before["default-runtime"] !== undefined) doc["default-runtime"] = before["default-runtime"];
    else delete doc["default-runtime"];
  }
  const notes = [RESTART];
  // Unconfigure writes without a backup: one now would record an edited file as the original.
  if (original !== undefined && JSON.stringify(doc) === JSON.stringify(before)) {
    return original.existed
      ? { changes: writeIfChanged(o.config, original.text, false), notes }
      : { changes: [{ kind: "remove", path: o.config }], notes };
  }
  return { changes: writeIfChanged(o.config, render(doc, text), false), notes };
}
