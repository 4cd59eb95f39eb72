import { assertEquals, assertTrue } from "../assert.ts";
import { CHARS, forAll, Gen } from "../gen.ts";
import { seededRandom, TESTDATA } from "../helpers.ts";
import { parseYamlSubset } from "../../src/cdi/yaml_subset.ts";
import { loadYaml, parseYaml } from "../../src/cdi/yaml.ts";
import { MAX_NESTING } from "../../src/internal/nesting.ts";

const yaml = await loadYaml();

/** The full parser's verdict: its value, or `undefined` when it rejects the text. */
function reference(text: string): unknown {
  try {
    return parseYaml(yaml, text);
  } catch {
    return undefined;
  }
}

Deno.test("the subset parser reads spec-style YAML exactly as the full parser does", () => {
  const cases: [string, unknown][] = [
    ["cdiVersion: 0.5.0\nkind: a.com/b\n", { cdiVersion: "0.5.0", kind: "a.com/b" }],
    [
      "devices:\n  - name: \"0\"\n    containerEdits:\n      env: [A=1, 'B=2']\n",
      { devices: [{ name: "0", containerEdits: { env: ["A=1", "B=2"] } }] },
    ],
    ["a:\n- x\n- y\nb: 1\n", { a: ["x", "y"], b: 1 }],
    ["a:\n  -\n    b: c\n", { a: [{ b: "c" }] }],
    ["n: {path: /dev/x, type: c, major: 240, minor: 0x1f, fileMode: 0o666}\n", {
      n: { path: "/dev/x", type: "c", major: 240, minor: 31, fileMode: 438 },
    }],
    ["a: ~\nb: null\nc:\nd: NULL\ne: true\nf: False\ng: TRUE\n", {
      a: null,
      b: null,
      c: null,
      d: null,
      e: true,
      f: false,
      g: true,
    }],
    ["a: 017\nb: -3\nc: +4\nd: 1.5\ne: .5\nf: 1.\ng: 1e3\nh: -.inf\ni: .NaN\n", {
      a: 17,
      b: -3,
      c: 4,
      d: 1.5,
      e: 0.5,
      f: 1,
      g: 1000,
      h: -Infinity,
      i: NaN,
    }],
    ["a: 1.2.3\nb: 0x\nc: 0o8\nd: -.nan\ne: yes\nf: on\n", {
      a: "1.2.3",
      b: "0x",
      c: "0o8",
      d: "-.nan",
      e: "yes",
      f: "on",
    }],
    ["a: x # note\nb: 'it''s' # q\nc: \"t\\tq\\\"\\u00e9\\x41\"\nd: a#b\n", {
      a: "x",
      b: "it's",
      c: 't\tq"éA',
      d: "a#b",
    }],
    ["# head\n---\nk: http://x:80/p\nl: a :b\nm: -1\n", {
      k: "http://x:80/p",
      l: "a :b",
      m: -1,
    }],
    ["a: {\"x\":1, 'y': [], z: {}}\n", { a: { x: 1, y: [], z: {} } }],
    ["a: [[1, 2], {b: [c]}]\n", { a: [[1, 2], { b: ["c"] }] }],
    ['key : value\n"q k": 2\n', { key: "value", "q k": 2 }],
    ["a:\n  b:\n    c: d\n  e: f\ng: h\n", { a: { b: { c: "d" }, e: "f" }, g: "h" }],
    ["a:\n    - b: 1\n      c: 2\n    - d\n", { a: [{ b: 1, c: 2 }, "d"] }],
    // Only spaces are trimmed or indentation: U+FEFF, U+00A0, U+2028 and U+3000 are content.
    ["a: x\ufeff\nb: \u00a0y\u00a0\n\u00a0c: 1\nd: [e\u2028]\ne:\n  - x\u3000\n", {
      a: "x\ufeff",
      b: "\u00a0y\u00a0",
      "\u00a0c": 1,
      d: ["e\u2028"],
      e: ["x\u3000"],
    }],
  ];
  for (const [text, expected] of cases) {
    assertEquals(reference(text), expected, `the full parser on ${JSON.stringify(text)}`);
    assertEquals(parseYamlSubset(text), expected, `the subset on ${JSON.stringify(text)}`);
  }
});

Deno.test("the subset parser declines everything outside its subset", () => {
  const declined = [
    "a: &x 1\nb: *x\n", // anchors and aliases
    "a: !!str 1\n", // tags
    "a: |\n  text\n", // block scalars
    "a: >\n  text\n",
    "a: one\n  two\n", // multi-line plain scalar
    'a: "one\n  two"\n', // multi-line quoted scalar
    "a: [1,\n  2]\n", // multi-line flow collection
    "a:\t1\n", // tabs
    "a: 1\r\nb: 2\r\n", // CRLF
    "a: 1\na: 2\n", // duplicate keys
    "a: 1\n---\nb: 2\n", // several documents
    "a: 1\n...\n",
    "%YAML 1.2\n---\na: 1\n",
    "? a\n: b\n", // complex keys
    "- a\n- b\n", // top-level sequence
    "just a scalar\n",
    "",
    "# only a comment\n",
    "a: b: c\n",
    "a: b:\n",
    "1: a\n", // non-string keys
    "true: a\n",
    "__proto__: a\n",
    "<<: {a: 1}\n",
    "a: [1, 2, ]\n",
    "a: {b}\n",
    'a: "\\q"\n', // an escape outside the subset
    "a: - b\n",
    "a:\n  - - b\n",
    "a: 1\n  b: 2\n", // deeper line after a one-line value
    "a:\n    b: 1\n  c: 2\n", // inconsistent indentation
    "\ufeffa: 1\n",
    "a: `b`\n",
    "a: @b\n",
    "a: 'b'c\n",
  ];
  for (const text of declined) {
    assertEquals(parseYamlSubset(text), undefined, JSON.stringify(text));
  }
});

/** Every YAML file under `dir`, recursively. */
function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) out.push(...yamlFiles(path));
    else if (/\.ya?ml$/.test(e.name)) out.push(path);
  }
  return out.sort();
}

Deno.test("the subset parser reads every YAML fixture as the full parser does", () => {
  const files = yamlFiles(TESTDATA);
  assertTrue(files.length >= 30, `only ${files.length} YAML fixtures found`);
  let read = 0;
  for (const file of files) {
    const text = Deno.readTextFileSync(file);
    const got = parseYamlSubset(text);
    if (got === undefined) continue;
    read++;
    assertEquals(got, reference(text), file);
  }
  // The fixtures are written the way specs are; nearly all must take the fast path.
  assertTrue(read >= files.length - 2, `the subset read only ${read} of ${files.length} fixtures`);
});

// Strings that exercise scalar typing, indicators, quoting and comments.
const ATOMS = [
  "a",
  "name",
  "0",
  "-1",
  "0x1F",
  "0o17",
  "1e3",
  ".inf",
  "-.nan",
  "1.5",
  "1.2.3",
  "true",
  "False",
  "null",
  "~",
  "",
  " ",
  "a b",
  "a: b",
  "a:b",
  "a #b",
  "a#b",
  "- a",
  "-",
  "?",
  "it's",
  'say "hi"',
  "[x]",
  "{y}",
  "x,y",
  "&a",
  "*a",
  "!t",
  "|",
  "%p",
  "@",
  "é",
  "/dev/xpu0",
  "A=1",
  "back\\slash",
  "tab\tin",
  "line\nbreak",
];

function randomValue(rand: () => number, depth: number): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const r = rand();
  if (depth > 3 || r < 0.45) {
    const s = rand();
    if (s < 0.1) return Math.floor(rand() * 2000) - 1000;
    if (s < 0.15) return rand() < 0.5;
    if (s < 0.18) return null;
    return pick(ATOMS) + (rand() < 0.3 ? pick(ATOMS) : "");
  }
  if (r < 0.7) {
    return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, depth + 1));
  }
  const obj: Record<string, unknown> = {};
  for (let i = Math.floor(rand() * 4); i > 0; i--) {
    obj[pick(ATOMS) + pick(["", "k", "2"])] = randomValue(rand, depth + 1);
  }
  return obj;
}

/** Small edits that take a valid text toward invalid or unusual YAML. */
function mutate(text: string, rand: () => number): string {
  const at = Math.floor(rand() * (text.length + 1));
  const inserts = [" ", "  ", "\n", "#", " # c", ":", "- ", "'", '"', "[", "]", "{", "}", ",", "&"];
  const r = rand();
  if (r < 0.5) {
    return text.slice(0, at) + inserts[Math.floor(rand() * inserts.length)] + text.slice(at);
  }
  return text.slice(0, at) + text.slice(at + 1 + Math.floor(rand() * 3));
}

Deno.test("whatever the subset parser accepts, the full parser reads the same (randomised)", () => {
  const rand = seededRandom(20261123);
  const styles: Record<string, unknown>[] = [
    {},
    { defaultStringType: "QUOTE_DOUBLE" },
    { defaultStringType: "QUOTE_SINGLE" },
    { collectionStyle: "flow" },
    { indent: 4, indentSeq: false },
    { defaultKeyType: "PLAIN", defaultStringType: "PLAIN", lineWidth: 0 },
  ];
  const stringify = yaml.stringify as (v: unknown, o?: unknown) => string;
  let accepted = 0;
  let checked = 0;
  for (let i = 0; i < 3000; i++) {
    const doc: Record<string, unknown> = { kind: "x.com/y" };
    for (let k = Math.floor(rand() * 5); k > 0; k--) doc[`k${k}`] = randomValue(rand, 0);
    let text = stringify(doc, styles[i % styles.length]);
    if (i % 2 === 1) text = mutate(text, rand);
    const got = parseYamlSubset(text);
    checked++;
    if (got === undefined) continue;
    accepted++;
    assertEquals(got, reference(text), `case ${i}: ${JSON.stringify(text)}`);
  }
  // The property is only worth something if the subset accepts a good share of the inputs.
  assertTrue(accepted > checked / 4, `the subset accepted only ${accepted} of ${checked}`);
});

/** Flow collections nested `depth` deep. */
function nestedFlow(g: Gen, depth: number): string {
  if (depth === 0) return g.pick(["1", "x", '"y"', "[]", "{}"]);
  const inner = nestedFlow(g, depth - 1);
  return g.chance(0.5) ? `[${inner}, ${g.int(9)}]` : `{k: ${inner}}`;
}

/** Spec-like YAML with odd text everywhere: decoding artifacts, controls, quotes, indicators. */
function oddYaml(g: Gen): string {
  const lines: string[] = ["cdiVersion: 0.5.0"];
  for (let n = g.int(8); n > 0; n--) {
    const indent = g.pick(["", "", "  ", "    ", "- ", "  - "]);
    const key = g.chance(0.7) ? g.pick(["a", "kind", "env", "k 1"]) : JSON.stringify(g.text(4));
    const r = g.int(8);
    if (r === 0) lines.push(`${indent}# ${g.text(12)}`);
    else if (r === 1) lines.push(`${indent}${key}: ${g.text(10)}`); // plain: whatever the text holds
    else if (r === 2) lines.push(`${indent}${key}: ${JSON.stringify(g.text(10))}`);
    else if (r === 3) lines.push(`${indent}${key}: '${g.text(10).replace(/'/g, "''")}'`);
    else if (r === 4) lines.push(`${indent}${key}:`);
    else if (r === 5) {
      lines.push(`${indent}${key}: [${g.array(3, (g) => JSON.stringify(g.text(4))).join(", ")}]`);
    } else if (r === 6) lines.push(`${indent}${key}: ${nestedFlow(g, g.int(130))}`);
    else {
      // Block mappings and sequences nested up to 120 deep.
      for (let d = 0, n = g.int(120); d < n; d++) {
        lines.push(`${" ".repeat(2 * d)}${g.chance(0.3) ? "- " : ""}k${d}:`);
      }
    }
  }
  return lines.join("\n") + "\n";
}

Deno.test("the YAML subset agrees with the full parser on text with decoding artifacts (generated)", () => {
  let accepted = 0;
  forAll(20260501, 4000, oddYaml, (text) => {
    const got = parseYamlSubset(text);
    if (got === undefined) return;
    accepted++;
    assertEquals(got, reference(text));
  });
  assertTrue(accepted > 400, `the subset accepted only ${accepted}`);
});

Deno.test("the YAML subset declines collections just past the nesting limit without throwing", () => {
  const M = MAX_NESTING;
  for (const depth of [1, M - 1, M, M + 1, 5000]) {
    const flow = `a: ${"[".repeat(depth)}${"]".repeat(depth)}\n`;
    const got = parseYamlSubset(flow);
    assertEquals(got === undefined, depth > M, `flow depth ${depth}`);
    if (got !== undefined) assertEquals(got, reference(flow));
    assertEquals(
      parseYamlSubset(`a: ${"{b: ".repeat(depth)}1${"}".repeat(depth)}\n`) === undefined,
      depth > M,
    );
  }
  for (const depth of [M / 2 - 1, M / 2, M - 1, M, M + 1, 2_000]) {
    const block = Array.from({ length: depth }, (_, i) => `${" ".repeat(i)}k:`).join("\n") + " 1\n";
    const got = parseYamlSubset(block);
    assertEquals(got === undefined, depth > M, `block depth ${depth}`);
    if (got !== undefined) assertEquals(got, reference(block));
    // Each level a sequence and a mapping in it, under the top-level mapping.
    const seq = Array.from({ length: depth }, (_, i) => `${" ".repeat(2 * i)}- k:`).join("\n");
    const nested = `a:\n${seq} 1\n`;
    const read = parseYamlSubset(nested);
    assertEquals(read === undefined, 1 + 2 * depth > M, `sequences ${depth}`);
    if (read !== undefined) assertEquals(read, reference(nested));
  }
});

Deno.test("the YAML subset reads huge specs as the full parser does", () => {
  const g = new Gen(20260502);
  const texts = [
    `kind: x.com/y\nenv: ${
      JSON.stringify(Array.from({ length: 200_000 }, () => g.pick(CHARS)).join(""))
    }\n`,
    `kind: x.com/y\ndevices:\n${
      Array.from(
        { length: 10_000 },
        (_, i) => `  - name: "${i}"\n    containerEdits:\n      env: [A=${i}, "B=${-i}"]\n`,
      ).join("")
    }`,
  ];
  for (const text of texts) {
    const start = Date.now();
    // A bound only quadratic work breaks, however loaded the machine.
    const got = parseYamlSubset(text);
    assertTrue(got !== undefined && Date.now() - start < 20_000, `${Date.now() - start} ms`);
    assertEquals(got, reference(text), text.slice(0, 60));
  }
});

Deno.test("the subset parser hands documents past the nesting limit to the full parser", () => {
  const deep = [
    `devices: ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`,
    `devices: ${"{a: ".repeat(20_000)}1${"}".repeat(20_000)}\n`,
    `a:\n${Array.from({ length: 5000 }, (_, i) => `${" ".repeat(i * 2 + 2)}- b:`).join("\n")}\n`,
    `${Array.from({ length: 5000 }, (_, i) => `${" ".repeat(i)}k${i}:`).join("\n")} 1\n`,
  ];
  for (const text of deep) assertEquals(parseYamlSubset(text), undefined);
  // Up to the limit it still reads them itself.
  assertEquals(parseYamlSubset(`a: ${"[".repeat(99)}${"]".repeat(99)}\n`) !== undefined, true);
});
