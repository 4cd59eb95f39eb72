import { assertEquals, assertMatch, assertStringIncludes, assertThrows } from "../assert.ts";
import { configEnv, type Output, q, rootOnly, runBin, TESTDATA, withTempDir } from "../helpers.ts";
import { makeDriverRoot } from "../e2e/driver.ts";
import { containersConfFiles, podmanHooksDirs } from "../../src/engine/podman_conf.ts";
import { hasMarker, MARKER_COMMENT } from "../../src/engine/marker.ts";
import { podmanDropInText, podmanHookText } from "../../src/engine/podman.ts";
import { parseToml } from "../../src/config/toml.ts";

const HOOK = "/usr/bin/xpu-container-runtime-hook";
const SHIM = "/usr/bin/xpu-container-runtime";
const HOOK_FILE = "99-xpu-container-runtime-hook.json";

function ctk(args: string[], env: Record<string, string> = {}): Promise<Output> {
  return runBin("xpu-ctk", ["runtime", ...args], { env });
}

function write(path: string, text: string): string {
  Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  Deno.writeTextFileSync(path, text);
  return path;
}

function names(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}

Deno.test("containersConfFiles() reads the main files, then the drop-ins by name; CONTAINERS_CONF alone replaces them", async () => {
  await withTempDir((dir) => {
    write(`${dir}/d/20-b.conf`, "");
    write(`${dir}/d/10-a.conf`, "");
    write(`${dir}/d/30-c.conf.bak`, "");
    Deno.mkdirSync(`${dir}/d/40-dir.conf`);
    assertEquals(containersConfFiles(undefined, ["/u", "/e"], `${dir}/d`), [
      "/u",
      "/e",
      `${dir}/d/10-a.conf`,
      `${dir}/d/20-b.conf`,
    ]);
    assertEquals(containersConfFiles(undefined, ["/u"], `${dir}/none`), ["/u"]);
    assertEquals(containersConfFiles("/x.conf", ["/u"], `${dir}/d`), ["/x.conf"]);
  });
});

Deno.test("podmanHooksDirs() takes hooks_dir from the last file setting it, else podman's default", async () => {
  await withTempDir((dir) => {
    const a = write(`${dir}/a.conf`, `[engine]\nhooks_dir = ["/a1", "/a2"]\n`);
    const b = write(`${dir}/b.conf`, `[engine]\nhooks_dir = ["/b"]\n`);
    const none = write(`${dir}/none.conf`, `[engine]\nruntime = "runc"\n[containers]\n`);
    assertEquals(podmanHooksDirs([a, b, none, `${dir}/missing.conf`]), {
      dirs: ["/b"],
      source: b,
    });
    assertEquals(podmanHooksDirs([b, a]), { dirs: ["/a1", "/a2"], source: a });
    assertEquals(podmanHooksDirs([none]), {
      dirs: ["/usr/share/containers/oci/hooks.d"],
      source: undefined,
    });
  });
});

Deno.test("podmanHooksDirs() refuses a containers.conf podman could not read either", async () => {
  await withTempDir((dir) => {
    const broken = write(`${dir}/broken.conf`, `[engine\nhooks_dir = 1\n`);
    assertThrows(
      () => podmanHooksDirs([broken]),
      Error,
      `Cannot read podman's config "${broken}": line 1, column`,
    );
    const empty = write(`${dir}/empty.conf`, `[engine]\nhooks_dir = []\n`);
    assertThrows(
      () => podmanHooksDirs([empty]),
      Error,
      `Podman reads no hooks: engine.hooks_dir is empty in "${empty}"`,
    );
    const wrong = write(`${dir}/wrong.conf`, `[engine]\nhooks_dir = "/h"\n`);
    assertThrows(
      () => podmanHooksDirs([wrong]),
      Error,
      `Cannot read podman's config "${wrong}": engine.hooks_dir is not a list of absolute paths`,
    );
  });
});

Deno.test("podmanDropInText() quotes a runtime name TOML would read as a dotted key", () => {
  assertEquals(
    podmanDropInText("xpu.v2", SHIM, true).split("\n").slice(3),
    ["[engine]", 'runtime = "xpu.v2"', "", "[engine.runtimes]", `"xpu.v2" = ["${SHIM}"]`, ""],
  );
});

Deno.test("hasMarker() finds the comment line and the JSON key, and nothing else", () => {
  assertEquals(hasMarker(podmanHookText(HOOK, undefined)), true);
  assertEquals(hasMarker(podmanDropInText("xpu", SHIM, false)), true);
  assertEquals(hasMarker(`${MARKER_COMMENT}\ncdiVersion: 0.5.0\n`), true);
  assertEquals(hasMarker(`[engine]\nruntime = "crun"\n`), false);
  assertEquals(hasMarker(`x = "# Written by xpu-ctk runtime configure"\n`), false);
  assertEquals(hasMarker(`{"note": "Written by xpu-ctk runtime configure"}`), false);
});

for (
  const [name, extra] of [
    ["podman-runtime", ["--mode=runtime"]],
    ["podman-runtime-default", ["--mode", "runtime", "--set-as-default", "--runtime-name", "xpu2"]],
  ] as const
) {
  Deno.test(`runtime configure --runtime=podman (${name}) --dry-run matches the golden file`, async () => {
    await withTempDir(async (dir) => {
      const args = ["--runtime=podman", "--runtime-path", SHIM, ...extra];
      const out = await ctk(["configure", ...args, "--config", `${dir}/99.conf`, "--dry-run"]);
      assertEquals(out.code, 0, out.stderr);
      const text = out.stdout.replaceAll(dir, "<dir>");
      const golden = `${TESTDATA}/golden/engines/${name}.txt`;
      if (Deno.env.get("UPDATE_GOLDEN")) Deno.writeTextFileSync(golden, text);
      assertEquals(text, Deno.readTextFileSync(golden));
      assertEquals(names(dir), []);
    });
  });
}

Deno.test("runtime configure --runtime=podman --mode hook writes into podman's hooks_dir (CONTAINERS_CONF), records the original, and unconfigure removes only its file", async () => {
  await withTempDir(async (dir) => {
    const env = {
      CONTAINERS_CONF: write(`${dir}/c.conf`, `[engine]\nhooks_dir = [${q(`${dir}/h`)}]\n`),
    };
    const hookArgs = ["--runtime=podman", "--mode=hook"];
    const first = await ctk(["configure", ...hookArgs, "--runtime-path", HOOK], env);
    assertEquals(first.code, 0, first.stderr);
    assertStringIncludes(
      first.stderr,
      `podman reads hooks from ${dir}/h (hooks_dir in "${dir}/c.conf")`,
    );
    const file = `${dir}/h/${HOOK_FILE}`;
    assertEquals(Deno.readTextFileSync(file), podmanHookText(HOOK, undefined));
    const again = await ctk(["configure", ...hookArgs, "--runtime-path", HOOK], env);
    assertEquals(again.stderr.split("\n").at(-2), "xpu-ctk: nothing to change");

    const other = await ctk(["configure", ...hookArgs, "--runtime-path", "/opt/xpu/hook"], env);
    assertEquals(other.code, 0, other.stderr);
    // The original is "no file" (recorded beside it), not the first configure's output.
    assertEquals(names(`${dir}/h`).includes(`${HOOK_FILE}.bak`), false);
    assertEquals(Deno.readTextFileSync(file), podmanHookText("/opt/xpu/hook", undefined));

    // Without --mode, unconfigure removes each mode's file it wrote, and reports a foreign one.
    write(`${dir}/h/keep.json`, "{}\n");
    const dry = await ctk(["unconfigure", "--runtime=podman", "--dry-run"], env);
    assertEquals(dry.code, 0, dry.stderr);
    assertStringIncludes(dry.stdout, `==> ${file} <== (would be removed)\n`);
    assertEquals(names(`${dir}/h`), [HOOK_FILE, `${HOOK_FILE}.xpu-ctk-original`, "keep.json"]);
    const removed = await ctk(["unconfigure", ...hookArgs], env);
    assertEquals(removed.code, 0, removed.stderr);
    assertEquals(names(`${dir}/h`), ["keep.json"]);

    write(file, "{}\n");
    const foreign = await ctk(["unconfigure", "--runtime=podman", "--dry-run"], env);
    assertEquals(foreign.code, 0, foreign.stderr);
    assertStringIncludes(
      foreign.stderr,
      `xpu-ctk: warning: "${file}" was not written by xpu-ctk runtime configure; it was left unchanged\n`,
    );
    assertEquals(foreign.stdout.includes(file), false);
  });
});

Deno.test("runtime configure --runtime=podman tells the hook about a non-default config.toml", async () => {
  await withTempDir(async (dir) => {
    const env = configEnv(`${dir}/xdg`, "");
    const out = await ctk([
      "configure",
      "--runtime=podman",
      "--mode=hook",
      "--runtime-path",
      HOOK,
      "--config",
      `${dir}/hook.json`,
    ], env);
    assertEquals(out.code, 0, out.stderr);
    const hook = JSON.parse(Deno.readTextFileSync(`${dir}/hook.json`)).hook;
    assertEquals(hook.args, [
      "xpu-container-runtime-hook",
      "-config",
      `${dir}/xdg/xpu-container-runtime/config.toml`,
      "prestart",
    ]);
  });
});

const FOREIGN = `[engine]\nruntime = "crun"\n`;

for (
  const [mode, file] of [
    ["hook", "hook.json"],
    ["runtime", "99-xpu.conf"],
    ["cdi", "xpu.yaml"],
  ] as const
) {
  Deno.test({
    name:
      `runtime configure and unconfigure --runtime=podman --mode ${mode} refuse a file they did not write, untouched`,
    ignore: rootOnly("cdi mode needs mknod-made devices"),
    fn: async () => {
      await withTempDir(async (dir) => {
        const driver = makeDriverRoot(`${dir}/driver`);
        const env = configEnv(`${dir}/xdg`, `[xpu-container-cli]\nroot = ${q(driver)}\n`);
        const path = write(`${dir}/etc/${file}`, FOREIGN);
        const args = ["--runtime=podman", `--mode=${mode}`, "--config", path];
        for (const action of ["configure", "unconfigure"]) {
          for (const dry of [[], ["--dry-run"]]) {
            const out = await ctk([action, ...args, ...dry], env);
            assertEquals(out.code, 1, out.stderr);
            assertEquals(out.stdout, "");
            assertEquals(
              out.stderr,
              `xpu-ctk: Cannot ${action} podman: "${path}" was not written by xpu-ctk runtime ` +
                `configure (it has no "Written by xpu-ctk runtime configure" marker); it was left unchanged\n`,
            );
            assertEquals(names(`${dir}/etc`), [file]);
            assertEquals(Deno.readTextFileSync(path), FOREIGN);
          }
        }
        // Its own file, it replaces (with a backup) and removes.
        Deno.removeSync(path);
        assertEquals((await ctk(["configure", ...args], env)).code, 0);
        assertEquals(hasMarker(Deno.readTextFileSync(path)), true);
        assertEquals((await ctk(["unconfigure", ...args], env)).code, 0);
        assertEquals(names(`${dir}/etc`), []);
      });
    },
  });
}

Deno.test({
  name:
    "runtime configure --runtime=podman (cdi, the default) writes a marked CDI spec; no device is an error",
  ignore: rootOnly("cdi mode needs mknod-made devices"),
  fn: async () => {
    await withTempDir(async (dir) => {
      const driver = makeDriverRoot(`${dir}/driver`, 1);
      Deno.mkdirSync(`${dir}/csv`);
      const toml = `[xpu-container-cli]\nroot = ${q(driver)}\n` +
        `[xpu-container-runtime.modes.csv]\nmount-spec-path = ${q(`${dir}/csv`)}\n`;
      const env = configEnv(`${dir}/xdg`, toml);
      const spec = `${dir}/cdi/xpu.yaml`;
      const out = await ctk(["configure", "--runtime=podman", "--config", spec], env);
      assertEquals(out.code, 0, out.stderr);
      assertStringIncludes(out.stderr, "podman run --device kunlunxin.com/xpu=0 …");
      const text = Deno.readTextFileSync(spec);
      assertEquals(text.split("\n")[0], MARKER_COMMENT);
      assertMatch(text, /^cdiVersion: 0\.5\.0\nkind: kunlunxin\.com\/xpu\n/m);
      assertEquals((Deno.statSync(spec).mode ?? 0) & 0o777, 0o644);
      const valid = await runBin("xpu-ctk", ["cdi", "validate", spec], { env });
      assertEquals(valid.code, 0, valid.stdout);

      const empty = configEnv(`${dir}/xdg2`, toml.replace(q(driver), q(`${dir}/nothing`)));
      const none = await ctk(
        ["configure", "--runtime=podman", "--config", `${dir}/none.yaml`],
        empty,
      );
      assertEquals(none.code, 1);
      assertEquals(
        none.stderr,
        `xpu-ctk: Cannot configure podman for CDI: no /dev/xpu<N> device under "${dir}/nothing/dev"; ` +
          `load the driver first, or use --mode runtime\n`,
      );
    });
  },
});

for (
  const [extra, message] of [
    [["--mode=vm"], /Unknown --mode "vm": expected hook, runtime or cdi/],
    [["--mode=hook", "--set-as-default"], /--set-as-default needs --mode runtime/],
    [["--mode=cdi", "--config", "/etc/cdi/xpu.json"], /must end in "\.yaml" for --mode cdi/],
    [["--mode=runtime", "--runtime-path", "bin/shim"], /--runtime-path must be an absolute path/],
  ] as const
) {
  Deno.test(`runtime configure --runtime=podman ${extra.join(" ")} is a usage error`, async () => {
    const out = await ctk(["configure", "--runtime=podman", ...extra]);
    assertEquals(out.code, 2, out.stderr);
    assertMatch(out.stderr, message);
  });
}

Deno.test("runtime configure --mode is for podman only", async () => {
  const out = await ctk(["configure", "--runtime=crio", "--mode=hook", "--dry-run"]);
  assertEquals(out.code, 2);
  assertMatch(out.stderr, /^xpu-ctk: --mode applies to --runtime=podman only\n/);
});

Deno.test("runtime configure --runtime=podman --mode runtime escapes DEL and control characters in the path", async () => {
  await withTempDir(async (dir) => {
    const path = "/opt/xpu\x7f/shim\x1b";
    const out = await ctk([
      "configure",
      "--runtime=podman",
      "--mode=runtime",
      "--config",
      `${dir}/99-xpu.conf`,
      "--runtime-path",
      path,
      "--runtime-name",
      "x.y",
    ]);
    assertEquals(out.code, 0, out.stderr);
    const doc = parseToml(Deno.readTextFileSync(`${dir}/99-xpu.conf`), "99-xpu.conf");
    assertEquals(JSON.parse(JSON.stringify(doc.engine)), { runtimes: { "x.y": [path] } });
  });
});

Deno.test("runtime configure --runtime=podman --mode hook refuses a containers.conf whose engine is not a table", async () => {
  await withTempDir(async (dir) => {
    const conf = write(`${dir}/containers.conf`, 'engine = "x"\n');
    const out = await ctk(
      ["configure", "--runtime=podman", "--mode=hook", "--runtime-path", HOOK],
      { CONTAINERS_CONF: conf },
    );
    assertEquals(out.code, 1);
    assertEquals(
      out.stderr,
      `xpu-ctk: Cannot read podman's config "${conf}": engine is a string, not a table\n`,
    );
    assertEquals(names(dir), ["containers.conf"]);
  });
});
