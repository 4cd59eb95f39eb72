import { assertEquals } from "../assert.ts";
import { CIRCULAR, MAX_NESTING, nestingProblem, TOO_DEEP } from "../../src/internal/nesting.ts";

/** Arrays nested `n` deep, built without recursion. */
function nested(n: number): unknown {
  let value: unknown = [];
  for (let i = 1; i < n; i++) value = [value];
  return value;
}

Deno.test("nestingProblem() allows MAX_NESTING levels and refuses one more", () => {
  assertEquals(MAX_NESTING, 100);
  assertEquals(nestingProblem(nested(100)), undefined);
  assertEquals(nestingProblem({ a: nested(99) }), undefined);
  assertEquals(nestingProblem(nested(101)), TOO_DEEP);
  assertEquals(nestingProblem({ a: 1, b: [{ c: nested(99) }] }), TOO_DEEP);
  assertEquals(TOO_DEEP, "nested deeper than 100 levels");
});

Deno.test("nestingProblem() walks a million levels without recursing, and wide documents", () => {
  assertEquals(nestingProblem(nested(1_000_000)), TOO_DEEP);
  const wide = Array.from({ length: 100_000 }, (_, i) => ({ i, list: [i, [i]] }));
  assertEquals(nestingProblem(wide), undefined);
  assertEquals(nestingProblem("text"), undefined);
  assertEquals(nestingProblem(null), undefined);
});

Deno.test("nestingProblem() names a document that contains itself, as a YAML alias can make", () => {
  const a: unknown[] = [];
  a.push({ x: a });
  assertEquals(nestingProblem({ spec: a }), CIRCULAR);
  // The same node twice, not inside itself, is fine.
  const shared = ["S=1"];
  assertEquals(nestingProblem({ env: shared, devices: [{ env: shared }] }), undefined);
});
