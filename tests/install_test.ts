import { DatabaseSync } from "node:sqlite";
import { assertEquals, assertStringIncludes, assertTrue } from "./assert.ts";
import { configFromString } from "../src/config/load.ts";
import { DEFAULTS } from "../src/config/schema.ts";
import { bin, ROOT, run, withTempDir } from "./helpers.ts";

async function install(prefix: string, etc: string) {
  // scripts/install.sh is what `make install` runs, without rebuilding dist/ under other tests.
  bin("xpu-ctk");
  const out = await run(`${ROOT}/scripts/install.sh`, ["", prefix, etc], {
    env: { DENO_DIR: `${ROOT}/.deno` },
  });
  assertEquals(out.code, 0, out.stderr);
  return out;
}

Deno.test("make install puts the artifact, its names and a default config in place", async () => {
  await withTempDir(async (dir) => {
    const out = await install(`${dir}/usr`, `${dir}/etc`);
    assertStringIncludes(out.stdout, "installed default config");
    for (
      const name of [
        "xpu-ctk",
        "xpu-container-runtime",
        "xpu-container-runtime-hook",
        "xpu-container-toolkit",
      ]
    ) {
      const v = await run(
        `${dir}/usr/bin/${name}`,
        [name.endsWith("-hook") || name.endsWith("-toolkit") ? "-version" : "--version"],
        {
          env: { PATH: "/nonexistent" },
        },
      );
      assertStringIncludes(v.stdout, " version 0.1.0\n");
    }
    const conf = Deno.readTextFileSync(`${dir}/etc/xpu-container-runtime/config.toml`);
    assertEquals((await configFromString(conf)).config, DEFAULTS);
    assertEquals(
      (Deno.statSync(`${dir}/etc/xpu-container-runtime/config.toml`).mode ?? 0) & 0o777,
      0o644,
    );
    // The installed copy must not depend on the source tree's sources.
    const get = await run(`${dir}/usr/bin/xpu-ctk`, [
      "--config",
      `${dir}/etc/xpu-container-runtime/config.toml`,
      "config",
      "get",
      "xpu-container-runtime.mode",
    ]);
    assertEquals(get.stdout, "auto\n");
  });
});

Deno.test("make install gives the launcher its own code cache, warmed and checkpointed, and the decision's place under /run", async () => {
  await withTempDir(async (dir) => {
    await install(`${dir}/usr`, `${dir}/etc`);
    const lib = `${dir}/usr/lib/xpu-container-toolkit`;
    const launcher = Deno.readTextFileSync(`${dir}/usr/bin/xpu-ctk`);
    assertStringIncludes(launcher, `DENO_DIR='${lib}/deno-dir'`);
    assertStringIncludes(launcher, "__xpu_decision_dir='/run/xpu-container-toolkit'");
    const db = new DatabaseSync(`${lib}/deno-dir/v8_code_cache_v2`, { readOnly: true });
    const modules = db.prepare("SELECT specifier FROM codecache").all().map((r) => r.specifier);
    db.close();
    assertTrue(modules.includes(`file://${lib}/js/runtime/main.js`), "runtime not warmed");
    assertTrue(modules.includes(`file://${lib}/js/hook/main.js`), "hook not warmed");
    const logs = [...Deno.readDirSync(`${lib}/deno-dir`)].filter((e) =>
      e.name.endsWith("-wal") && Deno.statSync(`${lib}/deno-dir/${e.name}`).size > 0
    );
    assertEquals(logs, []);
  });
});

Deno.test("make install never overwrites an operator's config", async () => {
  await withTempDir(async (dir) => {
    Deno.mkdirSync(`${dir}/etc/xpu-container-runtime`, { recursive: true });
    const mine = '# mine\n[xpu-container-runtime]\nmode = "csv"\n';
    Deno.writeTextFileSync(`${dir}/etc/xpu-container-runtime/config.toml`, mine);
    const out = await install(`${dir}/usr`, `${dir}/etc`);
    assertStringIncludes(out.stdout, "kept existing");
    assertEquals(Deno.readTextFileSync(`${dir}/etc/xpu-container-runtime/config.toml`), mine);
  });
});

Deno.test("make install installs the enroot hook, and replaces only a hook it wrote", async () => {
  await withTempDir(async (dir) => {
    const hook = `${dir}/etc/enroot/hooks.d/98-xpu.sh`;
    const out = await install(`${dir}/usr`, `${dir}/etc`);
    assertStringIncludes(out.stdout, `installed enroot hook ${hook}`);
    assertEquals((Deno.statSync(hook).mode ?? 0) & 0o777, 0o755);
    assertEquals(
      Deno.readTextFileSync(hook).split("\n").at(-2),
      `exec ${dir}/usr/bin/xpu-ctk hook enroot`,
    );
    // Only the hook: no backup or record of configure beside it.
    assertEquals([...Deno.readDirSync(`${dir}/etc/enroot/hooks.d`)].map((e) => e.name), [
      "98-xpu.sh",
    ]);
    const again = await install(`${dir}/usr`, `${dir}/etc`);
    assertEquals(again.stdout.includes("enroot hook"), false);
    Deno.writeTextFileSync(hook, "#!/bin/sh\necho mine\n");
    const kept = await install(`${dir}/usr`, `${dir}/etc`);
    assertStringIncludes(kept.stdout, `kept existing ${hook}: xpu-ctk: Cannot configure enroot`);
    assertEquals(Deno.readTextFileSync(hook), "#!/bin/sh\necho mine\n");
  });
});

Deno.test("a staged install (DESTDIR) writes a launcher that dispatches by name once moved in place", async () => {
  await withTempDir(async (dir) => {
    bin("xpu-ctk");
    const prefix = `${dir}/final/usr`;
    const out = await run(`${ROOT}/scripts/install.sh`, [`${dir}/stage`, prefix, `${dir}/etc`], {
      env: { DENO_DIR: `${ROOT}/.deno` },
    });
    assertEquals(out.code, 0, out.stderr);
    // The package manager moves the staged tree to its final place.
    Deno.mkdirSync(`${dir}/final`);
    Deno.renameSync(`${dir}/stage${prefix}`, prefix);
    const launcher = Deno.readTextFileSync(`${prefix}/bin/xpu-ctk`);
    assertStringIncludes(launcher, `${prefix}/lib/xpu-container-toolkit/js/runtime.js`);
    // Not run in the staging tree (its paths are not the final ones): the cache starts empty.
    assertEquals([...Deno.readDirSync(`${prefix}/lib/xpu-container-toolkit/deno-dir`)], []);
    const v = await run(`${prefix}/bin/xpu-container-runtime-hook`, ["-version"], {
      env: { PATH: "/nonexistent" },
    });
    assertStringIncludes(v.stdout, " version 0.1.0\n");
  });
});
