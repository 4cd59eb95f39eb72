import { assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import { bin, q, rootOnly, runBin, TESTDATA, withTempDir } from "../helpers.ts";
import { makeDriverRoot, mknod, XPU_MAJOR } from "../e2e/driver.ts";

const ignore = rootOnly("mknod");

/** A driver root with two XPUs, the control node, the library (+ link) and xpu_smi. */
function driver(dir: string): string {
  const root = makeDriverRoot(`${dir}/driver`);
  Deno.mkdirSync(`${root}/usr/local/xpu/bin`, { recursive: true });
  Deno.writeTextFileSync(`${root}/usr/local/xpu/bin/xpu_smi`, "#!/bin/sh\n");
  return root;
}

/** `xpu-ctk cdi generate --format json` for `root`, with the config of `xdg` (may not exist). */
function generateJson(root: string, xdg: string) {
  return runBin("xpu-ctk", ["cdi", "generate", "--driver-root", root, "--format", "json"], {
    env: { XDG_CONFIG_HOME: xdg },
  });
}

function normalise(text: string, dir: string): string {
  return text.replaceAll(dir, "<tmp>").replaceAll(bin("xpu-ctk"), "<xpu-ctk>");
}

for (const format of ["yaml", "json"]) {
  Deno.test({
    name: `xpu-ctk cdi generate --format ${format} matches the golden file`,
    ignore,
    fn: async () => {
      await withTempDir(async (dir) => {
        const root = driver(dir);
        const out = await runBin("xpu-ctk", [
          "cdi",
          "generate",
          "--driver-root",
          root,
          "--from",
          "devices",
          "--format",
          format,
        ]);
        assertEquals(out.code, 0, out.stderr);
        const golden = `${TESTDATA}/golden/cdi-generate.${format}`;
        if (Deno.env.get("UPDATE_GOLDEN")) {
          Deno.writeTextFileSync(golden, normalise(out.stdout, dir));
        }
        assertEquals(normalise(out.stdout, dir), Deno.readTextFileSync(golden));
      });
    },
  });
}

Deno.test({
  name: "xpu-ctk cdi generate --output writes 0644 atomically and the result validates",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const root = driver(dir);
      Deno.mkdirSync(`${dir}/cdi`);
      const out = await runBin("xpu-ctk", [
        "cdi",
        "generate",
        "--driver-root",
        root,
        "-o",
        `${dir}/cdi/xpu.yaml`,
      ], {
        env: { XDG_CONFIG_HOME: `${dir}/none` },
      });
      assertEquals(out.code, 0, out.stderr);
      assertEquals(
        out.stderr,
        `xpu-ctk: wrote ${dir}/cdi/xpu.yaml (cdiVersion 0.5.0, 3 devices)\n`,
      );
      assertEquals((Deno.statSync(`${dir}/cdi/xpu.yaml`).mode ?? 0) & 0o777, 0o644);
      assertEquals([...Deno.readDirSync(`${dir}/cdi`)].map((e) => e.name), ["xpu.yaml"]);
      const v = await runBin("xpu-ctk", ["cdi", "validate", `${dir}/cdi/xpu.yaml`]);
      assertEquals(v, {
        code: 0,
        stdout: `${dir}/cdi/xpu.yaml: valid (cdiVersion 0.5.0, 3 devices)\n`,
        stderr: "",
      });
      const list = await runBin("xpu-ctk", ["cdi", "list", "--spec-dir", `${dir}/cdi`]);
      assertEquals(list.stdout.split("\n").filter(Boolean).map((l) => l.split(/\s+/)[0]), [
        "kunlunxin.com/xpu=0",
        "kunlunxin.com/xpu=1",
        "kunlunxin.com/xpu=all",
      ]);
      assertStringIncludes(list.stdout, `${dir}/cdi/xpu.yaml`);
    });
  },
});

Deno.test({
  name: "xpu-ctk cdi generate --from csv takes the libraries from the CSV specs",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const root = driver(dir);
      Deno.mkdirSync(`${dir}/csv`);
      Deno.writeTextFileSync(
        `${dir}/csv/x.csv`,
        "lib, /usr/local/xpu/lib64/libxpuml.so.1\ndev, /dev/xpu0\n",
      );
      Deno.mkdirSync(`${dir}/xdg/xpu-container-runtime`, { recursive: true });
      Deno.writeTextFileSync(
        `${dir}/xdg/xpu-container-runtime/config.toml`,
        `[xpu-container-runtime.modes.csv]\nmount-spec-path = ${q(`${dir}/csv`)}\n`,
      );
      const out = await generateJson(root, `${dir}/xdg`);
      assertEquals(out.code, 0, out.stderr);
      const spec = JSON.parse(out.stdout);
      assertEquals(
        spec.containerEdits.mounts.map((m: { containerPath: string }) => m.containerPath),
        [
          "/usr/local/xpu/lib64/libxpuml.so.1.2.3",
        ],
      );
      assertEquals(spec.containerEdits.hooks.length, 1);
      assertEquals(spec.containerEdits.hooks[0].args.slice(2, 4), ["update-ldcache", "--config"]);
    });
  },
});

Deno.test("xpu-ctk cdi validate prints one line per problem and exits 1", async () => {
  const dir = `${TESTDATA}/cdi/conformance`;
  const out = await runBin("xpu-ctk", [
    "cdi",
    "validate",
    `${dir}/valid-minimal.yaml`,
    `${dir}/bad-node-type.yaml`,
    `${dir}/bad-hook-name.yaml`,
  ]);
  assertEquals(out.code, 1);
  assertEquals(out.stdout.split("\n").filter(Boolean), [
    `${dir}/valid-minimal.yaml: valid (cdiVersion 0.3.0, 1 devices)`,
    `${dir}/bad-node-type.yaml: devices[0].containerEdits.deviceNodes[0].type: "x" is not a device type (b, c, u or p)`,
    `${dir}/bad-hook-name.yaml: devices[0].containerEdits.hooks[0].hookName: "preStart" is not an OCI hook (prestart, createRuntime, createContainer, startContainer, poststart, poststop)`,
  ]);
});

for (
  const [args, message] of [
    [["cdi", "generate", "--format", "xml"], "--format must be yaml or json"],
    [["cdi", "generate", "--from", "nowhere"], "--from must be csv or devices"],
    [
      ["cdi", "generate", "--kind", "nokind"],
      'Invalid --kind: kind "nokind" is not of the form vendor/class',
    ],
    [["cdi", "frobnicate"], 'Unknown command "frobnicate"'],
  ] as const
) {
  Deno.test(`xpu-ctk ${args.join(" ")} is a usage error`, async () => {
    const out = await runBin("xpu-ctk", [...args]);
    assertEquals(out.code, 2);
    assertMatch(out.stderr, new RegExp(message.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  });
}

Deno.test({
  name: "xpu-ctk cdi generate: the format follows --output's extension, --dev-root holds dev/",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const root = driver(dir);
      // Device nodes elsewhere than the driver root, as in a driver container.
      Deno.mkdirSync(`${dir}/devhost`);
      Deno.renameSync(`${root}/dev`, `${dir}/devhost/dev`);
      const env = { XDG_CONFIG_HOME: `${dir}/none` };
      const args = ["cdi", "generate", "--driver-root", root, "--dev-root", `${dir}/devhost`];
      const json = await runBin("xpu-ctk", [...args, "-o", `${dir}/xpu.json`], { env });
      assertEquals(json.code, 0, json.stderr);
      const spec = JSON.parse(Deno.readTextFileSync(`${dir}/xpu.json`));
      assertEquals(
        spec.devices[0].containerEdits.deviceNodes[0].hostPath,
        `${dir}/devhost/dev/xpu0`,
      );
      const forced = await runBin("xpu-ctk", [...args, "-o", `${dir}/x.json`, "--format", "yaml"], {
        env,
      });
      assertEquals(forced.code, 0, forced.stderr);
      assertMatch(Deno.readTextFileSync(`${dir}/x.json`), /^cdiVersion: /);
    });
  },
});

Deno.test({
  name: "xpu-ctk cdi generate finding no device is an error, and writes nothing",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const root = driver(dir);
      const out = await runBin("xpu-ctk", [
        "cdi",
        "generate",
        "--driver-root",
        root,
        "--dev-root",
        `${dir}/nowhere`,
        "-o",
        `${dir}/xpu.yaml`,
      ], { env: { XDG_CONFIG_HOME: `${dir}/none` } });
      assertEquals(out, {
        code: 1,
        stdout: "",
        stderr:
          `xpu-ctk: No /dev/xpu<N> device nodes under "${dir}/nowhere/dev"; nothing written (see --dev-root and --driver-root)\n`,
      });
      assertEquals([...Deno.readDirSync(dir)].some((e) => e.name === "xpu.yaml"), false);
    });
  },
});

Deno.test({
  name: "xpu-ctk cdi generate makes devices of /dev/xpu<N> nodes only as the driver names them",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const root = driver(dir);
      // Not an XPU's node: a leading zero, a sign, an index past 2^20 - 1, a regular file.
      mknod(`${root}/dev/xpu01`, XPU_MAJOR, 101);
      mknod(`${root}/dev/xpu-1`, XPU_MAJOR, 102);
      mknod(`${root}/dev/xpu4294967296`, XPU_MAJOR, 103);
      Deno.writeTextFileSync(`${root}/dev/xpu2`, "");
      const out = await generateJson(root, `${dir}/none`);
      assertEquals(out.code, 0, out.stderr);
      const spec = JSON.parse(out.stdout);
      const nodes = (d: { containerEdits: { deviceNodes: { hostPath: string }[] } }) =>
        d.containerEdits.deviceNodes.map((n) => n.hostPath.slice(root.length));
      assertEquals(
        spec.devices.map((d: { name: string }) => d.name),
        ["0", "1", "all"],
      );
      assertEquals(nodes(spec.devices[2]), ["/dev/xpu0", "/dev/xpu1"]);
    });
  },
});
