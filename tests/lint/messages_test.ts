import { assertEquals, assertStringIncludes, assertTrue } from "../assert.ts";
import { TESTDATA } from "../helpers.ts";
import { isExemptName, messageProblem, quoteOpenAfter } from "../../lint/messages.ts";

Deno.test("messageProblem() follows the house rules for error messages", () => {
  assertEquals(messageProblem(`Cannot load OCI spec "`, `": unexpected end of JSON`), undefined);
  assertEquals(messageProblem(`"`, `" is too deep`), undefined);
  assertEquals(messageProblem("", " is not JSON"), undefined);
  assertEquals(messageProblem("ldconfig: failed", "ldconfig: failed"), undefined);
  assertEquals(messageProblem("Wait...", "Wait..."), undefined);
  assertStringIncludes(messageProblem("cannot open", "cannot open")!, "capital letter");
  assertStringIncludes(messageProblem("runcx failed", "runcx failed")!, "capital letter");
  assertStringIncludes(messageProblem("Cannot open it.", "Cannot open it.")!, "period");
});

Deno.test("quoteOpenAfter() follows double quotes, and single quotes that are no apostrophes", () => {
  assertEquals(quoteOpenAfter('Cannot open "', false), true);
  assertEquals(quoteOpenAfter('"/a" and "', false), true);
  assertEquals(quoteOpenAfter('": it is', true), false);
  assertEquals(quoteOpenAfter("Cannot read podman's config ", false), false);
  assertEquals(quoteOpenAfter("run '", false), true);
});

Deno.test("isExemptName() knows sentences, quoted text, numbers and names, not values", () => {
  for (
    const name of ["errorMessage", "message", "fsReason", "why", "problems", "shown", "length"]
  ) {
    assertTrue(isExemptName(name), name);
  }
  for (const name of ["variable", "flag", "tomlKind", "fileCount"]) assertTrue(isExemptName(name));
  for (const name of ["path", "name", "kind", "source", "value", "lengthy"]) {
    assertTrue(!isExemptName(name), name);
  }
});

Deno.test("deno lint reports the bad messages of the fixture, and only those", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["lint", "--json"],
    cwd: `${TESTDATA}/lint`,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  assertTrue(!out.success, "deno lint should fail on the fixture");
  const report = JSON.parse(stdout) as {
    diagnostics: {
      filename: string;
      code: string;
      range: { start: { line: number } };
      message: string;
    }[];
    errors: unknown[];
  };
  assertEquals(report.errors, []);
  // Sorted: the order deno lint visits files in is its own.
  const found = report.diagnostics.map((d) =>
    [d.filename.split("/").pop(), d.range.start.line, d.code].join(":")
  ).sort();
  assertEquals(found, [
    "messages.ts:5:xpu-messages/error-message",
    "messages.ts:6:xpu-messages/error-message",
    "messages.ts:7:xpu-messages/error-message",
    "messages.ts:7:xpu-messages/values-quoted",
    ...[11, 12, 13, 14, 15, 16].map((line) => `quoting.ts:${line}:xpu-messages/values-quoted`),
  ]);
  const messages = report.diagnostics.map((d) => d.message);
  assertTrue(messages.some((m) => m.includes("must not end with a period")));
  assertTrue(messages.some((m) => m.includes('must be quoted: "names.join(", ")"')));
});
