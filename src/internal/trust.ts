/**
 * Whether a file may decide what runs as root: it, every directory on the way to it and every
 * symlink followed must be owned by root or by this process's user, and nobody else may write
 * them. A directory others may write is acceptable on the way only with the sticky bit (like
 * /tmp): then they cannot rename or replace the entries they do not own.
 * @module
 */

import { errorMessage } from "./errors.ts";

const MAX_LINK_HOPS = 40;
const WRITABLE_BY_OTHERS = 0o022;
const STICKY = 0o1000;

interface Step {
  readonly info: Deno.FileInfo;
  /** A symlink's target. */
  readonly target: string | undefined;
}

// Every container start checks a few files under the same directories: look at each once.
const looked = new Map<string, Step>();

/** lstat (and readlink) of `path`, remembered for directories and symlinks; undefined if missing. */
function lookAt(path: string): Step | undefined {
  const known = looked.get(path);
  if (known) return known;
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
      return undefined;
    }
    throw e;
  }
  const step = { info, target: info.isSymlink ? Deno.readLinkSync(path) : undefined };
  if (info.isDirectory || info.isSymlink) looked.set(path, step);
  return step;
}

function components(path: string): string[] {
  return path.split("/").filter((c) => c !== "" && c !== ".");
}

function parentOf(dir: string): string {
  const i = dir.lastIndexOf("/");
  return i <= 0 ? "/" : dir.slice(0, i);
}

function trustedOwner(uid: number | null): boolean {
  return uid === 0 || uid === Deno.uid();
}

/** What is wrong with a file-system object `info` describes; `onTheWay` admits sticky dirs. */
function problem(info: Deno.FileInfo, onTheWay: boolean): string | undefined {
  if (!trustedOwner(info.uid)) return `is owned by uid ${info.uid}`;
  const mode = info.mode ?? 0;
  const writable = mode & WRITABLE_BY_OTHERS;
  if (writable === 0 || (onTheWay && (mode & STICKY) !== 0)) return undefined;
  const who = writable === WRITABLE_BY_OTHERS
    ? "group and others"
    : writable === 0o020
    ? "group"
    : "others";
  return `is writable by ${who} (mode ${(mode & 0o7777).toString(8).padStart(4, "0")})`;
}

/** What a path that is missing is, by the caller's wish: no problem, or one (it was just read). */
const GONE = "it was removed or replaced while it was read";

function walk(
  path: string,
  given: Deno.FileInfo | undefined,
  missing: string | undefined,
): string | undefined {
  let pending = components(path);
  let current = "/";
  let info = lookAt("/")!.info;
  let hops = 0;
  while (pending.length > 0) {
    const [part, ...rest] = pending as [string, ...string[]];
    pending = rest;
    if (part === "..") {
      current = parentOf(current);
      info = lookAt(current)!.info;
      continue;
    }
    // A missing path is the caller's to report (it cannot be read), not a matter of trust.
    if (!info.isDirectory) return missing;
    const bad = problem(info, true);
    if (bad) return `its directory "${current}" ${bad}`;
    const next = current === "/" ? `/${part}` : `${current}/${part}`;
    const step = given && !given.isSymlink && next === path
      ? { info: given, target: undefined }
      : lookAt(next);
    if (!step) return missing;
    if (step.target !== undefined) {
      // Whoever owns a link in a sticky directory may replace it.
      if (!trustedOwner(step.info.uid)) {
        return `its link "${next}" is owned by uid ${step.info.uid}`;
      }
      if (++hops > MAX_LINK_HOPS) return "it cannot be checked: too many levels of symlinks";
      pending = [...components(step.target), ...pending];
      if (step.target.startsWith("/")) {
        current = "/";
        info = lookAt("/")!.info;
      }
      continue;
    }
    current = next;
    info = step.info;
  }
  const bad = problem(info, false);
  return bad ? `it ${bad}` : undefined;
}

/**
 * Why `path` may not decide what runs as root (e.g. `it is writable by others (mode 0646)`,
 * `its directory "/x" is owned by uid 1000`), or undefined when it may or does not exist.
 * `info`, the lstat of `path` when the caller has it, saves looking at the file again. With
 * `read` (the caller has just read the file), a missing path is a problem: in a sticky directory
 * another user may have made the file, and removed it again before this look.
 */
export function untrustedReason(
  path: string,
  info?: Deno.FileInfo,
  read = false,
): string | undefined {
  try {
    return walk(
      path.startsWith("/") ? path : `${Deno.cwd()}/${path}`,
      info,
      read ? GONE : undefined,
    );
  } catch (e) {
    return `it cannot be checked: ${errorMessage(e)}`;
  }
}

/** The warning for `what` (e.g. "CDI spec") at `path` ignored for `reason` (untrustedReason's). */
export function ignoredWarning(what: string, path: string, reason: string): string {
  const subject = /^its (directory|link) /.exec(reason)?.[1];
  const fix = reason.startsWith("it cannot")
    ? ""
    : subject === "link"
    ? "; replace that link with one owned by root"
    : `; make ${
      subject ? `that ${subject}` : "it"
    } owned by root and not writable by group or others (chmod go-w)`;
  return `Ignoring ${what} "${path}": ${reason}${fix}`;
}

/** The warning for `what` at `path` when it may not be trusted (see untrustedReason), else undefined. */
export function distrust(
  what: string,
  path: string,
  info?: Deno.FileInfo,
  read = false,
): string | undefined {
  const reason = untrustedReason(path, info, read);
  return reason === undefined ? undefined : ignoredWarning(what, path, reason);
}
