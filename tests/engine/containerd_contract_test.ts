/**
 * `xpu-ctk runtime configure|unconfigure --runtime=containerd` keeps the engine contract: only
 * what configure added goes, imported files are read as strictly as config.toml, and what
 * containerd cannot load is refused by name, in one line. From the files, so that no
 * containerd is needed.
 * @module
 */

import { assertEquals } from "../assert.ts";
import { type Output, runBin, withTempDir } from "../helpers.ts";

const SHIM = "/usr/bin/xpu-container-runtime";

function ctk(action: string, config: string): Promise<Output> {
  return runBin("xpu-ctk", [
    "runtime",
    action,
    "--runtime=containerd",
    "--config-source=file",
    "--config",
    config,
    "--runtime-path",
    SHIM,
  ]);
}

function names(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}

Deno.test("runtime unconfigure --runtime=containerd keeps an imports entry the operator wrote: config.toml byte-identical, no .bak, no record", async () => {
  await withTempDir(async (dir) => {
    const config = `${dir}/config.toml`;
    const text = 'version = 2\nimports = ["conf.d/99-xpu.toml"]\n';
    Deno.writeTextFileSync(config, text);
    const out = await ctk("configure", config);
    assertEquals(out.code, 0, out.stderr);
    assertEquals(Deno.readTextFileSync(config), text);
    assertEquals(names(dir), ["conf.d", "config.toml"]);
    const undone = await ctk("unconfigure", config);
    assertEquals(undone.code, 0, undone.stderr);
    assertEquals(Deno.readTextFileSync(config), text);
    assertEquals(names(dir), ["conf.d", "config.toml"]);
    assertEquals(names(`${dir}/conf.d`), []);
    assertEquals(
      undone.stderr.split("\n")[1],
      `"${config}" still imports "${dir}/conf.d/99-xpu.toml", as it did before configure: ` +
        "containerd does not start until that file exists again or the entry goes",
    );
  });
});

Deno.test("runtime unconfigure --runtime=containerd still removes the entry configure added, next to the operator's", async () => {
  await withTempDir(async (dir) => {
    const config = `${dir}/config.toml`;
    const text = 'version = 2\nimports = ["site.toml"]\n';
    Deno.writeTextFileSync(config, text);
    Deno.writeTextFileSync(`${dir}/site.toml`, "version = 2\n");
    assertEquals((await ctk("configure", config)).code, 0);
    assertEquals(
      Deno.readTextFileSync(config),
      `version = 2\nimports = ["site.toml", "${dir}/conf.d/99-xpu.toml"]\n`,
    );
    assertEquals((await ctk("unconfigure", config)).code, 0);
    assertEquals(Deno.readTextFileSync(config), text);
    assertEquals(names(dir), ["conf.d", "config.toml", "site.toml"]);
  });
});

const encode = (text: string) => new TextEncoder().encode(text);
const SITE = 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "caf';
/** SITE with "é" as Latin-1: one byte 0xE9, which is not UTF-8. */
const LATIN1 = new Uint8Array([...encode(SITE), 0xe9, ...encode('"\n')]);

for (
  const [name, root, site, why] of [
    [
      "an imported file that is not UTF-8",
      'version = 2\nimports = ["site.toml"]\n',
      LATIN1,
      `"DIR/site.toml", imported by "DIR/config.toml", is not valid UTF-8 (byte 0xE9 at offset ${
        encode(SITE).length
      })`,
    ],
    [
      "a CRI plugin that is an integer",
      'version = 2\n[plugins]\n"io.containerd.grpc.v1.cri" = 5\n',
      undefined,
      'plugins."io.containerd.grpc.v1.cri" in "DIR/config.toml" is an integer, not a table; ' +
      "containerd cannot load it either",
    ],
    [
      "runc's options that are an integer, in an imported file",
      'version = 2\nimports = ["site.toml"]\n',
      encode(
        'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\noptions = 5\n',
      ),
      'plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options in "DIR/site.toml" ' +
      "is an integer, not a table; containerd cannot load it either",
    ],
    [
      "a version that is a string",
      'version = "2"\n',
      undefined,
      '"version" in "DIR/config.toml" is a string ("2"); containerd reads only an integer ' +
      "(version = 2)",
    ],
    [
      "imports that are an integer",
      "version = 2\nimports = 5\n",
      undefined,
      '"imports" in "DIR/config.toml" is an integer; containerd reads only a top-level array of ' +
      'file names (imports = ["/etc/containerd/conf.d/*.toml"]) and cannot load this file either',
    ],
  ] as const
) {
  Deno.test(`runtime configure --runtime=containerd refuses ${name}, in one line`, async () => {
    await withTempDir(async (dir) => {
      const config = `${dir}/config.toml`;
      Deno.writeTextFileSync(config, root);
      if (site) Deno.writeFileSync(`${dir}/site.toml`, site);
      const before = names(dir);
      const out = await ctk("configure", config);
      assertEquals(out.code, 1);
      assertEquals(
        out.stderr,
        `xpu-ctk: Cannot configure containerd: ${
          why.replaceAll("DIR", dir)
        }; it was left unchanged\n`,
      );
      assertEquals(Deno.readTextFileSync(config), root);
      assertEquals(names(dir), before);
    });
  });
}

Deno.test("runtime configure --runtime=containerd says once that a config.toml that is not UTF-8 was left unchanged", async () => {
  await withTempDir(async (dir) => {
    const config = `${dir}/config.toml`;
    Deno.writeFileSync(config, new Uint8Array([0x76, 0xff, 0x0a]));
    for (const action of ["configure", "unconfigure"]) {
      const out = await ctk(action, config);
      assertEquals(out.code, 1);
      assertEquals(
        out.stderr,
        `xpu-ctk: Cannot edit "${config}": it is not valid UTF-8 (byte 0xFF at offset 1); ` +
          "it was left unchanged\n",
      );
    }
    assertEquals(names(dir), ["config.toml"]);
  });
});

Deno.test("runtime configure --runtime=containerd edits a config.toml that starts with a byte-order mark, which containerd reads, and gives its bytes back", async () => {
  await withTempDir(async (dir) => {
    for (const text of ["\ufeffversion = 2\n", "\ufeff[plugins]\n"]) {
      const config = `${dir}/config.toml`;
      Deno.writeTextFileSync(config, text);
      const out = await ctk("configure", config);
      assertEquals(out.code, 0, out.stderr);
      assertEquals(Deno.readTextFileSync(config).startsWith("\ufeff"), true);
      assertEquals((await ctk("unconfigure", config)).code, 0);
      assertEquals(Deno.readTextFileSync(config), text);
      assertEquals(names(dir), ["conf.d", "config.toml"]);
    }
  });
});
