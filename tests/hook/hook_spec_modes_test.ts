import { assertEquals } from "../assert.ts";
import { bin, configEnv, q, runBin, withTempDir } from "../helpers.ts";

const HOOK = "xpu-container-runtime-hook";

interface Host {
  bundle: string;
  env: Record<string, string>;
}

/**
 * A host without xpu-container-cli whose CSV specs make auto mode csv, and a bundle whose spec
 * has `env` and `linuxDevices`. Nothing is run: the hook decides before it would call a cli.
 */
function csvHost(
  dir: string,
  env: readonly string[],
  opts: { toml?: string; linuxDevices?: unknown[] } = {},
): Host {
  Deno.mkdirSync(`${dir}/csv`);
  Deno.writeTextFileSync(`${dir}/csv/x.csv`, "dev, /dev/xpu0\n");
  const bundle = `${dir}/bundle`;
  Deno.mkdirSync(`${bundle}/rootfs`, { recursive: true });
  const spec: Record<string, unknown> = {
    ociVersion: "1.0.2",
    root: { path: "rootfs" },
    process: { env: [...env] },
  };
  if (opts.linuxDevices) spec.linux = { devices: opts.linuxDevices };
  Deno.writeTextFileSync(`${bundle}/config.json`, JSON.stringify(spec));
  return {
    bundle,
    env: configEnv(
      `${dir}/xdg`,
      `[xpu-container-cli]\npath = ${q(`${dir}/no-cli`)}\n` +
        `[xpu-container-runtime.modes.csv]\nmount-spec-path = ${q(`${dir}/csv`)}\n${
          opts.toml ?? ""
        }`,
    ),
  };
}

function prestart(host: Host) {
  return runBin(HOOK, ["prestart"], {
    env: host.env,
    stdin: JSON.stringify({ ociVersion: "1.0.2", id: "c", pid: Deno.pid, bundle: host.bundle }),
  });
}

const SHIM = () => bin("xpu-container-runtime");

for (
  const [name, env, toml, why, device] of [
    [
      "a host that needs csv mode",
      ["CXPU_VISIBLE_DEVICES=1"],
      "",
      "This host needs csv mode",
      "kunlunxin.com/xpu=1",
    ],
    [
      "a configured csv mode",
      ["CXPU_VISIBLE_DEVICES=all"],
      `[xpu-container-runtime]\nmode = "csv"\n`,
      `Mode "csv" is configured`,
      "kunlunxin.com/xpu=all",
    ],
    [
      "a CDI device request",
      ["CXPU_VISIBLE_DEVICES=kunlunxin.com/xpu=0"],
      "",
      "This container needs cdi mode",
      "kunlunxin.com/xpu=0",
    ],
  ] as const
) {
  Deno.test(`the prestart hook without the shim fails on ${name} with one line naming --runtime and CDI`, async () => {
    await withTempDir(async (dir) => {
      const out = await prestart(csvHost(dir, env, { toml }));
      assertEquals(out.code, 1);
      assertEquals(out.stdout, "");
      assertEquals(
        out.stderr,
        `${HOOK}: prestart: ${why}, which a hook cannot carry out: run podman with --runtime ` +
          `${SHIM()} or use CDI (--device ${device})\n`,
      );
    });
  });
}

Deno.test("the prestart hook on a csv host exits 0 silently for a container that asks for no XPU", async () => {
  await withTempDir(async (dir) => {
    const out = await prestart(csvHost(dir, ["PATH=/bin"]));
    assertEquals([out.code, out.stdout, out.stderr], [0, "", ""]);
  });
});

Deno.test("the prestart hook on a csv host exits 0 silently when the engine's CDI already gave the devices", async () => {
  await withTempDir(async (dir) => {
    const out = await prestart(
      csvHost(dir, ["CXPU_VISIBLE_DEVICES=0"], {
        linuxDevices: [{ path: "/dev/xpu0", type: "c", major: 240, minor: 0 }],
      }),
    );
    assertEquals([out.code, out.stdout, out.stderr], [0, "", ""]);
  });
});
