import { parse, stringify } from "smol-toml";
import { assertEquals, assertTrue } from "../assert.ts";
import { ROOT, seededRandom, TESTDATA } from "../helpers.ts";
import { parseTomlSubset } from "../../src/config/toml_subset.ts";

/** The full parser's verdict (as the toolkit calls it), or `undefined` when it rejects the text. */
function reference(text: string): unknown {
  try {
    return parse(text, { integersAsBigInt: "asNeeded" });
  } catch {
    return undefined;
  }
}

Deno.test("the TOML subset parser reads config-style TOML exactly as the full parser does", () => {
  const cases: [string, unknown][] = [
    ["", {}],
    ["# only a comment\n\n", {}],
    ["a = \"x\"\nb = 'y\\z'\nc = true\nd = false\n", { a: "x", b: "y\\z", c: true, d: false }],
    ['[t]\nk = ""\n[t.u]\n"q k" = 1\n', { t: { k: "", u: { "q k": 1 } } }],
    ["[ t . 'u v' ]\nk = -7 # note\n", { t: { "u v": { k: -7 } } }],
    ["n = 9007199254740993\nm = +12\n", { n: 9007199254740993n, m: 12 }],
    ['s = "t\\t\\"q\\" \\u00e9 \\U0001F600 \\\\"\n', { s: 't\t"q" é 😀 \\' }],
    ["a = [\n  \"x\", # one\n  'y',\n\n]\nb = []\nc = [[1, 2], [true]]\n", {
      a: ["x", "y"],
      b: [],
      c: [[1, 2], [true]],
    }],
    ["[a.b]\nx = 1\n[a]\ny = 2\n", { a: { b: { x: 1 }, y: 2 } }],
    ["\tk\t=\t1\t\n", { k: 1 }],
  ];
  // Both parsers make tables without a prototype; structuredClone gives them one for comparing.
  for (const [text, expected] of cases) {
    const full = reference(text);
    const subset = parseTomlSubset(text);
    assertEquals(structuredClone(full), expected, `the full parser on ${JSON.stringify(text)}`);
    assertEquals(structuredClone(subset), expected, `the subset on ${JSON.stringify(text)}`);
    assertEquals(subset, full, `prototypes on ${JSON.stringify(text)}`);
  }
});

Deno.test("the TOML subset parser declines everything outside its subset", () => {
  const declined = [
    "a.b = 1\n", // dotted keys
    "a = {b = 1}\n", // inline tables
    "a = 1.5\n", // floats
    "a = 1e3\n",
    "a = 1_000\n",
    "a = 0x1f\n",
    "a = 1979-05-27\n", // dates
    'a = """x"""\n', // multi-line strings
    "a = '''x'''\n",
    "[[t]]\nk = 1\n", // arrays of tables
    "[t]\n[t]\n", // a table defined twice
    "a = 1\na = 2\n", // duplicate keys
    "a = 1\n[a]\n",
    "[a]\nb = 1\n[a.b]\n",
    "a = 1 2\n",
    "a = [1 2]\n",
    "a = [1,\n", // unterminated
    'a = "x\n',
    'a = "\\e"\n', // escapes outside the subset
    'a = "\\ud800"\n',
    "a = 1\r\n", // CRLF
    "a = \u0001\n",
    "\ufeffa = 1\n",
    "__proto__ = 1\n",
    "[__proto__]\n",
    "= 1\n",
    "a =\n",
    "a = tru\n",
    "[a\n",
    "[a] b = 1\n",
  ];
  for (const text of declined) {
    assertEquals(parseTomlSubset(text), undefined, JSON.stringify(text));
  }
});

Deno.test("the TOML subset parser reads the toolkit's own config files as the full parser does", async () => {
  const texts: string[] = [];
  const walk = (dir: string) => {
    for (const e of Deno.readDirSync(dir)) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory) walk(path);
      else if (e.name.endsWith(".toml")) texts.push(Deno.readTextFileSync(path));
    }
  };
  walk(TESTDATA);
  walk(`${ROOT}/deploy`);
  const out = await new Deno.Command(`${ROOT}/dist/bin/xpu-ctk`, { args: ["config", "default"] })
    .output();
  texts.push(new TextDecoder().decode(out.stdout));
  let read = 0;
  for (const text of texts) {
    const got = parseTomlSubset(text);
    if (got === undefined) continue;
    read++;
    assertEquals(got, reference(text));
  }
  assertTrue(read >= 1, "the default config must take the fast path");
  assertEquals(parseTomlSubset(texts.at(-1)!), reference(texts.at(-1)!));
});

const ATOMS = ["a", "key", "0", "-1", "x y", "a.b", 'q"', "'", "\\", "#", "=", "[", "é", "\t", ""];

function randomValue(rand: () => number, depth: number): unknown {
  const r = rand();
  if (depth > 2 || r < 0.6) {
    const s = rand();
    if (s < 0.25) return Math.floor(rand() * 2000) - 1000;
    if (s < 0.35) return rand() < 0.5;
    if (s < 0.4) return 2n ** 60n;
    return ATOMS[Math.floor(rand() * ATOMS.length)]! + ATOMS[Math.floor(rand() * ATOMS.length)]!;
  }
  if (r < 0.8) {
    const kind = Math.floor(rand() * 3);
    return Array.from(
      { length: Math.floor(rand() * 4) },
      () => kind === 0 ? Math.floor(rand() * 9) : kind === 1 ? "s" : randomValue(rand, depth + 1),
    );
  }
  const table: Record<string, unknown> = {};
  for (let i = Math.floor(rand() * 4); i > 0; i--) {
    table[ATOMS[Math.floor(rand() * ATOMS.length)]! + i] = randomValue(rand, depth + 1);
  }
  return table;
}

function mutate(text: string, rand: () => number): string {
  const at = Math.floor(rand() * (text.length + 1));
  const inserts = [" ", "\n", "#", "=", "[", "]", ",", '"', "'", ".", "\\", "1", "[a]\n"];
  if (rand() < 0.5) {
    return text.slice(0, at) + inserts[Math.floor(rand() * inserts.length)] + text.slice(at);
  }
  return text.slice(0, at) + text.slice(at + 1 + Math.floor(rand() * 3));
}

Deno.test("whatever the TOML subset parser accepts, the full parser reads the same (randomised)", () => {
  const rand = seededRandom(20261123);
  let accepted = 0;
  const total = 3000;
  for (let i = 0; i < total; i++) {
    const doc: Record<string, unknown> = {};
    for (let k = Math.floor(rand() * 5); k > 0; k--) doc[`k${k}`] = randomValue(rand, 0);
    let text = stringify(doc);
    if (i % 2 === 1) text = mutate(text, rand);
    const got = parseTomlSubset(text);
    if (got === undefined) continue;
    accepted++;
    assertEquals(got, reference(text), `case ${i}: ${JSON.stringify(text)}`);
  }
  assertTrue(accepted > total / 4, `the subset accepted only ${accepted} of ${total}`);
});

Deno.test("the TOML subset parser hands arrays past the nesting limit to the full parser", () => {
  assertEquals(parseTomlSubset(`a = ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`), undefined);
  assertEquals(parseTomlSubset(`a = ${"[".repeat(100)}${"]".repeat(100)}\n`) !== undefined, true);
});
