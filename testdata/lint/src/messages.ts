// Fixture for tests/lint/messages_test.ts: each line marked "bad" is reported, no other.
class SpecError extends Error {}
const path = "/b/config.json";
export const errors = [
  new Error("cannot open it"), // bad: line 5, capital
  new TypeError(`Cannot load "${path}".`), // bad: line 6, period
  new SpecError(`unexpected ${path}`), // bad: line 7, capital and unquoted
  new Error(`Cannot load OCI spec "${path}": unexpected end of JSON`),
  new RangeError(`"${path}" is too deep`),
  new SyntaxError(`${JSON.stringify(path)} is not JSON`),
  new Error("xpu-ctk cannot run here"),
  new Error("runc: exit status 1"),
  new Error("Wait..."),
  new SpecError(path),
];
