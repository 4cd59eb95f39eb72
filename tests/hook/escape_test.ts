/**
 * The escape suite: hostile root filesystems against each helper hook, through the binary
 * (openat2) and in-process through the component walk older kernels use. A decoy host tree must
 * be byte-, mode- and link-identical afterwards; a hook either refuses, naming the path, or does
 * its work inside the root, where the container sees it.
 */

import { assertEquals, assertMatch, assertTrue as assert } from "../assert.ts";
import { mountsUnder, rootOnly, runBin, withTempDir } from "../helpers.ts";
import { emptyBundle, findNamed, makeDecoy, snapshot } from "./hostile.ts";
import { createSymlinks } from "../../src/internal/root_symlinks.ts";
import { updateLdcache } from "../../src/internal/ldcache.ts";
import { chmodInRoot } from "../../src/hook/helpers/chmod.ts";
import { LDCONFIG_LIMITS } from "../../src/internal/ldconfig.ts";
import { prepareRoot } from "../../src/modes/prepare_root.ts";
import { helperHooks } from "../../src/internal/helper_hooks.ts";
import { parseLink } from "../../src/internal/root_symlinks.ts";
import { Root } from "../../src/internal/in_root.ts";
import { Logger } from "../../src/internal/log.ts";
import { errorMessage } from "../../src/internal/errors.ts";

const CONF = "00-xpu-container-toolkit.conf";

/** In this process ldconfig runs without a mount namespace of its own (see the binary runs). */
const IN_PROCESS = { ...LDCONFIG_LIMITS, timeoutMs: 10_000, isolate: false };

/** What each hook is asked to do: every path aims at a place the layouts redirect. */
const HOOKS: Record<string, { args: string[]; paths: string[] }> = {
  "update-ldcache": { args: ["--folder", "/usr/lib/xpu"], paths: ["/etc"] },
  "create-symlinks": {
    args: [
      "--link",
      "libxpu.so.1.0::/usr/lib/libxpu.so.1",
      "--link",
      "x::/etc/ld.so.conf.d/x.conf",
      "--link",
      "d::/dev/xpu-link",
    ],
    paths: ["/usr/lib/libxpu.so.1", "/etc/ld.so.conf.d/x.conf", "/dev/xpu-link"],
  },
  chmod: {
    args: [
      "--mode",
      "0777",
      "--path",
      "/etc/passwd",
      "--path",
      "/dev/xpu0",
      "--path",
      "/usr/lib/libxpu.so.1",
    ],
    paths: ["/etc/passwd", "/dev/xpu0", "/usr/lib/libxpu.so.1"],
  },
};

type Setup = (rootfs: string, decoy: string) => (() => void) | void;

function link(target: string, path: string): void {
  Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  Deno.symlinkSync(target, path);
}

/** Links /etc, /usr and /dev of the root to `target(dir)`. */
function redirectDirs(rootfs: string, target: (dir: string) => string): void {
  for (const dir of ["etc", "usr", "dev"]) link(target(dir), `${rootfs}/${dir}`);
}

/** Real /etc/ld.so.conf.d, /usr/lib and /dev in the root, for last-component layouts. */
function realDirs(rootfs: string): void {
  for (const d of ["etc/ld.so.conf.d", "usr/lib", "dev"]) {
    Deno.mkdirSync(`${rootfs}/${d}`, { recursive: true });
  }
}

/** Mounts a procfs at <rootfs>/proc, as a container's mount namespace has one. */
function withProc(rootfs: string, at = "proc"): () => void {
  Deno.mkdirSync(`${rootfs}/${at}`);
  const mounted = new Deno.Command("mount", { args: ["-t", "proc", "proc", `${rootfs}/${at}`] })
    .outputSync();
  if (!mounted.success) throw new Error(`mount proc: ${new TextDecoder().decode(mounted.stderr)}`);
  return () => {
    new Deno.Command("umount", { args: ["-l", `${rootfs}/${at}`] }).outputSync();
  };
}

const UP = "../".repeat(24);

/** The hostile layouts: each aims every hook's paths at the decoy in another way. */
const LAYOUTS: [string, Setup][] = [
  ["absolute links to host directories", (r, d) => redirectDirs(r, (x) => `${d}/${x}`)],
  ["relative links climbing above the root", (r, d) => redirectDirs(r, (x) => `${UP}${d}/${x}`)],
  ["`..` through a missing component", (r, d) => {
    redirectDirs(r, (x) => `nx/../h/${x}`);
    link(d, `${r}/h`);
  }],
  ["a link to / and paths through it", (r, d) => {
    link("/", `${r}/host`);
    redirectDirs(r, (x) => `/host${d}/${x}`);
  }],
  ["/proc/self/root with a procfs in the root", (r, d) => {
    const undo = withProc(r);
    redirectDirs(r, (x) => `/proc/self/root${d}/${x}`);
    return undo;
  }],
  ["/proc/1/root with a procfs in the root", (r, d) => {
    const undo = withProc(r);
    redirectDirs(r, (x) => `/proc/1/root${d}/${x}`);
    return undo;
  }],
  ["/proc/thread-self/cwd/.. with a procfs in the root", (r, d) => {
    const undo = withProc(r);
    redirectDirs(r, (x) => `/proc/thread-self/cwd/${UP}${d}/${x}`);
    return undo;
  }],
  ["absolute links in the last component", (r, d) => {
    realDirs(r);
    link(`${d}/etc/passwd`, `${r}/etc/ld.so.conf.d/${CONF}`);
    link(`${d}/etc/ld.so.conf`, `${r}/etc/ld.so.conf`);
    link(`${d}/etc/passwd`, `${r}/etc/passwd`);
    link(`${d}/dev/xpu0`, `${r}/dev/xpu0`);
    link(`${d}/usr/lib/libxpu.so.1`, `${r}/usr/lib/libxpu.so.1`);
  }],
  ["relative climbing links in the last component", (r, d) => {
    realDirs(r);
    link(`${UP}${d}/etc/passwd`, `${r}/etc/ld.so.conf.d/${CONF}`);
    link(`${UP}${d}/etc/passwd`, `${r}/etc/passwd`);
    link(`${UP}${d}/dev/xpu0`, `${r}/dev/xpu0`);
    link(`${UP}${d}/usr/lib/libxpu.so.1`, `${r}/usr/lib/libxpu.so.1`);
  }],
  ["dangling links", (r) => {
    realDirs(r);
    Deno.removeSync(`${r}/etc/ld.so.conf.d`);
    link("../missing/conf.d", `${r}/etc/ld.so.conf.d`);
    link("/missing/passwd", `${r}/etc/passwd`);
    link("/missing/xpu0", `${r}/dev/xpu0`);
    link("/missing/lib", `${r}/usr/lib/libxpu.so.1`);
  }],
  ["directories one level down replaced by host links", (r, d) => {
    Deno.mkdirSync(`${r}/etc`);
    Deno.mkdirSync(`${r}/usr`);
    link(`${d}/etc/ld.so.conf.d`, `${r}/etc/ld.so.conf.d`);
    link(`${d}/usr/lib`, `${r}/usr/lib`);
    link(`${d}/dev`, `${r}/dev`);
  }],
  ["link loops", (r) => {
    link("etc", `${r}/etc`);
    link("u2", `${r}/usr`);
    link("usr", `${r}/u2`);
    link("dev/x", `${r}/dev`);
  }],
  ["41 links in a chain", (r, d) => {
    for (let i = 0; i < 41; i++) link(`l${i + 1}`, `${r}/l${i}`);
    link(d, `${r}/l41`);
    redirectDirs(r, (x) => `l0/${x}`);
  }],
  ["files where directories should be", (r) => {
    for (const x of ["etc", "usr", "dev"]) Deno.writeTextFileSync(`${r}/${x}`, "not a dir");
  }],
  ["hard links to host files", (r, d) => {
    realDirs(r);
    Deno.linkSync(`${d}/etc/passwd`, `${r}/etc/passwd`);
    Deno.linkSync(`${d}/etc/ld.so.conf`, `${r}/etc/ld.so.conf`);
    Deno.linkSync(`${d}/etc/ld.so.conf.d/host.conf`, `${r}/etc/ld.so.conf.d/${CONF}`);
    Deno.linkSync(`${d}/dev/xpu0`, `${r}/dev/xpu0`);
    Deno.linkSync(`${d}/usr/lib/libxpu.so.1`, `${r}/usr/lib/libxpu.so.1`);
  }],
  ["links with ., // and trailing slashes", (r, d) => {
    redirectDirs(r, (x) => `.//./${UP.replaceAll("/", "//")}.${d}//./${x}/./`);
  }],
  ["absolute links through the root's own host path", (r, d) => {
    redirectDirs(r, (x) => `${r}/../../..${d}/${x}`);
  }],
  ["a chain of relative and absolute links", (r, d) => {
    link("step1/x/..", `${r}/step0`);
    link("/step2", `${r}/step1`);
    link(d, `${r}/step2`);
    Deno.mkdirSync(`${r}/step2x`);
    redirectDirs(r, (x) => `step0/${x}`);
  }],
  ["links to host device nodes", (r, d) => {
    realDirs(r);
    link("/dev/null", `${r}/dev/xpu0`);
    link("/dev/null", `${r}/usr/lib/libxpu.so.1`);
    Deno.removeSync(`${r}/etc`, { recursive: true });
    link(`/dev/../${UP}${d}/etc`, `${r}/etc`);
  }],
  ["non-UTF-8 link targets", (r, d) => {
    for (const x of ["etc", "usr", "dev"]) {
      const out = new Deno.Command("bash", {
        args: ["-c", `ln -s $'\\xff'/../"$1" "$2"`, "bash", `${UP}${d}/${x}`, `${r}/${x}`],
      }).outputSync();
      if (!out.success) throw new Error("ln failed");
    }
  }],
  ["FIFOs where files go", (r) => {
    realDirs(r);
    for (const p of [`etc/ld.so.conf.d/${CONF}`, "etc/ld.so.conf", "dev/xpu0", "etc/passwd"]) {
      new Deno.Command("mkfifo", { args: [`${r}/${p}`] }).outputSync();
    }
  }],
  ["`..` after a link to a real directory", (r, d) => {
    Deno.mkdirSync(`${r}/usr/share/doc`, { recursive: true });
    link("usr/share/doc", `${r}/lnk`);
    link(`lnk/../../../${UP}${d}/etc`, `${r}/etc`);
    link(`lnk/../../../${UP}${d}/dev`, `${r}/dev`);
    link(`lnk/../../../${UP}${d}/usr/lib`, `${r}/usr/lib`);
  }],
];

/** Checks one hook run: decoy untouched, and a refusal naming a path or the work in the root. */
function judge(
  hook: string,
  layout: string,
  rootfs: string,
  result: { code: number; stderr: string },
): void {
  const what = `${hook} in "${layout}"`;
  const { paths } = HOOKS[hook]!;
  if (result.code !== 0) {
    assertEquals(result.code, 1, `${what}: ${result.stderr}`);
    // Warnings about other paths may come first; the last line is the refusal.
    const lines = result.stderr.trimEnd().split("\n");
    for (const line of lines.slice(0, -1)) {
      assertMatch(line, new RegExp(`^xpu-ctk hook ${hook}: warning: `), what);
    }
    const refusal = lines.at(-1)!;
    assertMatch(refusal, new RegExp(`^xpu-ctk hook ${hook}: (?!warning)`), what);
    assert(
      /"\/[^"]*"/.test(refusal) || /ldconfig/.test(refusal),
      `${what}: the message names no path: ${refusal}`,
    );
    return;
  }
  if (hook === "update-ldcache") {
    const confs = findNamed(rootfs, CONF).filter((p) => Deno.lstatSync(p).isFile);
    assert(
      confs.some((p) => Deno.readTextFileSync(p).includes("/usr/lib/xpu")),
      `${what}: no conf file inside the root`,
    );
  } else if (hook === "create-symlinks") {
    for (const p of paths) {
      const name = p.slice(p.lastIndexOf("/") + 1);
      assert(
        findNamed(rootfs, name).length > 0 || result.stderr.includes(p),
        `${what}: ${p} neither created inside the root nor reported`,
      );
    }
  } else {
    for (const line of result.stderr.split("\n").filter(Boolean)) {
      assert(paths.some((p) => line.includes(p)), `${what}: unexpected output ${line}`);
    }
  }
}

function runLayout(
  name: string,
  setup: Setup,
  hookRun: (
    hook: string,
    rootfs: string,
    state: string,
  ) => { code: number; stderr: string } | Promise<{ code: number; stderr: string }>,
) {
  return withTempDir(async (dir) => {
    for (const hook of Object.keys(HOOKS)) {
      const hookDir = `${dir}/${hook}`;
      Deno.mkdirSync(hookDir);
      const decoy = makeDecoy(hookDir);
      const { rootfs, state } = emptyBundle(hookDir);
      const undo = setup(rootfs, decoy);
      const before = snapshot(decoy);
      let result;
      try {
        result = await hookRun(hook, rootfs, state);
      } finally {
        undo?.();
      }
      assertEquals(snapshot(decoy), before, `${hook} changed the decoy in "${name}"`);
      assertEquals(result.stderr.includes("host-secret"), false, `${hook} showed a host file`);
      judge(hook, name, rootfs, result);
    }
  });
}

/** The hooks run in this process, as the binary runs them, through the component walk. */
function inProcess(hook: string, rootfs: string): { code: number; stderr: string } {
  let stderr = "";
  const log = new Logger();
  log.log = (level, msg) => {
    if (level !== "debug") stderr += `xpu-ctk hook ${hook}: ${level}: ${msg}\n`;
  };
  const args = HOOKS[hook]!.args;
  const values = (flag: string) => args.filter((_, i) => args[i - 1] === flag);
  const root = Root.open(rootfs, { openat2: false });
  try {
    if (hook === "update-ldcache") {
      updateLdcache(root, values("--folder"), "/sbin/ldconfig", log, IN_PROCESS);
    } else if (hook === "create-symlinks") createSymlinks(root, values("--link"), log);
    else chmodInRoot(root, 0o777, values("--path"), log);
    return { code: 0, stderr: stderr.replace(/: warn: /g, ": warning: ") };
  } catch (e) {
    return { code: 1, stderr: `xpu-ctk hook ${hook}: ${errorMessage(e)}\n` };
  } finally {
    root.close();
  }
}

/** Builds a shared library at `path` whose soname is `soname`. */
function sharedLibrary(path: string, soname: string): void {
  const src = `${path}.c`;
  Deno.writeTextFileSync(src, "int xpu_escape(void) { return 1; }\n");
  const out = new Deno.Command("gcc", {
    args: ["-shared", "-fPIC", "-o", path, `-Wl,-soname,${soname}`, src],
    stderr: "piped",
  }).outputSync();
  Deno.removeSync(src);
  if (!out.success) throw new Error(`gcc: ${new TextDecoder().decode(out.stderr)}`);
}

/** The first of these host sysfs files that exists, to aim a link at. */
const SYSFS_FILE = ["/sys/kernel/mm/transparent_hugepage/enabled", "/sys/power/state"]
  .find((p) => {
    try {
      return Deno.statSync(p).isFile;
    } catch {
      return false;
    }
  });

/**
 * Layouts that attack what ldconfig does in the root (with /proc mounted there, as at
 * createContainer time): its mount namespace is made by the hook process, so they run through
 * the binary only.
 */
const LDCONFIG_LAYOUTS: [string, Setup][] = [
  ["ldconfig's aux cache through /proc/2/root", (r, d) => {
    const undo = withProc(r);
    realDirs(r);
    Deno.mkdirSync(`${r}/var`);
    link(`/proc/2/root${d}`, `${r}/var/cache`);
    return undo;
  }],
  ["a library whose soname leads through /proc/2/root to a host link", (r, d) => {
    const undo = withProc(r);
    realDirs(r);
    Deno.mkdirSync(`${r}/usr/lib/xpu`);
    link("secret", `${d}/lib/hostlink`);
    sharedLibrary(`${r}/usr/lib/xpu/libevil.so.1.0`, `../../../proc/2/root${d}/lib/hostlink`);
    return undo;
  }],
  [
    "an ld.so.conf that includes a host secret through /proc, and a cache ldconfig cannot write",
    (r, d) => {
      const undo = withProc(r);
      realDirs(r);
      Deno.writeTextFileSync(`${r}/etc/ld.so.conf`, `include /proc/2/root${d}/secret\n`);
      Deno.mkdirSync(`${r}/etc/ld.so.cache`);
      return undo;
    },
  ],
  ["a tmpfs stacked on a procfs, and an ld.so.conf naming a host directory through it", (r, d) => {
    const undoProc = withProc(r, "over");
    const tmpfs = new Deno.Command("mount", { args: ["-t", "tmpfs", "tmpfs", `${r}/over`] })
      .outputSync();
    if (!tmpfs.success) throw new Error("mount tmpfs failed");
    realDirs(r);
    Deno.writeTextFileSync(
      `${r}/etc/ld.so.conf`,
      `include /etc/ld.so.conf.d/*.conf\n/over/2/root${d}/lib\n`,
    );
    sharedLibrary(`${d}/lib/libhostx.so.1.0`, "libhostx.so.1");
    return () => {
      new Deno.Command("umount", { args: ["-l", `${r}/over`] }).outputSync();
      undoProc();
    };
  }],
  ["an ld.so.conf that includes /dev/zero", (r) => {
    realDirs(r);
    const out = new Deno.Command("mknod", { args: [`${r}/dev/zero`, "c", "1", "5"] }).outputSync();
    if (!out.success) throw new Error("mknod failed");
    Deno.writeTextFileSync(`${r}/etc/ld.so.conf`, "include /dev/zero\n");
  }],
  ["a FIFO in ld.so.conf.d whose name is not UTF-8", (r) => {
    realDirs(r);
    const out = new Deno.Command("bash", {
      args: ["-c", `mkfifo "$1"/$'\\xff'.conf`, "bash", `${r}/etc/ld.so.conf.d`],
    }).outputSync();
    if (!out.success) throw new Error("mkfifo failed");
  }],
  ["links into a writable sysfs mounted in the root", (r) => {
    realDirs(r);
    Deno.mkdirSync(`${r}/sys`);
    const out = new Deno.Command("mount", { args: ["-t", "sysfs", "sysfs", `${r}/sys`] })
      .outputSync();
    if (!out.success) throw new Error("mount sysfs failed");
    link(SYSFS_FILE!, `${r}/usr/lib/libxpu.so.1`);
    link("/sys/kernel", `${r}/etc/ld.so.conf.d/x.conf`);
    return () => {
      new Deno.Command("umount", { args: ["-l", `${r}/sys`] }).outputSync();
    };
  }],
];

for (const [name, setup] of LDCONFIG_LAYOUTS) {
  Deno.test({
    name: `escape suite: ${name}: the helper hooks leave the host alone`,
    ignore: rootOnly("procfs and sysfs mounts, mknod and ldconfig -r need root"),
    fn: async () => {
      const sysfsMode = SYSFS_FILE && Deno.statSync(SYSFS_FILE).mode;
      await runLayout(
        name,
        setup,
        (hook, _rootfs, state) =>
          runBin("xpu-ctk", ["hook", hook, ...HOOKS[hook]!.args], { stdin: state }),
      );
      assertEquals(SYSFS_FILE && Deno.statSync(SYSFS_FILE).mode, sysfsMode);
    },
  });
}

for (const [name, setup] of LAYOUTS) {
  Deno.test({
    name: `escape suite: ${name}: the helper hooks (openat2) leave the host alone`,
    ignore: rootOnly("hard links, procfs mounts and ldconfig -r need root"),
    fn: () =>
      runLayout(
        name,
        setup,
        (hook, _rootfs, state) =>
          runBin("xpu-ctk", ["hook", hook, ...HOOKS[hook]!.args], { stdin: state }),
      ),
  });
  Deno.test({
    name: `escape suite: ${name}: the helper hooks (component walk) leave the host alone`,
    ignore: rootOnly("hard links, procfs mounts and ldconfig -r need root"),
    fn: () => runLayout(name, setup, (hook, rootfs) => inProcess(hook, rootfs)),
  });
}

/**
 * The runtime shim doing both library hooks' work at create (prepareRoot, in a private mount
 * namespace of this thread, with a library bind-mounted into the root): the decoy and the
 * host's mounts must be unchanged; it either refuses naming a path, or keeps the hook (it could
 * not prepare this root: the hook then runs as above), or did the work inside the root.
 */
async function runInShim(name: string, setup: Setup): Promise<void> {
  await withTempDir((dir) => {
    const decoy = makeDecoy(dir);
    const { rootfs } = emptyBundle(dir);
    const bundle = rootfs.slice(0, -"/rootfs".length);
    Deno.writeTextFileSync(`${dir}/libxpu.so.1.0`, "driver library\n");
    const links = HOOKS["create-symlinks"]!.args.filter((a) => a.includes("::")).map(parseLink);
    const edits = {
      mounts: [{
        destination: "/usr/lib/xpu/libxpu.so.1.0",
        type: "bind",
        source: `${dir}/libxpu.so.1.0`,
        options: ["nosuid", "nodev", "bind", "ro"],
      }],
      hooks: helperHooks(links, ["/usr/lib/xpu"], { ctkPath: "/usr/bin/xpu-ctk" }),
    };
    const mounts = mountsUnder(dir);
    const undo = setup(rootfs, decoy);
    const before = snapshot(decoy);
    let stderr = "";
    const log = new Logger();
    log.log = (level, msg) => void (stderr += `${level}: ${msg}\n`);
    let outcome: string;
    try {
      const out = prepareRoot({ root: { path: "rootfs" } }, edits, {
        bundle,
        ldconfig: "@/sbin/ldconfig",
        configPath: undefined,
        log,
      });
      outcome = out.hooks?.length ? "kept" : "done";
    } catch (e) {
      outcome = "refused";
      stderr += `${errorMessage(e)}\n`;
    } finally {
      undo?.();
    }
    const what = `in the shim, "${name}"`;
    assertEquals(snapshot(decoy), before, `${what} changed the decoy: ${stderr}`);
    assertEquals(mountsUnder(dir), mounts, `${what}: mounts left`);
    assertEquals(stderr.includes("host-secret"), false, `${what} showed a host file`);
    if (outcome === "refused") {
      const refusal = stderr.trimEnd().split("\n").at(-1)!;
      assert(/"\/[^"]*"/.test(refusal) || /ldconfig/.test(refusal), `${what}: ${refusal}`);
    } else if (outcome === "done") {
      const confs = findNamed(rootfs, CONF).filter((p) => Deno.lstatSync(p).isFile);
      assert(
        confs.some((p) => Deno.readTextFileSync(p).includes("/usr/lib/xpu")),
        `${what}: no conf file inside the root`,
      );
    }
  });
}

for (const [name, setup] of [...LAYOUTS, ...LDCONFIG_LAYOUTS]) {
  Deno.test({
    name: `escape suite: ${name}: the runtime shim's work in the root leaves the host alone`,
    ignore: rootOnly("mount namespaces, procfs mounts and ldconfig -r need root"),
    fn: () => runInShim(name, setup),
  });
}

Deno.test("escape suite has at least 20 layouts", () => {
  assert(LAYOUTS.length + LDCONFIG_LAYOUTS.length >= 20, `${LAYOUTS.length} layouts`);
});
