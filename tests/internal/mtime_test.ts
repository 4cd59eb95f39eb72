import { assertEquals, assertThrows } from "../assert.ts";
import { run, withTempDir } from "../helpers.ts";
import { fileTimes, setModificationTime, timeMs } from "../../src/internal/mtime.ts";

Deno.test("fileTimes reads a file's times to the nanosecond, as Deno rounds them to the ms", async () => {
  await withTempDir(async (dir) => {
    Deno.writeTextFileSync(`${dir}/f`, "x");
    const out = await run("touch", ["-d", "2021-02-03 04:05:06.123456789", `${dir}/f`]);
    assertEquals(out.code, 0, out.stderr);
    const t = fileTimes(`${dir}/f`);
    assertEquals(t.mtime.nsec, 123456789);
    assertEquals(timeMs(t.mtime), Deno.statSync(`${dir}/f`).mtime!.getTime());
    // Deno's ctime has whole seconds only.
    assertEquals(Number(t.ctime.sec) * 1000, Deno.statSync(`${dir}/f`).ctime!.getTime());
  });
});

Deno.test("setModificationTime copies a time exactly: the shell's -nt sees no difference", async () => {
  await withTempDir(async (dir) => {
    Deno.writeTextFileSync(`${dir}/a`, "a");
    Deno.writeTextFileSync(`${dir}/b`, "b");
    await run("touch", ["-d", "2020-01-01 00:00:00.987654321", `${dir}/a`]);
    setModificationTime(`${dir}/b`, fileTimes(`${dir}/a`).mtime);
    const same = await run("bash", [
      "-c",
      "[[ ! $0 -nt $1 && ! $1 -nt $0 ]]",
      `${dir}/a`,
      `${dir}/b`,
    ]);
    assertEquals(same.code, 0);
    // Deno's own millisecond times would not do: b is then older by the nanoseconds dropped.
    Deno.utimeSync(`${dir}/b`, new Date(), Deno.statSync(`${dir}/a`).mtime!);
    const differ = await run("bash", ["-c", "[[ $0 -nt $1 ]]", `${dir}/a`, `${dir}/b`]);
    assertEquals(differ.code, 0);
  });
});

Deno.test("fileTimes and setModificationTime name the file they fail on", () => {
  assertThrows(
    () => fileTimes("/nonexistent/x"),
    Error,
    'Cannot read the times of "/nonexistent/x": No such file or directory',
  );
  assertThrows(
    () => setModificationTime("/nonexistent/x", { sec: 0n, nsec: 0 }),
    Error,
    'Cannot set the modification time of "/nonexistent/x": No such file or directory',
  );
});
