import { assertEquals } from "../assert.ts";
import { envAssignment, splitEnvEntry } from "../../src/internal/env.ts";

const ENTRIES: [string, { name: string; value: string | undefined }, boolean][] = [
  ["A=1", { name: "A", value: "1" }, true],
  ["A=", { name: "A", value: "" }, true],
  ["A==b=c", { name: "A", value: "=b=c" }, true],
  ["A", { name: "A", value: undefined }, false],
  ["=x", { name: "", value: "x" }, false],
  ["", { name: "", value: undefined }, false],
];

for (const [entry, split, assignment] of ENTRIES) {
  Deno.test(`splitEnvEntry(${JSON.stringify(entry)}) splits at the first "="`, () => {
    assertEquals(splitEnvEntry(entry), split);
    assertEquals(
      envAssignment(entry),
      assignment ? { name: split.name, value: split.value! } : undefined,
    );
  });
}
