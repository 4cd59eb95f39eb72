import { assertEquals, assertThrows } from "../assert.ts";
import { appendPlainFile, PlainFileError, readPlainFile } from "../../src/internal/plain_file.ts";
import { withTempDir } from "../helpers.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const NAME = "ENROOT_MOUNTS";

function mkfifo(path: string): void {
  const out = new Deno.Command("mkfifo", { args: [path] }).outputSync();
  if (!out.success) throw new Error(`mkfifo ${path} failed`);
}

Deno.test("appendPlainFile() appends to a regular file and keeps what is there", async () => {
  await withTempDir((dir) => {
    Deno.writeTextFileSync(`${dir}/f`, "one\n");
    appendPlainFile(`${dir}/f`, enc("two\n"), NAME);
    appendPlainFile(`${dir}/f`, enc(""), NAME);
    assertEquals(Deno.readTextFileSync(`${dir}/f`), "one\ntwo\n");
    assertEquals(readPlainFile(`${dir}/f`, 100, NAME), enc("one\ntwo\n"));
  });
});

Deno.test("appendPlainFile() never writes through a symlink, and leaves its target alone", async () => {
  await withTempDir((dir) => {
    Deno.writeTextFileSync(`${dir}/host-file`, "secret\n");
    Deno.symlinkSync(`${dir}/host-file`, `${dir}/fstab`);
    assertThrows(
      () => appendPlainFile(`${dir}/fstab`, enc("/ /x none bind\n"), NAME),
      PlainFileError,
      `Cannot append to ${NAME}: it is a symbolic link`,
    );
    assertThrows(
      () => readPlainFile(`${dir}/fstab`, 100, NAME),
      PlainFileError,
      `Cannot read ${NAME}: it is a symbolic link`,
    );
    assertEquals(Deno.readTextFileSync(`${dir}/host-file`), "secret\n");
  });
});

Deno.test("appendPlainFile() and readPlainFile() refuse a FIFO without waiting for it", async () => {
  await withTempDir((dir) => {
    mkfifo(`${dir}/fifo`);
    assertThrows(
      () => appendPlainFile(`${dir}/fifo`, enc("x\n"), NAME),
      PlainFileError,
      "it is not a regular file",
    );
    assertThrows(
      () => readPlainFile(`${dir}/fifo`, 100, NAME),
      PlainFileError,
      "not a regular file",
    );
  });
});

Deno.test("appendPlainFile() refuses a file with a second hard link, a directory, a missing file", async () => {
  await withTempDir((dir) => {
    Deno.writeTextFileSync(`${dir}/a`, "");
    Deno.linkSync(`${dir}/a`, `${dir}/b`);
    assertThrows(
      () => appendPlainFile(`${dir}/b`, enc("x\n"), NAME),
      PlainFileError,
      "it has 2 hard links",
    );
    assertEquals(Deno.readTextFileSync(`${dir}/a`), "");
    assertThrows(
      () => appendPlainFile(dir, enc("x\n"), NAME),
      PlainFileError,
      `Cannot append to ${NAME}:`,
    );
    assertThrows(
      () => appendPlainFile(`${dir}/missing`, enc("x\n"), NAME),
      PlainFileError,
      "No such file or directory",
    );
  });
});

Deno.test("readPlainFile() refuses a file larger than its limit", async () => {
  await withTempDir((dir) => {
    Deno.writeTextFileSync(`${dir}/f`, "x".repeat(101));
    assertThrows(
      () => readPlainFile(`${dir}/f`, 100, NAME),
      PlainFileError,
      "it is larger than 100 bytes",
    );
    assertEquals(readPlainFile(`${dir}/f`, 101, NAME).length, 101);
  });
});
