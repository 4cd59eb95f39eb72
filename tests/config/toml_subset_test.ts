import { parse, stringify } from "smol-toml";
import { assertEquals, assertTrue } from "../assert.ts";
import { CHARS, forAll, Gen } from "../gen.ts";
import { ROOT, seededRandom, TESTDATA } from "../helpers.ts";
import { parseTomlSubset } from "../../src/config/toml_subset.ts";
import { MAX_NESTING } from "../../src/internal/nesting.ts";

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

/** Arrays nested `depth` deep, with values and line breaks on the way. */
function nestedArray(g: Gen, depth: number): string {
  if (depth === 0) return g.pick(["1", '"x"', "true", "[]"]);
  const inner = nestedArray(g, depth - 1);
  return g.chance(0.3) ? `[\n${inner}, ${g.int(9)}]` : `[${inner}]`;
}

/** Config-like TOML with odd text everywhere: decoding artifacts, controls, quotes, escapes. */
function oddToml(g: Gen): string {
  const lines: string[] = [];
  for (let n = g.int(8); n > 0; n--) {
    const r = g.int(7);
    const key = g.chance(0.7) ? g.pick(["a", "k-1", "x_y", "0"]) : JSON.stringify(g.text(4));
    if (r === 0) lines.push(`# ${g.text(12)}`);
    else if (r === 1) lines.push(`[${g.chance(0.5) ? "t" : JSON.stringify(g.text(3))}]`);
    else if (r === 2) lines.push(`${key} = "${g.text(10)}"`); // raw: whatever the text holds
    else if (r === 3) lines.push(`${key} = ${JSON.stringify(g.text(10))}${g.pick(["", " # é"])}`);
    else if (r === 4) lines.push(`${key} = '${g.text(10).replace(/'/g, "")}'`);
    else if (r === 5) {
      lines.push(`${key} = [${g.array(3, (g) => JSON.stringify(g.text(4))).join(", ")}]`);
    } else lines.push(`${key} = ${nestedArray(g, g.int(130))}`);
  }
  return lines.join(g.chance(0.9) ? "\n" : "\r\n") + "\n";
}

Deno.test("the TOML subset agrees with the full parser on text with decoding artifacts (generated)", () => {
  let accepted = 0;
  forAll(20260401, 4000, oddToml, (text) => {
    const got = parseTomlSubset(text);
    if (got === undefined) return;
    accepted++;
    assertEquals(got, reference(text));
  });
  assertTrue(accepted > 400, `the subset accepted only ${accepted}`);
});

Deno.test("the TOML subset declines arrays just past the nesting limit, or unterminated, without throwing", () => {
  for (const depth of [1, MAX_NESTING - 1, MAX_NESTING, MAX_NESTING + 1, 1000, 1001, 5000]) {
    const text = `a = ${"[".repeat(depth)}${"]".repeat(depth)}\n`;
    const got = parseTomlSubset(text);
    assertEquals(got === undefined, depth > MAX_NESTING, `depth ${depth}`);
    if (got !== undefined) assertEquals(got, reference(text));
  }
  // Unterminated, and nested in a table's values over lines.
  assertEquals(parseTomlSubset(`a = ${"[".repeat(100_000)}\n`), undefined);
  assertEquals(parseTomlSubset(`a = ${"[\n".repeat(50_000)}${"]\n".repeat(50_000)}`), undefined);
});

Deno.test("the TOML subset reads huge documents as the full parser does", () => {
  const g = new Gen(20260402);
  const texts = [
    // A long string full of escapes and odd characters.
    `s = ${JSON.stringify(Array.from({ length: 200_000 }, () => g.pick(CHARS)).join(""))}\n`,
    // Many keys, many tables.
    Array.from({ length: 20_000 }, (_, i) => `[t${i}]\nk = ${i}\nv = ["x", ${-i}]\n`).join(""),
    // A table header 1,000 keys deep (deeper ones are read too, but not compared here).
    `[${Array.from({ length: 1_000 }, (_, i) => `k${i}`).join(".")}]\nv = 1\n`,
    // A long array over many lines.
    `a = [\n${Array.from({ length: 50_000 }, (_, i) => `  ${i}, # ${i}\n`).join("")}]\n`,
  ];
  for (const text of texts) {
    const start = Date.now();
    // A bound only quadratic work breaks, however loaded the machine.
    const got = parseTomlSubset(text);
    assertTrue(Date.now() - start < 20_000, `${Date.now() - start} ms`);
    assertEquals(got, reference(text), text.slice(0, 60));
  }
  const deep = `[${Array.from({ length: 100_000 }, () => "k").join(".")}]\nv = 1\n`;
  assertTrue(parseTomlSubset(deep) !== undefined, "a header's depth costs no recursion");
});

Deno.test("the TOML subset parser hands arrays past the nesting limit to the full parser", () => {
  assertEquals(parseTomlSubset(`a = ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`), undefined);
  assertEquals(parseTomlSubset(`a = ${"[".repeat(100)}${"]".repeat(100)}\n`) !== undefined, true);
});
