import { assertEquals, assertThrows } from "../assert.ts";
import { mountsUnder, rootOnly, withTempDir } from "../helpers.ts";
import { enterReturnableNamespace } from "../../src/internal/mount_ns.ts";
import { bindReadOnly } from "../../src/internal/bind_mount.ts";
import { Root } from "../../src/internal/in_root.ts";

const ignore = rootOnly("mount namespaces and mounts need root");

/**
 * Gives this thread a working directory of its own: `deno test --parallel` runs test files on
 * threads of one process, and a chdir would move every other file's tests too.
 */
function ownWorkingDirectory(): void {
  const CLONE_FS = 0x200;
  const lib = Deno.dlopen("libc.so.6", { unshare: { parameters: ["i32"], result: "i32" } });
  try {
    assertEquals(lib.symbols.unshare(CLONE_FS), 0);
  } finally {
    lib.close();
  }
}

function mountNs(): string {
  return Deno.readLinkSync("/proc/thread-self/ns/mnt");
}

/** What a child process started now sees: its mount namespace and working directory. */
function child(): string {
  const out = new Deno.Command("/bin/sh", {
    args: ["-c", "readlink /proc/self/ns/mnt; pwd"],
    stdout: "piped",
  }).outputSync();
  return new TextDecoder().decode(out.stdout);
}

Deno.test({
  name:
    "a returnable namespace: children start in it, its mounts stay in it, and leave() restores namespace and cwd",
  ignore,
  fn: async () => {
    await withTempDir((dir) => {
      ownWorkingDirectory();
      const cwd = Deno.cwd();
      Deno.chdir(dir);
      const hostNs = mountNs();
      const hostMounts = mountsUnder(dir, "thread-self");
      const before = child();
      const ns = enterReturnableNamespace();
      try {
        assertEquals(mountNs() === hostNs, false);
        assertEquals(child(), `${mountNs()}\n${dir}\n`);
        Deno.mkdirSync(`${dir}/root/lib`, { recursive: true });
        Deno.writeTextFileSync(`${dir}/lib.so`, "library\n");
        const root = Root.open(`${dir}/root`);
        try {
          bindReadOnly(root, `${dir}/lib.so`, "/lib/libx.so.1", false);
        } finally {
          root.close();
        }
        assertEquals(Deno.readTextFileSync(`${dir}/root/lib/libx.so.1`), "library\n");
        assertThrows(
          () => Deno.writeTextFileSync(`${dir}/root/lib/libx.so.1`, "x"),
          Error,
          "Read-only file system",
        );
      } finally {
        ns.leave();
      }
      try {
        assertEquals(mountNs(), hostNs);
        assertEquals(mountsUnder(dir, "thread-self"), hostMounts);
        assertEquals(child(), before);
        assertEquals(Deno.cwd(), dir);
        // The mount point stays, as runc leaves it: an empty 0755 file.
        const point = Deno.statSync(`${dir}/root/lib/libx.so.1`);
        assertEquals([point.size, point.mode! & 0o777], [0, 0o755]);
      } finally {
        Deno.chdir(cwd);
      }
    });
  },
});

Deno.test({
  name: "bindReadOnly mounts directories read-only and refuses a source that is not there",
  ignore,
  fn: async () => {
    await withTempDir((dir) => {
      Deno.mkdirSync(`${dir}/root`);
      Deno.mkdirSync(`${dir}/driver/bin`, { recursive: true });
      Deno.writeTextFileSync(`${dir}/driver/bin/tool`, "tool\n");
      const hostMounts = mountsUnder(dir, "thread-self");
      const ns = enterReturnableNamespace();
      try {
        const root = Root.open(`${dir}/root`);
        try {
          bindReadOnly(root, `${dir}/driver/bin`, "/usr/local/xpu/bin", false);
          assertThrows(
            () => bindReadOnly(root, `${dir}/missing`, "/x", false),
            Error,
            `Cannot mount "${dir}/missing" at "/x" in the container`,
          );
        } finally {
          root.close();
        }
        assertEquals(Deno.readTextFileSync(`${dir}/root/usr/local/xpu/bin/tool`), "tool\n");
        assertThrows(
          () => Deno.writeTextFileSync(`${dir}/root/usr/local/xpu/bin/new`, "x"),
          Error,
          "Read-only file system",
        );
      } finally {
        ns.leave();
      }
      assertEquals(mountsUnder(dir, "thread-self"), hostMounts);
      assertEquals([...Deno.readDirSync(`${dir}/root/usr/local/xpu/bin`)], []);
      assertEquals([...Deno.readDirSync(`${dir}/driver/bin`)].map((e) => e.name), ["tool"]);
    });
  },
});

Deno.test({
  name:
    "leave() returns even when a thread was started from the namespace meanwhile, which shares the root and cwd",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      ownWorkingDirectory();
      const cwd = Deno.cwd();
      Deno.chdir(dir);
      const hostNs = mountNs();
      const hostMounts = mountsUnder(dir, "thread-self");
      const ns = enterReturnableNamespace();
      // Deno starts such a thread itself now and then while a child runs (one in some 20 runs of
      // ldconfig in a loop): a worker is one that can be started on purpose.
      const worker = new Worker(
        `data:text/javascript,self.onmessage = () => self.postMessage(Deno.readLinkSync("/proc/thread-self/ns/mnt"));`,
        { type: "module" },
      );
      try {
        const privateNs = mountNs();
        const seen = new Promise((resolve) => worker.onmessage = (e) => resolve(e.data));
        worker.postMessage("");
        assertEquals(await seen, privateNs);
        ns.leave();
        assertEquals(mountNs(), hostNs);
        assertEquals(Deno.cwd(), dir);
        assertEquals(mountsUnder(dir, "thread-self"), hostMounts);
      } finally {
        worker.terminate();
        Deno.chdir(cwd);
      }
    });
  },
});
