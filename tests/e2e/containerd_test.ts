/**
 * A private containerd 1.x (own socket, root and state in a temp dir) on configs that xpu-ctk
 * configured: Debian's stock config.toml and a `containerd config default` copy with the
 * systemd cgroup driver, as Kubernetes guides set it up.
 * @module
 */

import { assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import { bin, run, runBin, TESTDATA, withTempDir } from "../helpers.ts";
import { makeRootfs, runcUnavailable } from "./bundle.ts";
import { csvConfigFile, XPU_MAJOR } from "./driver.ts";

function haveContainerd(): boolean {
  try {
    return new Deno.Command("ctr", { args: ["--version"], stdout: "null" }).outputSync().success &&
      new Deno.Command("containerd", { args: ["--version"], stdout: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

const ignore = runcUnavailable() || (!haveContainerd() && (() => {
  if (Deno.env.get("CI")) throw new Error("containerd is missing: make deps installs it");
  console.warn("SKIPPED: containerd missing: make deps");
  return true;
})());

/** A containerd of our own on `config`; `stop` ends it by its PID. */
interface Daemon {
  readonly ctr: (args: string[]) => ReturnType<typeof run>;
  readonly stop: () => Promise<void>;
}

async function startContainerd(dir: string, config: string, xdg: string): Promise<Daemon> {
  const sock = `${dir}/containerd.sock`;
  const daemon = new Deno.Command("containerd", {
    args: [
      "--config",
      config,
      "--address",
      sock,
      "--root",
      `${dir}/root`,
      "--state",
      `${dir}/state`,
    ],
    // The shim, and so xpu-container-runtime, inherit this: the toolkit config of the test.
    env: { XDG_CONFIG_HOME: xdg },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const logged = daemon.stderr.pipeTo(
    Deno.openSync(`${dir}/containerd.log`, { write: true, create: true }).writable,
  );
  let exited = false;
  daemon.status.then(() => exited = true);
  const ctr = (args: string[]) => run("ctr", ["--address", sock, ...args], { timeoutMs: 60_000 });
  const stop = async () => {
    try {
      daemon.kill("SIGTERM");
    } catch {
      // Already gone.
    }
    const timer = setTimeout(() => daemon.kill("SIGKILL"), 20_000);
    await daemon.status;
    clearTimeout(timer);
    await logged.catch(() => {});
    const mounts = Deno.readTextFileSync("/proc/mounts").split("\n").filter((l) =>
      l.includes(` ${dir}/`)
    );
    for (const m of mounts.reverse()) await run("umount", ["-l", m.split(" ")[1]!]);
  };
  const end = Date.now() + 30_000;
  while ((await ctr(["version"])).code !== 0) {
    if (Date.now() > end || exited) {
      await stop();
      throw new Error(
        `containerd did not start: ${Deno.readTextFileSync(`${dir}/containerd.log`)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { ctr, stop };
}

/** The CRI plugin's line of `ctr plugins ls`: its status is the last column. */
async function criStatus(d: Daemon): Promise<string> {
  const out = await d.ctr(["plugins", "ls"]);
  assertEquals(out.code, 0, out.stderr);
  const line = out.stdout.split("\n").find((l) => /^io\.containerd\.grpc\.v1\s+cri\s/.test(l));
  return line?.trim().split(/\s+/).at(-1) ?? "missing";
}

interface Case {
  readonly name: string;
  /** The config.toml before configure. */
  readonly config: () => Promise<string>;
  readonly cniBin: string;
  readonly systemd: boolean;
}

const CASES: Case[] = [
  {
    name: "Debian's stock config.toml",
    config: () =>
      Promise.resolve(Deno.readTextFileSync(`${TESTDATA}/engines/containerd-debian.toml`)),
    cniBin: "/usr/lib/cni",
    systemd: false,
  },
  {
    name: "a containerd config default copy with SystemdCgroup = true",
    config: async () => {
      const out = await run("containerd", ["config", "default"]);
      assertEquals(out.code, 0, out.stderr);
      const text = out.stdout.replace("SystemdCgroup = false", "SystemdCgroup = true");
      assertStringIncludes(text, "SystemdCgroup = true");
      return text;
    },
    cniBin: "/opt/cni/bin",
    systemd: true,
  },
];

for (const c of CASES) {
  Deno.test({
    name:
      `containerd on ${c.name} configured by xpu-ctk: CRI loads, runc, CNI and cgroup settings stay, ctr run through the shim gets the device`,
    ignore,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      await withTempDir(async (dir) => {
        const config = `${dir}/config.toml`;
        const original = await c.config();
        Deno.writeTextFileSync(config, original);
        const shim = bin("xpu-container-runtime");
        const out = await runBin("xpu-ctk", [
          "runtime",
          "configure",
          "--runtime=containerd",
          "--config",
          config,
          "--runtime-path",
          shim,
        ]);
        assertEquals(out.code, 0, out.stderr);

        const dump = await run("containerd", ["--config", config, "config", "dump"]);
        assertEquals(dump.code, 0, dump.stderr);
        const text = dump.stdout;
        assertMatch(text, /^\s+default_runtime_name = "runc"$/m);
        assertMatch(text, new RegExp(`^\\s+bin_dir = "${c.cniBin}"$`, "m"));
        assertMatch(text, /^\s+conf_dir = "\/etc\/cni\/net\.d"$/m);
        for (const runtime of ["runc", "xpu"]) {
          assertMatch(
            text,
            new RegExp(
              `\\.runtimes\\.${runtime}\\.options\\]\\n(?:.*\\n)*?\\s+SystemdCgroup = ${c.systemd}\\n`,
            ),
          );
        }
        assertMatch(
          text,
          new RegExp(`\\.runtimes\\.xpu\\.options\\]\\n\\s+BinaryName = "${shim}"`),
        );

        const xdg = `${dir}/xdg`;
        csvConfigFile(`${xdg}/xpu-container-runtime`);
        makeRootfs(dir);
        const daemon = await startContainerd(dir, config, xdg);
        try {
          assertEquals(await criStatus(daemon), "ok");
          const ctrRun = (env: string[]) =>
            daemon.ctr([
              "run",
              "--rm",
              "--rootfs",
              "--runc-binary",
              shim,
              "--env",
              "PATH=/bin",
              ...env.flatMap((e) => ["--env", e]),
              `${dir}/rootfs`,
              `xpu-${crypto.randomUUID().slice(0, 8)}`,
              "/bin/sh",
              "-c",
              "ls -l /dev/ | grep xpu || echo 'no xpu'",
            ]);
          const xpu = await ctrRun(["CXPU_VISIBLE_DEVICES=1"]);
          assertEquals(xpu.code, 0, xpu.stderr);
          assertMatch(
            xpu.stdout,
            new RegExp(`^crw-rw-rw-\\s+1 0\\s+0\\s+${XPU_MAJOR},\\s+1 .* xpu1$`, "m"),
          );
          assertMatch(xpu.stdout, / xpuctrl$/m);
          const plain = await ctrRun([]);
          assertEquals(plain.code, 0, plain.stderr);
          assertEquals(plain.stdout.trim(), "no xpu");
        } finally {
          await daemon.stop();
        }

        assertEquals(
          (await runBin("xpu-ctk", [
            "runtime",
            "unconfigure",
            "--runtime=containerd",
            "--config",
            config,
          ])).code,
          0,
        );
        assertEquals(Deno.readTextFileSync(config), original);
      });
    },
  });
}

Deno.test({
  name:
    "containerd on Debian's stock config with a drop-in of the xpu runtime alone: CRI fails to load (what xpu-ctk avoids)",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await withTempDir(async (dir) => {
      const stock = Deno.readTextFileSync(`${TESTDATA}/engines/containerd-debian.toml`);
      Deno.writeTextFileSync(
        `${dir}/config.toml`,
        stock.replace("version = 2\n", `version = 2\nimports = ["${dir}/xpu.toml"]\n`),
      );
      Deno.writeTextFileSync(
        `${dir}/xpu.toml`,
        'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.xpu]\n' +
          '  runtime_type = "io.containerd.runc.v2"\n',
      );
      const daemon = await startContainerd(dir, `${dir}/config.toml`, `${dir}/xdg`);
      try {
        assertEquals(await criStatus(daemon), "error");
      } finally {
        await daemon.stop();
      }
    });
  },
});
