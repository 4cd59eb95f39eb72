/**
 * The runtime shim doing the library helper hooks' work itself at create: the engine has mounted
 * the bundle's root already, so the links, the `ld.so.conf.d` entry and the ld cache are made
 * there, and the container needs no hook process for them.
 *
 * The host's ldconfig is never injected as a hook: runc mounts the container's procfs in the root
 * before createContainer hooks run, and its `/proc/1/root` (runc init, not yet pivoted) leads
 * to the host's `/` through the chroot, so an image could make ldconfig read and write host
 * files. Here the work runs in a private mount namespace of this thread in which the edits' bind
 * mounts are made read-only where the container will see them and no kernel file system is
 * mounted below the root; the thread then returns to its own namespace, so the low-level runtime
 * is exec'ed where the shim was called. Where that cannot be done (not root, a user namespace, a
 * root the shim cannot open, another mount of the spec covering what the work touches, no mount
 * namespace), the hooks stay in the edits and run as before.
 * @module
 */

import type { Mount, Spec } from "../oci/spec.ts";
import { rootfsPath } from "../oci/root_path.ts";
import type { ContainerEdits, NamedHook } from "../edits/edits.ts";
import { bindReadOnly } from "../internal/bind_mount.ts";
import { errorMessage } from "../internal/errors.ts";
import { baseName } from "../internal/paths.ts";
import { dirName } from "../internal/fs.ts";
import { type LibraryWork, libraryWorkOf } from "../internal/helper_hooks.ts";
import { Root } from "../internal/in_root.ts";
import { LDCACHE_CONF, setUpLibraries } from "../internal/ldcache.ts";
import { hostLdconfig } from "../discover/ldconfig.ts";
import { LDCONFIG_LIMITS, type LdconfigLimits } from "../internal/ldconfig.ts";
import type { MessageLog } from "../internal/log.ts";
import { parseLink } from "../internal/root_symlinks.ts";
import type { StepInput, StepResult } from "./mode.ts";
import {
  detachHostFileSystems,
  enterReturnableNamespace,
  NamespaceReturnError,
  type PrivateNamespace,
} from "../internal/mount_ns.ts";

/** What prepareRoot changes on the host; tests replace parts of it. */
export interface RootSystem {
  readonly isRoot: () => boolean;
  readonly enterNamespace: () => PrivateNamespace;
  readonly bind: typeof bindReadOnly;
  readonly limits: LdconfigLimits;
}

const SYSTEM: RootSystem = {
  isRoot: () => Deno.uid() === 0,
  enterNamespace: enterReturnableNamespace,
  bind: bindReadOnly,
  limits: { ...LDCONFIG_LIMITS, isolate: false },
};

/** What prepareRoot needs besides the spec and the edits. */
export interface PrepareOptions {
  readonly bundle: string;
  /** `xpu-container-cli.ldconfig`. */
  readonly ldconfig: string;
  /** The config file the hooks would be told about (undefined: the default one). */
  readonly configPath: string | undefined;
  readonly log: MessageLog;
  readonly system?: Partial<RootSystem>;
}

/** The files the work writes or ldconfig reads, besides the links and folders. */
const LDCONFIG_FILES = ["/etc/ld.so.conf", dirName(LDCACHE_CONF), "/etc/ld.so.cache"];

function isBind(m: Mount): boolean {
  return m.type === "bind" || (m.options ?? []).some((o) => o === "bind" || o === "rbind");
}

/** The user namespace makes files the shim writes belong to another owner than a hook's. */
function hasUserNamespace(spec: Spec): boolean {
  const namespaces = spec.linux?.namespaces;
  return Array.isArray(namespaces) &&
    namespaces.some((n) => (n as { type?: unknown } | null)?.type === "user");
}

/**
 * The first mount of `others` that covers a path of `touched` in the container (at it, or at a
 * directory above it), as `"MOUNT" covers "PATH"`. Paths are compared as the container will
 * see them: the links in the root resolved.
 */
export function coveringMount(
  root: Root,
  touched: readonly string[],
  others: readonly string[],
): string | undefined {
  const real = (path: string) => {
    try {
      return root.realPath(path);
    } catch {
      // runc will refuse a destination that cannot be resolved; the work refuses such a path.
      return path;
    }
  };
  // Hundreds of library paths share a few directories: each directory is resolved once.
  const dirs = new Map<string, string>();
  const seen = (path: string) => {
    const dir = dirName(path);
    if (!dirs.has(dir)) dirs.set(dir, real(dir));
    return `${dirs.get(dir)!.replace(/\/$/, "")}/${baseName(path)}`;
  };
  const paths = touched.map((p) => [p, seen(p)] as const);
  for (const mount of others) {
    const at = real(mount);
    const covered = paths.find(([, p]) => at === "/" || p === at || p.startsWith(`${at}/`));
    if (covered) return `"${mount}" covers "${covered[0]}"`;
  }
  return undefined;
}

/**
 * Does the work of the library helper hooks in `edits` (ours, reading the shim's config) in the
 * bundle's root, and returns the edits without them; returns `edits` itself when it cannot (the
 * hooks then do it). Throws when the work fails (a root whose links lead out, ldconfig failing),
 * as the hooks would.
 */
export function prepareRoot(
  spec: Spec,
  edits: ContainerEdits,
  opts: PrepareOptions,
): ContainerEdits {
  const hooks = edits.hooks ?? [];
  const absorbed = new Map<NamedHook, LibraryWork>();
  for (const hook of hooks) {
    const work = hook.hookName === "createContainer"
      ? libraryWorkOf(hook, opts.configPath)
      : undefined;
    if (work) absorbed.set(hook, work);
  }
  if (absorbed.size === 0) return edits;
  const work: LibraryWork = {
    links: [...new Set([...absorbed.values()].flatMap((w) => w.links))],
    folders: [...new Set([...absorbed.values()].flatMap((w) => w.folders))],
  };
  const sys = { ...SYSTEM, ...opts.system };
  const why = workInRoot(spec, edits, work, opts, sys);
  if (why) {
    opts.log.debug(`Helper hook kept: ${why}`);
    return edits;
  }
  opts.log.debug(
    `Did the helper hooks' work in the root: ${work.links.length} link(s), ` +
      `${work.folders.length} ld cache folder(s)`,
  );
  return { ...edits, hooks: hooks.filter((h) => !absorbed.has(h)) };
}

/**
 * The prepareRoot step's changes: the library helper hooks the earlier steps added (`added`)
 * done in the bundle's root and taken out of the spec again, or nothing where they cannot be
 * done here (the hooks then do the work).
 */
export function prepareRootChanges(
  { config, spec, added, caller }: StepInput,
): StepResult {
  const kept = prepareRoot(spec, added, {
    bundle: caller.bundle,
    ldconfig: config["xpu-container-cli"].ldconfig,
    configPath: caller.hookConfigPath,
    log: caller.log,
  });
  const done = new Set(
    (added.hooks ?? []).filter((h) => !kept.hooks?.includes(h)).map(({ hookName: _, ...h }) =>
      JSON.stringify(h)
    ),
  );
  if (done.size === 0) return {};
  // As applyEdits recognises a hook it has already added: by its JSON.
  return { remove: [{ hookName: "createContainer", match: (h) => done.has(JSON.stringify(h)) }] };
}

/** Does `work` in the root; returns why it cannot instead. Throws when the work fails. */
function workInRoot(
  spec: Spec,
  edits: ContainerEdits,
  work: LibraryWork,
  opts: PrepareOptions,
  sys: RootSystem,
): string | undefined {
  if (!sys.isRoot()) return "the runtime does not run as root";
  if (hasUserNamespace(spec)) return "the container has a user namespace";
  const rootfs = rootfsPath(spec, opts.bundle);
  if (rootfs === undefined) return "the spec names no root";
  const own = (edits.mounts ?? []).filter(isBind);
  const ownAt = new Set(own.map((m) => m.destination));
  const others = [
    ...(spec.mounts ?? []).filter((m) => !ownAt.has(m.destination)),
    ...(edits.mounts ?? []).filter((m) => !isBind(m)),
  ];
  const touched = [
    ...LDCONFIG_FILES,
    // A link the work would refuse is not looked at here: the work says what is wrong with it.
    ...work.links.flatMap((l) => {
      try {
        return [parseLink(l).link];
      } catch {
        return [];
      }
    }),
    ...work.folders,
    ...own.map((m) => m.destination),
  ];
  let hostRoot: Root;
  try {
    hostRoot = Root.open(rootfs);
  } catch (e) {
    return errorMessage(e);
  }
  // runc refuses such a root: its target must not be prepared for a container that never runs.
  if (Deno.realPathSync(rootfs) !== rootfs) {
    hostRoot.close();
    return `the root "${rootfs}" is reached through a symbolic link`;
  }
  try {
    const covered = coveringMount(hostRoot, touched, others.map((m) => m.destination));
    if (covered) return `the spec's mount ${covered}`;
  } finally {
    hostRoot.close();
  }
  // A misconfigured ldconfig fails the create, as it would fail the hook.
  const ldconfig = work.folders.length > 0 ? hostLdconfig(opts.ldconfig) : "";

  let ns: PrivateNamespace;
  try {
    ns = sys.enterNamespace();
  } catch (e) {
    // Stranded in the private namespace, the shim must not go on to exec the runtime.
    if (e instanceof NamespaceReturnError) throw e;
    return errorMessage(e);
  }
  try {
    // Opened in the namespace: a descriptor from the old one would not see its mounts.
    let root: Root;
    try {
      root = Root.open(rootfs);
    } catch (e) {
      return errorMessage(e);
    }
    try {
      try {
        for (const m of own) {
          sys.bind(root, m.source ?? "", m.destination, m.options?.includes("rbind") ?? false);
        }
        // After the binds: one of them may have brought a procfs along.
        detachHostFileSystems(Deno.realPathSync(rootfs));
      } catch (e) {
        return errorMessage(e);
      }
      setUpLibraries(root, work, ldconfig, opts.log, sys.limits);
    } finally {
      root.close();
    }
  } finally {
    ns.leave();
  }
  return undefined;
}
