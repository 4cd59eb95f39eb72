// Fixture for tests/lint/messages_test.ts (values-quoted): each line marked "bad" is reported
// once, no other.
const quote = (s: string) => JSON.stringify(s);
const errorMessage = (e: unknown) => String(e);
const usageError = (_ctx: unknown, message: string) => new Error(message);
const [dir, name, flag, e, n] = ["/d", "x", "--link", new Error("E"), 3];
const names = ["a", "b"];
const MEMORY_LIMIT = { name: "CXPU_CONTAINER_MEMORY_LIMIT" };
const problems = ["it is bad"];
export const errors = [
  new Error(`Cannot open ${dir}`), // bad: line 11
  new Error(`Cannot read podman's config ${dir}`), // bad: line 12, an apostrophe opens no quote
  new Error(`Unknown devices ${names.join(", ")}`), // bad: line 13
  new Error("Cannot open " + dir), // bad: line 14
  usageError({}, `Unknown command ${name}`), // bad: line 15
  new Error(`Cannot open it${n > 1 ? ` in ${dir}` : ""}`), // bad: line 16
  new Error(`Cannot write "${dir}/${name}": ${errorMessage(e)}`),
  new Error(`Cannot read podman's config "${dir}": ${e.message}`),
  new Error(`Unknown devices ${names.map(quote).join(", ")}; ${problems.join("; ")}`),
  new Error(`Unknown devices ${names.map((x) => `"${x}"`).join(", ")}`),
  new Error(`Cannot open ${quote(dir)} (${names.length} names, ${n - 1} left)`),
  new Error(`${MEMORY_LIMIT.name} is set: give ${flag} or --${name}, run '${dir} --help'`),
  new Error(`Cannot open it${n > 1 ? ` in "${dir}"` : ""}`),
  new Error(e.message),
  // deno-lint-ignore xpu-messages/values-quoted -- an exception, with its reason
  new Error(`Cannot open ${dir}`),
];
