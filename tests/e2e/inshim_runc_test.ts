/**
 * The runtime shim preparing the root at create, through real runc: why the host's ldconfig is
 * never a hook of its own, and that a container whose libraries the shim set up finds them
 * through its ld cache, with no helper hook in its spec, runc run from the host's mount
 * namespace and no mount of ours left on the host.
 */

import { assertEquals, assertMatch } from "../assert.ts";
import { bin, configEnv, mountsUnder, q, run, runBin, withTempDir } from "../helpers.ts";
import { makeBundle, makeRootfs, runcUnavailable, runThroughShim } from "./bundle.ts";
import { generateCdiSpec, makeDriverRoot } from "./driver.ts";

const ignore = runcUnavailable();
const LIB = "/usr/local/xpu/lib64";

function mountNs(): string {
  return Deno.readLinkSync("/proc/self/ns/mnt");
}

Deno.test({
  name:
    "runc has mounted the container's procfs in the root when createContainer hooks run, and its /proc/1/root is the host's /",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const b = makeBundle(`${dir}/bundle`, { args: ["true"] });
      const spec = JSON.parse(Deno.readTextFileSync(`${b}/config.json`));
      Deno.writeTextFileSync(`${dir}/marker`, "on the host\n");
      // A host-side hook, run as ldconfig -r would be: what does the root hold at that point?
      spec.hooks = {
        createContainer: [{
          path: "/bin/sh",
          args: [
            "sh",
            "-c",
            '{ grep -c " $1/proc " /proc/self/mountinfo; cat "$1/proc/1/root$2"; } >"$3" 2>&1',
            "sh",
            `${b}/rootfs`,
            `${dir}/marker`,
            `${dir}/out`,
          ],
        }],
      };
      Deno.writeTextFileSync(`${b}/config.json`, JSON.stringify(spec));
      const ran = await run("runc", [
        "--root",
        `${dir}/state`,
        "run",
        "--bundle",
        b,
        "inshim-proc",
      ]);
      await run("runc", ["--root", `${dir}/state`, "delete", "--force", "inshim-proc"]);
      assertEquals(ran.code, 0, ran.stderr);
      // So an image's `include /proc/1/root/…`, soname or /var/cache link would reach the host.
      assertEquals(Deno.readTextFileSync(`${dir}/out`), "1\non the host\n");
    });
  },
});

/** Builds `libxpuml.so.1.2.3` (soname libxpuml.so.1) into the driver and a program using it. */
async function buildLibrary(dir: string, driver: string): Promise<string> {
  Deno.writeTextFileSync(
    `${dir}/lib.c`,
    'const char *xpu_hello(void) { return "libxpuml loaded"; }\n',
  );
  Deno.writeTextFileSync(
    `${dir}/prog.c`,
    "#include <stdio.h>\nconst char *xpu_hello(void);\nint main(void) { puts(xpu_hello()); return 0; }\n",
  );
  const lib = `${driver}${LIB}/libxpuml.so.1.2.3`;
  for (
    const args of [
      ["-shared", "-fPIC", "-Wl,-soname,libxpuml.so.1", "-o", lib, `${dir}/lib.c`],
      ["-o", `${dir}/prog`, `${dir}/prog.c`, lib],
    ]
  ) {
    const out = await run("gcc", args);
    if (out.code !== 0) throw new Error(`gcc: ${out.stderr}`);
  }
  return `${dir}/prog`;
}

/**
 * A bundle at DIR/NAME whose root holds `prog` and the C library it needs (not libxpuml, which
 * only the driver has), with a createRuntime hook that records runc's mount namespace in
 * DIR/runc-ns.
 */
async function bundleWithProgram(
  dir: string,
  name: string,
  prog: string,
  env: string[],
): Promise<string> {
  const b = makeBundle(`${dir}/${name}`, { args: ["/prog"], env });
  const ldd = await run("ldd", [prog]);
  for (const path of ldd.stdout.matchAll(/(\/\S+) \(0x/g)) {
    if (path[1]!.includes("libxpuml")) continue;
    const to = `${b}/rootfs${path[1]}`;
    Deno.mkdirSync(to.slice(0, to.lastIndexOf("/")), { recursive: true });
    Deno.copyFileSync(Deno.realPathSync(path[1]!), to);
  }
  Deno.copyFileSync(prog, `${b}/rootfs/prog`);
  const spec = JSON.parse(Deno.readTextFileSync(`${b}/config.json`));
  spec.hooks = {
    createRuntime: [{
      path: "/bin/sh",
      args: ["sh", "-c", 'readlink /proc/self/ns/mnt >"$1"', "sh", `${dir}/runc-ns`],
    }],
  };
  Deno.writeTextFileSync(`${b}/config.json`, JSON.stringify(spec, null, "\t"));
  return b;
}

/** Runs the bundle through the shim and checks what the shim's preparation must give. */
async function runPrepared(dir: string, env: Record<string, string>, b: string): Promise<void> {
  const mounts = mountsUnder(dir);
  const out = await runThroughShim(dir, env, b);
  assertEquals(out.code, 0, out.stderr);
  // Found through the ld cache only: /usr/local/xpu/lib64 is no default directory.
  assertEquals(out.stdout, "libxpuml loaded\n");
  const spec = JSON.parse(Deno.readTextFileSync(`${b}/config.json`));
  assertEquals(Object.keys(spec.hooks), ["createRuntime"]);
  assertEquals(Deno.readTextFileSync(`${dir}/runc-ns`), `${mountNs()}\n`);
  assertEquals(mountsUnder(dir), mounts);
  const cache = await run("/sbin/ldconfig", ["-p", "-C", `${b}/rootfs/etc/ld.so.cache`]);
  assertMatch(
    cache.stdout,
    new RegExp(`libxpuml\\.so\\.1 \\(.*\\) => ${LIB}/libxpuml\\.so\\.1$`, "m"),
  );
}

function csvHost(dir: string): { driver: string; env: Record<string, string> } {
  const driver = makeDriverRoot(`${dir}/driver`);
  Deno.mkdirSync(`${dir}/csv`);
  Deno.writeTextFileSync(
    `${dir}/csv/xpu.csv`,
    `dev, /dev/xpu0\ndev, /dev/xpuctrl\nlib, ${LIB}/libxpuml.so.1\n`,
  );
  const env = configEnv(
    `${dir}/xdg`,
    `[xpu-container-cli]\nroot = ${q(driver)}\n[xpu-container-runtime]\nruntimes = ["runc"]\n` +
      `mode = "csv"\n[xpu-container-runtime.modes.csv]\nmount-spec-path = ${q(`${dir}/csv`)}\n`,
  );
  return { driver, env };
}

Deno.test({
  name:
    "csv mode through the shim and runc: no helper hook, and the container finds the driver's library through its ld cache",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const { driver, env } = csvHost(dir);
      const prog = await buildLibrary(dir, driver);
      // Without the toolkit the program cannot start: the test can tell.
      const plain = await bundleWithProgram(dir, "plain", prog, []);
      const without = await runThroughShim(dir, env, plain);
      assertMatch(without.stderr, /libxpuml\.so\.1: cannot open shared object file/);
      const b = await bundleWithProgram(dir, "bundle", prog, ["CXPU_VISIBLE_DEVICES=0"]);
      await runPrepared(dir, env, b);
    });
  },
});

Deno.test({
  name:
    "cdi mode through the shim and runc: the generated spec's helper hook is done at create, not run",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const { driver } = csvHost(dir);
      const prog = await buildLibrary(dir, driver);
      const env = configEnv(
        `${dir}/xdg`,
        `[xpu-container-runtime]\nruntimes = ["runc"]\nmode = "cdi"\n` +
          `[xpu-container-runtime.modes.cdi]\nspec-dirs = [${q(`${dir}/cdi`)}]\n` +
          `cache-dir = ${q(`${dir}/cache`)}\n`,
      );
      // Generated with the runtime's config, so its hook would read the same ldconfig setting.
      await generateCdiSpec(driver, `${dir}/cdi/xpu.yaml`, env);
      assertMatch(Deno.readTextFileSync(`${dir}/cdi/xpu.yaml`), /- update-ldcache\n/);
      const b = await bundleWithProgram(dir, "bundle", prog, ["CXPU_VISIBLE_DEVICES=0"]);
      await runPrepared(dir, env, b);
    });
  },
});

Deno.test({
  name:
    "where a mount of the spec covers the library folder, one helper hook does the work inside the container",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const { driver, env } = csvHost(dir);
      const prog = await buildLibrary(dir, driver);
      const b = await bundleWithProgram(dir, "bundle", prog, ["CXPU_VISIBLE_DEVICES=0"]);
      const spec = JSON.parse(Deno.readTextFileSync(`${b}/config.json`));
      spec.mounts.push({ destination: "/usr/local/xpu", type: "tmpfs", source: "tmpfs" });
      Deno.writeTextFileSync(`${b}/config.json`, JSON.stringify(spec, null, "\t"));
      const out = await runThroughShim(dir, env, b);
      assertEquals(out.code, 0, out.stderr);
      assertEquals(out.stdout, "libxpuml loaded\n");
      const hooks = JSON.parse(Deno.readTextFileSync(`${b}/config.json`)).hooks.createContainer;
      assertEquals(hooks.length, 1);
      assertEquals(hooks[0].path, bin("xpu-ctk"));
      assertEquals(hooks[0].args.slice(2, 3), ["update-ldcache"]);
      // The work went into the container's tmpfs, not into the image.
      assertEquals([...Deno.readDirSync(`${b}/rootfs/usr/local/xpu`)], []);
    });
  },
});

Deno.test({
  name: "the helper hook's work at create leaves an image used by xpu-ctk run unchanged",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const { env } = csvHost(dir);
      const rootfs = makeRootfs(dir);
      const out = await runBin("xpu-ctk", [
        "--config",
        env.XDG_CONFIG_HOME + "/xpu-container-runtime/config.toml",
        "run",
        "--rootfs",
        rootfs,
        "--",
        "sh",
        "-c",
        `readlink ${LIB}/libxpuml.so.1; ls /etc/ld.so.cache`,
      ]);
      assertEquals(out.code, 0, out.stderr);
      assertEquals(out.stdout, "libxpuml.so.1.2.3\n/etc/ld.so.cache\n");
      assertEquals([...Deno.readDirSync(`${rootfs}/etc`)], []);
      assertEquals([...Deno.readDirSync(rootfs)].map((e) => e.name).sort(), [
        "bin",
        "dev",
        "etc",
        "proc",
        "sys",
        "tmp",
      ]);
    });
  },
});
