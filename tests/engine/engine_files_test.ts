/**
 * The contract every engine's files keep, through the built xpu-ctk: only regular files are read
 * or written, an operator's backup is never replaced, a failed write leaves every file as it was,
 * and a killed call's temp files are cleaned up by the next one.
 * @module
 */

import { assertEquals, assertMatch } from "../assert.ts";
import { type Output, rootOnly, run, runBin, withTempDir } from "../helpers.ts";

const SHIM = "/usr/bin/xpu-container-runtime";

function ctk(args: string[], env: Record<string, string> = {}): Promise<Output> {
  // A FIFO used to hang xpu-ctk for ever: the test fails in 10 s instead.
  return runBin("xpu-ctk", ["runtime", ...args], { env, timeoutMs: 10_000 });
}

function names(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}

async function sh(cmd: string, ...args: string[]): Promise<boolean> {
  return (await run(cmd, args)).code === 0;
}

const DAEMON = '{\n  "log-level": "warn"\n}\n';

Deno.test({
  name: "runtime configure refuses a device node as --config: it stays a device, nothing is made",
  ignore: rootOnly("mknod needs root"),
  fn: async () => {
    await withTempDir(async (dir) => {
      const dev = `${dir}/null`;
      assertEquals(await sh("mknod", dev, "c", "1", "3"), true);
      for (const action of ["configure", "unconfigure"]) {
        const out = await ctk([action, "--config", dev, "--runtime-path", SHIM]);
        assertEquals(out.code, 1, action);
        assertEquals(
          out.stderr,
          `xpu-ctk: Cannot edit "${dev}": it is a character device, not a regular file; ` +
            "it was left unchanged\n",
        );
        assertEquals(Deno.statSync(dev).isCharDevice, true);
        assertEquals(names(dir), ["null"]);
      }
    });
  },
});

Deno.test("runtime configure and unconfigure refuse a FIFO at once, also with --dry-run and through a link", async () => {
  await withTempDir(async (dir) => {
    const fifo = `${dir}/fifo.json`;
    assertEquals(await sh("mkfifo", fifo), true);
    Deno.symlinkSync("fifo.json", `${dir}/daemon.json`);
    for (const config of [fifo, `${dir}/daemon.json`]) {
      for (const args of [["configure"], ["unconfigure"], ["configure", "--dry-run"]]) {
        const out = await ctk([...args, "--config", config, "--runtime-path", SHIM]);
        assertEquals(out.code, 1, args.join(" "));
        assertEquals(
          out.stderr,
          `xpu-ctk: Cannot edit "${config}": it is a FIFO, not a regular file; it was left unchanged\n`,
        );
      }
    }
    assertEquals(names(dir), ["daemon.json", "fifo.json"]);
  });
});

Deno.test("runtime configure refuses a FIFO as podman's CONTAINERS_CONF", async () => {
  await withTempDir(async (dir) => {
    assertEquals(await sh("mkfifo", `${dir}/containers.conf`), true);
    const hook = await ctk(
      ["configure", "--runtime=podman", "--mode=hook", "--runtime-path", "/usr/bin/hook"],
      { CONTAINERS_CONF: `${dir}/containers.conf` },
    );
    assertEquals(hook.code, 1);
    assertEquals(
      hook.stderr,
      `xpu-ctk: Cannot read podman's config "${dir}/containers.conf": it is a FIFO, not a ` +
        "regular file\n",
    );
    assertEquals(names(dir), ["containers.conf"]);
  });
});

Deno.test("runtime configure --runtime=containerd refuses a FIFO among the imports, before containerd config dump reads it", async () => {
  await withTempDir(async (dir) => {
    assertEquals(await sh("mkfifo", `${dir}/site.toml`), true);
    const config = `${dir}/config.toml`;
    const text = 'version = 2\nimports = ["site.toml"]\n';
    Deno.writeTextFileSync(config, text);
    // With the command, the FIFO must be refused before containerd would hang reading it.
    const command = await run("containerd", ["--version"]).then((o) => o.code === 0, () => false);
    for (const source of command ? ["file", "command"] : ["file"]) {
      const out = await ctk([
        "configure",
        "--runtime=containerd",
        `--config-source=${source}`,
        "--config",
        config,
        "--runtime-path",
        SHIM,
      ]);
      assertEquals(out.code, 1, source);
      assertEquals(
        out.stderr,
        `xpu-ctk: Cannot configure containerd: "${dir}/site.toml", imported by "${config}", ` +
          "is a FIFO, not a regular file; it was left unchanged\n",
      );
    }
    assertEquals(names(dir), ["config.toml", "site.toml"]);
    assertEquals(Deno.readTextFileSync(config), text);
  });
});

Deno.test("runtime configure never replaces an operator's daemon.json.bak (or a link so named): the next free name, recorded, goes with the record", async () => {
  await withTempDir(async (dir) => {
    const config = `${dir}/daemon.json`;
    Deno.writeTextFileSync(config, DAEMON);
    Deno.writeTextFileSync(`${config}.bak`, "the operator's\n");
    Deno.symlinkSync("/nonexistent", `${config}.bak.1`);
    const out = await ctk(["configure", "--config", config, "--runtime-path", SHIM]);
    assertEquals(out.code, 0, out.stderr);
    assertEquals(out.stderr.split("\n")[0], `xpu-ctk: backed up ${config} to ${config}.bak.2`);
    assertEquals(Deno.readTextFileSync(`${config}.bak`), "the operator's\n");
    assertEquals(Deno.readLinkSync(`${config}.bak.1`), "/nonexistent");
    assertEquals(Deno.readTextFileSync(`${config}.bak.2`), DAEMON);
    assertEquals(
      JSON.parse(Deno.readTextFileSync(`${config}.xpu-ctk-original`)).backup,
      "daemon.json.bak.2",
    );
    // A second configure keeps the first backup; unconfigure restores from it, then removes it.
    const again = await ctk(["configure", "--config", config, "--runtime-path", "/opt/shim"]);
    assertEquals(again.code, 0, again.stderr);
    const undone = await ctk(["unconfigure", "--config", config]);
    assertEquals(undone.code, 0, undone.stderr);
    assertEquals(Deno.readTextFileSync(config), DAEMON);
    assertEquals(names(dir), ["daemon.json", "daemon.json.bak", "daemon.json.bak.1"]);
    assertEquals(Deno.readTextFileSync(`${config}.bak`), "the operator's\n");
  });
});

Deno.test({
  name:
    "runtime configure that cannot write daemon.json (immutable) leaves no backup and no record",
  ignore: rootOnly("chattr +i needs root"),
  fn: async () => {
    await withTempDir(async (dir) => {
      const config = `${dir}/daemon.json`;
      Deno.writeTextFileSync(config, DAEMON);
      if (!(await sh("chattr", "+i", config))) {
        console.warn("SKIPPED: chattr +i is not supported on this file system");
        return;
      }
      try {
        const out = await ctk(["configure", "--config", config, "--runtime-path", SHIM]);
        assertEquals(out.code, 1);
        assertEquals(
          out.stderr,
          `xpu-ctk: Cannot write "${config}": Operation not permitted; nothing was changed\n`,
        );
        assertEquals(names(dir), ["daemon.json"]);
        assertEquals(Deno.readTextFileSync(config), DAEMON);
      } finally {
        await sh("chattr", "-i", config);
      }
    });
  },
});

Deno.test({
  name:
    "runtime configure --runtime=containerd that cannot write config.toml takes back its drop-in, backup, record and conf.d",
  ignore: rootOnly("chattr +i needs root"),
  fn: async () => {
    await withTempDir(async (dir) => {
      const config = `${dir}/config.toml`;
      Deno.writeTextFileSync(config, "version = 2\n");
      if (!(await sh("chattr", "+i", config))) {
        console.warn("SKIPPED: chattr +i is not supported on this file system");
        return;
      }
      try {
        const out = await ctk([
          "configure",
          "--runtime=containerd",
          "--config-source=file",
          "--config",
          config,
          "--runtime-path",
          SHIM,
        ]);
        assertEquals(out.code, 1);
        assertMatch(
          out.stderr,
          /^xpu-ctk: Cannot write ".*config\.toml": .*; nothing was changed\n$/,
        );
        assertEquals(names(dir), ["config.toml"]);
      } finally {
        await sh("chattr", "-i", config);
      }
    });
  },
});

Deno.test("runtime configure removes the temp files a killed xpu-ctk left, and nothing else", async () => {
  await withTempDir(async (dir) => {
    const config = `${dir}/daemon.json`;
    Deno.writeTextFileSync(config, DAEMON);
    const child = new Deno.Command("true").spawn();
    await child.status;
    const dead = child.pid;
    const stale = [`.daemon.json.${dead}.1700000000000.tmp`, `.daemon.json.bak.${dead}.1.tmp`];
    const kept = [
      `.daemon.json.${Deno.pid}.1.tmp`, // A running process's.
      `.daemon.json.bak.1.${dead}.2.tmp`, // A link: never followed or removed.
      `.other.json.${dead}.1.tmp`, // Not this file's.
      `daemon.json.${dead}.1.tmp`, // Not the pattern.
    ];
    for (const name of [...stale, ...kept]) {
      if (name.startsWith(".daemon.json.bak.1.")) Deno.symlinkSync("daemon.json", `${dir}/${name}`);
      else Deno.writeTextFileSync(`${dir}/${name}`, "partial");
    }
    const out = await ctk(["configure", "--config", config, "--runtime-path", SHIM]);
    assertEquals(out.code, 0, out.stderr);
    for (const name of stale) {
      assertEquals(
        out.stderr.includes(`xpu-ctk: removed ${dir}/${name}, left by a killed xpu-ctk\n`),
        true,
        name,
      );
    }
    assertEquals(
      names(dir),
      [...kept, "daemon.json", "daemon.json.bak", "daemon.json.xpu-ctk-original"].sort(),
    );
  });
});

Deno.test("runtime configure refuses an engine file over 16 MiB, for every engine, unread and unchanged", async () => {
  await withTempDir(async (dir) => {
    const cases: [string, string][] = [
      ["docker", "daemon.json"],
      ["containerd", "config.toml"],
      ["slurm", "oci.conf"],
    ];
    for (const [engine, name] of cases) {
      const path = `${dir}/${name}`;
      const big = Deno.openSync(path, { write: true, create: true });
      big.truncateSync(16 * 1024 * 1024 + 1);
      big.close();
      const out = await ctk([
        "configure",
        `--runtime=${engine}`,
        "--config",
        path,
        "--runtime-path",
        SHIM,
      ]);
      assertEquals(out.code, 1, engine);
      assertMatch(out.stderr, new RegExp(`"${path}": it is larger than 16 MiB`), engine);
      assertEquals(Deno.statSync(path).size, 16 * 1024 * 1024 + 1, engine);
    }
  });
});
