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
