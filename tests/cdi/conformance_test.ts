import { assertEquals, assertStringIncludes } from "../assert.ts";
import { loadSpecFile } from "../../src/cdi/parse.ts";
import { TESTDATA } from "../helpers.ts";

const DIR = `${TESTDATA}/cdi/conformance`;
const CASES: { file: string; valid: boolean; message: string }[] = JSON.parse(
  Deno.readTextFileSync(`${DIR}/cases.json`),
);

Deno.test("the conformance table has at least 25 cases, valid and invalid", () => {
  assertEquals(CASES.length >= 25, true);
  assertEquals(CASES.some((c) => c.valid) && CASES.some((c) => !c.valid), true);
});

for (const c of CASES) {
  Deno.test(`CDI conformance: ${c.file} is ${c.valid ? "valid" : `invalid (${c.message})`}`, async () => {
    const loaded = await loadSpecFile(`${DIR}/${c.file}`);
    assertEquals(loaded.ok, c.valid, loaded.ok ? "" : loaded.problems.join("\n"));
    if (!loaded.ok) {
      for (const p of loaded.problems) assertEquals(p.startsWith(`${DIR}/${c.file}: `), true, p);
      assertStringIncludes(loaded.problems.join("\n"), c.message);
    }
  });
}
