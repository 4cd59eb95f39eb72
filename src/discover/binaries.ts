/**
 * Finding the binaries the toolkit runs or names, by one policy. A binary is the first
 * executable file (a regular file after symlinks, with an execute bit) of, in this order:
 *
 * 1. the path its config key sets (`xpu-container-runtime-hook.path`, `xpu-ctk.path`,
 *    `xpu-container-cli.path`): when set, the only candidate, and an error when not executable;
 * 2. its name beside the binary running now (argv[0]), for the toolkit's own binaries, which
 *    are installed together;
 * 3. its name in each absolute entry of the caller's PATH: a relative entry would depend on the
 *    working directory, which the engine or the bundle chose;
 * 4. its name in the system directories (SYSTEM_DIRS);
 * 5. the installed default `/usr/bin/NAME`, only where a path is wanted even when nothing is
 *    found (an engine's file, a hint in a message): for a lookup, /usr/bin is step 4's.
 *
 * The vendor's xpu-container-cli is searched in steps 3 and 4 under the driver root first
 * (`xpu-container-cli.root`). The low-level runtime is the first of the config's list
 * `xpu-container-runtime.runtimes`: an entry with a `/` is a path, used as it is, a bare name
 * is searched in steps 3 and 4. A binary found nowhere is an error naming every path and
 * directory tried and the config key that sets it.
 * @module
 */

import { type Config, DEFAULTS } from "../config/schema.ts";
import { baseName } from "../internal/paths.ts";

/** The toolkit's own binaries, installed together. */
export type ToolkitBinary = "xpu-container-runtime" | "xpu-container-runtime-hook" | "xpu-ctk";

/** The vendor cli's file name. */
export const CLI_NAME = "xpu-container-cli";

/** What can be looked for: the toolkit's binaries, the vendor's cli, runc, and this binary. */
export type BinaryKind = ToolkitBinary | typeof CLI_NAME | "low-level runtime" | "self";

/** Where to look besides the config. */
export interface Where {
  /** argv[0] of the binary running now (step 2); without it step 2 is skipped. */
  readonly argv0?: string | undefined;
  /** The caller's PATH (step 3). */
  readonly path: string | undefined;
  /** The directories of step 4, SYSTEM_DIRS unless given (tests give their own). */
  readonly systemDirs?: readonly string[] | undefined;
}

/** A binary found, or why not. */
export type BinaryLookup =
  | { readonly found: true; readonly path: string }
  | { readonly found: false; readonly problem: string };

/** The directories of step 4. */
export const SYSTEM_DIRS: readonly string[] = [
  "/usr/local/sbin",
  "/usr/local/bin",
  "/usr/sbin",
  "/usr/bin",
  "/sbin",
  "/bin",
];

/** True when `path` is a regular file (after symlinks) with an execute bit set. */
export function isExecutableFile(path: string): boolean {
  try {
    const info = Deno.statSync(path);
    return info.isFile && ((info.mode ?? 0) & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** What one kind of binary is, for the steps. */
interface Wanted {
  /** What messages call it. */
  readonly label: string;
  /** The names to look for, in order; a name with a `/` is a path, used as it is. */
  readonly names: readonly string[];
  /** The config key that sets it (step 1), and its value ("" when unset). */
  readonly key?: string;
  readonly configured?: string;
  /** Installed with the toolkit: looked for beside the binary running now (step 2). */
  readonly ours?: boolean;
  /** A root whose copies of the search directories come first (steps 3 and 4). */
  readonly root?: string;
  /** Step 5. */
  readonly installed?: string;
}

function wanted(kind: BinaryKind, config: Config, where: Where): Wanted {
  switch (kind) {
    case "xpu-container-runtime":
      return { label: kind, names: [kind], ours: true, installed: `/usr/bin/${kind}` };
    case "xpu-container-runtime-hook":
    case "xpu-ctk":
      return {
        label: kind,
        names: [kind],
        key: `${kind}.path`,
        configured: config[kind].path,
        ours: true,
        installed: `/usr/bin/${kind}`,
      };
    case CLI_NAME:
      return {
        label: kind,
        names: [kind],
        key: `${kind}.path`,
        configured: config[kind].path,
        root: config[kind].root.replace(/\/+$/, ""),
      };
    case "low-level runtime":
      return {
        label: "Low-level runtime",
        names: config["xpu-container-runtime"].runtimes,
        key: "xpu-container-runtime.runtimes",
      };
    case "self": {
      // This binary by the name it was invoked under, to run it again (`xpu-ctk run`).
      const name = baseName(where.argv0 ?? "");
      return { label: name, names: [name], ours: true, installed: Deno.execPath() };
    }
  }
}

/** `argv0` as an absolute path, or undefined for a bare name (found through an unknown PATH). */
function invokedPath(argv0: string): string | undefined {
  if (!argv0.includes("/")) return undefined;
  return (argv0.startsWith("/") ? argv0 : `${Deno.cwd()}/${argv0}`).replace(/\/(\.\/)+/g, "/");
}

/** The directories of steps 3 and 4: PATH's absolute entries, then the system directories. */
function searchDirs(where: Where, root = ""): string[] {
  const plain = [
    ...(where.path ?? "").split(":").filter((d) => d.startsWith("/")),
    ...(where.systemDirs ?? SYSTEM_DIRS),
  ];
  return [...new Set([...(root ? plain.map((d) => `${root}${d}`) : []), ...plain])];
}

/** The directory of the binary running now (step 2), for the toolkit's own binaries. */
function besideSelf(want: Wanted, where: Where): string | undefined {
  const self = want.ours ? invokedPath(where.argv0 ?? "") : undefined;
  return self?.slice(0, self.lastIndexOf("/"));
}

/** The paths steps 2 to 4 look at for `name`, in order: a path as it is, or `dirs`' copies. */
function candidates(name: string, beside: string | undefined, dirs: readonly string[]): string[] {
  if (name.includes("/")) return [name];
  const first = beside === undefined ? [] : [`${beside}/${name}`];
  return [...first, ...dirs.map((d) => `${d.replace(/\/+$/, "")}/${name}`)];
}

/** Steps 1 to 4 for `want`. */
function search(want: Wanted, where: Where): BinaryLookup {
  if (want.configured) {
    return isExecutableFile(want.configured) ? { found: true, path: want.configured } : {
      found: false,
      problem: `${want.label} "${want.configured}" (${want.key}) is not an executable file`,
    };
  }
  if (want.names.length === 0) {
    const what = want.label.toLowerCase();
    return { found: false, problem: `No ${what} configured: "${want.key}" is empty` };
  }
  const beside = besideSelf(want, where);
  const dirs = searchDirs(where, want.root);
  const tried: string[] = [];
  for (const name of want.names) {
    const bare = !name.includes("/");
    const first = bare ? (beside === undefined ? [] : [`${beside}/${name}`]) : [name];
    const found = candidates(name, beside, dirs).find(isExecutableFile);
    if (found) return { found: true, path: found };
    tried.push(...first.map((p) => JSON.stringify(p)));
    if (bare) tried.push(`${JSON.stringify(name)} in ${JSON.stringify(dirs.join(":"))}`);
  }
  const set = want.key ? `; set ${want.key} in the config` : "";
  return { found: false, problem: `${want.label} not found: tried ${tried.join(", ")}${set}` };
}

/** Looks for the binary `kind` (steps 1 to 4); `config` undefined means the defaults. */
export function lookupBinary(
  kind: BinaryKind,
  config: Config | undefined,
  where: Where,
): BinaryLookup {
  return search(wanted(kind, config ?? DEFAULTS, where), where);
}

/**
 * The binary `kind` found by steps 2 to 4 and every path they looked at before it, in order: what
 * must stay as it is (none of them becoming an executable file) for the lookup to find it again.
 * Undefined when step 1 decides (a configured path) or nothing is found.
 */
export function lookupTrail(
  kind: BinaryKind,
  config: Config | undefined,
  where: Where,
): { readonly found: string; readonly passed: readonly string[] } | undefined {
  const want = wanted(kind, config ?? DEFAULTS, where);
  if (want.configured) return undefined;
  const beside = besideSelf(want, where);
  const dirs = searchDirs(where, want.root);
  const passed: string[] = [];
  for (const path of want.names.flatMap((name) => candidates(name, beside, dirs))) {
    if (isExecutableFile(path)) return { found: path, passed };
    passed.push(path);
  }
  return undefined;
}

/** The binary `kind` (steps 1 to 4); throws naming what was tried when there is none. */
export function findBinary(kind: BinaryKind, config: Config | undefined, where: Where): string {
  const found = lookupBinary(kind, config, where);
  if (!found.found) throw new Error(found.problem);
  return found.path;
}

/**
 * The path to name for the binary `kind` even when it is not there: the one found, else the
 * configured one (its user is told it is not executable), else the installed default (step 5).
 */
export function binaryPath(
  kind: ToolkitBinary | "self",
  config: Config | undefined,
  where: Where,
): string {
  const want = wanted(kind, config ?? DEFAULTS, where);
  const found = search(want, where);
  return found.found ? found.path : want.configured || want.installed!;
}

/**
 * A program the toolkit only asks about (an engine's command, containerd): steps 3 and 4,
 * without a config key or the toolkit's directory. Undefined when it is not there.
 */
export function findProgram(name: string, where: Where): string | undefined {
  const found = search({ label: name, names: [name] }, where);
  return found.found ? found.path : undefined;
}
