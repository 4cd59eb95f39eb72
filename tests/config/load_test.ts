import { assertEquals, assertMatch, assertRejects } from "../assert.ts";
import { parseTomlSubset } from "../../src/config/toml_subset.ts";
import {
  ConfigError,
  configFromObject,
  configFromString,
  defaultConfigPath,
  loadConfig,
} from "../../src/config/load.ts";
import { DEFAULTS, getKey, KEYS } from "../../src/config/schema.ts";
import { renderConfig } from "../../src/config/render.ts";
import { withTempDir } from "../helpers.ts";

Deno.test("DEFAULTS match the product contract and are frozen", () => {
  assertEquals(DEFAULTS["xpu-container-runtime"].runtimes, ["docker-runc", "runc"]);
  assertEquals(DEFAULTS["xpu-container-runtime"].mode, "auto");
  assertEquals(DEFAULTS["xpu-container-cli"].ldconfig, "@/sbin/ldconfig");
  assertEquals(DEFAULTS["xpu-container-cli"]["load-kmods"], true);
  assertEquals(DEFAULTS["xpu-container-runtime"].modes.cdi["spec-dirs"], [
    "/etc/cdi",
    "/var/run/cdi",
  ]);
  assertEquals(Object.isFrozen(DEFAULTS["xpu-container-runtime"].runtimes), true);
});

Deno.test("an empty document gives the defaults", async () => {
  assertEquals((await configFromString("")).config, DEFAULTS);
});

Deno.test("the commented default file parses back to the defaults", async () => {
  const { config, warnings } = await configFromString(renderConfig(DEFAULTS, true));
  assertEquals(config, DEFAULTS);
  assertEquals(warnings, []);
});

Deno.test("the effective rendering of a changed config round-trips", async () => {
  const text = `
[xpu-container-cli]
root = "/run/xpu/driver"
environment = ["A=1", "B=two words"]
[xpu-container-runtime]
mode = "csv"
runtimes = ["/opt/runc"]
`;
  const { config } = await configFromString(text);
  assertEquals((await configFromString(renderConfig(config, false))).config, config);
  assertEquals(config["xpu-container-cli"].root, "/run/xpu/driver");
  assertEquals(config["xpu-container-runtime"].mode, "csv");
});

const BAD: [string, string, RegExp][] = [
  ["not TOML", "mode = = 1\n", /^Invalid config "f": line 1, column \d+: /],
  ["not TOML (line 3)", "a = 1\nb = 2\n[x\n", /^Invalid config "f": line 3, column \d+: /],
  [
    "runtimes as a string",
    '[xpu-container-runtime]\nruntimes = "runc"\n',
    /key "xpu-container-runtime\.runtimes": expected an array of strings, found a string \("runc"\)/,
  ],
  [
    "root as an integer",
    "[xpu-container-cli]\nroot = 1\n",
    /key "xpu-container-cli\.root": expected a string, found an integer \(1\)/,
  ],
  [
    "an invalid mode",
    '[xpu-container-runtime]\nmode = "fast"\n',
    /key "xpu-container-runtime\.mode": expected one of "auto", "legacy", "csv", "cdi", found a string \("fast"\)/,
  ],
  [
    "an invalid log level",
    '[xpu-container-runtime]\nlog-level = "loud"\n',
    /key "xpu-container-runtime\.log-level": expected one of "debug", "info", "warn", "error", found a string \("loud"\)/,
  ],
  [
    "a boolean as a string",
    'disable-require = "yes"\n',
    /key "disable-require": expected a boolean, found a string \("yes"\)/,
  ],
  [
    "a list with a non-string",
    '[xpu-container-runtime]\nruntimes = ["runc", 3]\n',
    /key "xpu-container-runtime\.runtimes\[1\]": expected a string, found an integer \(3\)/,
  ],
  [
    "a table given a value",
    'xpu-container-cli = "x"\n',
    /key "xpu-container-cli": expected a table, found a string/,
  ],
  [
    "a nested table given a value",
    '[xpu-container-runtime]\nmodes = ["csv"]\n',
    /key "xpu-container-runtime\.modes": expected a table, found an array/,
  ],
  [
    "a key inside a nested table",
    '[xpu-container-runtime.modes.cdi]\nspec-dirs = "/etc/cdi"\n',
    /key "xpu-container-runtime\.modes\.cdi\.spec-dirs": expected an array of strings/,
  ],
  [
    "a device memory that is no size",
    '[xpu-allocator]\ndevice-memory = "16 gigs"\n',
    /key "xpu-allocator\.device-memory": expected sizes: one for every device \("16g"\) or per device index \("0=16g,1=32g"\), found a string \("16 gigs"\)/,
  ],
  [
    "a device memory naming a device twice",
    '[xpu-allocator]\ndevice-memory = "0=16g,0=8g"\n',
    /key "xpu-allocator\.device-memory": expected sizes/,
  ],
  [
    "a relative state directory",
    '[xpu-allocator]\nstate-dir = "alloc"\n',
    /key "xpu-allocator\.state-dir": expected an absolute path, found a string \("alloc"\)/,
  ],
];

for (const [what, text, pattern] of BAD) {
  Deno.test(`configFromString() rejects ${what} naming the place`, async () => {
    const e = await assertRejects(() => configFromString(text, '"f"'), ConfigError);
    assertMatch(e.message, pattern);
  });
}

Deno.test("several problems are reported together", async () => {
  const text = '[xpu-container-cli]\nroot = 1\n[xpu-container-runtime]\nmode = "fast"\n';
  const e = await assertRejects(() => configFromString(text, '"f"'), ConfigError);
  assertMatch(e.message, /root.*; .*mode/);
});

Deno.test("unknown keys are warnings, not errors", async () => {
  const { config, warnings } = await configFromString(
    "future-key = 1\n[xpu-container-cli]\nnew-flag = true\n[other]\nx = 1\n",
    '"f"',
  );
  assertEquals(config, DEFAULTS);
  assertEquals(warnings, [
    'Unknown key "future-key" in config "f" is ignored',
    'Unknown key "xpu-container-cli.new-flag" in config "f" is ignored',
    'Unknown key "other" in config "f" is ignored',
  ]);
});

Deno.test("keys in nested tables are set, and unknown nested tables are warned about", async () => {
  const { config, warnings } = await configFromString(
    '[xpu-container-runtime.modes.csv]\nmount-spec-path = "/x"\n' +
      "[xpu-container-runtime.modes.future]\nkey = 1\n",
    '"f"',
  );
  assertEquals(config["xpu-container-runtime"].modes.csv["mount-spec-path"], "/x");
  assertEquals(
    config["xpu-container-runtime"].modes.cdi,
    DEFAULTS["xpu-container-runtime"].modes.cdi,
  );
  assertEquals(warnings, [
    'Unknown key "xpu-container-runtime.modes.future" in config "f" is ignored',
  ]);
});

Deno.test("integers beyond 2^53 parse exactly", async () => {
  const { warnings } = await configFromString("big = 9223372036854775807\n");
  assertEquals(warnings.length, 1);
  assertEquals(configFromObject({ big: 9223372036854775807n }, "x").warnings.length, 1);
});

Deno.test("defaultConfigPath() honours a non-empty XDG_CONFIG_HOME", () => {
  assertEquals(defaultConfigPath(() => undefined), "/etc/xpu-container-runtime/config.toml");
  assertEquals(defaultConfigPath(() => ""), "/etc/xpu-container-runtime/config.toml");
  assertEquals(defaultConfigPath(() => "/x/"), "/x/xpu-container-runtime/config.toml");
});

Deno.test("loadConfig() uses defaults when the default file is missing", async () => {
  await withTempDir(async (dir) => {
    const loaded = await loadConfig({ env: (n) => (n === "XDG_CONFIG_HOME" ? dir : undefined) });
    assertEquals(loaded.exists, false);
    assertEquals(loaded.path, `${dir}/xpu-container-runtime/config.toml`);
    assertEquals(loaded.config, DEFAULTS);
  });
});

Deno.test("loadConfig() reads the XDG file", async () => {
  await withTempDir(async (dir) => {
    Deno.mkdirSync(`${dir}/xpu-container-runtime`);
    Deno.writeTextFileSync(
      `${dir}/xpu-container-runtime/config.toml`,
      '[xpu-container-runtime]\nmode = "cdi"\n',
    );
    const loaded = await loadConfig({ env: (n) => (n === "XDG_CONFIG_HOME" ? dir : undefined) });
    assertEquals(loaded.exists, true);
    assertEquals(getKey(loaded.config, "xpu-container-runtime.mode"), "cdi");
  });
});

Deno.test("loadConfig() ignores a file others may write: defaults and a warning", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/config.toml`;
    const text = '[xpu-container-runtime]\nmode = "cdi"\nruntimes = ["/tmp/evil"]\n';
    Deno.writeTextFileSync(path, text);
    Deno.chmodSync(path, 0o666);
    const loaded = await loadConfig({ path });
    assertEquals(loaded.config, DEFAULTS);
    assertEquals([loaded.exists, loaded.trusted], [true, false]);
    assertEquals(loaded.warnings, [
      `Ignoring config "${path}": it is writable by group and others (mode 0666); make it owned ` +
      "by root and not writable by group or others (chmod go-w)",
    ]);
    Deno.chmodSync(path, 0o644);
    const fixed = await loadConfig({ path });
    assertEquals([fixed.trusted, getKey(fixed.config, "xpu-container-runtime.mode")], [
      true,
      "cdi",
    ]);
    assertEquals(Deno.readTextFileSync(path), text);
  });
});

Deno.test("loadConfig() fails clearly on an unreadable or missing explicit file", async () => {
  await withTempDir(async (dir) => {
    await assertRejects(
      () => loadConfig({ path: dir }),
      ConfigError,
      `Cannot read config "${dir}": `,
    );
    await assertRejects(
      () => loadConfig({ path: `${dir}/missing.toml` }),
      ConfigError,
      `Cannot read config "${dir}/missing.toml": `,
    );
  });
});

Deno.test("every key has a one-line doc and a default of its type", () => {
  for (const spec of KEYS) {
    assertEquals(spec.doc.length > 0 && !spec.doc.includes("\n"), true, spec.key);
    const expected = spec.type.kind === "boolean"
      ? "boolean"
      : spec.type.kind === "string-list"
      ? "object"
      : "string";
    assertEquals(typeof spec.default, expected, spec.key);
  }
});

Deno.test("a config outside the fast parser's subset is read by the full parser", async () => {
  // Dotted keys and an inline table: valid TOML the subset parser declines.
  const text = 'xpu-container-runtime.mode = "csv"\n' +
    'xpu-container-cli = { root = "/drv", ldconfig = "@/sbin/ldconfig" }\n';
  assertEquals(parseTomlSubset(text), undefined);
  const { config } = await configFromString(text);
  assertEquals(config["xpu-container-runtime"].mode, "csv");
  assertEquals(config["xpu-container-cli"].root, "/drv");
  assertEquals(config["xpu-container-cli"].ldconfig, "@/sbin/ldconfig");
});

Deno.test("supported-driver-capabilities names capabilities only: nothing that becomes another cli flag", async () => {
  assertEquals(
    (await configFromString('supported-driver-capabilities = "compute, utility,video"')).config[
      "supported-driver-capabilities"
    ],
    "compute, utility,video",
  );
  for (const bad of ["compute,ldcache=/tmp/evil", "-root=/x", "rel/path", "compute,,utility"]) {
    await assertRejects(
      () => configFromString(`supported-driver-capabilities = ${JSON.stringify(bad)}`),
      ConfigError,
      'key "supported-driver-capabilities": expected a comma list of capability names',
    );
  }
});
