import { assertEquals, assertThrows } from "../assert.ts";
import { readRegularFile, UnreadableFileError } from "../../src/internal/read_file.ts";
import { withTempDir } from "../helpers.ts";

Deno.test("readRegularFile() reads a regular file up to the limit, through a link", async () => {
  await withTempDir((dir) => {
    Deno.writeTextFileSync(`${dir}/f`, "12345");
    Deno.symlinkSync(`${dir}/f`, `${dir}/link`);
    assertEquals(new TextDecoder().decode(readRegularFile(`${dir}/link`, 5)), "12345");
    Deno.writeTextFileSync(`${dir}/empty`, "");
    assertEquals(readRegularFile(`${dir}/empty`, 0).length, 0);
  });
});

Deno.test("readRegularFile() refuses what is not a regular file or is too big, unread", async () => {
  await withTempDir((dir) => {
    new Deno.Command("mkfifo", { args: [`${dir}/fifo`] }).outputSync();
    Deno.writeTextFileSync(`${dir}/six`, "123456");
    const cases: [string, number, string][] = [
      [`${dir}/fifo`, 10, "it is not a regular file"],
      ["/dev/zero", 10, "it is not a regular file"],
      [dir, 10, "it is not a regular file"],
      [`${dir}/six`, 5, "it is larger than 5 bytes"],
    ];
    for (const [path, max, message] of cases) {
      assertThrows(() => readRegularFile(path, max), UnreadableFileError, message);
    }
    assertThrows(() => readRegularFile(`${dir}/missing`, 10), Deno.errors.NotFound);
  });
});
