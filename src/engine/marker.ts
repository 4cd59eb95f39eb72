/**
 * The marker inside every file `runtime configure` writes whole: only a file carrying it is
 * ever replaced or removed, so `--config ANYFILE` cannot clobber or delete an operator's file.
 * @module
 */

import { type Change, readIfExists } from "./engine.ts";

/** The words that mark a file as ours. */
export const MARKER = "Written by xpu-ctk runtime configure";

/** The marker as a comment line, for TOML and YAML files. */
export const MARKER_COMMENT = `# ${MARKER}; "xpu-ctk runtime unconfigure" removes this file`;

/** The key that carries the marker in JSON files, which have no comments. */
export const MARKER_KEY = "xpu-container-toolkit";

/** The marker's value under MARKER_KEY. */
export const MARKER_VALUE = `${MARKER}; "xpu-ctk runtime unconfigure" removes this file`;

/**
 * True when `text` starts with the marker: a first line `# Written by …` (in a script, the line
 * after its `#!` line), or a JSON object whose first key is MARKER_KEY. The words anywhere else
 * (a string, a later line) do not count.
 */
export function hasMarker(text: string): boolean {
  const body = text.startsWith("#!") ? text.slice(text.indexOf("\n") + 1) : text;
  if (body.startsWith(`# ${MARKER}`)) return true;
  if (!text.trimStart().startsWith("{")) return false;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return false;
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return false;
  const first = Object.entries(doc)[0];
  return first?.[0] === MARKER_KEY && typeof first[1] === "string" && first[1].startsWith(MARKER);
}

function refusal(action: string, engine: string, path: string): Error {
  return new Error(
    // deno-lint-ignore xpu-messages/values-quoted -- the command's verb and the engine's name
    `Cannot ${action} ${engine}: "${path}" was not written by xpu-ctk runtime configure ` +
      `(it has no "${MARKER}" marker); it was left unchanged`,
  );
}

/**
 * A write of `content` (which carries the marker) to `path`, backed up first, a new file with
 * `mode`; nothing when the file already holds it. Throws, touching nothing, when `path` holds a
 * file without the marker.
 */
export function ownedWrite(engine: string, path: string, content: string, mode = 0o644): Change[] {
  const old = readIfExists(path);
  if (old === content) return [];
  if (old !== undefined && !hasMarker(old)) throw refusal("configure", engine, path);
  return [{ kind: "write", path, content, backup: true, ...(mode === 0o644 ? {} : { mode }) }];
}

/**
 * The removal of `path`, or nothing when it does not exist. Throws, touching nothing, when it
 * has no marker.
 */
export function ownedRemove(engine: string, path: string): Change[] {
  const old = readIfExists(path);
  if (old === undefined) return [];
  if (!hasMarker(old)) throw refusal("unconfigure", engine, path);
  return [{ kind: "remove", path }];
}
