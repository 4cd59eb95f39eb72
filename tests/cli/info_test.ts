import { assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import { bin, configEnv, q, rootOnly, runBin, TESTDATA, withTempDir } from "../helpers.ts";
import { makeDriverRoot } from "../e2e/driver.ts";

Deno.test({
  name: "xpu-ctk info --json reports config, mode with its facts, binaries, devices, CSV and CDI",
  ignore: rootOnly("mknod"),
  fn: async () => {
    await withTempDir(async (dir) => {
      const driver = makeDriverRoot(`${dir}/driver`);
      Deno.mkdirSync(`${dir}/csv`);
      Deno.writeTextFileSync(
        `${dir}/csv/a.csv`,
        "dev, /dev/xpu0\nlib, /usr/local/xpu/lib64/libxpuml.so.1\nbad line\n",
      );
      Deno.mkdirSync(`${dir}/cdi`);
      const env = configEnv(
        `${dir}/xdg`,
        `[xpu-container-cli]\nroot = ${q(driver)}\nldconfig = "@/nonexistent/ldconfig"\n` +
          `[xpu-container-runtime]\nruntimes = [${q(`${TESTDATA}/bin/fake-runc`)}]\n` +
          `[xpu-container-runtime.modes.csv]\nmount-spec-path = ${q(`${dir}/csv`)}\n` +
          `[xpu-container-runtime.modes.cdi]\nspec-dirs = [${q(`${dir}/cdi`)}]\n`,
      );
      const gen = await runBin("xpu-ctk", [
        "cdi",
        "generate",
        "--driver-root",
        driver,
        "-o",
        `${dir}/cdi/xpu.yaml`,
      ], { env });
      assertEquals(gen.code, 0, gen.stderr);
      const out = await runBin("xpu-ctk", ["info", "--json"], {
        env: { ...env, PATH: "/usr/bin:/bin" },
      });
      assertEquals(out.code, 0, out.stderr);
      const info = JSON.parse(out.stdout);
      assertEquals(Object.keys(info), [
        "version",
        "commit",
        "config",
        "mode",
        "lowLevelRuntime",
        "hook",
        "xpuCtk",
        "cli",
        "ldconfig",
        "driverRoot",
        "devices",
        "csv",
        "cdi",
        "engines",
        "verdict",
      ]);
      assertEquals(info.config, {
        path: `${dir}/xdg/xpu-container-runtime/config.toml`,
        exists: true,
        valid: true,
        trusted: true,
        warnings: [],
      });
      assertEquals([info.mode.configured, info.mode.resolved], ["auto", "csv"]);
      assertMatch(
        info.mode.facts.join("\n"),
        /^xpu-container-cli not found: tried ".*"; set xpu-container-cli\.path in the config\nCSV specs: .*a\.csv$/,
      );
      assertEquals(info.lowLevelRuntime, { path: `${TESTDATA}/bin/fake-runc` });
      assertEquals(info.hook, { path: bin("xpu-container-runtime-hook") });
      assertEquals(info.ldconfig, { path: "/nonexistent/ldconfig", exists: false });
      assertEquals(info.devices.map((d: { path: string }) => d.path.slice(driver.length)), [
        "/dev/xpu0",
        "/dev/xpu1",
        "/dev/xpuctrl",
      ]);
      assertEquals([info.csv.files.length, info.csv.entries, info.csv.warnings.length], [1, 2, 1]);
      assertEquals(info.cdi.devices.map((d: { name: string }) => d.name), [
        "kunlunxin.com/xpu=0",
        "kunlunxin.com/xpu=1",
        "kunlunxin.com/xpu=all",
      ]);
      assertEquals(info.engines.map((e: { name: string }) => e.name), [
        "docker",
        "containerd",
        "crio",
        "podman",
        "slurm",
        "enroot",
      ]);

      assertEquals(info.verdict.ready, false);
      assertEquals(
        info.verdict.problems.find((p: { problem: string }) => p.problem.includes("ldconfig"))?.fix,
        "xpu-ctk config set xpu-container-cli.ldconfig=@/sbin/ldconfig --in-place",
      );

      const text = await runBin("xpu-ctk", ["info"], { env: { ...env, PATH: "/usr/bin:/bin" } });
      assertStringIncludes(text.stdout, "Mode:              csv (auto)\n");
      assertStringIncludes(text.stdout, "(MISSING: set xpu-container-cli.ldconfig)");
      assertStringIncludes(text.stdout, "kunlunxin.com/xpu=0");
    });
  },
});

Deno.test("xpu-ctk info shows a broken config instead of failing", async () => {
  await withTempDir(async (dir) => {
    const env = configEnv(`${dir}/xdg`, '[xpu-container-runtime]\nmode = "fast"\n');
    const out = await runBin("xpu-ctk", ["info", "--json"], { env });
    assertEquals(out.code, 0);
    const info = JSON.parse(out.stdout);
    assertEquals([info.config.valid, info.mode.configured], [false, "auto"]);
    assertMatch(info.config.error, /key "xpu-container-runtime\.mode": expected one of/);
  });
});

Deno.test("xpu-ctk info reports the cli's version", async () => {
  await withTempDir(async (dir) => {
    const env = configEnv(
      `${dir}/xdg`,
      `[xpu-container-cli]\npath = ${q(`${TESTDATA}/bin/fake-xpu-container-cli`)}\n`,
    );
    const info = JSON.parse((await runBin("xpu-ctk", ["info", "--json"], { env })).stdout);
    assertEquals(info.cli, {
      path: `${TESTDATA}/bin/fake-xpu-container-cli`,
      version: "cli-version: 1.0.0-fake",
    });
  });
});

const FIX = "make it owned by root and not writable by group or others (chmod go-w)";

Deno.test("xpu-ctk info shows a world-writable config as ignored, with the defaults", async () => {
  await withTempDir(async (dir) => {
    const toml = '[xpu-container-runtime]\nmode = "cdi"\n';
    const env = configEnv(`${dir}/xdg`, toml);
    const path = `${dir}/xdg/xpu-container-runtime/config.toml`;
    Deno.chmodSync(path, 0o666);
    const warning =
      `Ignoring config "${path}": it is writable by group and others (mode 0666); ${FIX}`;
    const out = await runBin("xpu-ctk", ["info", "--json"], { env });
    assertEquals(out.code, 0, out.stderr);
    const info = JSON.parse(out.stdout);
    assertEquals(info.config, {
      path,
      exists: true,
      valid: true,
      trusted: false,
      warnings: [warning],
    });
    assertEquals(info.mode.configured, "auto");
    const text = await runBin("xpu-ctk", ["info"], { env });
    assertStringIncludes(text.stdout, `Config:            ${path} (IGNORED: defaults)\n`);
    assertStringIncludes(text.stdout, `  warning: ${warning}\n`);
    assertEquals(Deno.readTextFileSync(path), toml);
  });
});

Deno.test("xpu-ctk info lists world-writable CSV and CDI specs and spec directories as problems", async () => {
  await withTempDir(async (dir) => {
    Deno.mkdirSync(`${dir}/csv`);
    Deno.writeTextFileSync(`${dir}/csv/a.csv`, "dev, /dev/xpu0\n");
    Deno.writeTextFileSync(`${dir}/csv/b.csv`, "dev, /dev/xpu1\n");
    Deno.chmodSync(`${dir}/csv/b.csv`, 0o646);
    const spec = (name: string) =>
      JSON.stringify({
        cdiVersion: "0.5.0",
        kind: "a.com/x",
        devices: [{ name, containerEdits: { env: ["A=1"] } }],
      });
    for (const d of ["cdi", "open"]) Deno.mkdirSync(`${dir}/${d}`);
    Deno.writeTextFileSync(`${dir}/cdi/good.json`, spec("good"));
    Deno.writeTextFileSync(`${dir}/cdi/bad.json`, spec("bad"));
    Deno.chmodSync(`${dir}/cdi/bad.json`, 0o664);
    Deno.writeTextFileSync(`${dir}/open/x.json`, spec("open"));
    Deno.chmodSync(`${dir}/open`, 0o777);
    const env = configEnv(
      `${dir}/xdg`,
      `[xpu-container-runtime.modes.csv]\nmount-spec-path = ${q(`${dir}/csv`)}\n` +
        `[xpu-container-runtime.modes.cdi]\nspec-dirs = [${q(`${dir}/cdi`)}, ${
          q(`${dir}/open`)
        }]\n`,
    );
    const csvWarning =
      `Ignoring CSV spec "${dir}/csv/b.csv": it is writable by others (mode 0646); ${FIX}`;
    const problems = [
      `Ignoring CDI spec "${dir}/cdi/bad.json": it is writable by group (mode 0664); ${FIX}`,
      `Ignoring CDI spec directory "${dir}/open": it is writable by group and others (mode 0777); ${FIX}`,
    ];
    const out = await runBin("xpu-ctk", ["info", "--json"], { env });
    assertEquals(out.code, 0, out.stderr);
    const info = JSON.parse(out.stdout);
    assertEquals(info.csv, {
      dir: `${dir}/csv`,
      files: [`${dir}/csv/a.csv`],
      entries: 1,
      warnings: [csvWarning],
    });
    assertEquals(info.cdi.devices, [{ name: "a.com/x=good", file: `${dir}/cdi/good.json` }]);
    assertEquals(info.cdi.problems, problems);
    const text = (await runBin("xpu-ctk", ["info"], { env })).stdout;
    assertStringIncludes(text, `  warning: ${csvWarning}\n`);
    for (const p of problems) assertStringIncludes(text, `  problem: ${p}\n`);
  });
});

Deno.test("xpu-ctk info ends with a verdict; --check exits 1 when the host is not ready", async () => {
  await withTempDir(async (dir) => {
    Deno.mkdirSync(`${dir}/csv`);
    Deno.mkdirSync(`${dir}/empty-path`);
    const csv = `${dir}/csv/a.csv`;
    Deno.writeTextFileSync(csv, "dev, /dev/null\n");
    const env = {
      ...configEnv(
        `${dir}/xdg`,
        `[xpu-container-runtime]\nmode = "csv"\nruntimes = [${q(`${TESTDATA}/bin/fake-runc`)}]\n` +
          `[xpu-container-runtime.modes.csv]\nmount-spec-path = ${q(`${dir}/csv`)}\n` +
          `[xpu-container-cli]\nldconfig = "@/sbin/ldconfig"\n`,
      ),
      // No engine on PATH: none needs configuring.
      PATH: `${dir}/empty-path`,
    };
    const ready = await runBin("xpu-ctk", ["info", "--check"], { env });
    assertEquals(ready.code, 0, ready.stdout);
    assertStringIncludes(ready.stdout, "\nVerdict:           ready\n");

    Deno.chmodSync(csv, 0o666);
    const notReady = await runBin("xpu-ctk", ["info", "--check", "--json"], { env });
    assertEquals(notReady.code, 1);
    assertEquals(JSON.parse(notReady.stdout).verdict, {
      ready: false,
      problems: [{
        problem:
          `Ignoring CSV spec "${csv}": it is writable by group and others (mode 0666); make it owned by root and not writable by group or others (chmod go-w)`,
        fix: `chown root:root ${csv} && chmod go-w ${csv}`,
      }],
    });
    const text = await runBin("xpu-ctk", ["info"], { env });
    assertEquals(text.code, 0);
    assertStringIncludes(
      text.stdout,
      `Verdict:           NOT READY (1 problem)\n  - Ignoring CSV spec "${csv}"`,
    );
    assertStringIncludes(text.stdout, `\n    fix: chown root:root ${csv} && chmod go-w ${csv}\n`);
  });
});
