import { assertEquals, assertThrows } from "../assert.ts";
import { parseHookArgs } from "../../src/hook/args.ts";
import { UsageError } from "../../src/internal/errors.ts";

const GOOD: [string[], Partial<ReturnType<typeof parseHookArgs>>][] = [
  [["prestart"], { command: "prestart", debug: false, config: undefined }],
  [["-debug", "prestart"], { command: "prestart", debug: true }],
  [["--debug", "prestart"], { command: "prestart", debug: true }],
  [["-debug=false", "prestart"], { command: "prestart", debug: false }],
  [["-config", "/c.toml", "prestart"], { command: "prestart", config: "/c.toml" }],
  [["--config=/c.toml", "prestart"], { command: "prestart", config: "/c.toml" }],
  [["createRuntime", "abc"], { command: "createRuntime", id: "abc" }],
  [["poststop", "abc"], { command: "poststop", id: "abc" }],
  [["poststart"], { command: "poststart" }],
  [["-version"], { version: true }],
  [["--help"], { help: true }],
];

for (const [args, expected] of GOOD) {
  Deno.test(`parseHookArgs(${JSON.stringify(args)})`, () => {
    const parsed = parseHookArgs(args);
    for (const [k, v] of Object.entries(expected)) {
      assertEquals(parsed[k as keyof typeof parsed], v, k);
    }
  });
}

const BAD: [string[], string][] = [
  [[], "Missing command"],
  [["prestop"], 'Unknown command "prestop"'],
  [["-bogus", "prestart"], 'Unknown flag "-bogus"'],
  [["-config"], 'Flag "-config" needs a file'],
  [["createRuntime"], 'Command "createRuntime" needs a container id'],
  [["poststop"], 'Command "poststop" needs a container id'],
  [["prestart", "extra"], 'Unexpected argument "extra"'],
  [["poststop", "a", "b"], 'Unexpected argument "b"'],
];

for (const [args, message] of BAD) {
  Deno.test(`parseHookArgs(${JSON.stringify(args)}) is a usage error`, () => {
    assertThrows(() => parseHookArgs(args), UsageError, message);
  });
}
