import { assertEquals, assertMatch, assertThrows } from "../assert.ts";
import { rootOnly, withTempDir } from "../helpers.ts";
import { coveringMount, prepareRoot, type RootSystem } from "../../src/modes/prepare_root.ts";
import type { ContainerEdits } from "../../src/edits/edits.ts";
import type { Spec } from "../../src/oci/spec.ts";
import { helperHooks } from "../../src/internal/helper_hooks.ts";
import { Root } from "../../src/internal/in_root.ts";
import { Logger } from "../../src/internal/log.ts";
import { NamespaceReturnError } from "../../src/internal/mount_ns.ts";

const CTK = "/usr/bin/xpu-ctk";
const LINK = { target: "libxpu.so.1.0", link: "/usr/lib/xpu/libxpu.so.1" };
const LIB_MOUNT = {
  destination: "/usr/lib/xpu/libxpu.so.1.0",
  type: "bind",
  source: "/drv/usr/lib/xpu/libxpu.so.1.0",
  options: ["nosuid", "nodev", "bind", "ro"],
};
const CHMOD = {
  hookName: "createContainer" as const,
  path: CTK,
  args: ["xpu-ctk", "hook", "chmod", "--mode", "0755", "--path", "/dev/xpu0"],
};

/** csv-mode edits: a library mount, the one helper hook, and a chmod hook the shim leaves. */
function edits(configPath?: string): ContainerEdits {
  return {
    mounts: [{ ...LIB_MOUNT }],
    hooks: [...helperHooks([LINK], ["/usr/lib/xpu"], { ctkPath: CTK, configPath }), CHMOD],
  };
}

/** What the fake system saw. */
interface Seen {
  entered: number;
  left: number;
  binds: string[];
}

/**
 * A system whose namespace is this one (the test's temp root is all it touches) and whose binds
 * are only recorded; `enterNamespace` and `bind` can be made to fail.
 */
function fakeSystem(seen: Seen, fail: { enter?: boolean; bind?: boolean } = {}): RootSystem {
  return {
    isRoot: () => true,
    enterNamespace: () => {
      if (fail.enter) {
        throw new Error("Cannot make a private mount namespace: Operation not permitted");
      }
      seen.entered++;
      return { leave: () => void seen.left++ };
    },
    bind: (root, source, destination) => {
      if (fail.bind) throw new Error(`Cannot mount "${source}" at "${destination}": ENOSYS`);
      seen.binds.push(`${source} -> ${destination}`);
      // What the mount would show: ldconfig removes a link to nothing.
      Deno.mkdirSync(`${root.path}${destination.slice(0, destination.lastIndexOf("/"))}`, {
        recursive: true,
      });
      Deno.writeTextFileSync(`${root.path}${destination}`, "");
    },
    limits: { timeoutMs: 10_000, maxBytes: 1 << 30, isolate: false },
  };
}

function bundleIn(dir: string, spec: Partial<Spec> = {}): { bundle: string; spec: Spec } {
  Deno.mkdirSync(`${dir}/rootfs/etc`, { recursive: true });
  Deno.symlinkSync("rootfs", `${dir}/rootfs-link`);
  return { bundle: dir, spec: { root: { path: "rootfs" }, mounts: [], ...spec } };
}

function debugLog(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = new Logger();
  log.enabled = () => true;
  log.log = (level, msg) => void lines.push(`${level}: ${msg}`);
  return { log, lines };
}

const ignore = rootOnly("ldconfig -r writes the root's ld.so.cache");

Deno.test({
  name: "prepareRoot does the helper hook's work in the root and drops it; other hooks stay",
  ignore,
  fn: async () => {
    await withTempDir((dir) => {
      const { bundle, spec } = bundleIn(dir);
      const seen = { entered: 0, left: 0, binds: [] };
      const { log, lines } = debugLog();
      const out = prepareRoot(spec, edits(), {
        bundle,
        ldconfig: "@/sbin/ldconfig",
        configPath: undefined,
        log,
        system: fakeSystem(seen),
      });
      assertEquals(out.hooks, [CHMOD]);
      assertEquals(out.mounts, [LIB_MOUNT]);
      assertEquals(seen, {
        entered: 1,
        left: 1,
        binds: ["/drv/usr/lib/xpu/libxpu.so.1.0 -> /usr/lib/xpu/libxpu.so.1.0"],
      });
      assertEquals(Deno.readLinkSync(`${dir}/rootfs/usr/lib/xpu/libxpu.so.1`), "libxpu.so.1.0");
      assertEquals(
        Deno.readTextFileSync(`${dir}/rootfs/etc/ld.so.conf.d/00-xpu-container-toolkit.conf`),
        "# Written by xpu-ctk hook update-ldcache\n/usr/lib/xpu\n",
      );
      assertEquals(Deno.statSync(`${dir}/rootfs/etc/ld.so.cache`).isFile, true);
      assertMatch(lines.join("\n"), /Did the helper hooks' work in the root: 1 link\(s\), 1 ld/);
    });
  },
});

Deno.test("prepareRoot keeps the hook, and the root as it was, when it cannot do the work", async () => {
  const cases: [string, Partial<Spec>, Partial<RootSystem>, RegExp][] = [
    ["no mount namespace", {}, {
      enterNamespace: fakeSystem(newSeen(), { enter: true }).enterNamespace,
    }, /Cannot make a private mount namespace/],
    [
      "a bind the kernel refuses",
      {},
      { bind: fakeSystem(newSeen(), { bind: true }).bind },
      /Cannot mount/,
    ],
    ["not root", {}, { isRoot: () => false }, /does not run as root/],
    ["a user namespace", { linux: { namespaces: [{ type: "user" }] } }, {}, /user namespace/],
    ["no root filesystem", { root: { path: "missing" } }, {}, /Cannot open the container root/],
    ["no root path", { root: {} }, {}, /names no root/],
    [
      "a root reached through a link, which runc refuses",
      { root: { path: "rootfs-link" } },
      {},
      /"[^"]*\/rootfs-link" is reached through a symbolic link/,
    ],
    [
      "a tmpfs over /etc",
      { mounts: [{ destination: "/etc", type: "tmpfs" }] },
      {},
      /"\/etc" covers "\/etc\/ld.so.conf"/,
    ],
    [
      "a volume at the library",
      { mounts: [{ destination: "/usr/lib", type: "bind" }] },
      {},
      /"\/usr\/lib" covers "\/usr\/lib\/xpu/,
    ],
  ];
  for (const [what, specPart, sys, why] of cases) {
    await withTempDir((dir) => {
      const { bundle, spec } = bundleIn(dir, specPart);
      const seen = newSeen();
      const { log, lines } = debugLog();
      const given = edits();
      const out = prepareRoot(spec, given, {
        bundle,
        ldconfig: "@/sbin/ldconfig",
        configPath: undefined,
        log,
        system: { ...fakeSystem(seen), ...sys },
      });
      assertEquals(out, given, what);
      assertEquals(out.hooks!.filter((h) => h.args![2] === "update-ldcache").length, 1, what);
      assertMatch(lines.join("\n"), new RegExp(`Helper hook kept: .*${why.source}`), what);
      assertEquals(seen.entered, seen.left, `${what}: every namespace entered is left`);
      assertEquals([...Deno.readDirSync(`${dir}/rootfs/etc`)], [], what);
    });
  }
});

function newSeen(): Seen {
  return { entered: 0, left: 0, binds: [] };
}

Deno.test("prepareRoot leaves alone hooks it would not run the same way", () => {
  const others: ContainerEdits[] = [
    // Told about another config than the shim's: that config's ldconfig would run.
    edits("/other/config.toml"),
    // Not an xpu-ctk binary, whatever its args say.
    { hooks: [{ ...edits().hooks![0]!, path: "/usr/bin/other-tool" }] },
    // A usage error the hook would report.
    { hooks: [{ ...edits().hooks![0]!, args: ["xpu-ctk", "hook", "update-ldcache", "--bogus"] }] },
    // Another lifecycle point.
    { hooks: [{ ...edits().hooks![0]!, hookName: "poststart" }] },
  ];
  for (const given of others) {
    const seen = newSeen();
    const out = prepareRoot({ root: { path: "/nonexistent" } }, given, {
      bundle: "/b",
      ldconfig: "@/sbin/ldconfig",
      configPath: undefined,
      log: new Logger(),
      system: fakeSystem(seen),
    });
    assertEquals(out, given);
    assertEquals(seen.entered, 0);
  }
});

Deno.test({
  name:
    "prepareRoot fails on a root whose /etc leads out, naming the path, and leaves the namespace",
  ignore,
  fn: async () => {
    await withTempDir((dir) => {
      const { bundle, spec } = bundleIn(dir);
      Deno.removeSync(`${dir}/rootfs/etc`);
      Deno.symlinkSync("etc", `${dir}/rootfs/etc`);
      const seen = newSeen();
      assertThrows(
        () =>
          prepareRoot(spec, edits(), {
            bundle,
            ldconfig: "@/sbin/ldconfig",
            configPath: undefined,
            log: new Logger(),
            system: fakeSystem(seen),
          }),
        Error,
        'Cannot resolve "/etc',
      );
      assertEquals([seen.entered, seen.left], [1, 1]);
    });
  },
});

Deno.test("prepareRoot fails on an ldconfig that is not there, as the hook would", async () => {
  await withTempDir((dir) => {
    const { bundle, spec } = bundleIn(dir);
    assertThrows(
      () =>
        prepareRoot(spec, edits(), {
          bundle,
          ldconfig: "@/nonexistent/ldconfig",
          configPath: undefined,
          log: new Logger(),
          system: fakeSystem(newSeen()),
        }),
      Error,
      'ldconfig "/nonexistent/ldconfig" (xpu-container-cli.ldconfig) is not an executable file on the host',
    );
    assertEquals([...Deno.readDirSync(`${dir}/rootfs/etc`)], []);
  });
});

Deno.test("coveringMount compares paths as the container will see them, links resolved", async () => {
  await withTempDir((dir) => {
    for (const d of ["etc", "opt/xpu/lib", "srv"]) {
      Deno.mkdirSync(`${dir}/${d}`, { recursive: true });
    }
    Deno.symlinkSync("/opt/xpu", `${dir}/usr-xpu`);
    Deno.symlinkSync("../srv", `${dir}/data`);
    const root = Root.open(dir);
    try {
      const touched = ["/etc/ld.so.cache", "/usr-xpu/lib/libx.so.1", "/usr-xpu/lib"];
      assertEquals(
        coveringMount(root, touched, ["/etc/hosts", "/data", "/proc", "/dev"]),
        undefined,
      );
      assertEquals(
        coveringMount(root, touched, ["/etc/hosts", "/opt"]),
        '"/opt" covers "/usr-xpu/lib/libx.so.1"',
      );
      assertEquals(
        coveringMount(root, touched, ["/etc/ld.so.cache"]),
        '"/etc/ld.so.cache" covers "/etc/ld.so.cache"',
      );
      assertEquals(
        coveringMount(root, touched, ["/opt/xpu/lib"]),
        '"/opt/xpu/lib" covers "/usr-xpu/lib/libx.so.1"',
      );
      // A destination through a link in the image is where runc will mount it.
      assertEquals(coveringMount(root, ["/srv/lib/x"], ["/data"]), '"/data" covers "/srv/lib/x"');
      assertEquals(coveringMount(root, ["/srv/lib/x"], ["/"]), '"/" covers "/srv/lib/x"');
    } finally {
      root.close();
    }
  });
});

Deno.test("prepareRoot fails, rather than keep the hook, when it cannot come back from its namespace", async () => {
  await withTempDir((dir) => {
    const { bundle, spec } = bundleIn(dir);
    const { log } = debugLog();
    const stranded: Partial<RootSystem> = {
      enterNamespace: () => {
        throw new NamespaceReturnError("Cannot return to the original mount namespace: EPERM");
      },
    };
    assertThrows(
      () =>
        prepareRoot(spec, edits(), {
          bundle,
          ldconfig: "@/sbin/ldconfig",
          configPath: undefined,
          log,
          system: { ...fakeSystem(newSeen()), ...stranded },
        }),
      NamespaceReturnError,
      "Cannot return to the original mount namespace",
    );
  });
});
