/**
 * Real enroot (built from the vendored archive) running a busybox image with the hook that
 * `xpu-ctk runtime configure --runtime=enroot` installs, as root and as an unprivileged user.
 */
import { assertEquals } from "../assert.ts";
import { type Output, q, run, runBin, TESTDATA, withTempDir } from "../helpers.ts";
import { makeRootfs } from "./bundle.ts";
import { csvConfigFile } from "./driver.ts";
import { buildEnroot, enrootUnavailable } from "./enroot.ts";
import { inPrivateDev } from "./private_dev.ts";

/** nobody: a user with no rights of its own. */
const USER = 65534;

/** What the container prints: its XPU nodes with their numbers, the library, the library path. */
const INSIDE = `for f in /dev/xpu*; do [ ! -e $f ] || echo "$f $(stat -c %t:%T $f)"; done
cat /usr/local/xpu/lib64/libxpuml.so.1 2>/dev/null
echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
cat /xpu-configured 2>/dev/null || true`;

interface Setup {
  readonly dir: string;
  readonly enroot: string;
  readonly sysconf: string;
  readonly image: string;
}

/** Installs the hook into `s`'s hooks.d the way an operator does, for the config `toml`. */
async function configureHook(s: Setup, toml: string, name: string): Promise<void> {
  const xdg = `${s.dir}/${name}`;
  Deno.mkdirSync(`${xdg}/xpu-container-runtime`, { recursive: true });
  Deno.writeTextFileSync(`${xdg}/xpu-container-runtime/config.toml`, toml);
  const out = await runBin("xpu-ctk", [
    "runtime",
    "configure",
    "--runtime=enroot",
    "--config",
    `${s.sysconf}/hooks.d/98-xpu.sh`,
  ], { env: { XDG_CONFIG_HOME: xdg } });
  assertEquals(out.code, 0, out.stderr);
}

/** `enroot create` then `enroot start` of the image as `uid`, in a home of its own. */
async function start(
  s: Setup,
  uid: number,
  env: Record<string, string>,
  startArgs: string[] = [],
): Promise<Output> {
  const home = Deno.makeTempDirSync({ dir: s.dir, prefix: `home-${uid}-` });
  Deno.chmodSync(home, 0o755);
  Deno.chownSync(home, uid, uid);
  const as = uid === 0 ? [] : ["setpriv", `--reuid=${uid}`, `--regid=${uid}`, "--clear-groups"];
  const script = 'cd "$HOME" && enroot create -n bb "$0" >/dev/null && exec enroot start "$@"';
  const [cmd, ...args] = inPrivateDev([
    ...as,
    "sh",
    "-c",
    script,
    s.image,
    ...startArgs,
    "bb",
    "sh",
    "-c",
    INSIDE,
  ]);
  return await run(cmd!, args, {
    clearEnv: true,
    env: {
      PATH: `${s.enroot}/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
      HOME: home,
      ENROOT_SYSCONF_PATH: s.sysconf,
      ENROOT_DATA_PATH: `${home}/data`,
      ENROOT_RUNTIME_PATH: `${home}/run`,
      ENROOT_CACHE_PATH: `${home}/cache`,
      ENROOT_CONFIG_PATH: `${home}/config`,
      ENROOT_TEMP_PATH: home,
      ENROOT_RESTRICT_DEV: "y",
      ...env,
    },
    timeoutMs: 120_000,
  });
}

async function withEnroot(fn: (s: Setup) => Promise<void>): Promise<void> {
  const enroot = await buildEnroot();
  await withTempDir(async (dir) => {
    // The unprivileged user reaches the image, the hook's config and the driver's nodes.
    Deno.chmodSync(dir, 0o755);
    const sysconf = `${dir}/sysconf`;
    const cp = await run("cp", ["-a", `${enroot}/etc/enroot`, sysconf]);
    assertEquals(cp.code, 0, cp.stderr);
    makeRootfs(`${dir}/image`);
    const image = `${dir}/busybox.sqsh`;
    const sq = await run("mksquashfs", [`${dir}/image/rootfs`, image, "-noappend", "-quiet"]);
    assertEquals(sq.code, 0, sq.stderr);
    await fn({ dir, enroot, sysconf, image });
  });
}

Deno.test({
  name:
    "enroot start with CXPU_VISIBLE_DEVICES=1 gives exactly xpu1, the control node and the library, as root and as a user",
  ignore: enrootUnavailable(),
  fn: async () => {
    await withEnroot(async (s) => {
      const toml = Deno.readTextFileSync(csvConfigFile(`${s.dir}/host`));
      await configureHook(s, toml, "xdg-csv");
      const want = "/dev/xpu1 f0:1\n/dev/xpuctrl f0:ff\nfake libxpuml\n" +
        "LD_LIBRARY_PATH=/usr/local/xpu/lib64\n";
      for (const uid of [0, USER]) {
        const out = await start(s, uid, { CXPU_VISIBLE_DEVICES: "1" });
        assertEquals([out.code, out.stdout], [0, want], `uid ${uid}: ${out.stderr}`);
      }
      // The request from the container's environment (ENROOT_ENVIRON), as -e puts it there.
      const viaEnv = await start(s, USER, {}, ["-e", "CXPU_VISIBLE_DEVICES=0"]);
      assertEquals(
        [viaEnv.code, viaEnv.stdout],
        [0, want.replace("/dev/xpu1 f0:1", "/dev/xpu0 f0:0")],
        viaEnv.stderr,
      );
      // No request: nothing of the toolkit's.
      const none = await start(s, USER, {});
      assertEquals([none.code, none.stdout], [0, "LD_LIBRARY_PATH=\n"], none.stderr);
    });
  },
});

Deno.test({
  name: "enroot start in legacy mode runs the cli as 98-nvidia.sh does (root)",
  ignore: enrootUnavailable(),
  fn: async () => {
    await withEnroot(async (s) => {
      csvConfigFile(`${s.dir}/host`);
      const log = `${s.dir}/cli.log`;
      await configureHook(
        s,
        `[xpu-container-cli]\nroot = ${q(`${s.dir}/host/driver`)}\npath = ${
          q(`${TESTDATA}/bin/fake-xpu-container-cli`)
        }\nenvironment = [${q(`FAKE_CLI_LOG=${log}`)}]\n[xpu-container-runtime]\nmode = "legacy"\n`,
        "xdg-legacy",
      );
      const out = await start(s, 0, { CXPU_VISIBLE_DEVICES: "1" });
      assertEquals(
        [out.code, out.stdout],
        [0, "/dev/xpu1 f0:1\n/dev/xpuctrl f0:ff\nLD_LIBRARY_PATH=\nconfigured devices=1\n"],
        out.stderr,
      );
      assertEquals(
        Deno.readTextFileSync(log).split("\n")[0]!.replace(/\S*\/data\/bb$/, "ROOTFS"),
        `argv=--root=${s.dir}/host/driver --user configure --ldconfig=@/sbin/ldconfig ` +
          "--no-cgroups --device=1 --utility --compute ROOTFS",
      );
    });
  },
});
