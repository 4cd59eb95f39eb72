import { assertEquals, assertMatch } from "../assert.ts";
import { loadRegistry } from "../../src/cdi/registry.ts";
import { MAX_SPEC_BYTES } from "../../src/cdi/spec.ts";
import { SpecCache } from "../../src/cdi/cache.ts";
import { withTempDir } from "../helpers.ts";

function write(path: string, kind: string, names: string[], marker: string) {
  Deno.writeTextFileSync(
    path,
    JSON.stringify({
      cdiVersion: "0.5.0",
      kind,
      devices: names.map((name) => ({ name, containerEdits: { env: [`FROM=${marker}`] } })),
    }),
  );
}

Deno.test("loadRegistry(): later directories override earlier ones; conflicts in one directory drop the device", async () => {
  await withTempDir(async (dir) => {
    Deno.mkdirSync(`${dir}/etc`);
    Deno.mkdirSync(`${dir}/run`);
    write(`${dir}/etc/a.json`, "kunlunxin.com/xpu", ["0", "1"], "etc");
    write(`${dir}/run/b.json`, "kunlunxin.com/xpu", ["1"], "run");
    write(`${dir}/run/c.json`, "kunlunxin.com/xpu", ["2"], "run-c");
    write(`${dir}/run/d.json`, "kunlunxin.com/xpu", ["2"], "run-d");
    Deno.writeTextFileSync(`${dir}/run/broken.yaml`, "cdiVersion: [");
    Deno.writeTextFileSync(`${dir}/run/notes.txt`, "not a spec");
    const reg = await loadRegistry([`${dir}/etc`, `${dir}/run`, `${dir}/missing`]);
    assertEquals([...reg.devices.keys()].sort(), ["kunlunxin.com/xpu=0", "kunlunxin.com/xpu=1"]);
    assertEquals(reg.devices.get("kunlunxin.com/xpu=1")?.file, `${dir}/run/b.json`);
    assertEquals(reg.devices.get("kunlunxin.com/xpu=0")?.file, `${dir}/etc/a.json`);
    assertEquals(reg.problems.length, 2, reg.problems.join("\n"));
    assertMatch(reg.problems[0]!, /^.*\/run\/broken\.yaml: cannot parse: /);
    assertEquals(
      reg.problems[1],
      `kunlunxin.com/xpu=2 is defined twice in ${dir}/run: ${dir}/run/c.json and ${dir}/run/d.json; neither is used`,
    );
  });
});

Deno.test("peekKind() reads a plain top-level kind line of YAML only", async () => {
  const { peekKind } = await import("../../src/cdi/registry.ts");
  assertEquals(
    peekKind("a.yaml", "cdiVersion: 0.5.0\nkind: kunlunxin.com/xpu\n"),
    "kunlunxin.com/xpu",
  );
  assertEquals(peekKind("a.yml", "kind: 'a.com/b' # note\n"), "a.com/b");
  assertEquals(peekKind("a.yaml", "annotations:\n  kind: x.com/y\ndevices: []\n"), undefined);
  assertEquals(peekKind("a.json", '{\n"kind": "a.com/b"\n}'), undefined);
});

Deno.test("loadRegistry() with kinds skips other kinds but parses JSON and what it cannot peek", async () => {
  await withTempDir(async (dir) => {
    write(`${dir}/a.json`, "a.com/x", ["0"], "a");
    write(`${dir}/b.json`, "b.com/x", ["0"], "b");
    Deno.writeTextFileSync(
      `${dir}/c.yaml`,
      "{cdiVersion: 0.5.0, kind: c.com/x, devices: [{name: '0', containerEdits: {env: [A=1]}}]}\n",
    );
    Deno.writeTextFileSync(`${dir}/d.yaml`, "kind: d.com/x\ncdiVersion: [broken\n");
    const reg = await loadRegistry([dir], new Set(["a.com/x"]));
    assertEquals([...reg.devices.keys()].sort(), ["a.com/x=0", "b.com/x=0", "c.com/x=0"]);
    assertEquals(reg.problems, []);
  });
});

const FIX = "make it owned by root and not writable by group or others (chmod go-w)";

Deno.test("loadRegistry() ignores a spec directory or file others may write, before parsing or the cache", async () => {
  await withTempDir(async (dir) => {
    Deno.mkdirSync(`${dir}/open`);
    write(`${dir}/open/a.json`, "a.com/x", ["from-open-dir"], "open");
    Deno.chmodSync(`${dir}/open`, 0o777);
    Deno.mkdirSync(`${dir}/specs`);
    write(`${dir}/specs/good.json`, "a.com/x", ["0"], "good");
    write(`${dir}/specs/bad.json`, "a.com/x", ["1"], "bad");
    Deno.chmodSync(`${dir}/specs/bad.json`, 0o646);
    // Even a file the cache remembers as it is now is not taken from the cache.
    const cache = SpecCache.open(`${dir}/cache`, -1000); // every file settled
    if (typeof cache === "string") throw new Error(cache);
    const bad = JSON.parse(Deno.readTextFileSync(`${dir}/specs/bad.json`));
    cache.set(`${dir}/specs/bad.json`, Deno.statSync(`${dir}/specs/bad.json`), "a.com/x", bad);
    const reg = await loadRegistry([`${dir}/open`, `${dir}/specs`], new Set(["a.com/x"]), cache);
    assertEquals([...reg.devices.keys()], ["a.com/x=0"]);
    assertEquals(reg.problems, [
      `Ignoring CDI spec directory "${dir}/open": it is writable by group and others (mode 0777); ${FIX}`,
      `Ignoring CDI spec "${dir}/specs/bad.json": it is writable by others (mode 0646); ${FIX}`,
    ]);
  });
});

Deno.test("loadRegistry() ignores FIFOs, devices and huge files unread, even behind a link", async () => {
  await withTempDir(async (dir) => {
    write(`${dir}/good.json`, "a.com/x", ["0"], "good");
    new Deno.Command("mkfifo", { args: [`${dir}/fifo.yaml`] }).outputSync();
    Deno.symlinkSync("/dev/zero", `${dir}/zero.yaml`);
    Deno.symlinkSync(`${dir}/fifo.yaml`, `${dir}/to-fifo.json`);
    const huge = Deno.openSync(`${dir}/huge.json`, { write: true, create: true });
    huge.truncateSync(MAX_SPEC_BYTES + 1);
    huge.close();
    const reg = await loadRegistry([dir], undefined);
    assertEquals([...reg.devices.keys()], ["a.com/x=0"]);
    assertEquals(reg.problems, [
      `Ignoring CDI spec "${dir}/fifo.yaml": it is not a regular file`,
      `Ignoring CDI spec "${dir}/huge.json": it is larger than 16 MiB`,
      `Ignoring CDI spec "${dir}/to-fifo.json": it is not a regular file`,
      // Never opened: the character device is writable by others, which is looked at first.
      `Ignoring CDI spec "${dir}/zero.yaml": it is writable by group and others (mode 0666); ${FIX}`,
    ]);
  });
});
