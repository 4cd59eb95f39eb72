import { assertEquals } from "../assert.ts";
import { runBin, withTempDir } from "../helpers.ts";
import { configureDocker, unconfigureDocker } from "../../src/engine/docker.ts";
import { apply, type EngineOptions } from "../../src/engine/engine.ts";

const SHIM = "/usr/bin/xpu-container-runtime";

/** `xpu-ctk runtime ACTION --runtime=docker --config FILE …`. */
function ctk(action: string, config: string, ...extra: string[]) {
  return runBin("xpu-ctk", [
    "runtime",
    action,
    "--runtime=docker",
    "--config",
    config,
    "--runtime-path",
    SHIM,
    ...extra,
  ]);
}

function names(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}

const CRUN = `{
  "default-runtime": "crun",
  "runtimes": {
    "crun": { "path": "/usr/bin/crun" }
  },
  "log-level": "info"
}
`;

Deno.test("runtime configure and unconfigure without --runtime mean Docker", async () => {
  await withTempDir(async (dir) => {
    const config = `${dir}/daemon.json`;
    const common = ["--config", config, "--runtime-path", SHIM];
    const plain = await runBin("xpu-ctk", ["runtime", "configure", ...common, "--dry-run"]);
    const docker = await ctk("configure", config, "--dry-run");
    assertEquals(plain.code, 0, plain.stderr);
    assertEquals(plain.stdout, docker.stdout);
    assertEquals(JSON.parse(plain.stdout.split("\n").slice(1).join("\n")).runtimes.xpu.path, SHIM);
    assertEquals(names(dir), []);
    assertEquals((await runBin("xpu-ctk", ["runtime", "configure", ...common])).code, 0);
    assertEquals((await runBin("xpu-ctk", ["runtime", "unconfigure", ...common])).code, 0);
    assertEquals(names(dir), []);
  });
});

Deno.test("runtime configure writes through a symlinked daemon.json: the link stays a link", async () => {
  await withTempDir(async (dir) => {
    Deno.mkdirSync(`${dir}/srv`);
    Deno.mkdirSync(`${dir}/etc`);
    Deno.writeTextFileSync(`${dir}/srv/daemon.json`, CRUN);
    Deno.symlinkSync("../srv/daemon.json", `${dir}/etc/daemon.json`);
    const out = await ctk("configure", `${dir}/etc/daemon.json`);
    assertEquals(out.code, 0, out.stderr);
    assertEquals(Deno.readLinkSync(`${dir}/etc/daemon.json`), "../srv/daemon.json");
    assertEquals(names(`${dir}/etc`), ["daemon.json"]);
    const doc = JSON.parse(Deno.readTextFileSync(`${dir}/srv/daemon.json`));
    assertEquals(doc.runtimes.xpu.path, SHIM);
    assertEquals(Deno.readTextFileSync(`${dir}/srv/daemon.json.bak`), CRUN);
    assertEquals((await ctk("unconfigure", `${dir}/etc/daemon.json`)).code, 0);
    assertEquals(Deno.readLinkSync(`${dir}/etc/daemon.json`), "../srv/daemon.json");
    assertEquals(Deno.readTextFileSync(`${dir}/srv/daemon.json`), CRUN);
  });
});

Deno.test("runtime configure refuses a daemon.json that is not UTF-8 and leaves it byte-identical", async () => {
  await withTempDir(async (dir) => {
    const config = `${dir}/daemon.json`;
    const bytes = new TextEncoder().encode('{"log-level": "warn", "labels": ["caf\u00e9=x"]}\n');
    bytes[bytes.indexOf(0xc3)] = 0xe9; // Latin-1 é
    Deno.writeFileSync(config, bytes);
    for (const extra of [[], ["--set-as-default"], ["--dry-run"]]) {
      const out = await ctk("configure", config, ...extra);
      assertEquals(out.code, 1);
      assertEquals(
        out.stderr,
        `xpu-ctk: Cannot edit "${config}": it is not valid UTF-8 (byte 0xE9 at offset 37); it was left unchanged\n`,
      );
    }
    assertEquals((await ctk("unconfigure", config)).code, 1);
    assertEquals(Deno.readFileSync(config), bytes);
    assertEquals(names(dir), ["daemon.json"]);
  });
});

Deno.test("runtime unconfigure gives back the default-runtime that --set-as-default replaced", async () => {
  await withTempDir(async (dir) => {
    const config = `${dir}/daemon.json`;
    Deno.writeTextFileSync(config, CRUN);
    assertEquals((await ctk("configure", config, "--set-as-default")).code, 0);
    assertEquals(JSON.parse(Deno.readTextFileSync(config))["default-runtime"], "xpu");
    assertEquals((await ctk("unconfigure", config)).code, 0);
    assertEquals(Deno.readTextFileSync(config), CRUN);
  });
});

Deno.test("runtime unconfigure keeps what the operator changed since, and still gives back crun", async () => {
  await withTempDir(async (dir) => {
    const config = `${dir}/daemon.json`;
    Deno.writeTextFileSync(config, CRUN);
    assertEquals((await ctk("configure", config, "--set-as-default")).code, 0);
    const edited = JSON.parse(Deno.readTextFileSync(config));
    edited.debug = true;
    Deno.writeTextFileSync(config, JSON.stringify(edited, null, 2));
    assertEquals((await ctk("unconfigure", config)).code, 0);
    assertEquals(JSON.parse(Deno.readTextFileSync(config)), {
      "default-runtime": "crun",
      runtimes: { crun: { path: "/usr/bin/crun" } },
      "log-level": "info",
      debug: true,
    });
  });
});

Deno.test("runtime configure twice, then unconfigure: the original bytes, and .bak never holds an edited file", async () => {
  await withTempDir(async (dir) => {
    const config = `${dir}/daemon.json`;
    Deno.writeTextFileSync(config, CRUN);
    assertEquals((await ctk("configure", config)).code, 0);
    assertEquals((await ctk("configure", config, "--set-as-default")).code, 0);
    assertEquals((await ctk("configure", config, "--runtime-name", "xpu2")).code, 0);
    assertEquals(Deno.readTextFileSync(`${config}.bak`), CRUN);
    assertEquals((await ctk("unconfigure", config, "--runtime-name", "xpu2")).code, 0);
    assertEquals((await ctk("unconfigure", config)).code, 0);
    assertEquals(Deno.readTextFileSync(config), CRUN);
    // The original is back: its backup goes with the record.
    assertEquals(names(dir), ["daemon.json"]);
    // A new round starts from the file as it is now.
    Deno.writeTextFileSync(config, "{}\n");
    assertEquals((await ctk("configure", config)).code, 0);
    assertEquals(Deno.readTextFileSync(`${config}.bak`), "{}\n");
  });
});

Deno.test("runtime configure on a missing daemon.json, then unconfigure: no file is left", async () => {
  await withTempDir(async (dir) => {
    const config = `${dir}/docker/daemon.json`;
    assertEquals((await ctk("configure", config, "--set-as-default")).code, 0);
    assertEquals((await ctk("configure", config, "--runtime-name", "xpu2")).code, 0);
    assertEquals(names(`${dir}/docker`), ["daemon.json", "daemon.json.xpu-ctk-original"]);
    assertEquals((await ctk("unconfigure", config)).code, 0);
    assertEquals(Object.keys(JSON.parse(Deno.readTextFileSync(config)).runtimes), ["xpu2"]);
    const out = await ctk("unconfigure", config, "--runtime-name", "xpu2");
    assertEquals(out.stderr.split("\n")[0], `xpu-ctk: removed ${config}`);
    assertEquals(names(`${dir}/docker`), []);
  });
});

Deno.test("runtime unconfigure --dry-run prints and writes nothing", async () => {
  await withTempDir(async (dir) => {
    const config = `${dir}/daemon.json`;
    Deno.writeTextFileSync(config, CRUN);
    assertEquals((await ctk("configure", config, "--set-as-default")).code, 0);
    const before = Deno.readTextFileSync(config);
    const out = await ctk("unconfigure", config, "--dry-run");
    assertEquals(out.stdout, `==> ${config} <==\n${CRUN}`);
    assertEquals(Deno.readTextFileSync(config), before);
  });
});

Deno.test("20 concurrent runtime configure calls on one daemon.json keep all 20 runtimes", async () => {
  await withTempDir(async (dir) => {
    const config = `${dir}/daemon.json`;
    Deno.writeTextFileSync(config, CRUN);
    const outs = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        runBin("xpu-ctk", [
          "runtime",
          "configure",
          "--runtime=docker",
          "--config",
          config,
          "--runtime-name",
          `xpu${i}`,
          "--runtime-path",
          SHIM,
        ])),
    );
    for (const out of outs) assertEquals(out.code, 0, out.stderr);
    const doc = JSON.parse(Deno.readTextFileSync(config));
    assertEquals(
      Object.keys(doc.runtimes).sort(),
      ["crun", ...Array.from({ length: 20 }, (_, i) => `xpu${i}`)].sort(),
    );
    assertEquals(Deno.readTextFileSync(`${config}.bak`), CRUN);
    // And as many unconfigures, at once, give the original back.
    const undo = await Promise.all(
      Array.from({ length: 20 }, (_, i) => ctk("unconfigure", config, "--runtime-name", `xpu${i}`)),
    );
    for (const out of undo) assertEquals(out.code, 0, out.stderr);
    assertEquals(Deno.readTextFileSync(config), CRUN);
  });
});

Deno.test("configureDocker() and unconfigureDocker() through apply(): crun back, exact bytes", async () => {
  await withTempDir((dir) => {
    const o: EngineOptions = {
      config: `${dir}/daemon.json`,
      runtimeName: "xpu",
      runtimePath: SHIM,
      setAsDefault: true,
    };
    Deno.writeTextFileSync(o.config, CRUN);
    const configured = apply(o.config, () => configureDocker(o));
    assertEquals(configured.done.length, 2);
    assertEquals(apply(o.config, () => configureDocker(o)).done, []);
    apply(o.config, () => unconfigureDocker(o));
    assertEquals(Deno.readTextFileSync(o.config), CRUN);
  });
});

Deno.test("runtime unconfigure leaves a daemon.json without the runtime byte-identical: no .bak, no record, duplicates kept", async () => {
  await withTempDir(async (dir) => {
    const config = `${dir}/daemon.json`;
    const text = '{\n  "log-level": "warn",\n  "log-level": "info",\n' +
      '  "runtimes": {"runc2": {"path": "/r"}},\n  "default-runtime": "runc2"\n}\n';
    Deno.writeTextFileSync(config, text);
    for (let i = 0; i < 2; i++) {
      const out = await ctk("unconfigure", config);
      assertEquals(out.code, 0, out.stderr);
      assertEquals(out.stderr, "xpu-ctk: nothing to change\n");
      assertEquals(Deno.readTextFileSync(config), text);
      assertEquals(names(dir), ["daemon.json"]);
    }
  });
});

Deno.test('runtime configure then unconfigure on {"runtimes": null} gives the bytes back and leaves no record', async () => {
  await withTempDir(async (dir) => {
    const config = `${dir}/daemon.json`;
    const text = '{"runtimes": null}\n';
    Deno.writeTextFileSync(config, text);
    assertEquals((await ctk("configure", config)).code, 0);
    assertEquals(JSON.parse(Deno.readTextFileSync(config)).runtimes.xpu.path, SHIM);
    const out = await ctk("unconfigure", config);
    assertEquals(out.code, 0, out.stderr);
    assertEquals(Deno.readTextFileSync(config), text);
    assertEquals(names(dir), ["daemon.json"]);
  });
});

for (
  const [name, bytes, why] of [
    [
      "a syntax error, on one line with its line and column",
      '{\n  "a": 1,\n  "b": x\n}\n',
      'is not valid JSON (line 3, column 8: unexpected "x")',
    ],
    [
      "a trailing comma",
      '{"a": 1,}',
      'is not valid JSON (line 1, column 9: expected a property name in double quotes, not "}")',
    ],
    [
      "a byte-order mark, named rather than shown",
      "\ufeff{}\n",
      "starts with a byte-order mark (U+FEFF), which JSON does not allow",
    ],
  ] as const
) {
  Deno.test(`runtime configure refuses a daemon.json with ${name}`, async () => {
    await withTempDir(async (dir) => {
      const config = `${dir}/daemon.json`;
      Deno.writeTextFileSync(config, bytes);
      for (const action of ["configure", "unconfigure"]) {
        const out = await ctk(action, config);
        assertEquals(out.code, 1, action);
        assertEquals(
          out.stderr,
          `xpu-ctk: Cannot ${action} Docker: "${config}" ${why}; it was left unchanged\n`,
        );
      }
      assertEquals(Deno.readTextFileSync(config), bytes);
      assertEquals(names(dir), ["daemon.json"]);
    });
  });
}
