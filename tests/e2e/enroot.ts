/**
 * enroot for end-to-end tests: built once from the vendored release archive (the recipe of
 * ../shared/vendor/README.md) into .cache/.
 * @module
 */

import { type Output, ROOT, rootOnly, run } from "../helpers.ts";

/** The vendored enroot release. */
export const ENROOT_ARCHIVE = `${ROOT}/../shared/vendor/enroot-4.1.2.tar.gz`;

/** Where the build is kept between test runs (its prefix: enroot bakes its paths in). */
export const ENROOT_PREFIX = `${ROOT}/.cache/enroot-4.1.2`;

/** What building and running enroot needs (install-deps.sh installs it). */
const NEEDS = [
  "/usr/bin/gcc",
  "/usr/bin/make",
  "/usr/bin/makeself",
  "/usr/bin/mksquashfs",
  "/usr/bin/unsquashfs",
  "/usr/bin/unshare",
  "/usr/bin/setpriv",
  "/usr/lib/x86_64-linux-gnu/libbsd.a",
];

/**
 * True when enroot tests cannot run here (not root, or the archive or a tool is missing), said
 * loudly; under CI a missing tool is an error, because there they must run.
 */
export function enrootUnavailable(): boolean {
  if (rootOnly("enroot end-to-end tests need root (mknod, a private /dev)")) return true;
  const missing = [ENROOT_ARCHIVE, ...NEEDS].filter((p) => {
    try {
      Deno.statSync(p);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return false;
  const why = `enroot end-to-end tests need ${missing.join(", ")}: run make deps`;
  // The archive sits beside the checkout (../shared/vendor), which a checkout elsewhere lacks:
  // said loudly, never an error; a missing tool is one under CI, where make deps installs it.
  if (Deno.env.get("CI") && !missing.includes(ENROOT_ARCHIVE)) throw new Error(why);
  console.warn(`SKIPPED: ${why}`);
  return true;
}

/** Written last into the prefix: a build without it was cut short. */
const STAMP = `${ENROOT_PREFIX}/.built`;

function built(): boolean {
  try {
    return Deno.statSync(STAMP).isFile;
  } catch {
    return false;
  }
}

async function must(what: string, out: Promise<Output>): Promise<void> {
  const r = await out;
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.stdout}${r.stderr}`);
}

/**
 * Builds enroot into ENROOT_PREFIX unless it is there. enroot bakes its prefix into its
 * scripts, so it is built in place, one build at a time (a lock), and counts as built only once
 * its stamp is written.
 */
export async function buildEnroot(): Promise<string> {
  if (built()) return ENROOT_PREFIX;
  Deno.mkdirSync(`${ROOT}/.cache`, { recursive: true });
  using lock = await Deno.open(`${ROOT}/.cache/enroot.lock`, { create: true, write: true });
  await lock.lock(true);
  if (built()) return ENROOT_PREFIX;
  try {
    // What a build that was cut short left.
    Deno.removeSync(ENROOT_PREFIX, { recursive: true });
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const tmp = Deno.makeTempDirSync({ dir: `${ROOT}/.cache`, prefix: "enroot-build-" });
  try {
    await must("tar", run("tar", ["xzf", ENROOT_ARCHIVE, "-C", tmp]));
    const src = `${tmp}/enroot-4.1.2`;
    // The archive has no git submodules: Debian's makeself is the pinned version, and the
    // kernel headers are the system's.
    for (const d of ["deps/makeself", "deps/linux-headers", "deps/dist/linux/include"]) {
      Deno.mkdirSync(`${src}/${d}`, { recursive: true });
    }
    Deno.copyFileSync("/usr/bin/makeself", `${src}/deps/makeself/makeself.sh`);
    Deno.writeTextFileSync(`${src}/deps/linux-headers/.stamp`, "");
    await must(
      "make install (enroot)",
      run("make", [
        "-C",
        src,
        "FORCE_GLIBC=1",
        // glibc 2.36 lacks strlcpy and strlcat.
        "LDLIBS=-l:libbsd.a /usr/lib/x86_64-linux-gnu/libbsd.so",
        `prefix=${ENROOT_PREFIX}`,
        "install",
      ], { timeoutMs: 300_000 }),
    );
    Deno.writeTextFileSync(STAMP, "");
  } finally {
    Deno.removeSync(tmp, { recursive: true });
  }
  return ENROOT_PREFIX;
}
