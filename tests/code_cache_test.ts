/**
 * The launcher's code cache: its own DENO_DIR per build and per install, filled by running each
 * applet once, its write-ahead logs checkpointed.
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import { assertEquals, assertStringIncludes, assertTrue } from "./assert.ts";
import { ROOT, run, withTempDir } from "./helpers.ts";

/** The modules V8's code cache in `denoDir` holds compiled code for. */
function cachedModules(denoDir: string): string[] {
  const db = new DatabaseSync(`${denoDir}/v8_code_cache_v2`, { readOnly: true });
  try {
    return db.prepare("SELECT specifier FROM codecache").all().map((r) => String(r.specifier));
  } finally {
    db.close();
  }
}

/** Files in `dir` that are write-ahead logs with something in them. */
function pendingLogs(dir: string): string[] {
  return [...Deno.readDirSync(dir)]
    .filter((e) => e.name.endsWith("-wal") && Deno.statSync(`${dir}/${e.name}`).size > 0)
    .map((e) => e.name);
}

Deno.test("the built launcher keeps its code cache in dist/, made afresh by every build", () => {
  const launcher = Deno.readTextFileSync(`${ROOT}/dist/bin/xpu-ctk`);
  assertStringIncludes(launcher, `DENO_DIR='${ROOT}/dist/deno-dir'`);
  const build = Deno.readTextFileSync(`${ROOT}/scripts/build.sh`);
  assertTrue(/^rm -rf dist$/m.test(build), "the build starts from an empty dist/");
});

Deno.test("scripts/warm-cache.sh fills a fresh code cache with every applet and checkpoints it", async () => {
  await withTempDir(async (dir) => {
    Deno.mkdirSync(`${dir}/bin`);
    const made = await run(`${ROOT}/scripts/launcher.sh`, [
      `${dir}/bin/xpu-ctk`,
      `${ROOT}/.tools/node_modules/.bin/deno`,
      `${ROOT}/dist/js`,
      `${dir}/deno-dir`,
      `${dir}/decisions`,
    ], { env: { DENO_DIR: `${ROOT}/.deno` } });
    assertEquals(made.code, 0, made.stderr);
    for (const name of ["xpu-container-runtime", "xpu-container-runtime-hook"]) {
      Deno.symlinkSync("xpu-ctk", `${dir}/bin/${name}`);
    }
    const deno = `${ROOT}/.tools/node_modules/.bin/deno`;
    const out = await run(
      `${ROOT}/scripts/warm-cache.sh`,
      [`${dir}/bin`, deno, `${ROOT}/dist/js`, `${dir}/deno-dir`],
      { env: { DENO_DIR: `${ROOT}/.deno` } },
    );
    assertEquals([out.code, out.stdout, out.stderr], [0, "", ""]);
    // Every module of every applet, lazily loaded ones included.
    const modules = cachedModules(`${dir}/deno-dir`);
    for (const applet of ["runtime", "hook", "cli"]) {
      for (const entry of Deno.readDirSync(`${ROOT}/dist/js/${applet}`)) {
        const module = `file://${ROOT}/dist/js/${applet}/${entry.name}`;
        assertTrue(modules.includes(module), `${module} is not in the code cache`);
      }
    }
    assertEquals(pendingLogs(`${dir}/deno-dir`), []);
    // The shim's decision went to the scratch directory, not to the launcher's.
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["bin", "deno-dir"]);
  });
});
