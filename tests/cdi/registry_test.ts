import { assertEquals, assertMatch } from "../assert.ts";
import { loadRegistry } from "../../src/cdi/registry.ts";
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
