/**
 * std-style assertion names over `node:assert/strict` (JSR's @std/assert is unreachable here).
 * @module
 */
import assert from "node:assert/strict";

/** Deep strict equality. */
export function assertEquals<T>(actual: T, expected: T, msg?: string): void {
  assert.deepStrictEqual(actual, expected, msg);
}

/** Deep strict inequality. */
export function assertNotEquals<T>(actual: T, expected: T, msg?: string): void {
  assert.notDeepStrictEqual(actual, expected, msg);
}

/** `actual` matches `re`. */
export function assertMatch(actual: string, re: RegExp, msg?: string): void {
  assert.match(actual, re, msg);
}

/** `actual` does not match `re`. */
export function assertNotMatch(actual: string, re: RegExp, msg?: string): void {
  assert.doesNotMatch(actual, re, msg);
}

/** `actual` contains `expected`. */
export function assertStringIncludes(actual: string, expected: string, msg?: string): void {
  if (!actual.includes(expected)) {
    assert.fail(msg ?? `Expected ${JSON.stringify(actual)} to include ${JSON.stringify(expected)}`);
  }
}

/** `value` is truthy. */
export function assertTrue(value: unknown, msg?: string): void {
  assert.ok(value, msg);
}

function checkError<E extends Error>(
  e: unknown,
  cls: new (...args: never[]) => E,
  includes: string | undefined,
): E {
  if (!(e instanceof cls)) assert.fail(`Expected ${cls.name}, got ${String(e)}`);
  if (includes !== undefined && !e.message.includes(includes)) {
    assert.fail(`Expected message to include ${JSON.stringify(includes)}: ${e.message}`);
  }
  return e;
}

/**
 * `fn` throws an instance of `cls` whose message includes `includes`; returns the error.
 */
export function assertThrows<E extends Error>(
  fn: () => unknown,
  cls: new (...args: never[]) => E,
  includes?: string,
): E {
  try {
    fn();
  } catch (e) {
    return checkError(e, cls, includes);
  }
  return assert.fail(`Expected ${cls.name} to be thrown`);
}

/**
 * `fn`'s promise rejects with an instance of `cls` whose message includes `includes`; returns
 * the error.
 */
export async function assertRejects<E extends Error>(
  fn: () => Promise<unknown>,
  cls: new (...args: never[]) => E,
  includes?: string,
): Promise<E> {
  try {
    await fn();
  } catch (e) {
    return checkError(e, cls, includes);
  }
  return assert.fail(`Expected ${cls.name} to be thrown`);
}
