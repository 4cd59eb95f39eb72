/**
 * A real runc container's life through the runtime's fast path: create goes to the shim, which
 * records its decision; start, state, kill and delete reach runc without starting Deno.
 * @module
 */

import { assertEquals } from "../assert.ts";
import { q, run, withTempDir } from "../helpers.ts";
import { makeBundle, runcUnavailable } from "./bundle.ts";
import { countingBuild, settle } from "../runtime/fast_path.ts";
import { DECISION_DIR_ENV } from "../../src/runtime/decision.ts";

Deno.test({
  name: "a runc container's start, state, kill and delete take the fast path, create the shim",
  ignore: runcUnavailable(),
  fn: async () => {
    await withTempDir(async (dir) => {
      const build = await countingBuild(`${dir}/build`);
      Deno.mkdirSync(`${dir}/xdg/xpu-container-runtime`, { recursive: true });
      Deno.writeTextFileSync(
        `${dir}/xdg/xpu-container-runtime/config.toml`,
        `[xpu-container-runtime]\nruntimes = ["runc"]\n`,
      );
      const b = makeBundle(`${dir}/bundle`, { args: ["sleep", "60"] });
      const env = {
        PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        XDG_CONFIG_HOME: `${dir}/xdg`,
        [DECISION_DIR_ENV]: `${dir}/decisions`,
      };
      await settle();
      const id = `xpu-fast-${crypto.randomUUID().slice(0, 8)}`;
      const shim = async (args: string[]) => {
        const before = build.starts();
        const out = await run("/bin/sh", [
          "-c",
          `exec "$0" "$@" >${q(`${dir}/out`)} 2>&1 </dev/null`,
          `${build.bin}/xpu-container-runtime`,
          "--root",
          `${dir}/state`,
          ...args,
        ], { env, clearEnv: true });
        const text = Deno.readTextFileSync(`${dir}/out`);
        assertEquals(out.code, 0, text);
        return { starts: build.starts() - before, text };
      };
      try {
        assertEquals((await shim(["create", "--bundle", b, id])).starts, 1);
        const created = await shim(["state", id]);
        assertEquals([created.starts, JSON.parse(created.text).status], [0, "created"]);
        assertEquals((await shim(["start", id])).starts, 0);
        assertEquals(JSON.parse((await shim(["state", id])).text).status, "running");
        assertEquals((await shim(["kill", id, "KILL"])).starts, 0);
        for (let i = 0; i < 100; i++) {
          if (JSON.parse((await shim(["state", id])).text).status === "stopped") break;
          await new Promise((r) => setTimeout(r, 50));
        }
        assertEquals((await shim(["delete", id])).starts, 0);
      } finally {
        await run("runc", ["--root", `${dir}/state`, "delete", "--force", id]);
      }
    });
  },
});
