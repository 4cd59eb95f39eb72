import { assertEquals, assertMatch, assertThrows } from "../assert.ts";
import { detectIndent, parseLossless, SpecError, SpecFile } from "../../src/oci/spec_file.ts";
import { withTempDir } from "../helpers.ts";

Deno.test("parseLossless() keeps every number's text and every key's order", () => {
  const text =
    '{"z":1,"a":9223372036854775807,"m":[18446744073709551615,-9223372036854775808,1.50,1e3,0.1],"x":{"unknown":null}}';
  assertEquals(JSON.stringify(parseLossless(text)), text);
});

Deno.test("detectIndent() finds tabs, spaces or compact JSON", () => {
  assertEquals(detectIndent('{\n\t"a": 1\n}'), "\t");
  assertEquals(detectIndent('{\n    "a": 1\n}'), "    ");
  assertEquals(detectIndent('{"a":1}'), "");
});

const RUNC_STYLE = `{
\t"ociVersion": "1.0.2-dev",
\t"process": {
\t\t"env": [
\t\t\t"PATH=/bin"
\t\t],
\t\t"rlimits": [
\t\t\t{
\t\t\t\t"type": "RLIMIT_NOFILE",
\t\t\t\t"hard": 18446744073709551615,
\t\t\t\t"soft": 9223372036854775807
\t\t\t}
\t\t]
\t},
\t"x-vendor-extension": {
\t\t"keep": [
\t\t\t1.0,
\t\t\ttrue
\t\t]
\t},
\t"annotations": {}
}`;

Deno.test("SpecFile.flush() does not write an unchanged spec", async () => {
  await withTempDir((dir) => {
    const path = `${dir}/config.json`;
    Deno.writeTextFileSync(path, RUNC_STYLE);
    const before = Deno.statSync(path).mtime;
    const file = SpecFile.load(path);
    assertEquals(file.flush(), false);
    assertEquals(Deno.readTextFileSync(path), RUNC_STYLE);
    assertEquals(Deno.statSync(path).mtime, before);
  });
});

Deno.test("SpecFile.flush() writes changes in the file's style, keeping unknown fields and big integers", async () => {
  await withTempDir((dir) => {
    const path = `${dir}/config.json`;
    Deno.writeTextFileSync(path, RUNC_STYLE);
    Deno.chmodSync(path, 0o600);
    const file = SpecFile.load(path);
    file.spec.process!.env!.push("A=1");
    assertEquals(file.flush(), true);
    assertEquals(
      Deno.readTextFileSync(path),
      RUNC_STYLE.replace('"PATH=/bin"', '"PATH=/bin",\n\t\t\t"A=1"'),
    );
    assertEquals((Deno.statSync(path).mode ?? 0) & 0o777, 0o600);
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["config.json"]);
  });
});

Deno.test("SpecFile keeps compact JSON compact", async () => {
  await withTempDir((dir) => {
    const path = `${dir}/config.json`;
    Deno.writeTextFileSync(
      path,
      '{"ociVersion":"1.0.0","process":{"env":[]},"n":123456789012345678901}',
    );
    const file = SpecFile.load(path);
    file.spec.process!.env!.push("A=1");
    file.flush();
    assertEquals(
      Deno.readTextFileSync(path),
      '{"ociVersion":"1.0.0","process":{"env":["A=1"]},"n":123456789012345678901}',
    );
  });
});

const BAD: [string, string | undefined, RegExp][] = [
  ["missing", undefined, /^Cannot load OCI spec ".*\/config\.json": No such file/],
  ["empty", "", /: the file is empty$/],
  ["not JSON", "hello", /: invalid JSON: /],
  ["truncated", '{"ociVersion": "1.0.2", "process": {"env": ["A=1"', /: invalid JSON: /],
  ["an array", "[1, 2]", /: expected a JSON object, found an array$/],
  ["a string", '"x"', /: expected a JSON object, found a string$/],
  ["null", "null", /: expected a JSON object, found null$/],
];

for (const [what, content, pattern] of BAD) {
  Deno.test(`SpecFile.load() rejects a config.json that is ${what}`, async () => {
    await withTempDir((dir) => {
      const path = `${dir}/config.json`;
      if (content !== undefined) Deno.writeTextFileSync(path, content);
      const e = assertThrows(() => SpecFile.load(path), SpecError);
      assertMatch(e.message, pattern);
      if (content !== undefined) assertEquals(Deno.readTextFileSync(path), content);
    });
  });
}

Deno.test("SpecFile.flush() fails cleanly, leaving what is there and no temp file", async () => {
  await withTempDir((dir) => {
    const path = `${dir}/config.json`;
    Deno.writeTextFileSync(path, RUNC_STYLE);
    const file = SpecFile.load(path);
    file.spec.process!.env!.push("A=1");
    // rename() cannot replace a directory, so the write fails at its last step.
    Deno.removeSync(path);
    Deno.mkdirSync(path);
    assertThrows(() => file.flush(), Error, `Cannot write "${path}"`);
    assertEquals(Deno.statSync(path).isDirectory, true);
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["config.json"]);
  });
});

const RISKY: string[] = [
  '{"a":1.5}',
  '{"a":[1e3]}',
  '{"a": 1E-2}',
  '{"a":-0}',
  '{"a":-0.0}',
  '{"a":9007199254740993}',
  '{"a":[1, 12345678901234567890]}',
];

for (const text of RISKY) {
  Deno.test(`parseLossless() round-trips ${text} exactly`, () => {
    assertEquals(JSON.stringify(parseLossless(text)), text.replace(/\s/g, ""));
  });
}

Deno.test("parseLossless() takes the fast path for plain specs without losing anything", () => {
  const text = '{"a":123456789012345,"b":"1.5e3 in a string","c":[-1,0,7]}';
  assertEquals(JSON.stringify(parseLossless(text)), text);
});
