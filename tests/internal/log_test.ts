import { assertEquals, assertMatch } from "../assert.ts";
import { formatLine, Logger } from "../../src/internal/log.ts";
import { withTempDir } from "../helpers.ts";

const T = new Date("2026-01-02T03:04:05.678Z");

Deno.test("formatLine() writes runc's JSON keys in runc's order", () => {
  assertEquals(
    formatLine("json", "info", 'say "hi"', T),
    '{"level":"info","msg":"say \\"hi\\"","time":"2026-01-02T03:04:05.678Z"}\n',
  );
  // logrus, and so containerd reading runc's log, spells it "warning".
  assertEquals(JSON.parse(formatLine("json", "warn", "w", T)).level, "warning");
});

Deno.test("formatLine() writes logrus-style text", () => {
  assertEquals(
    formatLine("text", "error", "bad thing", T),
    'time="2026-01-02T03:04:05.678Z" level=error msg="bad thing"\n',
  );
});

Deno.test("Logger file sinks append, filter by level and keep other content", async () => {
  await withTempDir((dir) => {
    const path = `${dir}/log`;
    Deno.writeTextFileSync(path, "existing\n");
    const log = new Logger();
    assertEquals(log.addFile(path, "json", "info"), undefined);
    log.debug(() => {
      throw new Error("a debug thunk must not run when no sink keeps debug");
    });
    log.info("one");
    log.error("two");
    log.close();
    const lines = Deno.readTextFileSync(path).trimEnd().split("\n");
    assertEquals(lines[0], "existing");
    assertEquals(lines.slice(1).map((l) => JSON.parse(l).msg), ["one", "two"]);
    assertMatch(JSON.parse(lines[1]!).time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
  });
});

Deno.test("Logger.addFile() reports a log file in a missing directory instead of throwing", () => {
  const log = new Logger();
  const problem = log.addFile("/nonexistent-dir/x.log", "text", "debug");
  assertMatch(problem ?? "", /^Cannot open log file "\/nonexistent-dir\/x\.log": /);
  assertEquals(log.enabled("error"), false);
});

Deno.test("Logger.setFileLevel() retunes file sinks opened before the config was read", async () => {
  await withTempDir((dir) => {
    const path = `${dir}/log`;
    const log = new Logger();
    log.addFile(path, "text", "info");
    log.info("kept at info");
    log.setFileLevel("error");
    log.warn("dropped at error");
    log.error("kept at error");
    log.close();
    const lines = Deno.readTextFileSync(path).trimEnd().split("\n");
    assertEquals(lines.map((l) => l.replace(/^time="[^"]*" /, "")), [
      'level=info msg="kept at info"',
      'level=error msg="kept at error"',
    ]);
  });
});
