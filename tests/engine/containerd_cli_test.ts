/**
 * `xpu-ctk runtime configure --runtime=containerd` through the built entry point, on every form
 * of `imports`, checked by the installed containerd's own `config dump`.
 * @module
 */

import { assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import { run, runBin, TESTDATA, withTempDir } from "../helpers.ts";

const SHIM = "/usr/bin/xpu-container-runtime";
const CRI = 'plugins."io.containerd.grpc.v1.cri"';
/** Debian 12's /etc/containerd/config.toml as the containerd package ships it. */
const DEBIAN = Deno.readTextFileSync(`${TESTDATA}/engines/containerd-debian.toml`);

function haveContainerd(): boolean {
  try {
    return new Deno.Command("containerd", { args: ["--version"], stdout: "null" }).outputSync()
      .success;
  } catch {
    if (Deno.env.get("CI")) throw new Error("containerd is missing: make deps installs it");
    console.warn("SKIPPED: containerd missing: make deps");
    return false;
  }
}

const ignore = !haveContainerd();

function xpuCtk(action: string, config: string, ...extra: string[]) {
  return runBin("xpu-ctk", [
    "runtime",
    action,
    "--runtime=containerd",
    "--config",
    config,
    "--runtime-path",
    SHIM,
    ...extra,
  ]);
}

/** Every file below `dir` with its content. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of Deno.readDirSync(d)) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory) walk(p);
      else out[p.slice(dir.length + 1)] = Deno.readTextFileSync(p);
    }
  };
  walk(dir);
  return out;
}

/** Debian's stock config with `imports` in the given form right after its version line. */
function withImports(form: string): string {
  return DEBIAN.replace("version = 2\n", `version = 2\n${form}\n`);
}

const SITE =
  `version = 2\n[${CRI}]\n  sandbox_image = "site/pause:1"\n[${CRI}.cni]\n  bin_dir = "/site/cni"\n`;

/** The forms containerd accepts; `dir` is the temp dir, which holds site.toml. */
const HANDLED: [string, (dir: string) => string, boolean][] = [
  ["no imports", () => DEBIAN, false],
  ["an empty array", () => withImports("imports = []"), false],
  ["an absolute entry", (dir) => withImports(`imports = ["${dir}/site.toml"]`), true],
  [
    "a multi-line array with comments and a relative entry",
    () => withImports('imports = [\n  # the site\'s settings\n  "site.toml", # CNI\n]'),
    true,
  ],
  [
    "a pattern that takes in the drop-in too",
    (dir) => withImports(`imports = ["${dir}/conf.d/*.toml"]`),
    false,
  ],
];

for (const [name, make, site] of HANDLED) {
  Deno.test({
    name:
      `xpu-ctk configures containerd with ${name} in config.toml: containerd loads runc, the site's settings and xpu; again changes nothing; unconfigure gives the bytes back`,
    ignore,
    fn: async () => {
      await withTempDir(async (dir) => {
        const config = `${dir}/config.toml`;
        const original = make(dir);
        Deno.writeTextFileSync(config, original);
        Deno.writeTextFileSync(`${dir}/site.toml`, SITE);
        const out = await xpuCtk("configure", config);
        assertEquals(out.code, 0, out.stderr);
        const dump = await run("containerd", ["--config", config, "config", "dump"]);
        assertEquals(dump.code, 0, dump.stderr);
        assertMatch(
          dump.stdout,
          /\.containerd\.runtimes\.runc\]\n(?:.*\n)*?\s+runtime_type = "io\.containerd\.runc\.v2"/,
        );
        assertMatch(
          dump.stdout,
          /\.containerd\.runtimes\.xpu\.options\]\n\s+BinaryName = "\/usr\/bin\/xpu-container-runtime"/,
        );
        assertMatch(
          dump.stdout,
          /\.containerd\.runtimes\.xpu\]\n(?:.*\n)*?\s+container_annotations = \["cdi\.k8s\.io\/\*"\]/,
        );
        assertMatch(dump.stdout, /default_runtime_name = "runc"/);
        assertMatch(dump.stdout, site ? /bin_dir = "\/site\/cni"/ : /bin_dir = "\/usr\/lib\/cni"/);
        if (site) assertStringIncludes(dump.stdout, 'sandbox_image = "site/pause:1"');
        const after = tree(dir);
        const again = await xpuCtk("configure", config);
        assertEquals(again.stderr, "xpu-ctk: nothing to change\n");
        assertEquals(tree(dir), after);
        const undone = await xpuCtk("unconfigure", config);
        assertEquals(undone.code, 0, undone.stderr);
        assertEquals(Deno.readTextFileSync(config), original);
        assertEquals(Object.keys(tree(dir)).filter((f) => f.startsWith("conf.d/")), []);
      });
    },
  });
}

/** The forms containerd refuses, so xpu-ctk must too. */
const REFUSED: [string, string, string][] = [
  ["a string", 'imports = "SITE"', "a string"],
  ["a table", '[imports]\nsite = "SITE"', "a table"],
  ["a dotted key", 'imports.site = "SITE"', "a table"],
];

for (const [name, form, what] of REFUSED) {
  Deno.test({
    name:
      `xpu-ctk refuses imports as ${name}, which containerd cannot load either, and leaves the file alone`,
    ignore,
    fn: async () => {
      await withTempDir(async (dir) => {
        const config = `${dir}/config.toml`;
        const text = withImports(form.replace("SITE", `${dir}/site.toml`));
        Deno.writeTextFileSync(config, text);
        Deno.writeTextFileSync(`${dir}/site.toml`, SITE);
        const theirs = await run("containerd", ["--config", config, "config", "dump"]);
        assertEquals(theirs.code !== 0, true, "containerd loaded it");
        for (const source of ["command", "file"]) {
          const out = await xpuCtk("configure", config, `--config-source=${source}`);
          assertEquals(out.code, 1);
          assertEquals(
            out.stderr,
            `xpu-ctk: Cannot configure containerd: "imports" in "${config}" is ${what}; containerd reads only a top-level array of file names (imports = ["/etc/containerd/conf.d/*.toml"]) and cannot load this file either; it was left unchanged\n`,
          );
          assertEquals(tree(dir), { "config.toml": text, "site.toml": SITE });
        }
        assertEquals((await xpuCtk("unconfigure", config)).code, 1);
        assertEquals(tree(dir), { "config.toml": text, "site.toml": SITE });
      });
    },
  });
}

for (
  const [name, fixture, extra] of [
    ["containerd-debian", "containerd-debian.toml", []],
    ["containerd-v1", "containerd-v1.toml", ["--set-as-default"]],
  ] as const
) {
  Deno.test(`xpu-ctk runtime configure --runtime=containerd (${name}) --config-source=file --dry-run matches the golden file`, async () => {
    await withTempDir(async (dir) => {
      const text = Deno.readTextFileSync(`${TESTDATA}/engines/${fixture}`);
      Deno.writeTextFileSync(`${dir}/config.toml`, text);
      const out = await xpuCtk(
        "configure",
        `${dir}/config.toml`,
        "--config-source=file",
        "--dry-run",
        ...extra,
      );
      assertEquals(out.code, 0, out.stderr);
      const normalised = out.stdout.replaceAll(dir, "<dir>");
      const golden = `${TESTDATA}/golden/engines/${name}.txt`;
      if (Deno.env.get("UPDATE_GOLDEN")) Deno.writeTextFileSync(golden, normalised);
      assertEquals(normalised, Deno.readTextFileSync(golden));
      assertEquals(tree(dir), { "config.toml": text });
    });
  });
}

Deno.test("xpu-ctk runtime configure --config-source is checked: command or file, containerd only", async () => {
  for (
    const [args, message] of [
      [
        ["--runtime=containerd", "--config-source=dump"],
        'Invalid --config-source "dump": expected command or file',
      ],
      [
        ["--runtime=docker", "--config-source=file"],
        "--config-source applies to --runtime=containerd only",
      ],
    ] as const
  ) {
    const out = await runBin("xpu-ctk", [
      "runtime",
      "configure",
      ...args,
      "--config",
      "/nonexistent/x",
    ]);
    assertEquals(out.code, 2);
    assertStringIncludes(out.stderr, `xpu-ctk: ${message}\n`);
  }
});

Deno.test({
  name:
    "xpu-ctk runtime configure --cdi.enabled on containerd 1.6 says it needs 1.7 and changes nothing",
  ignore: ignore || (() => {
    const v = new Deno.Command("containerd", { args: ["--version"], stdout: "piped" }).outputSync();
    return !/ v?1\.[0-6]\./.test(new TextDecoder().decode(v.stdout));
  })(),
  fn: async () => {
    await withTempDir(async (dir) => {
      Deno.writeTextFileSync(`${dir}/config.toml`, DEBIAN);
      const out = await xpuCtk("configure", `${dir}/config.toml`, "--cdi.enabled");
      assertEquals(out.code, 1);
      assertMatch(
        out.stderr,
        /^xpu-ctk: Cannot configure containerd: "--cdi\.enabled" needs containerd 1\.7 or later \(enable_cdi\), and ".*containerd" is "1\.6\.[^;]*"; it was left unchanged\n$/,
      );
      assertEquals(tree(dir), { "config.toml": DEBIAN });
    });
  },
});

Deno.test({
  name:
    "xpu-ctk configures a version 1 config.toml (no version) with a version 1 drop-in that containerd loads",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const config = `${dir}/config.toml`;
      const original = Deno.readTextFileSync(`${TESTDATA}/engines/containerd-v1.toml`);
      Deno.writeTextFileSync(config, original);
      const out = await xpuCtk("configure", config);
      assertEquals(out.code, 0, out.stderr);
      const dump = await run("containerd", ["--config", config, "config", "dump"]);
      assertEquals(dump.code, 0, dump.stderr);
      assertMatch(
        dump.stdout,
        /\.runtimes\.xpu\.options\]\n\s+BinaryName = "\/usr\/bin\/xpu-container-runtime"(?:\n.*)*?\n\s+SystemdCgroup = true/,
      );
      assertMatch(dump.stdout, /\.runtimes\.runc\.options\]\n(?:.*\n)*?\s+SystemdCgroup = true/);
      assertEquals((await xpuCtk("unconfigure", config)).code, 0);
      assertEquals(Deno.readTextFileSync(config), original);
    });
  },
});
