/**
 * cdi mode: the requested CDI devices' container edits, from the spec directories.
 * @module
 */

import type { Config } from "../config/schema.ts";
import type { HookName, Mount, Spec } from "../oci/spec.ts";
import type { CdiEdits } from "../cdi/spec.ts";
import type { BrokenSpec, Registry } from "../cdi/registry.ts";
import { kindOf, parseQualifiedName, qualify } from "../internal/cdi_names.ts";
import type { ContainerEdits, DeviceNode, NamedHook } from "../edits/edits.ts";
import { splitDev } from "../discover/host_files.ts";
import { cdiAnnotations } from "./resolve.ts";
import { errorMessage } from "../internal/errors.ts";
import { cleanPath } from "../internal/paths.ts";
import { type DeviceRequest, RequestError } from "./request.ts";

/** The fully-qualified names a container asks for: env devices, then annotation devices. */
export function requestedCdiNames(
  spec: Spec,
  config: Config,
  request: DeviceRequest | undefined,
): string[] {
  const kind = config["xpu-container-runtime"].modes.cdi["default-kind"];
  const names: string[] = [];
  if (request && Array.isArray(request.devices)) {
    for (const d of request.devices) names.push(d.includes("=") ? d : qualify(kind, d));
  } else if (request?.devices === "all") {
    names.push(qualify(kind, "all"));
  }
  for (const key of cdiAnnotations(spec, config)) {
    for (const item of (spec.annotations?.[key] ?? "").split(",")) {
      if (item.trim()) names.push(item.trim());
    }
  }
  for (const name of names) {
    const parsed = parseQualifiedName(name);
    // deno-lint-ignore xpu-messages/values-quoted -- parseQualifiedName's problem, a sentence
    if (typeof parsed === "string") throw new RequestError(`Cannot use CDI device: ${parsed}`);
  }
  return [...new Set(names)];
}

/** A host path as it goes into the spec: `.`, `//` and `..` applied lexically. */
function hostPathOf(path: string): string {
  return path.startsWith("/") ? cleanPath(path) : path;
}

function fillNode(n: DeviceNode): DeviceNode {
  const node: DeviceNode = { path: n.path };
  const host = hostPathOf(n.hostPath ?? n.path);
  if (n.hostPath) node.hostPath = host;
  let type = n.type;
  let major = n.major;
  let minor = n.minor;
  let mode = n.fileMode;
  if (type === undefined || major === undefined || minor === undefined || mode === undefined) {
    // As CDI runtimes do: what the spec leaves out is read from the host's node.
    let info: Deno.FileInfo;
    try {
      info = Deno.statSync(host);
    } catch (e) {
      throw new RequestError(`CDI device node "${host}": ${errorMessage(e)}`);
    }
    const numbers = splitDev(info.rdev ?? 0);
    type ??= info.isCharDevice ? "c" : info.isBlockDevice ? "b" : info.isFifo ? "p" : undefined;
    major ??= numbers.major;
    minor ??= numbers.minor;
    mode ??= (info.mode ?? 0o666) & 0o777;
  }
  if (type === undefined) {
    throw new RequestError(`CDI device node "${host}" is not a device`);
  }
  Object.assign(node, { type, major, minor, fileMode: mode });
  if (n.permissions) node.permissions = n.permissions;
  if (n.uid !== undefined) node.uid = n.uid;
  if (n.gid !== undefined) node.gid = n.gid;
  return node;
}

function convert(edits: CdiEdits): ContainerEdits {
  const out: ContainerEdits = {};
  if (edits.env?.length) out.env = [...edits.env];
  if (edits.deviceNodes?.length) out.deviceNodes = edits.deviceNodes.map(fillNode);
  if (edits.mounts?.length) {
    out.mounts = edits.mounts.map((m): Mount => ({
      destination: m.containerPath,
      type: m.type ?? "bind",
      source: hostPathOf(m.hostPath),
      options: [...(m.options ?? [])],
    }));
  }
  if (edits.hooks?.length) {
    out.hooks = edits.hooks.map(({ hookName, ...hook }): NamedHook => ({
      hookName: hookName as HookName,
      ...hook,
    }));
  }
  if (edits.additionalGids?.length) out.additionalGids = [...edits.additionalGids];
  return out;
}

/** The broken spec that declares `name`, if one does. */
function brokenDefinition(name: string, registry: Registry): BrokenSpec | undefined {
  return registry.broken.find((b) =>
    b.kind !== undefined && b.names?.some((n) => qualify(b.kind!, n) === name)
  );
}

/** Broken specs that might define `name`: their kind is its kind or unknown, their names unknown. */
function brokenCandidates(name: string, registry: Registry): BrokenSpec[] {
  const kind = kindOf(name);
  return registry.broken.filter((b) => b.names === undefined && (b.kind ?? kind) === kind);
}

/**
 * The edits for `names`: each spec's own edits once, then each device's, in request order.
 * A spec file that cannot be used is skipped, unless it declares a requested device: then which
 * definition the container should get is unknown, and that is the error. Unknown names are
 * errors listing what exists, and the broken files that might define them; conflicting mounts
 * or nodes are errors.
 */
export function cdiEdits(names: readonly string[], registry: Registry): ContainerEdits[] {
  for (const name of names) {
    const broken = brokenDefinition(name, registry);
    if (broken) {
      const own = `${broken.file}: `;
      const problems = broken.problems.map((p) => p.startsWith(own) ? p.slice(own.length) : p);
      throw new RequestError(
        `Cannot use CDI device "${name}": it is defined in "${broken.file}", which cannot be used: ${
          problems.join("; ")
        }`,
      );
    }
  }
  const missing = names.filter((n) => !registry.devices.has(n));
  if (missing.length > 0) {
    const known = [...registry.devices.keys()].sort();
    const suspects = [...new Set(missing.flatMap((n) => brokenCandidates(n, registry)))];
    throw new RequestError(
      `Unresolvable CDI device${missing.length > 1 ? "s" : ""} ${
        missing.map((n) => `"${n}"`).join(", ")
      }; ${
        known.length
          ? `the spec directories define ${known.map((n) => `"${n}"`).join(", ")}`
          : "the spec directories define no device"
      }${
        suspects.length
          ? `; spec files that cannot be used may define it: ${
            suspects.flatMap((b) => b.problems).join("; ")
          }`
          : ""
      }`,
    );
  }
  const out: ContainerEdits[] = [];
  const specsDone = new Set<unknown>();
  const mounts = new Map<string, { by: string; source: string | undefined }>();
  const nodes = new Map<string, { by: string; host: string }>();
  for (const name of names) {
    const entry = registry.devices.get(name)!;
    const parts: [CdiEdits | undefined, string][] = [];
    if (!specsDone.has(entry.spec)) {
      specsDone.add(entry.spec);
      parts.push([entry.spec.containerEdits, `${entry.file} (spec)`]);
    }
    parts.push([entry.device.containerEdits, name]);
    for (const [edits, by] of parts) {
      if (!edits) continue;
      for (const m of edits.mounts ?? []) {
        const source = hostPathOf(m.hostPath);
        const seen = mounts.get(m.containerPath);
        if (seen && seen.source !== source) {
          throw new RequestError(
            `CDI conflict: "${by}" and "${seen.by}" both mount "${m.containerPath}", from "${source}" and "${seen.source}"`,
          );
        }
        mounts.set(m.containerPath, { by, source });
      }
      for (const n of edits.deviceNodes ?? []) {
        const host = hostPathOf(n.hostPath ?? n.path);
        const seen = nodes.get(n.path);
        if (seen && seen.host !== host) {
          throw new RequestError(
            `CDI conflict: "${by}" and "${seen.by}" both create "${n.path}", from "${host}" and "${seen.host}"`,
          );
        }
        nodes.set(n.path, { by, host });
      }
      out.push(convert(edits));
    }
  }
  return out;
}
