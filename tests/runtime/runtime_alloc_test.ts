import { assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import { digests, q, rootOnly, runBin, TESTDATA, withTempDir } from "../helpers.ts";
import { makeDriverRoot } from "../e2e/driver.ts";
import { configEnv } from "../helpers.ts";
import { processStart } from "../../src/alloc/liveness.ts";

const ignore = rootOnly("mknod");
const FAKE_RUNC = `${TESTDATA}/bin/fake-runc`;
const RUNC_SPEC = Deno.readTextFileSync(`${TESTDATA}/bundles/runc-spec.json`);

/** A csv host of two devices whose allocation state is in `<dir>/alloc`; the shim's env. */
function host(dir: string, toml = ""): Record<string, string> {
  const driver = makeDriverRoot(`${dir}/driver`);
  Deno.mkdirSync(`${dir}/csv`);
  Deno.writeTextFileSync(`${dir}/csv/x.csv`, "dev, /dev/xpu0\ndev, /dev/xpu1\n");
  return configEnv(
    `${dir}/xdg`,
    `[xpu-container-cli]\nroot = ${q(driver)}\n` +
      `[xpu-container-runtime]\nruntimes = [${q(FAKE_RUNC)}]\nmode = "csv"\n` +
      `[xpu-container-runtime.modes.csv]\nmount-spec-path = ${q(`${dir}/csv`)}\n` +
      `[xpu-allocator]\nstate-dir = ${q(`${dir}/alloc`)}\n${toml}`,
  );
}

function bundle(dir: string, id: string, env: string[]): string {
  const b = `${dir}/${id}`;
  Deno.mkdirSync(b);
  const spec = JSON.parse(RUNC_SPEC);
  spec.process.env.push(...env);
  Deno.writeTextFileSync(`${b}/config.json`, JSON.stringify(spec, null, "\t"));
  return b;
}

/** Creates container `id` through the shim (the fake runc creates nothing). */
function create(dir: string, env: Record<string, string>, id: string, vars: string[]) {
  return runBin("xpu-container-runtime", [
    "--root",
    `${dir}/runc`,
    "create",
    "--bundle",
    bundle(dir, id, vars),
    id,
  ], { env });
}

/** Records container `id` as running in runc's state, as runc would (this process as its init). */
function running(dir: string, id: string): void {
  Deno.mkdirSync(`${dir}/runc/${id}`, { recursive: true });
  Deno.writeTextFileSync(
    `${dir}/runc/${id}/state.json`,
    JSON.stringify({
      init_process_pid: Deno.pid,
      init_process_start: Number(processStart(Deno.pid)),
    }),
  );
}

function readOrEmpty(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return "";
  }
}

function specOf(dir: string, id: string) {
  const spec = JSON.parse(Deno.readTextFileSync(`${dir}/${id}/config.json`));
  return {
    visible: (spec.process.env as string[]).filter((e) => e.startsWith("CXPU_VISIBLE_DEVICES=")),
    devices: ((spec.linux?.devices ?? []) as { path: string }[]).map((d) => d.path),
    poststop: ((spec.hooks?.poststop ?? []) as { args: string[] }[]).map((h) => h.args.slice(-2)),
  };
}

function poststop(dir: string, env: Record<string, string>, id: string) {
  return runBin("xpu-container-runtime-hook", ["poststop", id], {
    env,
    stdin: JSON.stringify({
      ociVersion: "1.0.2",
      id,
      pid: 1,
      status: "stopped",
      bundle: `${dir}/${id}`,
    }),
  });
}

Deno.test({
  name:
    "CXPU_DEVICE_COUNT=1 on two devices: two containers get different ones, the third fails naming the holders, and gets one after a poststop",
  ignore,
  fn: () =>
    withTempDir(async (dir) => {
      const env = host(dir);
      for (const id of ["c1", "c2"]) {
        const out = await create(dir, env, id, ["CXPU_DEVICE_COUNT=1"]);
        assertEquals(out.code, 0, out.stderr);
        running(dir, id);
      }
      assertEquals(specOf(dir, "c1"), {
        visible: ["CXPU_VISIBLE_DEVICES=0"],
        devices: ["/dev/xpu0"],
        poststop: [["poststop", "c1"]],
      });
      assertEquals(specOf(dir, "c2").visible, ["CXPU_VISIBLE_DEVICES=1"]);
      assertEquals(specOf(dir, "c2").devices, ["/dev/xpu1"]);
      const third = await create(dir, env, "c3", ["CXPU_DEVICE_COUNT=1"]);
      assertEquals(third.code, 1);
      assertMatch(
        third.stderr,
        /^xpu-container-runtime: No XPU free: 1 requested, 0 free \(xpu0 held by c1 since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ; xpu1 held by c2 since [^)]+\)\n$/,
      );
      const hook = await poststop(dir, env, "c1");
      assertEquals(hook.code, 0, hook.stderr);
      Deno.removeSync(`${dir}/c3`, { recursive: true });
      const again = await create(dir, env, "c3", ["CXPU_DEVICE_COUNT=1"]);
      assertEquals(again.code, 0, again.stderr);
      assertEquals(specOf(dir, "c3").visible, ["CXPU_VISIBLE_DEVICES=0"]);
    }),
});

Deno.test({
  name: "CXPU_ALLOCATION_WAIT: a create waits until a holder's container is gone",
  ignore,
  fn: () =>
    withTempDir(async (dir) => {
      const env = host(dir);
      for (const id of ["c1", "c2"]) {
        assertEquals((await create(dir, env, id, ["CXPU_DEVICE_COUNT=1"])).code, 0);
        running(dir, id);
      }
      const toml = `${dir}/xdg/xpu-container-runtime/config.toml`;
      Deno.writeTextFileSync(
        toml,
        Deno.readTextFileSync(toml).replace(
          'mode = "csv"',
          `mode = "csv"\ndebug = ${q(`${dir}/shim.log`)}`,
        ),
      );
      const waiting = create(dir, env, "c3", ["CXPU_DEVICE_COUNT=1", "CXPU_ALLOCATION_WAIT=60s"]);
      while (!readOrEmpty(`${dir}/shim.log`).includes("waiting up to 60 s")) {
        await new Promise((r) => setTimeout(r, 50));
      }
      // The engine deletes c2 without running its poststop hook (kill -9, an engine that skips it).
      Deno.removeSync(`${dir}/runc/c2`, { recursive: true });
      const out = await waiting;
      assertEquals(out.code, 0, out.stderr);
      assertEquals(specOf(dir, "c3").visible, ["CXPU_VISIBLE_DEVICES=1"]);
    }),
});

Deno.test({
  name:
    "an explicit CXPU_VISIBLE_DEVICES list is recorded as held where allocation is in use: a count avoids it",
  ignore,
  fn: () =>
    withTempDir(async (dir) => {
      const env = host(dir);
      // Before the host uses allocation, nothing is recorded.
      assertEquals((await create(dir, env, "early", ["CXPU_VISIBLE_DEVICES=1"])).code, 0);
      running(dir, "early");
      assertEquals([...Deno.readDirSync(dir)].some((e) => e.name === "alloc"), false);
      Deno.mkdirSync(`${dir}/alloc`);
      assertEquals((await create(dir, env, "x", ["CXPU_VISIBLE_DEVICES=0"])).code, 0);
      running(dir, "x");
      // Recorded only: no release hook, reconcile frees it.
      assertEquals(specOf(dir, "x").poststop, []);
      const out = await create(dir, env, "c1", ["CXPU_DEVICE_COUNT=1"]);
      assertEquals(out.code, 0, out.stderr);
      assertEquals(specOf(dir, "c1").visible, ["CXPU_VISIBLE_DEVICES=1"]);
    }),
});

Deno.test({
  name:
    "an explicit list out of order or repeated is recorded ascending: later creates can still read the state",
  ignore,
  fn: () =>
    withTempDir(async (dir) => {
      const env = host(dir);
      Deno.mkdirSync(`${dir}/alloc`);
      const out = await create(dir, env, "x", ["CXPU_VISIBLE_DEVICES=1,0,1"]);
      assertEquals(out.code, 0, out.stderr);
      running(dir, "x");
      const state = JSON.parse(Deno.readTextFileSync(`${dir}/alloc/state.json`));
      assertEquals(state.entries[0].devices, [0, 1]);
      const count = await create(dir, env, "c1", ["CXPU_DEVICE_COUNT=1"]);
      assertEquals(count.code, 1);
      assertStringIncludes(count.stderr, "No XPU free: 1 requested, 0 free (xpu0 held by x since");
    }),
});

Deno.test({
  name: "a container that asks for no XPU never touches the allocation state",
  ignore,
  fn: () =>
    withTempDir(async (dir) => {
      const env = host(dir);
      const out = await create(dir, env, "plain", []);
      assertEquals(out.code, 0, out.stderr);
      assertEquals([...Deno.readDirSync(dir)].some((e) => e.name === "alloc"), false);
    }),
});

Deno.test({
  name: "a bad allocation variable fails the create naming it, the spec left byte-identical",
  ignore,
  fn: () =>
    withTempDir(async (dir) => {
      const env = host(dir);
      const b = bundle(dir, "bad", ["CXPU_DEVICE_COUNT=two"]);
      const before = await digests([`${b}/config.json`]);
      const out = await runBin("xpu-container-runtime", ["create", "--bundle", b, "bad"], { env });
      assertEquals(out.code, 1);
      assertStringIncludes(
        out.stderr,
        'Invalid CXPU_DEVICE_COUNT "two": expected a number of devices, 1 to 1024',
      );
      assertEquals(await digests([`${b}/config.json`]), before);
    }),
});

Deno.test({
  name: "packing by memory: containers share a device while their limits fit its memory",
  ignore,
  fn: () =>
    withTempDir(async (dir) => {
      // legacy mode: the instance hooks need no cli at create.
      const env = host(dir, 'device-memory = "16g"\n');
      const toml = `${dir}/xdg/xpu-container-runtime/config.toml`;
      Deno.writeTextFileSync(
        toml,
        Deno.readTextFileSync(toml).replace('mode = "csv"', 'mode = "legacy"'),
      );
      const got: string[] = [];
      for (const id of ["m1", "m2", "m3"]) {
        const out = await create(dir, env, id, [
          "CXPU_DEVICE_COUNT=1",
          "CXPU_CONTAINER_MEMORY_LIMIT=8g",
        ]);
        assertEquals(out.code, 0, out.stderr);
        running(dir, id);
        got.push(...specOf(dir, id).visible);
      }
      assertEquals(got, [
        "CXPU_VISIBLE_DEVICES=0",
        "CXPU_VISIBLE_DEVICES=0",
        "CXPU_VISIBLE_DEVICES=1",
      ]);
      const full = await create(dir, env, "m4", [
        "CXPU_DEVICE_COUNT=2",
        "CXPU_CONTAINER_MEMORY_LIMIT=9g",
      ]);
      assertEquals(full.code, 1);
      assertStringIncludes(
        full.stderr,
        "No XPU free: 2 requested with 9 GiB each, 0 free (xpu0 held by m1 since ",
      );
      assertStringIncludes(full.stderr, "(16 GiB of 16 GiB used); xpu1 held by m3 since ");
    }),
});

Deno.test({
  name: "CXPU_MOUNT_DEVICE_LOCKS=1 mounts the chosen devices' lock files read-only",
  ignore,
  fn: () =>
    withTempDir(async (dir) => {
      const env = host(dir);
      const out = await create(dir, env, "l1", [
        "CXPU_DEVICE_COUNT=1",
        "CXPU_MOUNT_DEVICE_LOCKS=1",
      ]);
      assertEquals(out.code, 0, out.stderr);
      const spec = JSON.parse(Deno.readTextFileSync(`${dir}/l1/config.json`));
      const locks = (spec.mounts as Record<string, unknown>[]).filter((m) =>
        String(m.destination).startsWith("/run/xpu-container-toolkit/locks/")
      );
      assertEquals(locks, [{
        destination: "/run/xpu-container-toolkit/locks/xpu0.lock",
        type: "bind",
        source: `${dir}/alloc/locks/xpu0.lock`,
        options: ["bind", "ro", "nosuid", "nodev", "noexec"],
      }]);
      assertEquals(Deno.lstatSync(`${dir}/alloc/locks/xpu0.lock`).isFile, true);
    }),
});

Deno.test({
  name:
    "a container cannot join another's devices by naming its id as CXPU_ENVIRONMENT_ID, nor name a container's own environment",
  ignore,
  fn: () =>
    withTempDir(async (dir) => {
      const env = host(dir);
      const victim = await create(dir, env, "victim", ["CXPU_DEVICE_COUNT=1"]);
      assertEquals(victim.code, 0, victim.stderr);
      running(dir, "victim");
      const thief = await create(dir, env, "thief", [
        "CXPU_DEVICE_COUNT=1",
        "CXPU_ENVIRONMENT_ID=victim",
      ]);
      assertEquals(thief.code, 0, thief.stderr);
      assertEquals(specOf(dir, "victim").visible, ["CXPU_VISIBLE_DEVICES=0"]);
      assertEquals(specOf(dir, "thief").visible, ["CXPU_VISIBLE_DEVICES=1"]);
      const own = await create(dir, env, "own", [
        "CXPU_DEVICE_COUNT=1",
        "CXPU_ENVIRONMENT_ID=container:victim",
      ]);
      assertEquals(own.code, 1);
      assertStringIncludes(own.stderr, 'not starting with "container:"');
    }),
});
