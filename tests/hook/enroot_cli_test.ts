/**
 * `xpu-ctk hook enroot` as enroot runs it: the ENROOT_* variables set, a simulated driver root,
 * and the lines it appends (or the cli it execs) checked exactly.
 */
import { assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import { digests, q, rootOnly, runBin, TESTDATA, withTempDir } from "../helpers.ts";
import { csvConfigFile, generateCdiSpec, makeDriverRoot } from "../e2e/driver.ts";

interface Enroot {
  readonly dir: string;
  readonly config: string;
  readonly driver: string;
  readonly rootfs: string;
  readonly environ: string;
  readonly mounts: string;
  readonly env: Record<string, string>;
}

/** A csv-mode host, a rootfs and enroot's two files, as enroot gives them to its hooks. */
function enroot(dir: string, environ: string | Uint8Array = "", toml?: string): Enroot {
  const config = toml === undefined ? csvConfigFile(dir) : `${dir}/config.toml`;
  if (toml !== undefined) Deno.writeTextFileSync(config, toml);
  const rootfs = `${dir}/rootfs`;
  Deno.mkdirSync(`${rootfs}/dev`, { recursive: true });
  Deno.mkdirSync(`${dir}/run`);
  Deno.writeFileSync(
    `${dir}/run/environment`,
    typeof environ === "string" ? new TextEncoder().encode(environ) : environ,
  );
  Deno.writeTextFileSync(`${dir}/run/fstab`, "");
  return {
    dir,
    config,
    driver: `${dir}/driver`,
    rootfs,
    environ: `${dir}/run/environment`,
    mounts: `${dir}/run/fstab`,
    env: {
      ENROOT_ROOTFS: rootfs,
      ENROOT_ENVIRON: `${dir}/run/environment`,
      ENROOT_MOUNTS: `${dir}/run/fstab`,
      ENROOT_RESTRICT_DEV: "y",
    },
  };
}

function hook(e: Enroot, env: Record<string, string> = {}, args: string[] = []) {
  return runBin("xpu-ctk", ["hook", "enroot", "--config", e.config, ...args], {
    env: { ...e.env, ...env },
    clearEnv: true,
  });
}

/** The mount lines for device `n`, the control node and the library, as csv mode gives them. */
function csvLines(e: Enroot, n: number): string {
  const dev = "none x-create=file,bind,rw,nosuid,noexec,private";
  return `${e.driver}/dev/xpu${n} /dev/xpu${n} ${dev}\n` +
    `${e.driver}/dev/xpuctrl /dev/xpuctrl ${dev}\n` +
    `${e.driver}/usr/local/xpu/lib64/libxpuml.so.1.2.3 /usr/local/xpu/lib64/libxpuml.so.1.2.3 ` +
    "none x-create=auto,nosuid,nodev,bind,ro\n";
}

Deno.test({
  name: "hook enroot: no request, or void, leaves enroot's files byte-identical",
  ignore: rootOnly("mknod for the simulated driver"),
  fn: async () => {
    for (
      const environ of ["PATH=/bin\n", "CXPU_VISIBLE_DEVICES=void\n", "CXPU_VISIBLE_DEVICES=\n"]
    ) {
      await withTempDir(async (dir) => {
        const e = enroot(dir, environ);
        const before = await digests([e.environ, e.mounts]);
        const out = await hook(e);
        assertEquals([out.code, out.stderr], [0, ""]);
        assertEquals(await digests([e.environ, e.mounts]), before);
      });
    }
  },
});

Deno.test({
  name: "hook enroot: csv mode appends the requested node, the control node and the library",
  ignore: rootOnly("mknod for the simulated driver"),
  fn: async () => {
    await withTempDir(async (dir) => {
      const old = "CXPU_VISIBLE_DEVICES=0\nLD_LIBRARY_PATH=/opt/lib\nCXPU_VISIBLE_DEVICES=1\n";
      const e = enroot(dir, old);
      const out = await hook(e);
      assertEquals([out.code, out.stderr], [0, ""]);
      assertEquals(Deno.readTextFileSync(e.mounts), csvLines(e, 1));
      assertEquals(
        Deno.readTextFileSync(e.environ),
        `${old}LD_LIBRARY_PATH=/usr/local/xpu/lib64:/opt/lib\n`,
      );
      assertEquals(
        Deno.readLinkSync(`${e.rootfs}/usr/local/xpu/lib64/libxpuml.so.1`),
        "libxpuml.so.1.2.3",
      );
    });
  },
});

Deno.test({
  name: "hook enroot: cdi mode binds what the CDI spec gives, and does its helper hooks' work",
  ignore: rootOnly("mknod for the simulated driver"),
  fn: async () => {
    await withTempDir(async (dir) => {
      const driver = makeDriverRoot(`${dir}/driver`);
      await generateCdiSpec(driver, `${dir}/cdi/xpu.yaml`);
      const e = enroot(
        dir,
        "CXPU_VISIBLE_DEVICES=kunlunxin.com/xpu=1\n",
        `[xpu-container-runtime.modes.cdi]\nspec-dirs = [${q(`${dir}/cdi`)}]\n`,
      );
      const out = await hook(e);
      assertEquals([out.code, out.stderr], [0, ""]);
      const dev = "none x-create=file,bind,rw,nosuid,noexec,private";
      assertEquals(
        Deno.readTextFileSync(e.mounts),
        `${driver}/dev/xpuctrl /dev/xpuctrl ${dev}\n${driver}/dev/xpu1 /dev/xpu1 ${dev}\n` +
          `${driver}/usr/local/xpu/lib64/libxpuml.so.1.2.3 /usr/local/xpu/lib64/libxpuml.so.1.2.3 ` +
          "none x-create=auto,nosuid,nodev,bind,ro\n",
      );
      assertEquals(
        Deno.readTextFileSync(e.environ),
        "CXPU_VISIBLE_DEVICES=kunlunxin.com/xpu=1\nLD_LIBRARY_PATH=/usr/local/xpu/lib64\n",
      );
      assertEquals(
        Deno.readLinkSync(`${e.rootfs}/usr/local/xpu/lib64/libxpuml.so.1`),
        "libxpuml.so.1.2.3",
      );
    });
  },
});

Deno.test({
  name: "hook enroot: the hook's own environment wins over ENROOT_ENVIRON",
  ignore: rootOnly("mknod for the simulated driver"),
  fn: async () => {
    await withTempDir(async (dir) => {
      const e = enroot(dir, "CXPU_VISIBLE_DEVICES=1\n");
      const out = await hook(e, { CXPU_VISIBLE_DEVICES: "0" });
      assertEquals([out.code, out.stderr], [0, ""]);
      assertEquals(Deno.readTextFileSync(e.mounts), csvLines(e, 0));
      const off = await withTempDir(async (d2) => {
        const e2 = enroot(d2, "CXPU_VISIBLE_DEVICES=1\n");
        const r = await hook(e2, { CXPU_VISIBLE_DEVICES: "void" });
        return [r.code, Deno.readTextFileSync(e2.mounts)];
      });
      assertEquals(off, [0, ""]);
    });
  },
});

Deno.test({
  name: "hook enroot: inside a Slurm job only the job's devices are given",
  ignore: rootOnly("mknod for the simulated driver"),
  fn: async () => {
    await withTempDir(async (dir) => {
      const e = enroot(dir, "CXPU_VISIBLE_DEVICES=all\n");
      const out = await hook(e, { SLURM_JOB_ID: "12", SLURM_STEP_GPUS: "0" });
      assertEquals([out.code, out.stderr], [0, ""]);
      assertEquals(Deno.readTextFileSync(e.mounts), csvLines(e, 0));
    });
    await withTempDir(async (dir) => {
      // SLURM_* from the container's environment never count.
      const e = enroot(dir, "CXPU_VISIBLE_DEVICES=1\nSLURM_JOB_ID=1\nSLURM_STEP_GPUS=1\n");
      const out = await hook(e, { SLURM_JOB_ID: "12", SLURM_STEP_GPUS: "0" });
      assertEquals(out.code, 1);
      assertEquals(
        out.stderr,
        'xpu-ctk hook enroot: XPU "1" is not among the devices Slurm gave this job (SLURM_STEP_GPUS="0")\n',
      );
      assertEquals(Deno.readTextFileSync(e.mounts), "");
    });
  },
});

Deno.test({
  name: "hook enroot: hostile ENROOT_* files are refused, and left as they were",
  ignore: rootOnly("mknod for the simulated driver"),
  fn: async () => {
    await withTempDir(async (dir) => {
      const e = enroot(dir, "CXPU_VISIBLE_DEVICES=1\n");
      Deno.writeTextFileSync(`${dir}/host-file`, "precious\n");
      Deno.removeSync(e.mounts);
      Deno.symlinkSync(`${dir}/host-file`, e.mounts);
      const out = await hook(e);
      assertEquals(out.code, 1);
      assertEquals(
        out.stderr,
        `xpu-ctk hook enroot: Cannot append to ENROOT_MOUNTS ${
          q(e.mounts)
        }: it is a symbolic link\n`,
      );
      assertEquals(Deno.readTextFileSync(`${dir}/host-file`), "precious\n");
    });
    await withTempDir(async (dir) => {
      const bad = new Uint8Array([
        ...new TextEncoder().encode("A=1\nCXPU_VISIBLE_DEVICES=1"),
        0xff,
      ]);
      const e = enroot(dir, bad);
      const before = await digests([e.environ, e.mounts]);
      const out = await hook(e);
      assertEquals(out.code, 1);
      assertEquals(
        out.stderr,
        `xpu-ctk hook enroot: Invalid ENROOT_ENVIRON ${
          q(e.environ)
        }: line 2: CXPU_VISIBLE_DEVICES: invalid UTF-8 at byte 26 (0xFF)\n`,
      );
      assertEquals(await digests([e.environ, e.mounts]), before);
    });
    await withTempDir(async (dir) => {
      const e = enroot(dir, new Uint8Array(16 * 1024 * 1024 + 1).fill(0x41));
      const out = await hook(e);
      assertEquals(out.code, 1);
      assertStringIncludes(out.stderr, "it is larger than 16777216 bytes");
      assertEquals(Deno.readTextFileSync(e.mounts), "");
    });
  },
});

Deno.test({
  name: "hook enroot: a memory limit and a missing ENROOT_MOUNTS are errors",
  ignore: rootOnly("mknod for the simulated driver"),
  fn: async () => {
    await withTempDir(async (dir) => {
      const e = enroot(dir, "CXPU_VISIBLE_DEVICES=1\nCXPU_CONTAINER_MEMORY_LIMIT=1g\n");
      const out = await hook(e);
      assertEquals(out.code, 1);
      assertMatch(
        out.stderr,
        /CXPU_CONTAINER_MEMORY_LIMIT is set, but enroot runs no hook when a container stops/,
      );
      assertEquals(Deno.readTextFileSync(e.mounts), "");
      const missing = await hook(e, { ENROOT_MOUNTS: "" });
      assertEquals(missing.code, 1);
      assertStringIncludes(missing.stderr, "ENROOT_MOUNTS is not set: enroot runs this hook");
      const usage = await hook(e, {}, ["--bogus"]);
      assertEquals(usage.code, 2);
      assertStringIncludes(usage.stderr, 'Unknown flag "--bogus"');
    });
  },
});

Deno.test({
  name: "hook enroot: legacy mode execs the cli as 98-nvidia.sh does, with no --pid",
  ignore: rootOnly("mknod for the simulated driver"),
  fn: async () => {
    await withTempDir(async (dir) => {
      const log = `${dir}/cli.log`;
      const driver = `${dir}/driver`;
      const e = enroot(
        dir,
        "CXPU_VISIBLE_DEVICES=1\n",
        `[xpu-container-cli]\nroot = ${q(driver)}\npath = ${
          q(`${TESTDATA}/bin/fake-xpu-container-cli`)
        }\nenvironment = [${q(`FAKE_CLI_LOG=${log}`)}]\n[xpu-container-runtime]\nmode = "legacy"\n`,
      );
      csvConfigFile(`${dir}/csvhost`);
      Deno.renameSync(`${dir}/csvhost/driver`, driver);
      const out = await hook(e, { LD_XPU_TEST: "1" });
      assertEquals([out.code, out.stderr], [0, ""]);
      const argv = Deno.readTextFileSync(log).split("\n")[0];
      assertEquals(
        argv,
        `argv=--root=${driver} --user configure --ldconfig=@/sbin/ldconfig --no-cgroups ` +
          `--device=1 --utility --compute ${e.rootfs}`,
      );
      assertEquals(Deno.readTextFileSync(log).includes("LD_XPU_TEST"), false);
      assertEquals(Deno.readTextFileSync(e.mounts), "");
    });
  },
});
