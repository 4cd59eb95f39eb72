/**
 * The needles whose absence proves a spec untouched: what they are for a config, and, over
 * thousands of generated specs and configs from a seeded generator, that a spec holding none of
 * them asks for nothing (no device request, no allocation, no CDI annotation) and raises no error.
 */

import { assertEquals } from "../assert.ts";
import { seededRandom } from "../helpers.ts";
import { untouchedNeedles } from "../../src/modes/untouched.ts";
import { DEVICE_MOUNT_ROOT, deviceRequest } from "../../src/modes/request.ts";
import { allocationRequest } from "../../src/modes/allocation.ts";
import { cdiAnnotations } from "../../src/modes/resolve.ts";
import {
  ALLOCATION_VARIABLES,
  GENV_MEMORY,
  REQUEST_VARIABLES,
  VISIBLE_DEVICES,
  XPU_VISIBLE_DEVICES,
} from "../../src/config/variables.ts";
import { buildConfig, type Config, type KeyValue } from "../../src/config/schema.ts";
import type { Spec } from "../../src/oci/spec.ts";

const SEED = Number(Deno.env.get("XPU_TEST_SEED") ?? 20261130);

function config(values: Record<string, KeyValue>): Config {
  return buildConfig((spec) => values[spec.key]);
}

Deno.test("the needles of the default config: the toolkit's prefix, the older names, the CDI prefix", () => {
  assertEquals(
    untouchedNeedles(config({})),
    [
      "CXPU_",
      "cdi.k8s.io/",
      "XPU_MEMORY_LIMIT",
      "XPU_REQUIRE_",
      "XPU_DISABLE_REQUIRE",
      "XPU_DRIVER_CAPABILITIES",
    ].sort((a, b) => a.length - b.length || (a < b ? -1 : 1)),
  );
});

Deno.test("each option that accepts another request adds its needle", () => {
  const all = untouchedNeedles(config({
    "accept-xpu-visible-devices-envvar": true,
    "accept-xpu-visible-devices-as-volume-mounts": true,
    "xpu-allocator.accept-genv-variables": true,
    "xpu-container-runtime.modes.cdi.annotation-prefixes": ["example.com/xpu", "cdi.k8s.io/"],
  }))!;
  for (
    const needle of [
      XPU_VISIBLE_DEVICES,
      "xpu-container-devices",
      "GENV_GPUS",
      GENV_MEMORY,
      "example.com/xpu",
    ]
  ) assertEquals(all.includes(needle), true, needle);
  // None holds another: a needle the shorter one finds is not compared again.
  assertEquals(all.includes("XPU_MEMORY_LIMIT"), true);
});

Deno.test("a CDI prefix that is empty or that JSON escapes leaves create to the shim", () => {
  for (const prefix of ["", 'a"b', "a\\b", "caf\u00e9/", "tab\t"]) {
    const key = "xpu-container-runtime.modes.cdi.annotation-prefixes";
    assertEquals(untouchedNeedles(config({ [key]: [prefix] })), undefined, JSON.stringify(prefix));
  }
});

Deno.test("generated specs: one holding no needle asks for nothing, under any config", () => {
  const rng = seededRandom(SEED);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;
  const names = [
    VISIBLE_DEVICES,
    XPU_VISIBLE_DEVICES,
    GENV_MEMORY,
    ...REQUEST_VARIABLES.flatMap((v) => [v.name, v.alias]),
    ...ALLOCATION_VARIABLES.flatMap((v) => [v.name, v.genv ?? v.name]),
    "PATH",
    "HOME",
    "XPU_HOME",
  ];
  const values = ["0", "1", "0,1", "all", "none", "2", "1g", "true", "", "kunlunxin.com/xpu=0"];
  let quiet = 0;
  for (let run = 0; run < 5000; run++) {
    const cfg = config({
      "accept-xpu-visible-devices-envvar": rng() < 0.5,
      "accept-xpu-visible-devices-envvar-when-unprivileged": rng() < 0.8,
      "accept-xpu-visible-devices-as-volume-mounts": rng() < 0.5,
      "xpu-allocator.accept-genv-variables": rng() < 0.5,
      "xpu-container-runtime.modes.cdi.annotation-prefixes": [pick(["cdi.k8s.io/", "x.io/"])],
    });
    const env = Array.from({ length: Math.floor(rng() * 4) }, () => {
      const name = pick(names);
      return `${name.endsWith("_") ? `${name}X` : name}=${pick(values)}`;
    });
    const mounts = rng() < 0.3
      ? [{ destination: `${pick([DEVICE_MOUNT_ROOT, "/run/xpu-container-devices"])}/0` }]
      : [];
    const annotations = rng() < 0.3 ? { [`${pick(["cdi.k8s.io/", "x.io/"])}a`]: "k.com/x=0" } : {};
    const spec: Spec = { process: { env }, mounts, annotations };
    const text = JSON.stringify(spec);
    const needles = untouchedNeedles(cfg)!;
    if (needles.some((n) => text.includes(n))) continue;
    quiet++;
    const seen = { request: deviceRequest(spec, cfg), allocation: allocationRequest(spec, cfg) };
    assertEquals(seen, { request: undefined, allocation: undefined }, `seed ${SEED}: ${text}`);
    assertEquals(cdiAnnotations(spec, cfg), [], `seed ${SEED}: ${text}`);
  }
  // The generator reaches both sides.
  assertEquals(quiet > 500 && quiet < 4500, true, String(quiet));
});
