import { assertEquals, assertThrows } from "../assert.ts";
import {
  ADDED_MARK,
  addImport,
  importsOf,
  removeImports,
} from "../../src/engine/containerd_imports.ts";
import { parseContainerdToml } from "../../src/engine/containerd_toml.ts";

const D = "/etc/containerd/conf.d/99-xpu.toml";
const E = "/etc/containerd/conf.d/99-other.toml";
const P = "/etc/containerd/config.toml";

const add = (text: string, entry = D) => addImport(text, parseContainerdToml(text, P), P, entry);
const remove = (text: string, entry = D) =>
  removeImports(text, parseContainerdToml(text, P), P, (e) => e === entry);
const entries = (text: string) => importsOf(parseContainerdToml(text, P), P);

/** Every form of a valid `imports` (or none), and what adding D must give. */
const FORMS: [string, string, string][] = [
  [
    "no imports, after the last top-level key",
    '# site\nversion = 2\nroot = "/var/lib/containerd" # state\n\n[plugins]\n',
    `# site\nversion = 2\nroot = "/var/lib/containerd" # state\nimports = ["${D}"] ${ADDED_MARK}\n\n[plugins]\n`,
  ],
  [
    "no imports and no top-level key",
    "# site\n[plugins.x]\na = 1\n",
    `imports = ["${D}"] ${ADDED_MARK}\n# site\n[plugins.x]\na = 1\n`,
  ],
  ["an empty file", "", `imports = ["${D}"] ${ADDED_MARK}\n`],
  ["comments only, no newline at the end", "# c", `# c\nimports = ["${D}"] ${ADDED_MARK}`],
  ["an empty array", "version = 2\nimports = []\n", `version = 2\nimports = ["${D}"]\n`],
  ["an empty array with spaces", "imports = [ ]\n", `imports = ["${D}" ]\n`],
  [
    "one entry",
    'imports = ["/a.toml"]\n',
    `imports = ["/a.toml", "${D}"]\n`,
  ],
  [
    "a trailing comma",
    'imports = ["/a.toml",]\n',
    `imports = ["/a.toml", "${D}",]\n`,
  ],
  [
    "a literal string and a comment after the array",
    "imports = ['/a.toml'] # mine\n",
    `imports = ['/a.toml', "${D}"] # mine\n`,
  ],
  [
    "no spaces",
    'imports=["/a.toml"]#c\nversion=2\n',
    `imports=["/a.toml", "${D}"]#c\nversion=2\n`,
  ],
  [
    "a quoted key",
    '"imports" = ["/a.toml"]\n',
    `"imports" = ["/a.toml", "${D}"]\n`,
  ],
  [
    "a multi-line array with comments and a trailing comma",
    'imports = [\n  # site files\n  "/a.toml", # a\n  "/b.toml",  # b\n]\n',
    `imports = [\n  # site files\n  "/a.toml", # a\n  "/b.toml",  # b\n  "${D}",\n]\n`,
  ],
  [
    "a multi-line array without a trailing comma",
    'imports = [\n    "/a.toml" # a\n]\n',
    `imports = [\n    "/a.toml", # a\n    "${D}"\n]\n`,
  ],
  [
    "a multi-line array closed on the last entry's line",
    'imports = [\n  "/a.toml"]\n',
    `imports = [\n  "/a.toml",\n  "${D}"]\n`,
  ],
  [
    "an empty multi-line array with a comment",
    "imports = [\n  # none yet\n]\n",
    `imports = ["${D}"\n  # none yet\n]\n`,
  ],
  [
    "a comment holding brackets and quotes",
    'imports = [ # "x", ]\n  "/a.toml",\n]\n',
    `imports = [ # "x", ]\n  "/a.toml",\n  "${D}",\n]\n`,
  ],
  [
    "CRLF line ends",
    'version = 2\r\nimports = [\r\n  "/a.toml",\r\n]\r\n',
    `version = 2\r\nimports = [\r\n  "/a.toml",\r\n  "${D}",\r\n]\r\n`,
  ],
  [
    "CRLF line ends, no imports",
    "version = 2\r\n[plugins]\r\n",
    `version = 2\r\nimports = ["${D}"] ${ADDED_MARK}\r\n[plugins]\r\n`,
  ],
];

for (const [name, before, after] of FORMS) {
  Deno.test(`addImport() and removeImports() with ${name}: one entry in, the same bytes out`, () => {
    const added = add(before);
    assertEquals(added, after);
    assertEquals(entries(added), [...entries(before), D]);
    assertEquals(remove(added), before);
    // A second runtime's entry, taken out in either order.
    const both = add(added, E);
    assertEquals(entries(both), [...entries(before), D, E]);
    assertEquals(remove(remove(both, E)), before);
    assertEquals(remove(remove(both), E), before);
  });
}

Deno.test("removeImports() takes out an entry written by hand anywhere in the array", () => {
  for (
    const [before, after] of [
      [`imports = ["${D}", "/a.toml"]\n`, 'imports = ["/a.toml"]\n'],
      [`imports = ["/a.toml", "${D}", "/b.toml"]\n`, 'imports = ["/a.toml", "/b.toml"]\n'],
      [
        `imports = [\n  "${D}",\n  "/a.toml", # a\n]\n`,
        'imports = [\n  "/a.toml", # a\n]\n',
      ],
      [`imports = ["${D}"]\n`, "imports = []\n"],
      [`imports = ["${D}", "${D}"]\n`, "imports = []\n"],
    ]
  ) {
    assertEquals(remove(before!), after);
  }
});

Deno.test("removeImports() leaves a file without the entry byte for byte", () => {
  const text = 'imports = [ "/a.toml" ] # x\n';
  assertEquals(remove(text), text);
  assertEquals(remove("version = 2\n"), "version = 2\n");
});

for (
  const [name, text, what] of [
    ["a string", 'imports = "/a.toml"\n', "a string"],
    ["a table", '[imports]\nx = "/a.toml"\n', "a table"],
    ["a dotted key", 'imports.x = "/a.toml"\n', "a table"],
    ["an inline table", 'imports = { x = "/a.toml" }\n', "a table"],
    ["an array of tables", "[[imports]]\nx = 1\n", "an array that holds more than file names"],
    ["an array of numbers", "imports = [1]\n", "an array that holds more than file names"],
  ] as const
) {
  Deno.test(`importsOf() refuses imports as ${name}, which containerd cannot decode either`, () => {
    const e = assertThrows(() => add(text), Error);
    assertEquals(
      e.message,
      `"imports" in "${P}" is ${what}; containerd reads only a top-level array of file names ` +
        `(imports = ["/etc/containerd/conf.d/*.toml"]) and cannot load this file either`,
    );
  });
}

Deno.test("addImport() refuses a top level it cannot scan rather than guess", () => {
  assertThrows(
    () => add('t = 1979-05-27 07:32:00Z\nimports = ["/a.toml"]\n'),
    Error,
    `"imports" in "${P}" has a layout xpu-ctk cannot edit in place (`,
  );
});
