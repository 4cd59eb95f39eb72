import { assertEquals, assertThrows } from "../assert.ts";
import { Root, RootPathError } from "../../src/internal/in_root.ts";
import { withTempDir } from "../helpers.ts";

/** Both resolvers: the kernel's openat2 and the component walk older kernels use. */
const RESOLVERS = [{ name: "openat2", openat2: true }, { name: "walk", openat2: false }];

/** The host path a handle's descriptor names. */
function hostPath(fd: number): string {
  return Deno.readLinkSync(`/proc/self/fd/${fd}`);
}

/** A root with the usual image links and hostile ones, and a directory outside it. */
function layout(dir: string): { root: string; outside: string } {
  const root = `${dir}/root`;
  const outside = `${dir}/outside`;
  Deno.mkdirSync(`${root}/usr/lib`, { recursive: true });
  Deno.mkdirSync(`${outside}/etc`, { recursive: true });
  Deno.writeTextFileSync(`${root}/usr/lib/libx.so.1`, "x");
  Deno.symlinkSync("usr/lib", `${root}/lib`);
  Deno.symlinkSync(outside, `${root}/abs`);
  Deno.symlinkSync("../../../../..", `${root}/usr/lib/up`);
  Deno.symlinkSync("nx/../h/etc", `${root}/etc`);
  Deno.symlinkSync(outside, `${root}/h`);
  Deno.symlinkSync("loop2", `${root}/loop1`);
  Deno.symlinkSync("loop1", `${root}/loop2`);
  Deno.symlinkSync("/usr/lib/libx.so.1", `${root}/lastlink`);
  return { root, outside };
}

for (const r of RESOLVERS) {
  Deno.test(`Root.resolve() (${r.name}) resolves as the container sees it, never outside`, async () => {
    await withTempDir((dir) => {
      const { root, outside } = layout(dir);
      const rootfs = Root.open(root, { openat2: r.openat2 });
      try {
        const cases: [string, string | undefined][] = [
          ["/", root],
          ["/lib/libx.so.1", `${root}/usr/lib/libx.so.1`],
          ["/usr/lib/up", root],
          ["/usr/lib/up/usr/../usr/lib", `${root}/usr/lib`],
          ["/../../..", root],
          ["/abs", undefined], // re-rooted: <root>/<outside> does not exist
          ["/etc", undefined], // nx is missing, so the link leads nowhere
          ["/lastlink", `${root}/usr/lib/libx.so.1`],
          ["/missing/x", undefined],
        ];
        for (const [path, expected] of cases) {
          const h = rootfs.resolve(path);
          assertEquals(h && hostPath(h.fd), expected, path);
        }
        const link = rootfs.resolve("/lastlink", false)!;
        assertEquals(rootfs.stat(link).kind, "symlink");
        assertThrows(() => rootfs.resolve("/loop1/x"), RootPathError, '"/loop1/x"');
        assertThrows(
          () => rootfs.resolve("/usr/lib/libx.so.1/x"),
          RootPathError,
          "not a directory",
        );
        assertEquals([...Deno.readDirSync(outside)].map((e) => e.name), ["etc"]);
      } finally {
        rootfs.close();
      }
    });
  });

  Deno.test(`Root.mkdirAll() (${r.name}) creates through re-rooted links, inside the root`, async () => {
    await withTempDir((dir) => {
      const { root, outside } = layout(dir);
      const rootfs = Root.open(root, { openat2: r.openat2 });
      try {
        const conf = rootfs.mkdirAll("/etc/ld.so.conf.d");
        assertEquals(hostPath(conf.fd), `${root}${outside}/etc/ld.so.conf.d`);
        assertEquals(hostPath(rootfs.mkdirAll("/abs/new").fd), `${root}${outside}/new`);
        assertEquals(hostPath(rootfs.mkdirAll("/lib/sub").fd), `${root}/usr/lib/sub`);
        assertThrows(() => rootfs.mkdirAll("/lastlink"), RootPathError, "not a directory");
        assertEquals([...Deno.readDirSync(`${outside}`)].map((e) => e.name), ["etc"]);
        assertEquals([...Deno.readDirSync(`${outside}/etc`)], []);
      } finally {
        rootfs.close();
      }
    });
  });

  Deno.test(`Root file operations (${r.name}) never write through a link`, async () => {
    await withTempDir((dir) => {
      const { root, outside } = layout(dir);
      Deno.writeTextFileSync(`${outside}/victim`, "host");
      Deno.chmodSync(`${outside}/victim`, 0o600);
      Deno.mkdirSync(`${root}/d`);
      Deno.symlinkSync(`${outside}/victim`, `${root}/d/exclusive`);
      Deno.symlinkSync(`${outside}/victim`, `${root}/d/replaced`);
      const rootfs = Root.open(root, { openat2: r.openat2 });
      try {
        const d = rootfs.resolve("/d")!;
        assertEquals(rootfs.createFileAt(d, "exclusive", "evil"), false);
        assertEquals(rootfs.createFileAt(d, "new", "data", 0o640), true);
        assertEquals(Deno.readTextFileSync(`${root}/d/new`), "data");
        assertEquals((Deno.statSync(`${root}/d/new`).mode ?? 0) & 0o777, 0o640);
        rootfs.replaceFileAt(d, "replaced", "conf");
        assertEquals(Deno.lstatSync(`${root}/d/replaced`).isFile, true);
        assertEquals(rootfs.symlinkAt(d, "exclusive", "x"), false);
        assertEquals(rootfs.symlinkAt(d, "l", "target"), true);
        assertEquals(rootfs.readlinkAt(d, "l"), "target");
        assertEquals(rootfs.lstatAt(d, "missing"), undefined);
        assertThrows(() => rootfs.createFileAt(d, "../x", ""), RootPathError, "Invalid file name");
        // chmod follows the link inside the root only: <root>/<outside>/victim is missing.
        assertEquals(rootfs.resolve("/d/exclusive"), undefined);
        rootfs.chmod(rootfs.resolve("/d/new")!, 0o600);
        assertEquals((Deno.statSync(`${root}/d/new`).mode ?? 0) & 0o777, 0o600);
        Deno.linkSync(`${outside}/victim`, `${root}/d/hard`);
        assertThrows(
          () => rootfs.chmod(rootfs.resolve("/d/hard")!, 0o777),
          RootPathError,
          '"/d/hard" in the container: it has 2 hard links',
        );
        assertEquals(Deno.readTextFileSync(`${outside}/victim`), "host");
        assertEquals((Deno.statSync(`${outside}/victim`).mode ?? 0) & 0o777, 0o600);
        assertEquals([...Deno.readDirSync(root)].some((e) => e.name.endsWith(".tmp")), false);
      } finally {
        rootfs.close();
      }
    });
  });
}

Deno.test("Root.open() of a missing directory names it", () => {
  assertThrows(
    () => Root.open("/nonexistent/rootfs"),
    Error,
    'Cannot open the container root "/nonexistent/rootfs": No such file or directory',
  );
});

for (const r of RESOLVERS) {
  Deno.test(`Root.realPath() (${r.name}) names the place inside the root a path leads to`, async () => {
    await withTempDir((dir) => {
      const { root, outside } = layout(dir);
      const rootfs = Root.open(root, { openat2: r.openat2 });
      try {
        const cases: [string, string][] = [
          ["/", "/"],
          ["/lib/libx.so.1", "/usr/lib/libx.so.1"],
          ["/lib/missing/x", "/usr/lib/missing/x"],
          ["/usr/lib/up/lib", "/usr/lib"],
          // Links out of the root lead inside it, where the container will find them; a link
          // to nothing to where it points.
          ["/abs/etc/x", `${outside}/etc/x`],
          ["/etc/passwd", `${outside}/etc/passwd`],
          ["/h/../etc", `${dir}/etc`],
          ["/missing/../lib", "/usr/lib"],
        ];
        for (const [path, want] of cases) assertEquals(rootfs.realPath(path), want, path);
        assertThrows(() => rootfs.realPath("/loop1/x"), RootPathError);
      } finally {
        rootfs.close();
      }
    });
  });
}
