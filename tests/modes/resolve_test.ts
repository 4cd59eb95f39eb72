import { assertEquals, assertMatch } from "../assert.ts";
import { hostProbe, resolveMode } from "../../src/modes/resolve.ts";
import { configFromString } from "../../src/config/load.ts";
import { deviceRequest } from "../../src/modes/request.ts";
import type { Spec } from "../../src/oci/spec.ts";
import { q, TESTDATA } from "../helpers.ts";

const ROOTS = `${TESTDATA}/roots`;

async function config(root: string, mode = "auto") {
  return (await configFromString(
    `[xpu-container-cli]\nroot = ${q(`${ROOTS}/${root}`)}\n[xpu-container-runtime]\nmode = ${
      q(mode)
    }\n` +
      `[xpu-container-runtime.modes.csv]\nmount-spec-path = ${
        q(`${ROOTS}/${root}/etc/xpu-container-runtime/host-files-for-container.d`)
      }\n`,
  )).config;
}

async function resolve(
  root: string,
  env: string[],
  opts: { mode?: string; annotations?: Record<string, string> } = {},
) {
  const c = await config(root, opts.mode);
  const spec: Spec = {
    process: { env },
    ...(opts.annotations ? { annotations: opts.annotations } : {}),
  };
  // Only the driver root's /usr/bin, so nothing on this machine's PATH can decide.
  return resolveMode(c, spec, deviceRequest(spec, c), hostProbe(c, "/usr/bin"));
}

const TABLE: [string, string[], Record<string, string> | undefined, string][] = [
  ["full", ["CXPU_VISIBLE_DEVICES=0"], undefined, "legacy"],
  ["ldcache", ["CXPU_VISIBLE_DEVICES=0"], undefined, "legacy"],
  ["cli-csv", ["CXPU_VISIBLE_DEVICES=0"], undefined, "csv"],
  ["lib-csv", ["CXPU_VISIBLE_DEVICES=0"], undefined, "csv"],
  ["csv-only", ["CXPU_VISIBLE_DEVICES=0"], undefined, "csv"],
  ["cli-only", ["CXPU_VISIBLE_DEVICES=0"], undefined, "legacy"],
  ["empty", ["CXPU_VISIBLE_DEVICES=0"], undefined, "legacy"],
  ["full", ["CXPU_VISIBLE_DEVICES=kunlunxin.com/xpu=0"], undefined, "cdi"],
  ["full", ["CXPU_VISIBLE_DEVICES=ven_dor.com/xpu=0"], undefined, "cdi"],
  ["full", ["CXPU_VISIBLE_DEVICES=1vendor.com/xpu=0"], undefined, "legacy"],
  ["csv-only", [], { "cdi.k8s.io/xpu": "kunlunxin.com/xpu=1" }, "cdi"],
  ["csv-only", ["CXPU_VISIBLE_DEVICES=0"], { "other.io/x": "y" }, "csv"],
];

for (const [root, env, annotations, mode] of TABLE) {
  Deno.test(`mode auto on a ${root} host with ${env.join(" ") || JSON.stringify(annotations)} resolves to ${mode}`, async () => {
    assertEquals((await resolve(root, env, annotations ? { annotations } : {})).mode, mode);
  });
}

Deno.test("a configured mode wins without looking at the host", async () => {
  const c = await config("full", "csv");
  const looked: string[] = [];
  const probe = hostProbe(c, "/usr/bin");
  const r = resolveMode(c, {}, undefined, {
    cli: () => (looked.push("cli"), probe.cli()),
    xpuml: () => (looked.push("xpuml"), probe.xpuml()),
    csvFiles: () => (looked.push("csv"), probe.csvFiles()),
  });
  assertEquals([r.mode, looked, r.facts], ["csv", [], ['mode "csv" is configured']]);
});

Deno.test("auto looks only at the facts that decide, and says what they were", async () => {
  const full = (await resolve("full", ["CXPU_VISIBLE_DEVICES=0"])).facts;
  assertEquals(full.length, 2);
  assertMatch(
    full[0]!,
    /^xpu-container-cli found at .*\/roots\/full\/usr\/bin\/xpu-container-cli$/,
  );
  assertMatch(
    full[1]!,
    /^libxpuml\.so\.1 found at .*\/roots\/full\/usr\/local\/xpu\/lib64\/libxpuml\.so\.1$/,
  );
  const cache = (await resolve("ldcache", ["CXPU_VISIBLE_DEVICES=0"])).facts;
  assertMatch(
    cache[1]!,
    /^libxpuml\.so\.1 found at .*\/roots\/ldcache\/etc\/ld\.so\.cache \(ld cache\)$/,
  );
  const cliCsv = (await resolve("cli-csv", ["CXPU_VISIBLE_DEVICES=0"])).facts;
  assertEquals(cliCsv[1], "libxpuml.so.1 not found under the driver root or in the ld cache");
  assertMatch(cliCsv[2]!, /^CSV specs: .*\/xpu\.csv$/);
  const empty = (await resolve("empty", ["CXPU_VISIBLE_DEVICES=0"])).facts;
  assertEquals(empty.length, 2);
  assertMatch(
    empty[0]!,
    /^xpu-container-cli not found: tried "xpu-container-cli" in ".*\/roots\/empty\/usr\/bin:/,
  );
  assertEquals(empty[1], "no CSV specs");
});

Deno.test("hostProbe() looks each fact up once", async () => {
  const probe = hostProbe(await config("full"), "/usr/bin");
  assertEquals(probe.cli() === probe.cli(), true);
  assertEquals(probe.csvFiles() === probe.csvFiles(), true);
});
