/**
 * `xpu-ctk runtime configure|unconfigure --runtime=containerd` keeps the engine contract: only
 * what configure added goes. From the files, so that no containerd is needed.
 * @module
 */

import { assertEquals } from "../assert.ts";
import { type Output, runBin, withTempDir } from "../helpers.ts";

const SHIM = "/usr/bin/xpu-container-runtime";

function ctk(action: string, config: string): Promise<Output> {
  return runBin("xpu-ctk", [
    "runtime",
    action,
    "--runtime=containerd",
    "--config-source=file",
    "--config",
    config,
    "--runtime-path",
    SHIM,
  ]);
}

function names(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}

Deno.test("runtime unconfigure --runtime=containerd keeps an imports entry the operator wrote: config.toml byte-identical, no .bak, no record", async () => {
  await withTempDir(async (dir) => {
    const config = `${dir}/config.toml`;
    const text = 'version = 2\nimports = ["conf.d/99-xpu.toml"]\n';
    Deno.writeTextFileSync(config, text);
    const out = await ctk("configure", config);
    assertEquals(out.code, 0, out.stderr);
    assertEquals(Deno.readTextFileSync(config), text);
    assertEquals(names(dir), ["conf.d", "config.toml"]);
    const undone = await ctk("unconfigure", config);
    assertEquals(undone.code, 0, undone.stderr);
    assertEquals(Deno.readTextFileSync(config), text);
    assertEquals(names(dir), ["conf.d", "config.toml"]);
    assertEquals(names(`${dir}/conf.d`), []);
    assertEquals(
      undone.stderr.split("\n")[1],
      `"${config}" still imports "${dir}/conf.d/99-xpu.toml", as it did before configure: ` +
        "containerd does not start until that file exists again or the entry goes",
    );
  });
});

Deno.test("runtime unconfigure --runtime=containerd still removes the entry configure added, next to the operator's", async () => {
  await withTempDir(async (dir) => {
    const config = `${dir}/config.toml`;
    const text = 'version = 2\nimports = ["site.toml"]\n';
    Deno.writeTextFileSync(config, text);
    Deno.writeTextFileSync(`${dir}/site.toml`, "version = 2\n");
    assertEquals((await ctk("configure", config)).code, 0);
    assertEquals(
      Deno.readTextFileSync(config),
      `version = 2\nimports = ["site.toml", "${dir}/conf.d/99-xpu.toml"]\n`,
    );
    assertEquals((await ctk("unconfigure", config)).code, 0);
    assertEquals(Deno.readTextFileSync(config), text);
    assertEquals(names(dir), ["conf.d", "config.toml", "site.toml"]);
  });
});
