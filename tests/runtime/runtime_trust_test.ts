import { assertEquals, assertNotMatch, assertStringIncludes, assertTrue } from "../assert.ts";
import { configEnv, q, rootOnly, runBin, TESTDATA, withTempDir } from "../helpers.ts";
import { generateCdiSpec, makeDriverRoot } from "../e2e/driver.ts";

const FAKE_RUNC = `${TESTDATA}/bin/fake-runc`;
const FIX = "make it owned by root and not writable by group or others (chmod go-w)";
const ignore = rootOnly("mknod");

function test(name: string, fn: () => Promise<void>) {
  Deno.test({ name, ignore, fn });
}

/** A bundle asking for `devices` through CXPU_VISIBLE_DEVICES. */
function bundle(dir: string, devices: string): string {
  const b = `${dir}/bundle`;
  Deno.mkdirSync(b);
  const spec = JSON.parse(Deno.readTextFileSync(`${TESTDATA}/bundles/runc-spec.json`));
  spec.process.env.push(`CXPU_VISIBLE_DEVICES=${devices}`);
  Deno.writeTextFileSync(`${b}/config.json`, JSON.stringify(spec, null, "\t"));
  return b;
}

/** The content of every file under `dir`, by path. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of Deno.readDirSync(dir)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) { for (const [p, t] of snapshot(path)) out.set(p, t); }
    else if (e.isFile) out.set(path, Deno.readTextFileSync(path));
  }
  return out;
}

/** A CDI spec of kind kunlunxin.com/xpu whose device `name` runs `hook` at createRuntime. */
function hookSpec(name: string, hook: string): string {
  return JSON.stringify({
    cdiVersion: "0.5.0",
    kind: "kunlunxin.com/xpu",
    devices: [{
      name,
      containerEdits: {
        env: [`EVIL_${name.toUpperCase()}=1`],
        hooks: [{ hookName: "createRuntime", path: hook, args: [hook, "owned"] }],
      },
    }],
  });
}

/** cdi mode over a generated spec in `cdi/` and whatever `extra/` holds (the later dir). */
async function cdiHost(dir: string, devices: string) {
  const driver = makeDriverRoot(`${dir}/driver`);
  await generateCdiSpec(driver, `${dir}/cdi/xpu.yaml`);
  Deno.mkdirSync(`${dir}/extra`);
  const env = configEnv(
    `${dir}/xdg`,
    `[xpu-container-runtime]\nruntimes = [${q(FAKE_RUNC)}]\nmode = "cdi"\n` +
      `[xpu-container-runtime.modes.cdi]\nspec-dirs = [${q(`${dir}/cdi`)}, ${
        q(`${dir}/extra`)
      }]\ncache-dir = ${q(`${dir}/cache`)}\n`,
  );
  return { b: bundle(dir, devices), env };
}

function create(b: string, env: Record<string, string>) {
  return runBin("xpu-container-runtime", ["create", "--bundle", b, "id"], { env });
}

test("a world-writable CDI spec is ignored with a warning: its hook is not injected", async () => {
  await withTempDir(async (dir) => {
    const { b, env } = await cdiHost(dir, "kunlunxin.com/xpu=evil");
    const evil = `${dir}/extra/evil.json`;
    Deno.writeTextFileSync(evil, hookSpec("evil", "/usr/bin/evil-hook"));
    Deno.chmodSync(evil, 0o646);
    const before = Deno.readTextFileSync(`${b}/config.json`);
    const inputs = snapshot(dir);

    const out = await create(b, env);
    assertEquals(out.code, 1);
    assertEquals(
      out.stderr,
      `xpu-container-runtime: warning: Ignoring CDI spec "${evil}": it is writable by others ` +
        `(mode 0646); ${FIX}\n` +
        'xpu-container-runtime: Unresolvable CDI device "kunlunxin.com/xpu=evil"; the spec ' +
        'directories define "kunlunxin.com/xpu=0", "kunlunxin.com/xpu=1", "kunlunxin.com/xpu=all"\n',
    );
    assertEquals(Deno.readTextFileSync(`${b}/config.json`), before);
    assertEquals(snapshot(dir), inputs);

    // The same spec, writable only by root, is used.
    Deno.chmodSync(evil, 0o644);
    const ok = await create(b, env);
    assertEquals([ok.code, ok.stderr], [0, ""]);
    const spec = JSON.parse(Deno.readTextFileSync(`${b}/config.json`));
    assertEquals(spec.hooks.createRuntime, [{
      path: "/usr/bin/evil-hook",
      args: ["/usr/bin/evil-hook", "owned"],
    }]);
  });
});

test("a world-writable CDI spec cannot override a device of a trusted one", async () => {
  await withTempDir(async (dir) => {
    const { b, env } = await cdiHost(dir, "kunlunxin.com/xpu=0");
    // A later spec directory overrides an earlier one: this file would win if it were read.
    const evil = `${dir}/extra/evil.json`;
    Deno.writeTextFileSync(evil, hookSpec("0", "/usr/bin/evil-hook"));
    Deno.chmodSync(evil, 0o666);
    const out = await create(b, env);
    assertEquals(out.code, 0, out.stderr);
    assertEquals(
      out.stderr,
      `xpu-container-runtime: warning: Ignoring CDI spec "${evil}": it is writable by group and ` +
        `others (mode 0666); ${FIX}\n`,
    );
    const text = Deno.readTextFileSync(`${b}/config.json`);
    assertNotMatch(text, /evil|EVIL/);
    assertEquals(JSON.parse(text).linux.devices.map((d: { path: string }) => d.path), [
      "/dev/xpuctrl",
      "/dev/xpu0",
    ]);
  });
});

test("a world-writable CDI spec directory is ignored with a warning", async () => {
  await withTempDir(async (dir) => {
    const { b, env } = await cdiHost(dir, "kunlunxin.com/xpu=evil");
    Deno.writeTextFileSync(`${dir}/extra/evil.json`, hookSpec("evil", "/usr/bin/evil-hook"));
    Deno.chmodSync(`${dir}/extra`, 0o777);
    const out = await create(b, env);
    assertEquals(out.code, 1);
    assertStringIncludes(
      out.stderr,
      `xpu-container-runtime: warning: Ignoring CDI spec directory "${dir}/extra": it is ` +
        `writable by group and others (mode 0777); ${FIX}\n`,
    );
    assertStringIncludes(out.stderr, 'Unresolvable CDI device "kunlunxin.com/xpu=evil";');
  });
});

const CSV = "dev, /dev/xpu0\ndev, /dev/xpu1\ndev, /dev/xpuctrl\n";

/** csv mode over the CSV files in `csv/`; `files` are written there. */
function csvHost(dir: string, files: Record<string, string>) {
  const driver = makeDriverRoot(`${dir}/driver`);
  Deno.mkdirSync(`${dir}/csv`);
  for (const [name, text] of Object.entries(files)) {
    Deno.writeTextFileSync(`${dir}/csv/${name}`, text);
  }
  const env = configEnv(
    `${dir}/xdg`,
    `[xpu-container-cli]\nroot = ${q(driver)}\n` +
      `[xpu-container-runtime]\nruntimes = [${q(FAKE_RUNC)}]\nmode = "csv"\n` +
      `[xpu-container-runtime.modes.csv]\nmount-spec-path = ${q(`${dir}/csv`)}\n`,
  );
  return { b: bundle(dir, "1"), env, driver };
}

test("csv mode ignores a world-writable CSV file, and a world-writable CSV directory", async () => {
  await withTempDir(async (dir) => {
    const { b, env, driver } = csvHost(dir, { "a.csv": CSV, "b.csv": "dir, /usr/local/xpu\n" });
    Deno.chmodSync(`${dir}/csv/b.csv`, 0o666);
    const inputs = snapshot(`${dir}/csv`);
    const out = await create(b, env);
    assertEquals(out.code, 0, out.stderr);
    assertEquals(
      out.stderr,
      `xpu-container-runtime: warning: Ignoring CSV spec "${dir}/csv/b.csv": it is writable by ` +
        `group and others (mode 0666); ${FIX}\n`,
    );
    const spec = JSON.parse(Deno.readTextFileSync(`${b}/config.json`));
    assertEquals(
      spec.mounts.filter((m: { source: string }) => m.source.startsWith(driver)),
      [],
    );

    Deno.chmodSync(`${dir}/csv`, 0o777);
    const open = await create(b, env);
    assertEquals(open.code, 1);
    assertEquals(
      open.stderr,
      `xpu-container-runtime: warning: Ignoring CSV spec directory "${dir}/csv": it is writable ` +
        `by group and others (mode 0777); ${FIX}\n` +
        'xpu-container-runtime: XPU "1" is not available: the CSV specs list no /dev/xpu<N> device\n',
    );
    Deno.chmodSync(`${dir}/csv`, 0o755);
    assertEquals(snapshot(`${dir}/csv`), inputs);
  });
});

test("csv mode skips lines whose .. leaves the driver root: no host /etc, no host /dev/null", async () => {
  await withTempDir(async (dir) => {
    const lines = "dir, /../../../../etc\ndev, /../../dev/null\nlib, /usr/../../etc/passwd\n";
    const { b, env, driver } = csvHost(dir, { "a.csv": CSV + lines });
    const out = await create(b, env);
    assertEquals(out.code, 0, out.stderr);
    const csv = `${dir}/csv/a.csv`;
    assertEquals(out.stderr.split("\n").filter(Boolean), [
      `xpu-container-runtime: warning: ${csv}:4: path "/../../../../etc" leaves the driver root; line skipped`,
      `xpu-container-runtime: warning: ${csv}:5: path "/../../dev/null" leaves the driver root; line skipped`,
      `xpu-container-runtime: warning: ${csv}:6: path "/usr/../../etc/passwd" leaves the driver root; line skipped`,
    ]);
    const spec = JSON.parse(Deno.readTextFileSync(`${b}/config.json`));
    assertEquals(spec.linux.devices.map((d: { path: string }) => d.path), [
      "/dev/xpu1",
      "/dev/xpuctrl",
    ]);
    const sources: string[] = spec.mounts.map((m: { source: string }) => m.source);
    assertEquals(sources.filter((s) => s.includes("..") || s.includes("etc")), []);
    assertEquals(sources.filter((s) => s.startsWith(driver)), []);
  });
});

test("a *.csv symlink to another file is skipped and nothing of that file is shown", async () => {
  await withTempDir(async (dir) => {
    const secret = `${dir}/shadow`;
    Deno.writeTextFileSync(secret, "root:$6$SECRET-HASH-4711:19000:0:99999:7:::\nTOKEN=SECRET\n");
    Deno.chmodSync(secret, 0o600);
    const { b, env } = csvHost(dir, { "a.csv": CSV });
    Deno.symlinkSync(secret, `${dir}/csv/z.csv`);
    const out = await create(b, env);
    assertEquals(out.code, 0, out.stderr);
    assertEquals(
      out.stderr,
      `xpu-container-runtime: warning: Ignoring CSV spec "${dir}/csv/z.csv": it is a symlink to ` +
        `"${secret}", not to a *.csv file\n`,
    );
    const all = out.stdout + out.stderr + Deno.readTextFileSync(`${b}/config.json`);
    assertNotMatch(all, /SECRET|4711/);
    assertEquals(
      Deno.readTextFileSync(secret),
      "root:$6$SECRET-HASH-4711:19000:0:99999:7:::\nTOKEN=SECRET\n",
    );
  });
});

test("a world-writable config.toml is ignored with a warning: defaults, also for state", async () => {
  await withTempDir(async (dir) => {
    // What the ignored config names would leave this mark; runc found on PATH leaves its own.
    const mark = (name: string) => {
      const path = `${dir}/bin/${name}`;
      Deno.writeTextFileSync(path, `#!/bin/bash\necho ${name} >>${q(`${dir}/ran`)}\n`);
      Deno.chmodSync(path, 0o755);
      return path;
    };
    Deno.mkdirSync(`${dir}/bin`);
    mark("runc");
    const toml = `[xpu-container-runtime]\nruntimes = [${q(mark("evil-runc"))}]\n`;
    const env = { ...configEnv(`${dir}/xdg`, toml), PATH: `${dir}/bin` };
    const config = `${dir}/xdg/xpu-container-runtime/config.toml`;
    Deno.chmodSync(config, 0o646);
    const b = `${dir}/bundle`;
    Deno.mkdirSync(b);
    Deno.copyFileSync(`${TESTDATA}/bundles/runc-spec.json`, `${b}/config.json`);
    const before = Deno.readTextFileSync(`${b}/config.json`);
    const warning = `xpu-container-runtime: warning: Ignoring config "${config}": it is ` +
      `writable by others (mode 0646); ${FIX}\n`;
    for (const args of [["create", "--bundle", b, "id"], ["state", "id"]]) {
      const out = await runBin("xpu-container-runtime", args, { env });
      assertEquals([out.code, out.stderr], [0, warning]);
    }
    assertEquals(Deno.readTextFileSync(`${dir}/ran`), "runc\nrunc\n");
    assertEquals(Deno.readTextFileSync(`${b}/config.json`), before);
    assertEquals(Deno.readTextFileSync(config), toml);

    Deno.chmodSync(config, 0o644);
    const trusted = await runBin("xpu-container-runtime", ["state", "id"], { env });
    assertEquals([trusted.code, trusted.stderr], [0, ""]);
    assertTrue(Deno.readTextFileSync(`${dir}/ran`).endsWith("evil-runc\n"));
  });
});
