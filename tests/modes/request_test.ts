import { assertEquals, assertThrows } from "../assert.ts";
import {
  deviceRequest,
  envMap,
  isCdiName,
  parseCapabilities,
  parseDeviceList,
  parseMemorySize,
  RequestError,
} from "../../src/modes/request.ts";
import { buildConfig, type Config, DEFAULTS, type KeyValue } from "../../src/config/schema.ts";
import type { Spec } from "../../src/oci/spec.ts";

function config(values: Record<string, KeyValue>): Config {
  return buildConfig((spec) => values[spec.key]);
}

function spec(env: string[], extra: Partial<Spec> = {}): Spec {
  return { process: { env }, ...extra };
}

Deno.test("envMap() keeps the first occurrence and treats NAME alone as empty", () => {
  const m = envMap(["A=1", "A=2", "B", "C=x=y"]);
  assertEquals([...m], [["A", "1"], ["B", ""], ["C", "x=y"]]);
});

const LISTS: [string, unknown][] = [
  ["0", ["0"]],
  [" 0 , 2 ", ["0", "2"]],
  ["0-3", ["0", "1", "2", "3"]],
  ["2,0-2,1", ["2", "0", "1"]],
  ["00,1", ["0", "1"]],
  ["all", "all"],
  ["0,all", "all"],
  ["none", "none"],
  [",", "none"],
  ["XPU-1234-abcd,1", ["XPU-1234-abcd", "1"]],
  ["kunlunxin.com/xpu=0", ["kunlunxin.com/xpu=0"]],
];

for (const [value, expected] of LISTS) {
  Deno.test(`parseDeviceList(${JSON.stringify(value)})`, () => {
    assertEquals(parseDeviceList(value), expected);
  });
}

for (const bad of ["3-1", "0-5000"]) {
  Deno.test(`parseDeviceList() rejects the range ${bad}`, () => {
    assertThrows(() => parseDeviceList(bad), RequestError, `Invalid device range "${bad}"`);
  });
}

Deno.test("isCdiName() recognises fully-qualified CDI names only", () => {
  assertEquals(isCdiName("kunlunxin.com/xpu=0"), true);
  assertEquals(isCdiName("vendor.example/class=all"), true);
  assertEquals(isCdiName("0"), false);
  assertEquals(isCdiName("xpu=0"), false);
});

const SIZES: [string, bigint][] = [
  ["1048576", 1048576n],
  ["4g", 4n * 1024n ** 3n],
  ["2G", 2147483648n],
  ["512MiB", 512n * 1024n ** 2n],
  ["512mb", 512n * 1024n ** 2n],
  ["1t", 1024n ** 4n],
  ["64k", 65536n],
  ["100b", 100n],
  ["9999999999t", 9999999999n * 1024n ** 4n],
];

for (const [text, bytes] of SIZES) {
  Deno.test(`parseMemorySize(${JSON.stringify(text)}) is ${bytes}`, () => {
    assertEquals(parseMemorySize(text), bytes);
  });
}

for (const bad of ["", "g", "4x", "-1g", "1.5g", "0", "100ib", "4 gigs"]) {
  Deno.test(`parseMemorySize() rejects ${JSON.stringify(bad)}`, () => {
    assertThrows(() => parseMemorySize(bad), RequestError, "Invalid XPU_MEMORY_LIMIT");
  });
}

Deno.test("parseCapabilities() defaults, expands all, and names unknown ones", () => {
  const supported = ["compute", "compat32", "utility"];
  assertEquals(parseCapabilities(undefined, supported), ["utility", "compute"]);
  assertEquals(parseCapabilities(" ", supported), ["utility", "compute"]);
  assertEquals(parseCapabilities("all", supported), supported);
  assertEquals(parseCapabilities("compute,compute", supported), ["compute"]);
  assertThrows(
    () => parseCapabilities("compute,graphics", supported),
    RequestError,
    'Unsupported XPU_DRIVER_CAPABILITIES value "graphics": supported are compute, compat32, utility and all',
  );
});

Deno.test("deviceRequest() is undefined for containers that are not XPU containers", () => {
  for (
    const env of [[], ["XPU_VISIBLE_DEVICES="], ["XPU_VISIBLE_DEVICES=void"], [
      "XPU_VISIBLE_DEVICES= ",
    ]]
  ) {
    assertEquals(deviceRequest(spec(env), DEFAULTS), undefined, JSON.stringify(env));
  }
  assertEquals(deviceRequest({}, DEFAULTS), undefined);
});

Deno.test("deviceRequest() reads every variable", () => {
  const request = deviceRequest(
    spec([
      "XPU_VISIBLE_DEVICES=1,0",
      "XPU_DRIVER_CAPABILITIES=compute",
      "XPU_REQUIRE_B=b>1",
      "XPU_REQUIRE_A=a>1",
      "XPU_MEMORY_LIMIT=2g",
    ]),
    DEFAULTS,
  );
  assertEquals(request, {
    devices: ["1", "0"],
    capabilities: ["compute"],
    requirements: ["a>1", "b>1"],
    memoryLimit: 2147483648n,
    source: "XPU_VISIBLE_DEVICES",
  });
});

Deno.test("deviceRequest() uses CXPU_VISIBLE_DEVICES only when XPU_VISIBLE_DEVICES is unset", () => {
  assertEquals(deviceRequest(spec(["CXPU_VISIBLE_DEVICES=2"]), DEFAULTS)?.devices, ["2"]);
  assertEquals(
    deviceRequest(spec(["CXPU_VISIBLE_DEVICES=2"]), DEFAULTS)?.source,
    "CXPU_VISIBLE_DEVICES",
  );
  assertEquals(
    deviceRequest(spec(["XPU_VISIBLE_DEVICES=void", "CXPU_VISIBLE_DEVICES=2"]), DEFAULTS),
    undefined,
  );
  assertEquals(
    deviceRequest(spec(["XPU_VISIBLE_DEVICES=1", "CXPU_VISIBLE_DEVICES=2"]), DEFAULTS)?.devices,
    ["1"],
  );
});

Deno.test("deviceRequest() honours the first of duplicate env names", () => {
  assertEquals(
    deviceRequest(spec(["XPU_VISIBLE_DEVICES=3", "XPU_VISIBLE_DEVICES=4"]), DEFAULTS)?.devices,
    ["3"],
  );
});

Deno.test("deviceRequest() drops requirements when disabled by env or config", () => {
  const env = ["XPU_VISIBLE_DEVICES=0", "XPU_REQUIRE_X=x>1"];
  assertEquals(
    deviceRequest(spec([...env, "XPU_DISABLE_REQUIRE=true"]), DEFAULTS)?.requirements,
    [],
  );
  assertEquals(deviceRequest(spec([...env, "XPU_DISABLE_REQUIRE=1"]), DEFAULTS)?.requirements, []);
  assertEquals(deviceRequest(spec([...env, "XPU_DISABLE_REQUIRE=no"]), DEFAULTS)?.requirements, [
    "x>1",
  ]);
  assertEquals(deviceRequest(spec(env), config({ "disable-require": true }))?.requirements, []);
});

Deno.test("deviceRequest() ignores the env var of unprivileged containers when told to", () => {
  const strict = config({ "accept-xpu-visible-devices-envvar-when-unprivileged": false });
  assertEquals(deviceRequest(spec(["XPU_VISIBLE_DEVICES=0"]), strict), undefined);
  const privileged = spec(["XPU_VISIBLE_DEVICES=0"]);
  privileged.process!.capabilities = { bounding: ["CAP_CHOWN", "CAP_SYS_ADMIN"] };
  assertEquals(deviceRequest(privileged, strict)?.devices, ["0"]);
  const oldStyle = spec(["XPU_VISIBLE_DEVICES=0"]);
  oldStyle.process!.capabilities = ["CAP_SYS_ADMIN"];
  assertEquals(deviceRequest(oldStyle, strict)?.devices, ["0"]);
});

Deno.test("deviceRequest() takes devices from volume mounts when enabled", () => {
  const mounts = [
    { destination: "/var/run/xpu-container-devices/1", source: "/dev/null" },
    { destination: "/run/xpu-container-devices/3", source: "/dev/null" },
    { destination: "/data", source: "/data" },
  ];
  const s = spec(["XPU_VISIBLE_DEVICES=all"], { mounts });
  const enabled = config({
    "accept-xpu-visible-devices-as-volume-mounts": true,
    "accept-xpu-visible-devices-envvar-when-unprivileged": false,
  });
  assertEquals(deviceRequest(s, enabled)?.devices, ["1", "3"]);
  assertEquals(deviceRequest(s, enabled)?.source, "volume-mounts");
  assertEquals(deviceRequest(s, DEFAULTS)?.devices, "all");
});

Deno.test("deviceRequest() rejects a bad capability or memory size", () => {
  assertThrows(
    () => deviceRequest(spec(["XPU_VISIBLE_DEVICES=0", "XPU_DRIVER_CAPABILITIES=bogus"]), DEFAULTS),
    RequestError,
    '"bogus"',
  );
  assertThrows(
    () => deviceRequest(spec(["XPU_VISIBLE_DEVICES=0", "XPU_MEMORY_LIMIT=lots"]), DEFAULTS),
    RequestError,
    '"lots"',
  );
});
