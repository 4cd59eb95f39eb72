import { assertEquals, assertMatch, assertNotMatch, assertStringIncludes } from "../assert.ts";
import { bin, configEnv, q, run, TESTDATA, withTempDir } from "../helpers.ts";
import { createDetached, makeBundle, runcUnavailable } from "./bundle.ts";
import { makeDriverRoot, XPU_MAJOR } from "./driver.ts";

const FAKE_CLI = `${TESTDATA}/bin/fake-xpu-container-cli`;
const ignore = runcUnavailable();

/** Legacy mode with our real hook (or `hook`), the fake cli and a fake driver root. */
function chainEnv(
  dir: string,
  cliEnv: string[] = [],
  hook = bin("xpu-container-runtime-hook"),
): Record<string, string> {
  const driver = makeDriverRoot(`${dir}/driver`);
  const environment = [`FAKE_CLI_LOG=${dir}/cli.log`, ...cliEnv].map(q).join(", ");
  return configEnv(
    `${dir}/xdg`,
    `[xpu-container-cli]\npath = ${q(FAKE_CLI)}\nroot = ${
      q(driver)
    }\nenvironment = [${environment}]\n` +
      `[xpu-container-runtime]\nruntimes = ["runc"]\nmode = "legacy"\n` +
      `[xpu-container-runtime-hook]\npath = ${q(hook)}\n`,
  );
}

function cliLog(dir: string): string {
  try {
    return Deno.readTextFileSync(`${dir}/cli.log`);
  } catch {
    return "";
  }
}

async function shim(dir: string, env: Record<string, string>, args: string[]) {
  return await run(bin("xpu-container-runtime"), ["--root", `${dir}/state`, ...args], { env });
}

/** Our hook binary behind a wrapper of its name that logs each call's arguments to DIR/hook.log. */
function countingHook(dir: string): string {
  const path = `${dir}/bin/xpu-container-runtime-hook`;
  Deno.mkdirSync(`${dir}/bin`);
  Deno.writeTextFileSync(
    path,
    `#!/bin/sh\necho "$*" >>${dir}/hook.log\nexec ${bin("xpu-container-runtime-hook")} "$@"\n`,
  );
  Deno.chmodSync(path, 0o755);
  return path;
}

Deno.test({
  name: "shim → runc → front → cli: the container gets /dev/xpu1, the hook its memory instance",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const env = chainEnv(dir, [], countingHook(dir));
      const b = makeBundle(`${dir}/bundle`, {
        args: ["sh", "-c", "ls -l /dev; cat /xpu-configured; env"],
        env: [
          "CXPU_VISIBLE_DEVICES=1",
          "CXPU_CONTAINER_MEMORY_LIMIT=2g",
          "LD_PRELOAD=/tmp/evil.so",
        ],
      });
      const id = `xpu-chain-${crypto.randomUUID().slice(0, 12)}`;
      try {
        const created = await createDetached(dir, env, b, id);
        assertEquals(created.code, 0, created.stderr);
        // The prestart front called the cli; the hook binary ran only for the instance.
        const spec = JSON.parse(Deno.readTextFileSync(`${b}/config.json`));
        assertEquals(spec.hooks.prestart.map((h: { path: string }) => h.path), ["/bin/bash"]);
        assertMatch(Deno.readTextFileSync(`${dir}/hook.log`), /^-config \S+ createRuntime \S+\n$/);
        const pid = JSON.parse((await shim(dir, env, ["state", id])).stdout).pid;
        const rootfs = `${b}/rootfs`;
        const calls = cliLog(dir).split("end\n").filter((c) => c.trim());
        assertEquals(calls.length, 2, cliLog(dir));
        assertMatch(
          calls[0]!,
          new RegExp(
            `^argv=--root=\\S+ --load-kmods configure --ldconfig=@/sbin/ldconfig --device=1 --utility --compute --pid=${pid} ${rootfs}\\n`,
          ),
        );
        assertMatch(
          calls[1]!,
          new RegExp(
            `^argv=--root=\\S+ --load-kmods cxpu --create --instance=${
              id.slice(0, 12)
            } --device=1 --mmem=2147483648\\n`,
          ),
        );
        // Nothing from the image's environment reaches the cli.
        assertNotMatch(cliLog(dir), /LD_PRELOAD|evil/);

        assertEquals((await shim(dir, env, ["start", id])).code, 0);
        for (
          let i = 0;
          i < 200 && JSON.parse((await shim(dir, env, ["state", id])).stdout).status !== "stopped";
          i++
        ) {
          await new Promise((r) => setTimeout(r, 50));
        }
        const out = Deno.readTextFileSync(`${dir}/out`);
        assertMatch(out, new RegExp(`^crw-rw-rw-\\s+1 0\\s+0\\s+${XPU_MAJOR},\\s+1 .* xpu1$`, "m"));
        assertMatch(
          out,
          new RegExp(`^crw-rw-rw-\\s+1 0\\s+0\\s+${XPU_MAJOR},\\s+255 .* xpuctrl$`, "m"),
        );
        assertNotMatch(out, /xpu0/);
        assertStringIncludes(out, "configured devices=1\n");

        assertEquals((await shim(dir, env, ["delete", id])).code, 0);
        const destroy = cliLog(dir).split("end\n").filter((c) => c.trim())[2];
        assertMatch(
          destroy ?? "",
          new RegExp(
            `^argv=--root=\\S+ --load-kmods cxpu --destroy --instance=${
              id.slice(0, 12)
            } --device=1\\n`,
          ),
        );
      } finally {
        await run("runc", ["--root", `${dir}/state`, "delete", "--force", id]);
      }
    });
  },
});

Deno.test({
  name: "a failing cli makes create fail with the cli's reason in runc's error",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const env = chainEnv(dir, ["FAKE_CLI_FAIL=xpu driver 5.0.21 is not loaded"]);
      const b = makeBundle(`${dir}/bundle`, { args: ["true"], env: ["CXPU_VISIBLE_DEVICES=0"] });
      const id = `xpu-chain-${crypto.randomUUID().slice(0, 12)}`;
      try {
        const out = await shim(dir, env, [
          "--log",
          `${dir}/runc.log`,
          "--log-format",
          "json",
          "run",
          "--bundle",
          b,
          id,
        ]);
        assertEquals(out.code, 1);
        assertStringIncludes(
          out.stderr + Deno.readTextFileSync(`${dir}/runc.log`),
          "xpu driver 5.0.21 is not loaded",
        );
      } finally {
        await run("runc", ["--root", `${dir}/state`, "delete", "--force", id]);
      }
    });
  },
});

Deno.test({
  name: "a container without CXPU_VISIBLE_DEVICES runs without any device or cli call",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const env = chainEnv(dir);
      const b = makeBundle(`${dir}/bundle`, { args: ["sh", "-c", "ls /dev"] });
      const id = `xpu-chain-${crypto.randomUUID().slice(0, 12)}`;
      try {
        const out = await shim(dir, env, ["run", "--bundle", b, id]);
        assertEquals(out.code, 0, out.stderr);
        assertNotMatch(out.stdout, /xpu/);
        assertEquals(cliLog(dir), "");
      } finally {
        await run("runc", ["--root", `${dir}/state`, "delete", "--force", id]);
      }
    });
  },
});
