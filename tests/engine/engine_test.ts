import { assertEquals, assertMatch, assertThrows } from "../assert.ts";
import { apply, originalOf, type Plan, readIfExists } from "../../src/engine/engine.ts";
import { withDirLock } from "../../src/internal/dir_lock.ts";
import { linkTarget } from "../../src/engine/target.ts";
import { withTempDir } from "../helpers.ts";

const write = (path: string, content: string): Plan => ({
  changes: [{ kind: "write", path, content, backup: true }],
  notes: [],
});

Deno.test("readIfExists() refuses bytes that are not UTF-8, naming the file and the byte", async () => {
  await withTempDir((dir) => {
    Deno.writeFileSync(`${dir}/d.json`, new Uint8Array([0x7b, 0x22, 0xc3, 0xa9, 0xff, 0x22, 0x7d]));
    assertThrows(
      () => readIfExists(`${dir}/d.json`),
      Error,
      `Cannot edit "${dir}/d.json": it is not valid UTF-8 (byte 0xFF at offset 4); it was left unchanged`,
    );
    Deno.writeFileSync(`${dir}/bom.json`, new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]));
    assertEquals(readIfExists(`${dir}/bom.json`), "\ufeff{}");
    assertEquals(readIfExists(`${dir}/missing.json`), undefined);
  });
});

Deno.test("linkTarget() follows links of the last component, relative ones from their own directory", async () => {
  await withTempDir((dir) => {
    Deno.mkdirSync(`${dir}/etc`);
    Deno.mkdirSync(`${dir}/srv`);
    Deno.symlinkSync("srv/daemon.json", `${dir}/hop`);
    Deno.symlinkSync("../hop", `${dir}/etc/daemon.json`);
    Deno.symlinkSync("loop", `${dir}/loop`);
    assertEquals(linkTarget(`${dir}/etc/daemon.json`), `${dir}/srv/daemon.json`);
    assertEquals(linkTarget(`${dir}/plain.json`), `${dir}/plain.json`);
    assertThrows(() => linkTarget(`${dir}/loop`), Error, "too many levels of symbolic links");
  });
});

Deno.test("withDirLock() waits for the holder, within a bound, and names the directory", async () => {
  await withTempDir((dir) => {
    const holder = Deno.openSync(dir, { read: true });
    try {
      holder.lockSync(true);
      assertThrows(
        () => withDirLock(dir, () => 1, 100),
        Error,
        `Cannot lock "${dir}": another xpu-ctk has held it for 0.1 s`,
      );
    } finally {
      holder.close();
    }
    assertEquals(withDirLock(dir, () => 2, 100), 2);
    assertThrows(() => withDirLock(`${dir}/none`, () => 3), Error, `Cannot lock "${dir}/none": `);
  });
});

Deno.test("apply() plans while it holds the lock on the file's directory", async () => {
  await withTempDir((dir) => {
    let lockedWhilePlanning = false;
    apply(`${dir}/daemon.json`, () => {
      const other = Deno.openSync(dir, { read: true });
      lockedWhilePlanning = !other.tryLockSync(true);
      other.close();
      return write(`${dir}/daemon.json`, "{}\n");
    });
    assertEquals(lockedWhilePlanning, true);
  });
});

Deno.test("apply() makes a missing directory only for a plan that writes, then plans again", async () => {
  await withTempDir((dir) => {
    let plans = 0;
    const nothing = apply(`${dir}/a/daemon.json`, () => (plans++, { changes: [], notes: [] }));
    assertEquals([nothing.done, plans, readIfExists(`${dir}/a`)], [[], 1, undefined]);
    const made = apply(`${dir}/b/daemon.json`, () => (plans++, write(`${dir}/b/daemon.json`, "x")));
    assertEquals([made.done, plans], [[`wrote ${dir}/b/daemon.json`], 3]);
  });
});

Deno.test("apply() writes through a symlink, keeps .bak from before the first change only, and forgets the original once it is back", async () => {
  await withTempDir((dir) => {
    Deno.mkdirSync(`${dir}/srv`);
    Deno.writeTextFileSync(`${dir}/srv/d.json`, "original");
    Deno.symlinkSync("srv/d.json", `${dir}/d.json`);
    const path = `${dir}/d.json`;
    const done = apply(path, () => write(path, "one")).done;
    assertEquals(done, [`backed up ${dir}/srv/d.json to ${dir}/srv/d.json.bak`, `wrote ${path}`]);
    apply(path, () => write(path, "two"));
    assertEquals(Deno.lstatSync(path).isSymlink, true);
    assertEquals(Deno.readTextFileSync(`${dir}/srv/d.json`), "two");
    assertEquals(Deno.readTextFileSync(`${dir}/srv/d.json.bak`), "original");
    assertEquals(originalOf(path), { existed: true, text: "original" });
    apply(path, () => write(path, "original"));
    assertEquals(originalOf(path), undefined);
    assertEquals(readIfExists(`${dir}/srv/d.json.xpu-ctk-original`), undefined);
  });
});

Deno.test("apply() records a file that did not exist, and forgets it when the file is removed", async () => {
  await withTempDir((dir) => {
    const path = `${dir}/d.json`;
    apply(path, () => write(path, "{}"));
    assertEquals(originalOf(path), { existed: false });
    assertEquals(readIfExists(`${path}.bak`), undefined);
    const done = apply(path, () => ({ changes: [{ kind: "remove", path }], notes: [] })).done;
    assertEquals(done, [`removed ${path}`]);
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), []);
  });
});

Deno.test("apply() leaves a file that is not UTF-8 byte-identical, with no .bak", async () => {
  await withTempDir((dir) => {
    const path = `${dir}/d.json`;
    const bytes = new Uint8Array([0x7b, 0xfe, 0x7d]);
    Deno.writeFileSync(path, bytes);
    const err = assertThrows(() => apply(path, () => write(path, "{}")), Error);
    assertMatch(
      err.message,
      /^Cannot edit ".*d\.json": it is not valid UTF-8 \(byte 0xFE at offset 1\)/,
    );
    assertEquals(Deno.readFileSync(path), bytes);
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["d.json"]);
  });
});
