/**
 * `xpu-ctk run` as a small runtime: hostname, host network files, cgroup limits, user, workdir,
 * profiles (and hostile ones), rootless runc as an unprivileged user.
 */
import { assertEquals, assertMatch } from "../assert.ts";
import { bin, run, runBin, withTempDir } from "../helpers.ts";
import { makeRootfs, runcUnavailable } from "./bundle.ts";
import { csvConfigFile } from "./driver.ts";

const ignore = runcUnavailable();

/** The container's memory.max: cgroup v2's, else v1's memory.limit_in_bytes. */
const MEMORY_MAX = "cat /sys/fs/cgroup/memory.max 2>/dev/null || " +
  "cat /sys/fs/cgroup/memory/memory.limit_in_bytes";
const PIDS_MAX = "cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max";

Deno.test({
  name:
    "xpu-ctk run: hostname, resolv.conf with --network host, memory and pids limits, user, workdir",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const config = csvConfigFile(dir);
      const rootfs = makeRootfs(dir);
      const out = await runBin("xpu-ctk", [
        "--config",
        config,
        "run",
        "--rootfs",
        rootfs,
        "--name",
        "box-7",
        "--network",
        "host",
        "--memory",
        "64m",
        "--pids-limit",
        "50",
        "--user",
        "1000:1001",
        "--workdir",
        "/tmp",
        "--",
        "sh",
        "-c",
        `hostname; ${MEMORY_MAX}; ${PIDS_MAX}; id -u; id -g; pwd; cat /etc/resolv.conf; touch /etc/hosts 2>&1; true`,
      ]);
      assertEquals(out.code, 0, out.stderr);
      const resolv = Deno.readTextFileSync("/etc/resolv.conf");
      assertEquals(
        out.stdout,
        `box-7\n67108864\n50\n1000\n1001\n/tmp\n${resolv}touch: /etc/hosts: Read-only file system\n`,
      );
      // Without --network host the container has its own resolv.conf (none here) and hostname.
      const own = await runBin("xpu-ctk", [
        "--config",
        config,
        "run",
        "--rootfs",
        rootfs,
        "--hostname",
        "other",
        "--",
        "sh",
        "-c",
        `hostname; ls /etc/resolv.conf 2>&1; ${MEMORY_MAX}`,
      ]);
      assertEquals(own.code, 0, own.stderr);
      assertMatch(own.stdout, /^other\nls: \/etc\/resolv.conf: No such file or directory\n\d+\n$/);
      assertEquals(own.stdout.includes("\n67108864\n"), false);
    });
  },
});

Deno.test({
  name: "xpu-ctk run --uts host --pid host: the host's hostname and processes",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const config = csvConfigFile(dir);
      const rootfs = makeRootfs(dir);
      const out = await runBin("xpu-ctk", [
        "--config",
        config,
        "run",
        "--rootfs",
        rootfs,
        "--uts",
        "host",
        "--pid",
        "host",
        "--",
        "sh",
        "-c",
        "hostname; [ -d /proc/1 ] && [ $$ != 1 ] && echo host-pids",
      ]);
      assertEquals(out.code, 0, out.stderr);
      assertEquals(out.stdout, `${Deno.hostname()}\nhost-pids\n`);
    });
  },
});

const SCRIPT = "hostname; echo $A; ls /dev/xpu*; " + MEMORY_MAX;

for (
  const [file, text] of [
    [
      "p.json",
      JSON.stringify({
        name: "train",
        rootFs: "rootfs",
        nvidiaGpus: [1],
        runtimeArgs: ["--env", "A=1", "--", "sh", "-c", SCRIPT],
        isolationOptions: { memory: "64m", pidsLimit: 40 },
      }),
    ],
    [
      "p.toml",
      `name = "train"\nrootFs = "rootfs"\nnvidiaGpus = "1"\n` +
      `runtimeArgs = ["--env", "A=1", "--", "sh", "-c", ${JSON.stringify(SCRIPT)}]\n` +
      `[isolationOptions]\nmemory = 67108864\n`,
    ],
  ] as const
) {
  Deno.test({
    name: `xpu-ctk run --profile ${file}: name, rootFs, nvidiaGpus, runtimeArgs, isolationOptions`,
    ignore,
    fn: async () => {
      await withTempDir(async (dir) => {
        const config = csvConfigFile(dir);
        makeRootfs(dir);
        Deno.writeTextFileSync(`${dir}/${file}`, text);
        const out = await runBin("xpu-ctk", [
          "--config",
          config,
          "run",
          "--profile",
          `${dir}/${file}`,
        ]);
        assertEquals(out.code, 0, out.stderr);
        assertEquals(out.stdout, "train\n1\n/dev/xpu1\n/dev/xpuctrl\n67108864\n");
        // The command line's options replace the profile's.
        const over = await runBin("xpu-ctk", [
          "--config",
          config,
          "run",
          "--profile",
          `${dir}/${file}`,
          "--hostname",
          "mine",
          "--xpus",
          "0",
          "--",
          "sh",
          "-c",
          "hostname; ls /dev/xpu*",
        ]);
        assertEquals(over.code, 0, over.stderr);
        assertEquals(over.stdout, "mine\n/dev/xpu0\n/dev/xpuctrl\n");
      });
    },
  });
}

for (
  const [name, content, message] of [
    ["bad.json", '{"name": "x",', /Invalid profile ".*bad.json": invalid JSON: line 1, column 14/],
    ["bad.toml", "name = [\n", /Invalid profile ".*bad.toml": line 2, column 1/],
    ["list.json", "[1]", /Invalid profile ".*list.json": expected an object, found a list/],
    ["deep.json", "[".repeat(5000) + "]".repeat(5000), /nested deeper than 100 levels/],
    [
      "utf8.json",
      new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x7d]),
      /utf8.json": invalid UTF-8 at byte 2/,
    ],
    ["big.json", " ".repeat(1024 * 1024 + 1), /big.json": it is larger than 1 MiB/],
    ["unknown.json", '{"nvidiaGPUs": [0]}', /key "nvidiaGPUs": unknown key; known: name, rootFs/],
    [
      "type.json",
      '{"isolationOptions": {"rootless": "yes"}}',
      /key "isolationOptions.rootless": expected a boolean, found a string/,
    ],
    [
      "gpus.json",
      '{"nvidiaGpus": {"a": 1}}',
      /key "nvidiaGpus": expected a list of device indices or ids/,
    ],
    [
      "value.json",
      '{"rootFs": "/r", "isolationOptions": {"network": "bridge"}}',
      /key "isolationOptions.network": --network must be host or none, not "bridge"/,
    ],
    [
      "memory.toml",
      'rootFs = "/r"\n[isolationOptions]\nmemory = 1\n',
      /key "isolationOptions.memory": Invalid --memory "1": must be at least 6 MiB/,
    ],
    [
      "args.json",
      '{"runtimeArgs": ["--bogus"]}',
      /key "runtimeArgs": Unknown option '--bogus'/,
    ],
    [
      "twice.json",
      '{"name": "a", "runtimeArgs": ["--name", "b"]}',
      /key "name": sets --name, which "runtimeArgs" sets too/,
    ],
  ] as const
) {
  Deno.test(`xpu-ctk run --profile ${name}: exit 2 naming the file and the key`, async () => {
    await withTempDir(async (dir) => {
      const path = `${dir}/${name}`;
      if (typeof content === "string") Deno.writeTextFileSync(path, content);
      else Deno.writeFileSync(path, content);
      const before = Deno.readFileSync(path);
      const out = await runBin("xpu-ctk", ["run", "--profile", path]);
      assertEquals(out.code, 2, out.stderr);
      assertMatch(out.stderr, message);
      assertEquals(Deno.readFileSync(path), before);
    });
  });
}

Deno.test("xpu-ctk run --profile FIFO: refused without blocking", async () => {
  await withTempDir(async (dir) => {
    const fifo = `${dir}/p.json`;
    assertEquals((await run("mkfifo", [fifo])).code, 0);
    const out = await runBin("xpu-ctk", ["run", "--profile", fifo]);
    assertEquals(out.code, 2, out.stderr);
    assertMatch(out.stderr, /Cannot read profile ".*p.json": it is not a regular file/);
  });
});

for (
  const [args, message] of [
    [["--memory", "1k"], /Invalid --memory "1k": must be at least 6 MiB/],
    [["--cpus=-1"], /Invalid --cpus "-1"/],
    [["--pids-limit", "x"], /Invalid --pids-limit "x"/],
    [["--user", "root"], /Invalid --user "root": expected UID or UID:GID as numbers/],
    [["--workdir", "tmp"], /Invalid --workdir "tmp"/],
    [["--ipc", "shareable"], /Invalid --ipc "shareable": expected host or private/],
    [["--rootless", "--memory", "1g"], /--memory cannot be set with --rootless/],
  ] as const
) {
  Deno.test(`xpu-ctk run ${args.join(" ")} is a usage error`, async () => {
    const out = await runBin("xpu-ctk", ["run", "--rootfs", "/r", ...args]);
    assertEquals(out.code, 2, out.stderr);
    assertMatch(out.stderr, message);
  });
}

Deno.test("xpu-ctk run --bundle --memory is a usage error", async () => {
  const out = await runBin("xpu-ctk", ["run", "--bundle", "/b", "--memory", "1g"]);
  assertEquals(out.code, 2);
  assertMatch(out.stderr, /--memory applies to --rootfs/);
});

Deno.test({
  name:
    "xpu-ctk run --rootless as an unprivileged user: root in a user namespace, the requested XPU",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      Deno.chmodSync(dir, 0o755);
      const config = csvConfigFile(`${dir}/host`);
      Deno.mkdirSync(`${dir}/xdg/xpu-container-runtime`, { recursive: true });
      Deno.copyFileSync(config, `${dir}/xdg/xpu-container-runtime/config.toml`);
      makeRootfs(`${dir}/user`);
      assertEquals((await run("chown", ["-R", "65534:65534", `${dir}/user`])).code, 0);
      const out = await run("setpriv", [
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        bin("xpu-ctk"),
        "run",
        "--rootfs",
        `${dir}/user/rootfs`,
        "--rw",
        "--rootless",
        "--xpus",
        "1",
        "--verbose",
        "--",
        "sh",
        "-c",
        "id -u; cat /proc/self/uid_map; ls /dev/xpu*",
      ], {
        clearEnv: true,
        env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", XDG_CONFIG_HOME: `${dir}/xdg` },
        cwd: "/",
        timeoutMs: 60_000,
      });
      assertEquals(out.code, 0, out.stderr);
      assertMatch(out.stdout, /^0\n\s+0\s+65534\s+1\n\/dev\/xpu1\n\/dev\/xpuctrl\n$/);
      assertMatch(
        out.stderr,
        /mode: +csv \(rootless runc\)\n.*devices: +\/dev\/xpu1 \/dev\/xpuctrl/,
      );
    });
  },
});
