import { assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import { configFromString } from "../../src/config/load.ts";
import { DEFAULTS } from "../../src/config/schema.ts";
import { runBin, withTempDir } from "../helpers.ts";

Deno.test("xpu-ctk config default parses back to the defaults", async () => {
  const out = await runBin("xpu-ctk", ["config", "default"]);
  assertEquals(out.code, 0);
  assertEquals((await configFromString(out.stdout)).config, DEFAULTS);
  assertStringIncludes(out.stdout, '#root = "/run/xpu/driver"');
});

Deno.test("xpu-ctk config prints the effective config from --config and from XDG", async () => {
  await withTempDir(async (dir) => {
    Deno.mkdirSync(`${dir}/xpu-container-runtime`);
    Deno.writeTextFileSync(
      `${dir}/xpu-container-runtime/config.toml`,
      '[xpu-container-runtime]\nmode = "csv"\n',
    );
    Deno.writeTextFileSync(`${dir}/other.toml`, '[xpu-container-runtime]\nmode = "cdi"\n');
    const xdg = await runBin("xpu-ctk", ["config"], { env: { XDG_CONFIG_HOME: dir } });
    assertEquals((await configFromString(xdg.stdout)).config["xpu-container-runtime"].mode, "csv");
    for (
      const args of [["--config", `${dir}/other.toml`, "config"], [
        "config",
        `--config=${dir}/other.toml`,
      ]]
    ) {
      const out = await runBin("xpu-ctk", args, { env: { XDG_CONFIG_HOME: dir } });
      assertEquals(out.code, 0, out.stderr);
      assertEquals(
        (await configFromString(out.stdout)).config["xpu-container-runtime"].mode,
        "cdi",
      );
    }
  });
});

Deno.test("xpu-ctk config get prints one value", async () => {
  const out = await runBin("xpu-ctk", ["config", "get", "xpu-container-runtime.runtimes"]);
  assertEquals(out, { code: 0, stdout: '["docker-runc", "runc"]\n', stderr: "" });
  const mode = await runBin("xpu-ctk", ["config", "get", "xpu-container-runtime.mode"]);
  assertEquals(mode.stdout, "auto\n");
});

Deno.test("xpu-ctk config set --in-place keeps comments, layout and mode", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/config.toml`;
    const text =
      '# mine\n[xpu-container-cli]\nroot = "/a" # why\n\n[xpu-container-runtime]\nmode = "auto"\n';
    Deno.writeTextFileSync(path, text);
    Deno.chmodSync(path, 0o600);
    const out = await runBin("xpu-ctk", [
      "--config",
      path,
      "config",
      "set",
      "--in-place",
      "xpu-container-cli.root=/run/xpu/driver",
      "xpu-container-runtime.mode=csv",
      "xpu-container-cli.no-cgroups=true",
    ]);
    assertEquals(out.code, 0, out.stderr);
    assertEquals(
      Deno.readTextFileSync(path),
      '# mine\n[xpu-container-cli]\nroot = "/run/xpu/driver" # why\nno-cgroups = true\n\n[xpu-container-runtime]\nmode = "csv"\n',
    );
    assertEquals((Deno.statSync(path).mode ?? 0) & 0o777, 0o600);
    assertEquals([...Deno.readDirSync(dir)].length, 1, "no temp file left behind");
  });
});

Deno.test("xpu-ctk config set prints to stdout or writes --output, leaving the file alone", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/config.toml`;
    Deno.writeTextFileSync(path, "disable-require = false\n");
    const out = await runBin("xpu-ctk", [
      "--config",
      path,
      "config",
      "set",
      "disable-require=true",
    ]);
    assertEquals(out.stdout, "disable-require = true\n");
    const o = await runBin("xpu-ctk", [
      "--config",
      path,
      "config",
      "set",
      "-o",
      `${dir}/new.toml`,
      "disable-require=true",
    ]);
    assertEquals(o.code, 0, o.stderr);
    assertEquals(Deno.readTextFileSync(`${dir}/new.toml`), "disable-require = true\n");
    assertEquals(Deno.readTextFileSync(path), "disable-require = false\n");
  });
});

Deno.test("xpu-ctk config set --in-place creates a commented file where none exists", async () => {
  await withTempDir(async (dir) => {
    const out = await runBin("xpu-ctk", [
      "config",
      "set",
      "-i",
      "xpu-container-runtime.mode=legacy",
    ], {
      env: { XDG_CONFIG_HOME: dir },
    });
    assertEquals(out.code, 0, out.stderr);
    const text = Deno.readTextFileSync(`${dir}/xpu-container-runtime/config.toml`);
    assertStringIncludes(text, "# How containers get devices");
    assertEquals((await configFromString(text)).config["xpu-container-runtime"].mode, "legacy");
  });
});

const BAD_SETS: [string[], number, RegExp][] = [
  [["nope=1"], 1, /^xpu-ctk: Unknown config key "nope"\n$/],
  [["xpu-container-cli.root"], 2, /Expected KEY=VALUE, found "xpu-container-cli\.root"/],
  [
    ["disable-require=maybe"],
    1,
    /key "disable-require": expected a boolean, found a string \("maybe"\)/,
  ],
  [
    ["xpu-container-runtime.mode=fast"],
    1,
    /expected one of "auto", "legacy", "csv", "cdi", found a string \("fast"\)/,
  ],
  [["--in-place", "--output", "x", "disable-require=true"], 2, /cannot be used together/],
];

for (const [args, code, pattern] of BAD_SETS) {
  Deno.test(`xpu-ctk config set ${args.join(" ")} fails with exit ${code}, file untouched`, async () => {
    await withTempDir(async (dir) => {
      const path = `${dir}/config.toml`;
      const text = "# keep me\ndisable-require = false\n";
      Deno.writeTextFileSync(path, text);
      const out = await runBin("xpu-ctk", [
        "--config",
        path,
        "config",
        "set",
        "--in-place",
        ...args,
      ]);
      assertEquals(out.code, code);
      assertMatch(out.stderr, pattern);
      assertEquals(Deno.readTextFileSync(path), text);
    });
  });
}

const BAD_FILES: [string, string, RegExp][] = [
  ["not TOML", "mode = = 1\n", /Invalid config ".*": line 1, column \d+: /],
  [
    "a wrong type",
    '[xpu-container-runtime]\nruntimes = "runc"\n',
    /key "xpu-container-runtime\.runtimes": expected an array of strings/,
  ],
  [
    "a bad enum",
    '[xpu-container-runtime]\nlog-level = "loud"\n',
    /key "xpu-container-runtime\.log-level": expected one of/,
  ],
];

for (const [what, text, pattern] of BAD_FILES) {
  Deno.test(`xpu-ctk config on a file with ${what} exits 1 naming file and place`, async () => {
    await withTempDir(async (dir) => {
      const path = `${dir}/config.toml`;
      Deno.writeTextFileSync(path, text);
      for (const args of [["config"], ["config", "set", "-i", "disable-require=true"]]) {
        const out = await runBin("xpu-ctk", ["--config", path, ...args]);
        assertEquals(out.code, 1);
        assertMatch(out.stderr, pattern);
        assertStringIncludes(out.stderr, path);
        assertEquals(Deno.readTextFileSync(path), text);
      }
    });
  });
}

Deno.test("xpu-ctk config on an unreadable file exits 1", async () => {
  await withTempDir(async (dir) => {
    const out = await runBin("xpu-ctk", ["--config", dir, "config"]);
    assertEquals(out.code, 1);
    assertMatch(out.stderr, new RegExp(`^xpu-ctk: Cannot read config "${dir}": `));
  });
});

Deno.test("xpu-ctk warns about unknown keys on stderr and carries on", async () => {
  await withTempDir(async (dir) => {
    Deno.writeTextFileSync(`${dir}/c.toml`, "newer-key = 1\n");
    const out = await runBin("xpu-ctk", [
      "--config",
      `${dir}/c.toml`,
      "config",
      "get",
      "disable-require",
    ]);
    assertEquals(out.code, 0);
    assertEquals(out.stdout, "false\n");
    assertMatch(
      out.stderr,
      /^xpu-ctk: warning: Unknown key "newer-key" in config ".*" is ignored\n$/,
    );
  });
});

const USAGE: string[][] = [
  ["bogus"],
  ["--bogus"],
  ["config", "bogus-sub"],
  ["config", "--nope"],
  ["config", "get"],
  ["config", "get", "a", "b"],
  ["config", "default", "x"],
  ["help", "nothing"],
  ["runtime"],
  ["hook"],
];

for (const args of USAGE) {
  Deno.test(`xpu-ctk ${args.join(" ")} is a usage error: usage on stderr, exit 2`, async () => {
    const out = await runBin("xpu-ctk", args);
    assertEquals(out.code, 2, out.stderr);
    assertEquals(out.stdout, "");
    assertMatch(out.stderr, /^xpu-ctk: .+\nUsage: xpu-ctk /);
  });
}

for (
  const args of [["--help"], ["config", "--help"], ["config", "set", "-h"], [
    "help",
    "config",
    "set",
  ]]
) {
  Deno.test(`xpu-ctk ${args.join(" ")} prints help`, async () => {
    const out = await runBin("xpu-ctk", args);
    assertEquals(out.code, 0);
    assertMatch(out.stdout, /^Usage: xpu-ctk /);
    assertStringIncludes(out.stdout, "--help");
  });
}

Deno.test("xpu-ctk help config set equals xpu-ctk config set --help", async () => {
  const a = await runBin("xpu-ctk", ["help", "config", "set"]);
  const b = await runBin("xpu-ctk", ["config", "set", "--help"]);
  assertEquals(a.stdout, b.stdout);
  assertStringIncludes(a.stdout, "--in-place");
});
