import { assertEquals, assertMatch } from "../assert.ts";
import { configEnv, q, rootOnly, runBin, TESTDATA, withTempDir } from "../helpers.ts";
import { generateCdiSpec, makeDriverRoot, XPU_MAJOR } from "../e2e/driver.ts";

const FAKE_RUNC = `${TESTDATA}/bin/fake-runc`;
const ignore = rootOnly("mknod");

async function setup(
  dir: string,
  env: string[],
  mode = "auto",
  annotations: Record<string, string> = {},
) {
  const driver = makeDriverRoot(`${dir}/driver`);
  await generateCdiSpec(driver, `${dir}/cdi/xpu.yaml`);
  const b = `${dir}/bundle`;
  Deno.mkdirSync(b);
  const spec = JSON.parse(Deno.readTextFileSync(`${TESTDATA}/bundles/runc-spec.json`));
  spec.process.env.push(...env);
  spec.annotations = annotations;
  Deno.writeTextFileSync(`${b}/config.json`, JSON.stringify(spec, null, "\t"));
  const cfg = configEnv(
    `${dir}/xdg`,
    `[xpu-container-runtime]\nruntimes = [${q(FAKE_RUNC)}]\nmode = ${q(mode)}\n` +
      `[xpu-container-runtime.modes.cdi]\nspec-dirs = [${q(`${dir}/none`)}, ${q(`${dir}/cdi`)}]\n` +
      `cache-dir = ${q(`${dir}/cache`)}\n`,
  );
  return { b, driver, env: cfg };
}

/** Runs `create` on bundle `b`, asserts it succeeded, and returns the spec it left. */
async function create(b: string, env: Record<string, string>) {
  const out = await runBin("xpu-container-runtime", ["create", "--bundle", b, "id"], { env });
  assertEquals(out.code, 0, out.stderr);
  return JSON.parse(Deno.readTextFileSync(`${b}/config.json`));
}

function test(name: string, fn: () => Promise<void>) {
  Deno.test({ name, ignore, fn });
}

test("cdi mode applies spec-level then device edits, and is idempotent", async () => {
  await withTempDir(async (dir) => {
    const { b, driver, env } = await setup(dir, ["CXPU_VISIBLE_DEVICES=kunlunxin.com/xpu=1"]);
    const spec = await create(b, env);
    assertEquals(
      spec.linux.devices.map((
        d: { path: string; major: number; minor: number },
      ) => [d.path, d.major, d.minor]),
      [
        ["/dev/xpuctrl", XPU_MAJOR, 255],
        ["/dev/xpu1", XPU_MAJOR, 1],
      ],
    );
    assertEquals(spec.mounts.at(-1).source, `${driver}/usr/local/xpu/lib64/libxpuml.so.1.2.3`);
    assertEquals(spec.hooks.createContainer.length, 2);
    const first = Deno.readTextFileSync(`${b}/config.json`);
    await runBin("xpu-container-runtime", ["create", "--bundle", b, "id"], { env });
    assertEquals(Deno.readTextFileSync(`${b}/config.json`), first);
  });
});

test("cdi mode qualifies bare indices and all with the default kind", async () => {
  await withTempDir(async (dir) => {
    const { b, env } = await setup(dir, ["CXPU_VISIBLE_DEVICES=all"], "cdi");
    const spec = await create(b, env);
    assertEquals(spec.linux.devices.map((d: { path: string }) => d.path), [
      "/dev/xpuctrl",
      "/dev/xpu0",
      "/dev/xpu1",
    ]);
  });
});

test("auto picks cdi for an annotation request without CXPU_VISIBLE_DEVICES", async () => {
  await withTempDir(async (dir) => {
    const { b, env } = await setup(dir, [], "auto", {
      "cdi.k8s.io/xpu-plugin": "kunlunxin.com/xpu=0",
    });
    const spec = await create(b, env);
    assertEquals(spec.linux.devices.map((d: { path: string }) => d.path), [
      "/dev/xpuctrl",
      "/dev/xpu0",
    ]);
  });
});

test("an unresolvable CDI device is an error listing the devices that exist", async () => {
  await withTempDir(async (dir) => {
    const { b, env } = await setup(dir, ["CXPU_VISIBLE_DEVICES=kunlunxin.com/xpu=7"]);
    const before = Deno.readTextFileSync(`${b}/config.json`);
    const out = await runBin("xpu-container-runtime", ["create", "--bundle", b, "id"], { env });
    assertEquals(out.code, 1);
    assertEquals(
      out.stderr,
      'xpu-container-runtime: Unresolvable CDI device "kunlunxin.com/xpu=7"; the spec directories ' +
        'define "kunlunxin.com/xpu=0", "kunlunxin.com/xpu=1", "kunlunxin.com/xpu=all"\n',
    );
    assertEquals(Deno.readTextFileSync(`${b}/config.json`), before);
  });
});

test("two devices mounting the same destination differently are a conflict", async () => {
  await withTempDir(async (dir) => {
    const { b, env } = await setup(dir, ["CXPU_VISIBLE_DEVICES=other.com/x=a,other.com/x=b"]);
    const mount = (src: string) => ({ mounts: [{ hostPath: src, containerPath: "/opt/lib.so" }] });
    Deno.writeTextFileSync(
      `${dir}/cdi/other.json`,
      JSON.stringify({
        cdiVersion: "0.3.0",
        kind: "other.com/x",
        devices: [{ name: "a", containerEdits: mount("/a.so") }, {
          name: "b",
          containerEdits: mount("/b.so"),
        }],
      }),
    );
    const out = await runBin("xpu-container-runtime", ["create", "--bundle", b, "id"], { env });
    assertEquals(out.code, 1);
    assertMatch(
      out.stderr,
      /CDI conflict: "other\.com\/x=b" and "other\.com\/x=a" both mount "\/opt\/lib\.so", from "\/b\.so" and "\/a\.so"/,
    );
  });
});

test("cdi mode remembers validated specs, and a changed spec file is read again", async () => {
  await withTempDir(async (dir) => {
    const { b, env } = await setup(dir, ["CXPU_VISIBLE_DEVICES=kunlunxin.com/xpu=0"], "cdi");
    const original = Deno.readTextFileSync(`${b}/config.json`);
    const createdEnv = async (): Promise<string[]> => {
      Deno.writeTextFileSync(`${b}/config.json`, original);
      return (await create(b, env)).process.env;
    };
    const cacheFile = `${dir}/cache/cdi-specs.json`;
    await createdEnv();
    // The spec was written in the last two seconds: not remembered yet.
    assertEquals([...Deno.readDirSync(`${dir}/cache`)], []);
    assertEquals(Deno.statSync(`${dir}/cache`).mode! & 0o777, 0o700);
    await new Promise((r) => setTimeout(r, 2100));
    await createdEnv();
    const cache = JSON.parse(Deno.readTextFileSync(cacheFile));
    assertEquals(Object.keys(cache.entries), [`${dir}/cdi/xpu.yaml`]);
    assertEquals(Deno.statSync(cacheFile).mode! & 0o777, 0o600);

    // The next create takes the spec from the cache: an edit made there shows.
    cache.entries[`${dir}/cdi/xpu.yaml`].spec.containerEdits.env = ["FROM_CACHE=1"];
    Deno.writeTextFileSync(cacheFile, JSON.stringify(cache));
    assertEquals((await createdEnv()).includes("FROM_CACHE=1"), true);

    // Writing the spec file, even with the same bytes, makes it be read again.
    const yaml = `${dir}/cdi/xpu.yaml`;
    Deno.writeTextFileSync(yaml, Deno.readTextFileSync(yaml));
    assertEquals((await createdEnv()).includes("FROM_CACHE=1"), false);
  });
});

test("auto picks cdi for every name the CDI parser accepts, such as ven_dor.com/xpu=0", async () => {
  await withTempDir(async (dir) => {
    const { b, env } = await setup(dir, ["CXPU_VISIBLE_DEVICES=ven_dor.com/xpu=0"]);
    Deno.writeTextFileSync(
      `${dir}/cdi/ven_dor.json`,
      JSON.stringify({
        cdiVersion: "0.5.0",
        kind: "ven_dor.com/xpu",
        devices: [{ name: "0", containerEdits: { env: ["VEN_DOR=0"] } }],
      }),
    );
    const spec = await create(b, env);
    assertEquals(spec.process.env.includes("VEN_DOR=0"), true, spec.process.env.join(" "));
  });
});

test("auto does not pick cdi for a name the CDI parser rejects, such as 1vendor.com/xpu=0", async () => {
  await withTempDir(async (dir) => {
    const { b, env } = await setup(dir, ["CXPU_VISIBLE_DEVICES=1vendor.com/xpu=0"]);
    // Before, auto picked cdi for it, and cdi mode then refused it as an invalid device.
    const spec = await create(b, env);
    assertEquals(spec.linux.devices, undefined);
    assertEquals(spec.hooks.prestart.at(-1).args.at(-1), "prestart");
  });
});
