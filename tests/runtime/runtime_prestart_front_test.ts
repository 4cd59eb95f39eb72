import { assertEquals } from "../assert.ts";
import { bin, configEnv, q, runBin, TESTDATA, withTempDir } from "../helpers.ts";
import { FAKE_RUNC, makeShimBundle } from "./shim.ts";
import { PRESTART_FRONT } from "../../src/modes/prestart_front.ts";

const FAKE_CLI = `${TESTDATA}/bin/fake-xpu-container-cli`;
const HOOK_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The shim's env: legacy mode, the fake runc and cli, the built hook, `runtime` TOML lines. */
function env(dir: string, runtime = ""): Record<string, string> {
  const toml = `[xpu-container-runtime]\nruntimes = [${q(FAKE_RUNC)}]\nmode = "legacy"\n` +
    `${runtime}\n[xpu-container-cli]\npath = ${q(FAKE_CLI)}\nenvironment = ["XPU_LOG=1"]\n` +
    `[xpu-container-runtime-hook]\npath = ${q(bin("xpu-container-runtime-hook"))}\n`;
  return { ...configEnv(`${dir}/xdg`, toml), FAKE_RUNC_LOG: `${dir}/runc.log` };
}

async function create(dir: string, bundle: string, id: string, runtime = "") {
  const out = await runBin("xpu-container-runtime", ["create", "--bundle", bundle, id], {
    env: env(dir, runtime),
  });
  assertEquals(out.code, 0, out.stderr);
  return JSON.parse(Deno.readTextFileSync(`${bundle}/config.json`)).hooks.prestart;
}

Deno.test("create in legacy mode injects the prestart front with the hook's cli call", async () => {
  await withTempDir(async (dir) => {
    const b = makeShimBundle(dir, ["CXPU_VISIBLE_DEVICES=1", "CXPU_DRIVER_CAPABILITIES=utility"]);
    const config = `${dir}/xdg/xpu-container-runtime/config.toml`;
    const hook = [HOOK_PATH, bin("xpu-container-runtime-hook"), "-config", config, "prestart"];
    const cli = [
      HOOK_PATH,
      "XPU_LOG=1",
      FAKE_CLI,
      "--load-kmods",
      "configure",
      "--ldconfig=@/sbin/ldconfig",
      "--device=1",
      "--utility",
    ];
    const front = (id: string) => ({
      path: "/bin/bash",
      args: [
        "xpu-container-runtime-hook",
        "-c",
        PRESTART_FRONT,
        "xpu-container-runtime-hook",
        id,
        "--pid=",
        String(hook.length),
        ...hook,
        String(cli.length),
        ...cli,
        `${b}/rootfs`,
      ],
      env: [HOOK_PATH],
    });
    assertEquals(await create(dir, b, "id1"), [front("id1")]);
    const first = Deno.readTextFileSync(`${b}/config.json`);
    await create(dir, b, "id1");
    assertEquals(Deno.readTextFileSync(`${b}/config.json`), first);
    // The same bundle for another container: its front, in place of the first.
    assertEquals(await create(dir, b, "id2"), [front("id2")]);
  });
});

Deno.test("create gives the hook binary, not the front, to a bundle it cannot compute", async () => {
  await withTempDir(async (dir) => {
    const b = makeShimBundle(dir, ["CXPU_VISIBLE_DEVICES=1"]);
    const config = `${dir}/xdg/xpu-container-runtime/config.toml`;
    const hookBinary = {
      path: bin("xpu-container-runtime-hook"),
      args: ["xpu-container-runtime-hook", "-config", config, "prestart"],
      env: [HOOK_PATH],
    };
    // The hook logs to the runtime's log file, which the front cannot do.
    assertEquals(await create(dir, b, "id1", `debug = ${q(`${dir}/log`)}`), [hookBinary]);
    // A front left by an earlier create goes; the hook binary's stays as it is.
    const c = makeShimBundle(`${dir}/c`, ["CXPU_VISIBLE_DEVICES=1"]);
    assertEquals((await create(dir, c, "id2"))[0].path, "/bin/bash");
    assertEquals(await create(dir, c, "id2", `debug = ${q(`${dir}/log`)}`), [hookBinary]);
  });
});
