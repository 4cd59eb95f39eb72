/**
 * Docker: the runtime in daemon.json's `runtimes`, every other key kept in its place.
 * @module
 */

import { type EngineOptions, type Plan, readIfExists, writeIfChanged } from "./engine.ts";
import { detectIndent, parseLossless } from "../oci/spec_file.ts";
import { errorMessage } from "../internal/errors.ts";

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
    throw new Error(
      `Cannot configure Docker: "${path}" is not valid JSON (${
        errorMessage(e)
      }); it was left unchanged`,
    );
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

/** Removes the runtime (and `default-runtime` when it names it). */
export function unconfigureDocker(o: EngineOptions): Plan {
  const { doc, text } = load(o.config);
  if (text === undefined) return { changes: [], notes: [] };
  const runtimes = doc.runtimes as Json | undefined;
  if (runtimes && typeof runtimes === "object") {
    delete runtimes[o.runtimeName];
    if (Object.keys(runtimes).length === 0) delete doc.runtimes;
  }
  if (doc["default-runtime"] === o.runtimeName) delete doc["default-runtime"];
  return { changes: writeIfChanged(o.config, render(doc, text)), notes: [RESTART] };
}
