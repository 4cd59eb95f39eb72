import { assertEquals, assertThrows } from "../assert.ts";
import { applyAssignments, parseCliValue, setInToml } from "../../src/config/edit.ts";
import { ConfigError, configFromString } from "../../src/config/load.ts";
import { DEFAULTS } from "../../src/config/schema.ts";
import { renderConfig } from "../../src/config/render.ts";

const FILE = `# operator's notes
disable-require = false   # keep

[xpu-container-cli]
# the driver lives here
root = "/old"  # trailing comment
environment = [
  "A=1", # first
  "B=2",
]
load-kmods = true

[xpu-container-runtime]
runtimes = ["runc"]
`;

Deno.test("setInToml() replaces only the value, keeping comments around it", () => {
  const out = setInToml(FILE, "xpu-container-cli.root", "/run/xpu/driver");
  assertEquals(out, FILE.replace('root = "/old"', 'root = "/run/xpu/driver"'));
});

Deno.test("setInToml() replaces a multi-line array as one value", () => {
  const out = setInToml(FILE, "xpu-container-cli.environment", ["X=1"]);
  assertEquals(
    out,
    FILE.replace(/environment = \[[^\]]*\]/, 'environment = ["X=1"]'),
  );
});

Deno.test("setInToml() adds a missing key after the last key of its table", () => {
  const out = setInToml(FILE, "xpu-container-cli.no-cgroups", true);
  assertEquals(out, FILE.replace("load-kmods = true\n", "load-kmods = true\nno-cgroups = true\n"));
});

Deno.test("setInToml() adds a top-level key after the other top-level keys", () => {
  const out = setInToml(FILE, "supported-driver-capabilities", "compute");
  assertEquals(
    out,
    FILE.replace(
      "# keep\n",
      '# keep\nsupported-driver-capabilities = "compute"\n',
    ),
  );
});

Deno.test("setInToml() appends a missing table", () => {
  const out = setInToml(FILE, "xpu-container-runtime.modes.csv.mount-spec-path", "/x");
  assertEquals(out, `${FILE}\n[xpu-container-runtime.modes.csv]\nmount-spec-path = "/x"\n`);
});

Deno.test("setInToml() puts a key under its commented-out example", () => {
  const text = '[xpu-container-cli]\n# Driver root\n#root = "/run/xpu/driver"\nload-kmods = true\n';
  assertEquals(
    setInToml(text, "xpu-container-cli.root", "/d"),
    '[xpu-container-cli]\n# Driver root\n#root = "/run/xpu/driver"\nroot = "/d"\nload-kmods = true\n',
  );
});

Deno.test("setInToml() finds dotted keys and quoted table names", () => {
  const text = '["xpu-container-runtime"]\nmodes.csv.mount-spec-path = "/a"\n';
  assertEquals(
    setInToml(text, "xpu-container-runtime.modes.csv.mount-spec-path", "/b"),
    '["xpu-container-runtime"]\nmodes.csv.mount-spec-path = "/b"\n',
  );
});

Deno.test("setInToml() is not fooled by a key name inside a multi-line string", () => {
  const text = 'x = """\nroot = "no"\n"""\n[xpu-container-cli]\nroot = "/a"\n';
  assertEquals(
    setInToml(text, "xpu-container-cli.root", "/b"),
    text.replace('root = "/a"', 'root = "/b"'),
  );
});

Deno.test("setting every key in the commented default file keeps it valid and commented", async () => {
  const base = renderConfig(DEFAULTS, true);
  const out = applyAssignments(base, "default", [
    ["xpu-container-cli.root", "/run/xpu/driver"],
    ["xpu-container-runtime.mode", "csv"],
    ["xpu-container-runtime.runtimes", ["/usr/bin/runc"]],
  ]);
  const { config } = await configFromString(out);
  assertEquals(config["xpu-container-cli"].root, "/run/xpu/driver");
  assertEquals(config["xpu-container-runtime"].mode, "csv");
  assertEquals(config["xpu-container-runtime"].runtimes, ["/usr/bin/runc"]);
  // Everything but the three values is still there, comments included.
  assertEquals(out.split("\n").length, base.split("\n").length + 1);
});

Deno.test("applyAssignments() keeps unknown keys and big integers byte-exact", () => {
  const text = 'future = 9223372036854775807\n[xpu-container-runtime]\nmode = "auto"\n';
  const out = applyAssignments(text, "f", [["xpu-container-runtime.mode", "legacy"]]);
  assertEquals(out, text.replace('"auto"', '"legacy"'));
});

Deno.test("applyAssignments() refuses a broken file", () => {
  assertThrows(
    () => applyAssignments("[xpu-container-cli]\nroot = 1\n", '"f"', [["disable-require", true]]),
    ConfigError,
    'key "xpu-container-cli.root"',
  );
});

Deno.test("applyAssignments() refuses layouts it cannot edit safely", () => {
  const text = 'xpu-container-cli = { root = "/a" }\n';
  assertThrows(
    () => applyAssignments(text, '"f"', [["xpu-container-cli.root", "/b"]]),
    ConfigError,
    "Cannot edit config",
  );
});

const VALUES: [string, string, unknown][] = [
  ["disable-require", "true", true],
  ["disable-require", "false", false],
  ["xpu-container-runtime.runtimes", "runc, crun", ["runc", "crun"]],
  ["xpu-container-runtime.runtimes", '["a,b", "c"]', ["a,b", "c"]],
  ["xpu-container-runtime.runtimes", "", []],
  ["xpu-container-runtime.mode", "cdi", "cdi"],
  ["xpu-container-cli.root", "/a b", "/a b"],
];

for (const [key, text, value] of VALUES) {
  Deno.test(`parseCliValue() types ${key}=${text}`, () => {
    assertEquals(parseCliValue(key, text), value);
  });
}

const BAD_VALUES: [string, string, string][] = [
  ["nope", "1", 'Unknown config key "nope"'],
  ["xpu-container-cli", "1", '"xpu-container-cli" is a table'],
  ["disable-require", "yes", 'key "disable-require": expected a boolean, found a string ("yes")'],
  ["xpu-container-runtime.mode", "fast", 'expected one of "auto", "legacy", "csv", "cdi"'],
  ["xpu-container-runtime.runtimes", "[1]", 'key "xpu-container-runtime.runtimes[0]"'],
  ["xpu-container-runtime.runtimes", "[unclosed", 'Invalid config value of "xpu-container'],
];

for (const [key, text, message] of BAD_VALUES) {
  Deno.test(`parseCliValue() rejects ${key}=${text}`, () => {
    assertThrows(() => parseCliValue(key, text), ConfigError, message);
  });
}
