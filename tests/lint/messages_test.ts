import { assertEquals, assertStringIncludes, assertTrue } from "../assert.ts";
import { TESTDATA } from "../helpers.ts";
import { messageProblem } from "../../lint/messages.ts";

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
    diagnostics: { code: string; range: { start: { line: number } }; message: string }[];
    errors: unknown[];
  };
  assertEquals(report.errors, []);
  assertEquals(
    report.diagnostics.map((d) => [d.code, d.range.start.line]),
    [5, 6, 7].map((line) => ["xpu-messages/error-message", line]),
  );
  assertStringIncludes(report.diagnostics[1]!.message, "must not end with a period");
});
