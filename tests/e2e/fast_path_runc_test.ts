/**
 * Real runc containers' lives through the runtime's fast path: once the shim has recorded its
 * decision, a container that asks for nothing is created, started, killed and deleted without
 * starting Deno; one that asks for an XPU goes to the shim at create and gets its device.
 * @module
 */

import { assertEquals, assertMatch } from "../assert.ts";
import { BIN_DIR, q, run, withTempDir } from "../helpers.ts";
import { makeBundle, runcUnavailable } from "./bundle.ts";
import { csvConfigFile, XPU_MAJOR } from "./driver.ts";
import { countingBuild, settle } from "../runtime/fast_path.ts";
import { DECISION_DIR_ENV } from "../../src/runtime/decision.ts";

Deno.test({
  name: "runc containers: a void one never starts Deno once decided, an XPU one gets its device",
  ignore: runcUnavailable(),
  fn: async () => {
    await withTempDir(async (dir) => {
      const build = await countingBuild(`${dir}/build`);
      const config = csvConfigFile(`${dir}/xdg/xpu-container-runtime`);
      Deno.writeTextFileSync(config, `[xpu-ctk]\npath = ${q(`${BIN_DIR}/xpu-ctk`)}\n`, {
        append: true,
      });
      const env = {
        PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        XDG_CONFIG_HOME: `${dir}/xdg`,
        [DECISION_DIR_ENV]: `${dir}/decisions`,
      };
      await settle();
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
      const life = async (id: string, bundle: string) => {
        const starts = [(await shim(["create", "--bundle", bundle, id])).starts];
        const created = await shim(["state", id]);
        assertEquals(JSON.parse(created.text).status, "created");
        starts.push(created.starts, (await shim(["start", id])).starts);
        assertEquals(JSON.parse((await shim(["state", id])).text).status, "running");
        starts.push((await shim(["kill", id, "KILL"])).starts);
        for (let i = 0; i < 100; i++) {
          if (JSON.parse((await shim(["state", id])).text).status === "stopped") break;
          await new Promise((r) => setTimeout(r, 50));
        }
        starts.push((await shim(["delete", id])).starts);
        return starts;
      };
      const ids: string[] = [];
      const id = () => {
        ids.push(`xpu-fast-${crypto.randomUUID().slice(0, 8)}`);
        return ids.at(-1)!;
      };
      try {
        const b = makeBundle(`${dir}/bundle`, { args: ["sleep", "60"] });
        const spec = Deno.readFileSync(`${b}/config.json`);
        // The first create decides; from then on only runc runs, and the spec stays as it was.
        assertEquals(await life(id(), b), [1, 0, 0, 0, 0]);
        assertEquals(await life(id(), b), [0, 0, 0, 0, 0]);
        assertEquals(Deno.readFileSync(`${b}/config.json`), spec);

        const x = makeBundle(`${dir}/xpu`, {
          args: ["ls", "-l", "/dev/xpu1"],
          env: ["CXPU_VISIBLE_DEVICES=1"],
        });
        const out = await shim(["run", "--bundle", x, id()]);
        assertEquals(out.starts, 1);
        assertMatch(
          out.text,
          new RegExp(`^crw-rw-rw-\\s+1 0\\s+0\\s+${XPU_MAJOR},\\s+1 .* /dev/xpu1$`, "m"),
        );
      } finally {
        for (const i of ids) await run("runc", ["--root", `${dir}/state`, "delete", "--force", i]);
      }
    });
  },
});
