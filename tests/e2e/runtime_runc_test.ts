import { assertEquals, assertMatch, assertNotMatch, assertStringIncludes } from "../assert.ts";
import { bin, configEnv, q, run, TESTDATA, withTempDir } from "../helpers.ts";
import { createDetached, makeBundle, runcUnavailable } from "./bundle.ts";

const RECORD_HOOK = `${TESTDATA}/bin/record-hook`;
const ignore = runcUnavailable();

function shimEnv(dir: string): Record<string, string> {
  return configEnv(
    `${dir}/xdg`,
    `[xpu-container-runtime]\nruntimes = ["runc"]\n[xpu-container-runtime-hook]\npath = ${
      q(RECORD_HOOK)
    }\n`,
  );
}

async function shim(dir: string, args: string[]) {
  return await run(bin("xpu-container-runtime"), ["--root", `${dir}/state`, ...args], {
    env: shimEnv(dir),
  });
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms = 15_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function status(dir: string, id: string): Promise<string | undefined> {
  const out = await shim(dir, ["state", id]);
  return out.code === 0 ? JSON.parse(out.stdout).status : undefined;
}

async function forceDelete(dir: string, id: string): Promise<void> {
  await run("runc", ["--root", `${dir}/state`, "delete", "--force", id]);
}

Deno.test({
  name: "create/start/state/kill/delete through the shim: the injected prestart hook fires first",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const b = makeBundle(`${dir}/bundle`, {
        args: ["sh", "-c", "cat /hook-ran; echo started; exec sleep 60"],
        env: ["CXPU_VISIBLE_DEVICES=0", "LD_PRELOAD=/tmp/evil.so"],
      });
      const id = `xpu-e2e-${crypto.randomUUID().slice(0, 8)}`;
      try {
        const created = await createDetached(dir, shimEnv(dir), b, id);
        assertEquals(created.code, 0, created.stderr + Deno.readTextFileSync(`${dir}/out`));
        assertEquals(await status(dir, id), "created");
        const hookLog = Deno.readTextFileSync(`${b}/record-hook.log`);
        assertMatch(hookLog, /^argv=-config .*config\.toml prestart$/m);
        assertMatch(hookLog, new RegExp(`^state=.*"id": *"${id}".*"pid": *\\d+`, "m"));
        assertStringIncludes(hookLog, `"bundle":"${b}"`);
        // The hook gets the fixed minimal environment, never the container's.
        assertMatch(
          hookLog,
          /^env=.*PATH=\/usr\/local\/sbin:\/usr\/local\/bin:\/usr\/sbin:\/usr\/bin:\/sbin:\/bin/m,
        );
        assertNotMatch(hookLog, /LD_PRELOAD|CXPU_VISIBLE_DEVICES/);

        assertEquals((await shim(dir, ["start", id])).code, 0);
        const out = await waitFor("the container's output", () => {
          const text = Deno.readTextFileSync(`${dir}/out`);
          return Promise.resolve(text.includes("started") ? text : undefined);
        });
        // The marker written by the hook was there before the process started.
        assertMatch(out, /^hook -config .* prestart ran\nstarted\n$/);
        assertEquals(await status(dir, id), "running");
        assertEquals((await shim(dir, ["kill", id, "KILL"])).code, 0);
        await waitFor(
          "the container to stop",
          async () => (await status(dir, id)) === "stopped" || undefined,
        );
        assertEquals((await shim(dir, ["delete", id])).code, 0);
        assertEquals(await status(dir, id), undefined);
      } finally {
        await forceDelete(dir, id);
      }
    });
  },
});

Deno.test({
  name: "run through the shim modifies the spec too and runs the container",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const b = makeBundle(`${dir}/bundle`, {
        args: ["cat", "/hook-ran"],
        env: ["CXPU_VISIBLE_DEVICES=1"],
      });
      const id = `xpu-e2e-${crypto.randomUUID().slice(0, 8)}`;
      try {
        const out = await shim(dir, ["run", "--bundle", b, id]);
        assertEquals(out.code, 0, out.stderr);
        assertMatch(out.stdout, /^hook -config .* prestart ran\n$/);
        assertStringIncludes(Deno.readTextFileSync(`${b}/config.json`), RECORD_HOOK);
      } finally {
        await forceDelete(dir, id);
      }
    });
  },
});

Deno.test({
  name: "a non-XPU container runs through the shim with config.json byte-identical",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const b = makeBundle(`${dir}/bundle`, {
        args: ["sh", "-c", "echo plain; test ! -e /hook-ran"],
      });
      const before = Deno.readTextFileSync(`${b}/config.json`);
      const id = `xpu-e2e-${crypto.randomUUID().slice(0, 8)}`;
      try {
        const out = await shim(dir, ["run", "--bundle", b, id]);
        assertEquals(out.code, 0, out.stderr);
        assertEquals(out.stdout, "plain\n");
        assertEquals(Deno.readTextFileSync(`${b}/config.json`), before);
      } finally {
        await forceDelete(dir, id);
      }
    });
  },
});

Deno.test({
  name: "runc's exit codes and errors come back through the shim",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const b = makeBundle(`${dir}/bundle`, { args: ["sh", "-c", "exit 7"] });
      const id = `xpu-e2e-${crypto.randomUUID().slice(0, 8)}`;
      try {
        assertEquals((await shim(dir, ["run", "--bundle", b, id])).code, 7);
        const missing = await shim(dir, ["state", "no-such-container"]);
        assertEquals(missing.code, 1);
        assertStringIncludes(missing.stderr, "container does not exist");
      } finally {
        await forceDelete(dir, id);
      }
    });
  },
});
