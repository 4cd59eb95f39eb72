/**
 * The OCI state a runtime gives a hook on stdin, and the container it describes.
 * @module
 */

import type { Spec } from "../oci/spec.ts";
import { concatBytes } from "../internal/bytes.ts";
import { rootfsPath } from "../oci/root_path.ts";
import { SpecFile } from "../oci/spec_file.ts";
import { jsonSyntaxMessage } from "../internal/json_syntax.ts";
import { nestingProblem } from "../internal/nesting.ts";
import { decodeUtf8, Utf8Error } from "../internal/utf8.ts";

/** The fields of the OCI state the hook uses. */
export interface HookState {
  readonly pid: number | undefined;
  readonly bundle: string;
}

/** Input the hook cannot use. */
export class StateError extends Error {
  override name = "StateError";
}

/** Reads all of stdin synchronously. Throws StateError when it is not UTF-8. */
export function readStdin(): string {
  let bytes: Uint8Array;
  try {
    // A pipe or file on fd 0 reopens through /proc.
    bytes = Deno.readFileSync("/dev/stdin");
  } catch {
    bytes = readStdinChunks();
  }
  try {
    return decodeUtf8(bytes);
  } catch (e) {
    if (!(e instanceof Utf8Error)) throw e;
    throw new StateError(`Cannot read the container state on stdin: ${e.message}`);
  }
}

/** Reads stdin by reads on fd 0 (when /dev/stdin cannot be opened, e.g. a socket). */
function readStdinChunks(): Uint8Array {
  const chunks: Uint8Array[] = [];
  for (;;) {
    const buf = new Uint8Array(65536);
    const n = Deno.stdin.readSync(buf);
    if (n === null || n === 0) return concatBytes(chunks);
    chunks.push(buf.subarray(0, n));
  }
}

/** Parses the OCI state JSON (`bundle`, or the older `bundlePath`). Throws StateError. */
export function parseState(text: string, needPid: boolean): HookState {
  if (text.trim() === "") {
    throw new StateError("Cannot read the container state on stdin: it is empty");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new StateError(
      `Cannot read the container state on stdin: invalid JSON: ${jsonSyntaxMessage(text, e)}`,
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new StateError("Cannot read the container state on stdin: expected a JSON object");
  }
  const depthProblem = nestingProblem(value);
  if (depthProblem) {
    throw new StateError(`Cannot read the container state on stdin: ${depthProblem}`);
  }
  const state = value as Record<string, unknown>;
  const bundle = state.bundle ?? state.bundlePath;
  if (typeof bundle !== "string" || !bundle.startsWith("/")) {
    throw new StateError('Container state on stdin has no absolute "bundle"');
  }
  if (bundle.includes("\0")) {
    throw new StateError(
      `Container state on stdin has an invalid "bundle": ${JSON.stringify(bundle)} (a NUL byte)`,
    );
  }
  const pid = state.pid;
  if (pid !== undefined && !(Number.isSafeInteger(pid) && (pid as number) > 0)) {
    throw new StateError(`Container state on stdin has an invalid "pid": ${JSON.stringify(pid)}`);
  }
  if (needPid && pid === undefined) throw new StateError('Container state on stdin has no "pid"');
  return { pid: pid as number | undefined, bundle: bundle.replace(/\/+$/, "") || "/" };
}

/** A container as a hook sees it: its spec and absolute rootfs. */
export interface Container {
  readonly spec: Spec;
  readonly rootfs: string;
}

/** Loads `<bundle>/config.json`; the rootfs is resolved against the bundle, not the cwd. */
export function loadContainer(bundle: string): Container {
  const spec = SpecFile.load(`${bundle}/config.json`).spec;
  const rootfs = rootfsPath(spec, bundle);
  if (rootfs === undefined) {
    throw new StateError(`OCI spec "${bundle}/config.json" has no "root.path"`);
  }
  return { spec, rootfs };
}
