import { assertEquals, assertStringIncludes } from "../assert.ts";
import { runBin, withTempDir } from "../helpers.ts";
import { parseToml } from "../../src/config/toml.ts";

function ctk(args: string[]) {
  return runBin("xpu-ctk", ["runtime", ...args]);
}

Deno.test("runtime configure --runtime=crio writes a drop-in CRI-O merges per key, and only its own", async () => {
  await withTempDir(async (dir) => {
    const config = `${dir}/crio.conf`;
    const dropIn = `${dir}/crio.conf.d/99-xpu.conf`;
    const args = ["--runtime=crio", "--config", config, "--runtime-path", "/usr/bin/xpu-rt"];
    const out = await ctk(["configure", ...args, "--set-as-default"]);
    assertEquals(out.code, 0, out.stderr);
    // crio.conf.d files merge key by key: the drop-in names only the keys it sets.
    assertEquals(JSON.parse(JSON.stringify(parseToml(Deno.readTextFileSync(dropIn), dropIn))), {
      crio: {
        runtime: {
          default_runtime: "xpu",
          runtimes: {
            xpu: { runtime_path: "/usr/bin/xpu-rt", runtime_type: "oci", runtime_root: "/run/xpu" },
          },
        },
      },
    });
    assertEquals((await ctk(["unconfigure", ...args])).code, 0);
    assertEquals([...Deno.readDirSync(`${dir}/crio.conf.d`)].map((e) => e.name), []);

    // An operator's file at that path is neither replaced nor removed.
    Deno.writeTextFileSync(dropIn, '[crio.runtime]\nlog_level = "debug"\n');
    for (const action of ["configure", "unconfigure"]) {
      const refused = await ctk([action, ...args]);
      assertEquals(refused.code, 1, action);
      assertStringIncludes(
        refused.stderr,
        `"${dropIn}" was not written by xpu-ctk runtime configure`,
      );
      assertEquals(Deno.readTextFileSync(dropIn), '[crio.runtime]\nlog_level = "debug"\n');
    }
  });
});

Deno.test("runtime configure --runtime=crio writes valid TOML for any name and path: x.y stays one key, DEL and control characters are escaped", async () => {
  await withTempDir(async (dir) => {
    const path = "/opt/xpu\x7f/run\x01time";
    const out = await ctk([
      "configure",
      "--runtime=crio",
      "--config",
      `${dir}/crio.conf`,
      "--runtime-name",
      "x.y",
      "--runtime-path",
      path,
    ]);
    assertEquals(out.code, 0, out.stderr);
    const dropIn = `${dir}/crio.conf.d/99-x.y.conf`;
    const doc = parseToml(Deno.readTextFileSync(dropIn), dropIn) as {
      crio: { runtime: { runtimes: Record<string, unknown> } };
    };
    assertEquals(JSON.parse(JSON.stringify(doc.crio.runtime.runtimes)), {
      "x.y": { runtime_path: path, runtime_type: "oci", runtime_root: "/run/x.y" },
    });
  });
});

Deno.test("runtime configure --runtime=crio replaces only a file whose first line is the marker, not one that quotes it later", async () => {
  await withTempDir(async (dir) => {
    const dropIn = `${dir}/crio.conf.d/99-xpu.conf`;
    const text = '[crio.runtime]\nnote = """\n# Written by xpu-ctk runtime configure\n"""\n';
    Deno.mkdirSync(`${dir}/crio.conf.d`);
    Deno.writeTextFileSync(dropIn, text);
    for (const action of ["configure", "unconfigure"]) {
      const out = await ctk([action, "--runtime=crio", "--config", `${dir}/crio.conf`]);
      assertEquals(out.code, 1, action);
      assertStringIncludes(out.stderr, `"${dropIn}" was not written by xpu-ctk runtime configure`);
      assertEquals(Deno.readTextFileSync(dropIn), text);
    }
    assertEquals([...Deno.readDirSync(`${dir}/crio.conf.d`)].map((e) => e.name), ["99-xpu.conf"]);
  });
});
