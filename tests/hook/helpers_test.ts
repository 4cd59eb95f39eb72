import { assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import { configEnv, rootOnly, runBin, withTempDir } from "../helpers.ts";
import { emptyBundle } from "./hostile.ts";

/** A bundle whose rootfs (with an /etc) is `<dir>/bundle/rootfs`, and the state runc sends. */
function bundle(dir: string): { rootfs: string; state: string } {
  // createContainer hooks get the container's own PID (1 in its namespace): it must not matter.
  const made = emptyBundle(dir);
  Deno.mkdirSync(`${made.rootfs}/etc`);
  return made;
}

function ctk(args: string[], stdin: string, env: Record<string, string> = {}) {
  return runBin("xpu-ctk", ["hook", ...args], { stdin, env });
}

Deno.test("hook create-symlinks creates links and is idempotent", async () => {
  await withTempDir(async (dir) => {
    const { rootfs, state } = bundle(dir);
    const args = [
      "create-symlinks",
      "--link",
      "libxpuml.so.1.2.3::/usr/local/xpu/lib64/libxpuml.so.1",
      "--link=/opt/x::/usr/bin/x",
    ];
    assertEquals(await ctk(args, state), { code: 0, stdout: "", stderr: "" });
    assertEquals(
      Deno.readLinkSync(`${rootfs}/usr/local/xpu/lib64/libxpuml.so.1`),
      "libxpuml.so.1.2.3",
    );
    assertEquals(Deno.readLinkSync(`${rootfs}/usr/bin/x`), "/opt/x");
    assertEquals(await ctk(args, state), { code: 0, stdout: "", stderr: "" });
  });
});

Deno.test("hook create-symlinks keeps a different file at the link's path, with a warning", async () => {
  await withTempDir(async (dir) => {
    const { rootfs, state } = bundle(dir);
    Deno.mkdirSync(`${rootfs}/lib`);
    Deno.writeTextFileSync(`${rootfs}/lib/libx.so.1`, "the image's own");
    Deno.symlinkSync("elsewhere", `${rootfs}/lib/liby.so.1`);
    const out = await ctk([
      "create-symlinks",
      "--link",
      "libx.so.1.0::/lib/libx.so.1",
      "--link",
      "liby.so.1.0::/lib/liby.so.1",
    ], state);
    assertEquals(out.code, 0);
    assertEquals(
      out.stderr,
      'xpu-ctk hook create-symlinks: warning: /lib/libx.so.1 exists in the container and is not a link to "libx.so.1.0"; left as it is\n' +
        'xpu-ctk hook create-symlinks: warning: /lib/liby.so.1 exists in the container and is not a link to "liby.so.1.0"; left as it is\n',
    );
    assertEquals(Deno.readTextFileSync(`${rootfs}/lib/libx.so.1`), "the image's own");
    assertEquals(Deno.readLinkSync(`${rootfs}/lib/liby.so.1`), "elsewhere");
  });
});

Deno.test("hook chmod changes modes inside the root", async () => {
  await withTempDir(async (dir) => {
    const { rootfs, state } = bundle(dir);
    Deno.writeTextFileSync(`${rootfs}/etc/a`, "");
    const out = await ctk(
      ["chmod", "--mode", "0600", "--path", "/etc/a", "--path", "/etc/missing"],
      state,
    );
    assertEquals(out.code, 0);
    assertEquals((Deno.statSync(`${rootfs}/etc/a`).mode ?? 0) & 0o777, 0o600);
    assertEquals(
      out.stderr,
      "xpu-ctk hook chmod: warning: /etc/missing does not exist in the container; not changed\n",
    );
  });
});

Deno.test({
  name: "hook update-ldcache writes its conf file and runs the host ldconfig -r on the root",
  ignore: rootOnly("ldconfig -r chroots"),
  fn: async () => {
    await withTempDir(async (dir) => {
      const { rootfs, state } = bundle(dir);
      const out = await ctk([
        "update-ldcache",
        "--folder",
        "/usr/local/xpu/lib64",
        "--folder",
        "/opt/xpu/lib",
      ], state);
      assertEquals(out.code, 0, out.stderr);
      assertEquals(
        Deno.readTextFileSync(`${rootfs}/etc/ld.so.conf.d/00-xpu-container-toolkit.conf`),
        "# Written by xpu-ctk hook update-ldcache\n/usr/local/xpu/lib64\n/opt/xpu/lib\n",
      );
      assertEquals(
        Deno.readTextFileSync(`${rootfs}/etc/ld.so.conf`),
        "include /etc/ld.so.conf.d/*.conf\n",
      );
      // ldconfig ran in the root: it wrote the root's cache.
      assertEquals(Deno.statSync(`${rootfs}/etc/ld.so.cache`).isFile, true);
    });
  },
});

Deno.test({
  name:
    "hook update-ldcache --link … --folder … does both jobs in one process: links first, then the cache",
  ignore: rootOnly("ldconfig -r chroots"),
  fn: async () => {
    await withTempDir(async (dir) => {
      const { rootfs, state } = bundle(dir);
      // ldconfig drops a link to nothing from the folders it scans: the link must be there first.
      Deno.mkdirSync(`${rootfs}/usr/local/xpu/lib64`, { recursive: true });
      Deno.writeTextFileSync(`${rootfs}/usr/local/xpu/lib64/libxpuml.so.1.2.3`, "");
      const out = await ctk([
        "update-ldcache",
        "--link",
        "libxpuml.so.1.2.3::/usr/local/xpu/lib64/libxpuml.so.1",
        "--link",
        "/usr/local/xpu/bin/tool::/usr/bin/xpu-tool",
        "--folder",
        "/usr/local/xpu/lib64",
      ], state);
      assertEquals(out.code, 0, out.stderr);
      assertEquals(
        Deno.readLinkSync(`${rootfs}/usr/local/xpu/lib64/libxpuml.so.1`),
        "libxpuml.so.1.2.3",
      );
      assertEquals(Deno.readLinkSync(`${rootfs}/usr/bin/xpu-tool`), "/usr/local/xpu/bin/tool");
      assertEquals(
        Deno.readTextFileSync(`${rootfs}/etc/ld.so.conf.d/00-xpu-container-toolkit.conf`),
        "# Written by xpu-ctk hook update-ldcache\n/usr/local/xpu/lib64\n",
      );
      assertEquals(Deno.statSync(`${rootfs}/etc/ld.so.cache`).isFile, true);
    });
  },
});

Deno.test("hook update-ldcache with a bad --link writes nothing", async () => {
  await withTempDir(async (dir) => {
    const { rootfs, state } = bundle(dir);
    const out = await ctk(
      ["update-ldcache", "--link", "a::/b", "--link", "nocolons", "--folder", "/lib"],
      state,
    );
    assertEquals(out.code, 1);
    assertEquals(
      out.stderr,
      'xpu-ctk hook update-ldcache: Invalid --link "nocolons": expected TARGET::/absolute/link\n',
    );
    assertEquals([...Deno.readDirSync(rootfs)].map((e) => e.name), ["etc"]);
    assertEquals([...Deno.readDirSync(`${rootfs}/etc`)], []);
  });
});

Deno.test("hook update-ldcache fails clearly without a usable ldconfig", async () => {
  await withTempDir(async (dir) => {
    const { state } = bundle(dir);
    const env = configEnv(
      `${dir}/xdg`,
      '[xpu-container-cli]\nldconfig = "@/nonexistent/ldconfig"\n',
    );
    const out = await ctk(["update-ldcache", "--folder", "/lib"], state, env);
    assertEquals(out.code, 1);
    assertEquals(
      out.stderr,
      'xpu-ctk hook update-ldcache: ldconfig "/nonexistent/ldconfig" (xpu-container-cli.ldconfig) is not an executable file on the host\n',
    );
  });
});

const USAGE: [string[], RegExp][] = [
  [["create-symlinks"], /Nothing to do: give --link/],
  [["create-symlinks", "--bogus"], /Unknown flag "--bogus"/],
  [["update-ldcache", "--folder"], /Flag "--folder" needs a value/],
  [["chmod", "stray"], /Unexpected argument "stray"/],
];

for (const [args, message] of USAGE) {
  Deno.test(`xpu-ctk hook ${args.join(" ")} is a usage error (exit 2)`, async () => {
    const out = await ctk(args, "{}");
    assertEquals(out.code, 2);
    assertMatch(out.stderr, message);
    assertStringIncludes(out.stderr, "Usage: xpu-ctk hook");
  });
}

Deno.test("helper hooks fail on bad state or input with one line and exit 1", async () => {
  await withTempDir(async (dir) => {
    const { state } = bundle(dir);
    const cases: [string[], string, RegExp][] = [
      [
        ["chmod", "--mode", "0644", "--path", "/etc"],
        "",
        /^xpu-ctk hook chmod: Cannot read the container state on stdin: it is empty\n$/,
      ],
      [
        ["chmod", "--mode", "rwx", "--path", "/etc"],
        state,
        /^xpu-ctk hook chmod: Invalid --mode "rwx": expected an octal mode such as 0755\n$/,
      ],
      [
        ["create-symlinks", "--link", "nocolons"],
        state,
        /^xpu-ctk hook create-symlinks: Invalid --link "nocolons": expected TARGET::\/absolute\/link\n$/,
      ],
      [
        ["update-ldcache", "--folder", "relative"],
        state,
        /^xpu-ctk hook update-ldcache: Invalid --folder "relative": expected an absolute path\n$/,
      ],
    ];
    for (const [args, stdin, pattern] of cases) {
      const out = await ctk(args, stdin);
      assertEquals(out.code, 1, args.join(" "));
      assertMatch(out.stderr, pattern);
    }
  });
});

Deno.test("--help on a helper hook describes it", async () => {
  const out = await ctk(["update-ldcache", "--help"], "");
  assertEquals(out.code, 0);
  assertMatch(out.stdout, /^Usage: xpu-ctk hook update-ldcache /);
});

/** The host: a directory outside the rootfs with files the container must never reach. */
function hostileRoot(dir: string) {
  const { rootfs, state } = bundle(dir);
  const host = `${dir}/host`;
  Deno.mkdirSync(`${host}/etc/ld.so.conf.d`, { recursive: true });
  Deno.writeTextFileSync(`${host}/etc/passwd`, "root:x:0:0::/root:/bin/sh\n");
  Deno.chmodSync(`${host}/etc/passwd`, 0o644);
  Deno.removeSync(`${rootfs}/etc`);
  Deno.symlinkSync(`${host}/etc`, `${rootfs}/etc`); // /etc -> an absolute host path
  Deno.symlinkSync("../../../../../../../..", `${rootfs}/lib`); // lib -> far above the root
  Deno.symlinkSync("/", `${rootfs}/hostroot`); // an absolute link to /
  Deno.symlinkSync(`${host}/etc/passwd`, `${rootfs}/passwd-link`);
  return { rootfs, state, host };
}

function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of [...Deno.readDirSync(d)].sort((a, b) => a.name.localeCompare(b.name))) {
      const p = `${d}/${e.name}`;
      const info = Deno.lstatSync(p);
      out.push(`${p} ${info.mode?.toString(8)} ${info.isFile ? Deno.readTextFileSync(p) : ""}`);
      if (e.isDirectory) walk(p);
    }
  };
  walk(dir);
  return out;
}

Deno.test({
  name: "security: helper hooks never touch anything outside the container root",
  ignore: rootOnly("update-ldcache runs ldconfig -r"),
  fn: async () => {
    await withTempDir(async (dir) => {
      const { rootfs, state, host } = hostileRoot(dir);
      const before = snapshot(host);
      const runs: string[][] = [
        ["update-ldcache", "--folder", "/usr/local/xpu/lib64"],
        [
          "create-symlinks",
          "--link",
          "evil::/lib/evil",
          "--link",
          "x::/etc/ld.so.conf.d/x",
          "--link",
          "y::/hostroot/tmp/y",
        ],
        [
          "chmod",
          "--mode",
          "0777",
          "--path",
          "/etc/passwd",
          "--path",
          "/passwd-link",
          "--path",
          "/lib",
        ],
      ];
      for (const args of runs) {
        const out = await ctk(args, state);
        assertEquals(out.code, 0, `${args[0]}: ${out.stderr}`);
      }
      assertEquals(snapshot(host), before);
      // What they wrote landed inside the root, where the container will see it.
      assertEquals(Deno.readLinkSync(`${rootfs}/evil`), "evil");
      assertEquals(Deno.readLinkSync(`${rootfs}${host}/etc/ld.so.conf.d/x`), "x");
      assertEquals(Deno.readLinkSync(`${rootfs}/tmp/y`), "y");
      assertStringIncludes(
        Deno.readTextFileSync(`${rootfs}${host}/etc/ld.so.conf.d/00-xpu-container-toolkit.conf`),
        "/usr/local/xpu/lib64",
      );
    });
  },
});

Deno.test("hook create-symlinks makes 1,500 links: descriptors are given back as it goes", async () => {
  await withTempDir(async (dir) => {
    const { rootfs, state } = bundle(dir);
    const args = Array.from({ length: 1500 }, (_, i) => `--link=t${i}::/l/d${i}/x`);
    const out = await ctk(["create-symlinks", ...args], state);
    assertEquals({ code: out.code, stderr: out.stderr }, { code: 0, stderr: "" });
    assertEquals(Deno.readLinkSync(`${rootfs}/l/d1499/x`), "t1499");
  });
});
