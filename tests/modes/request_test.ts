import { assertEquals, assertThrows } from "../assert.ts";
import {
  deviceRequest,
  envMap,
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
  ["1,01,001", ["1"]],
  ["all", "all"],
  ["none", "none"],
  ["none,none", "none"],
  ["1048575", ["1048575"]],
  ["0001048575", ["1048575"]],
  ["1048574-1048575", ["1048574", "1048575"]],
  ["XPU-1234-abcd,1", ["XPU-1234-abcd", "1"]],
  ["1234-5678-9012", ["1234-5678-9012"]],
  ["123456789012345678901234567890x", ["123456789012345678901234567890x"]],
  ["kunlunxin.com/xpu=0", ["kunlunxin.com/xpu=0"]],
];

for (const [value, expected] of LISTS) {
  Deno.test(`parseDeviceList(${JSON.stringify(value)})`, () => {
    assertEquals(parseDeviceList(value), expected);
  });
}

const BAD_LISTS: [string, string][] = [
  ["3-1", 'Invalid CXPU_VISIBLE_DEVICES "3-1": range "3-1" runs backwards'],
  ["0-5000", 'Invalid CXPU_VISIBLE_DEVICES "0-5000": range "0-5000" spans more than 1024 devices'],
  [
    "99999999999999999999",
    'Invalid CXPU_VISIBLE_DEVICES "99999999999999999999": index "99999999999999999999" is out of range (0 to 1048575)',
  ],
  ["1,1048576", 'index "1048576" is out of range (0 to 1048575)'],
  ["0-1048576", 'range "0-1048576" is out of range (0 to 1048575)'],
  ["none,0", 'Invalid CXPU_VISIBLE_DEVICES "none,0": "none" cannot be combined with other devices'],
  ["0, none", '"none" cannot be combined with other devices'],
  ["none,all", '"all" cannot be combined with other devices'],
  ["0,all", '"all" cannot be combined with other devices'],
  [",", "it lists no device"],
  [" , ,", "it lists no device"],
  ["void,0", '"void" cannot be combined with other devices'],
  ["-1", '"-1" is neither an index (0 to 1048575) nor a range (0-3)'],
  ["1-", '"1-" is neither an index (0 to 1048575) nor a range (0-3)'],
  ["+1", '"+1" is neither an index (0 to 1048575) nor a range (0-3)'],
  ["1--2", '"1--2" is neither an index (0 to 1048575) nor a range (0-3)'],
  ["a b", '"a b" is not a device index, range, UUID, serial or CDI name'],
  ["x\u0000", '"x\\u0000" is not a device index, range, UUID, serial or CDI name'],
  ["0-1023,0-1023,0-1023,0-1023,0", "it names more than 4096 devices"],
];

for (const [bad, message] of BAD_LISTS) {
  Deno.test(`parseDeviceList() rejects ${JSON.stringify(bad)}`, () => {
    assertThrows(() => parseDeviceList(bad), RequestError, message);
  });
}

Deno.test("parseDeviceList() names where the list came from and quotes at most 100 characters", () => {
  assertThrows(
    () => parseDeviceList("none,1", "XPU_VISIBLE_DEVICES"),
    RequestError,
    'Invalid XPU_VISIBLE_DEVICES "none,1": ',
  );
  const long = `${"a".repeat(200)},none`;
  assertThrows(
    () => parseDeviceList(long),
    RequestError,
    `Invalid CXPU_VISIBLE_DEVICES "${"a".repeat(100)}…": "none" cannot be combined`,
  );
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
  ["9223372036854775807", 2n ** 63n - 1n],
  ["8388607t", 8388607n * 1024n ** 4n],
  ["0004g", 4n * 1024n ** 3n],
];

for (const [text, bytes] of SIZES) {
  Deno.test(`parseMemorySize(${JSON.stringify(text)}) is ${bytes}`, () => {
    assertEquals(parseMemorySize(text), bytes);
  });
}

for (const bad of ["", "g", "4x", "-1g", "1.5g", "0", "0t", "100ib", "4 gigs"]) {
  Deno.test(`parseMemorySize() rejects ${JSON.stringify(bad)}`, () => {
    assertThrows(
      () => parseMemorySize(bad),
      RequestError,
      `Invalid CXPU_CONTAINER_MEMORY_LIMIT ${JSON.stringify(bad)}: `,
    );
  });
}

for (
  const big of ["9999999999t", "99999999999t", "9223372036854775808", "8388608t", "1".repeat(5000)]
) {
  Deno.test(`parseMemorySize() rejects ${big.slice(0, 24)}: more than 64 bits`, () => {
    assertThrows(
      () => parseMemorySize(big, "XPU_MEMORY_LIMIT"),
      RequestError,
      "Invalid XPU_MEMORY_LIMIT",
    );
    assertThrows(
      () => parseMemorySize(big),
      RequestError,
      ": must fit in 64 bits: at most 9223372036854775807 bytes",
    );
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
    'Unsupported CXPU_DRIVER_CAPABILITIES value "graphics": supported are compute, compat32, utility and all',
  );
});

Deno.test("deviceRequest() is undefined for containers that are not XPU containers", () => {
  for (
    const env of [[], ["CXPU_VISIBLE_DEVICES="], ["CXPU_VISIBLE_DEVICES=void"], [
      "CXPU_VISIBLE_DEVICES= ",
    ]]
  ) {
    assertEquals(deviceRequest(spec(env), DEFAULTS), undefined, JSON.stringify(env));
  }
  assertEquals(deviceRequest({}, DEFAULTS), undefined);
});

Deno.test("deviceRequest() reads every variable", () => {
  const request = deviceRequest(
    spec([
      "CXPU_VISIBLE_DEVICES=1,0",
      "CXPU_DRIVER_CAPABILITIES=compute",
      "CXPU_REQUIRE_B=b>1",
      "CXPU_REQUIRE_A=a>1",
      "CXPU_CONTAINER_MEMORY_LIMIT=2g",
    ]),
    DEFAULTS,
  );
  assertEquals(request, {
    devices: ["1", "0"],
    capabilities: ["compute"],
    requirements: ["a>1", "b>1"],
    memoryLimit: { bytes: 2147483648n, variable: "CXPU_CONTAINER_MEMORY_LIMIT" },
    source: "CXPU_VISIBLE_DEVICES",
  });
});

Deno.test("deviceRequest() takes the XPU_ aliases only where the CXPU_ name is unset", () => {
  const aliases = [
    "CXPU_VISIBLE_DEVICES=0",
    "XPU_DRIVER_CAPABILITIES=compat32",
    "XPU_REQUIRE_B=b>1",
    "XPU_REQUIRE_A=old",
    "CXPU_REQUIRE_A=a>1",
    "XPU_MEMORY_LIMIT=1k",
  ];
  assertEquals(deviceRequest(spec(aliases), DEFAULTS), {
    devices: ["0"],
    capabilities: ["compat32"],
    requirements: ["a>1", "b>1"],
    memoryLimit: { bytes: 1024n, variable: "XPU_MEMORY_LIMIT" },
    source: "CXPU_VISIBLE_DEVICES",
  });
  const both = [
    "CXPU_VISIBLE_DEVICES=0",
    "XPU_DRIVER_CAPABILITIES=bogus",
    "CXPU_DRIVER_CAPABILITIES=",
    "XPU_MEMORY_LIMIT=bogus",
    "CXPU_CONTAINER_MEMORY_LIMIT=2048",
    "XPU_DISABLE_REQUIRE=true",
    "CXPU_DISABLE_REQUIRE=false",
    "XPU_REQUIRE_X=x",
  ];
  assertEquals(deviceRequest(spec(both), DEFAULTS), {
    devices: ["0"],
    capabilities: ["utility", "compute"],
    requirements: ["x"],
    memoryLimit: { bytes: 2048n, variable: "CXPU_CONTAINER_MEMORY_LIMIT" },
    source: "CXPU_VISIBLE_DEVICES",
  });
});

Deno.test("deviceRequest() names the variable a bad value came from", () => {
  const cases: [string[], string][] = [
    [["XPU_MEMORY_LIMIT=lots"], 'Invalid XPU_MEMORY_LIMIT "lots"'],
    [["CXPU_CONTAINER_MEMORY_LIMIT=lots"], 'Invalid CXPU_CONTAINER_MEMORY_LIMIT "lots"'],
    [["XPU_DRIVER_CAPABILITIES=x"], 'Unsupported XPU_DRIVER_CAPABILITIES value "x"'],
    [["CXPU_DRIVER_CAPABILITIES=x"], 'Unsupported CXPU_DRIVER_CAPABILITIES value "x"'],
  ];
  for (const [env, message] of cases) {
    assertThrows(
      () => deviceRequest(spec(["CXPU_VISIBLE_DEVICES=0", ...env]), DEFAULTS),
      RequestError,
      message,
    );
  }
  const accepting = config({ "accept-xpu-visible-devices-envvar": true });
  assertThrows(
    () => deviceRequest(spec(["XPU_VISIBLE_DEVICES=none,0"]), accepting),
    RequestError,
    'Invalid XPU_VISIBLE_DEVICES "none,0"',
  );
  assertThrows(
    () => deviceRequest(spec(["CXPU_VISIBLE_DEVICES=none,0"]), accepting),
    RequestError,
    'Invalid CXPU_VISIBLE_DEVICES "none,0"',
  );
});

Deno.test("deviceRequest() ignores XPU_VISIBLE_DEVICES unless the config accepts it", () => {
  assertEquals(deviceRequest(spec(["XPU_VISIBLE_DEVICES=0,1"]), DEFAULTS), undefined);
  assertEquals(deviceRequest(spec(["XPU_VISIBLE_DEVICES=none,0"]), DEFAULTS), undefined);
  assertEquals(
    deviceRequest(spec(["XPU_VISIBLE_DEVICES=0,1", "CXPU_VISIBLE_DEVICES=2"]), DEFAULTS)?.devices,
    ["2"],
  );
  const accepting = config({ "accept-xpu-visible-devices-envvar": true });
  const runtimes = deviceRequest(spec(["XPU_VISIBLE_DEVICES=0,1"]), accepting);
  assertEquals([runtimes?.devices, runtimes?.source], [["0", "1"], "XPU_VISIBLE_DEVICES"]);
  const own = deviceRequest(spec(["XPU_VISIBLE_DEVICES=0,1", "CXPU_VISIBLE_DEVICES=2"]), accepting);
  assertEquals([own?.devices, own?.source], [["2"], "CXPU_VISIBLE_DEVICES"]);
  // Set, even empty or void, CXPU_VISIBLE_DEVICES decides.
  for (const value of ["", "void"]) {
    assertEquals(
      deviceRequest(spec([`CXPU_VISIBLE_DEVICES=${value}`, "XPU_VISIBLE_DEVICES=0"]), accepting),
      undefined,
    );
  }
});

Deno.test("deviceRequest() honours the first of duplicate env names", () => {
  assertEquals(
    deviceRequest(spec(["CXPU_VISIBLE_DEVICES=3", "CXPU_VISIBLE_DEVICES=4"]), DEFAULTS)?.devices,
    ["3"],
  );
});

Deno.test("deviceRequest() drops requirements when disabled by env or config", () => {
  const env = ["CXPU_VISIBLE_DEVICES=0", "CXPU_REQUIRE_X=x>1"];
  assertEquals(
    deviceRequest(spec([...env, "CXPU_DISABLE_REQUIRE=true"]), DEFAULTS)?.requirements,
    [],
  );
  assertEquals(deviceRequest(spec([...env, "CXPU_DISABLE_REQUIRE=1"]), DEFAULTS)?.requirements, []);
  assertEquals(deviceRequest(spec([...env, "CXPU_DISABLE_REQUIRE=no"]), DEFAULTS)?.requirements, [
    "x>1",
  ]);
  assertEquals(deviceRequest(spec(env), config({ "disable-require": true }))?.requirements, []);
});

Deno.test("deviceRequest() ignores the env var of unprivileged containers when told to", () => {
  const strict = config({ "accept-xpu-visible-devices-envvar-when-unprivileged": false });
  assertEquals(deviceRequest(spec(["CXPU_VISIBLE_DEVICES=0"]), strict), undefined);
  const privileged = spec(["CXPU_VISIBLE_DEVICES=0"]);
  privileged.process!.capabilities = { bounding: ["CAP_CHOWN", "CAP_SYS_ADMIN"] };
  assertEquals(deviceRequest(privileged, strict)?.devices, ["0"]);
  const oldStyle = spec(["CXPU_VISIBLE_DEVICES=0"]);
  oldStyle.process!.capabilities = ["CAP_SYS_ADMIN"];
  assertEquals(deviceRequest(oldStyle, strict)?.devices, ["0"]);
});

Deno.test("deviceRequest() takes devices from volume mounts when enabled", () => {
  const mounts = [
    { destination: "/var/run/xpu-container-devices/1", source: "/dev/null" },
    { destination: "/run/xpu-container-devices/3", source: "/dev/null" },
    { destination: "/data", source: "/data" },
  ];
  const s = spec(["CXPU_VISIBLE_DEVICES=all"], { mounts });
  const enabled = config({
    "accept-xpu-visible-devices-as-volume-mounts": true,
    "accept-xpu-visible-devices-envvar-when-unprivileged": false,
  });
  assertEquals(deviceRequest(s, enabled)?.devices, ["1", "3"]);
  assertEquals(deviceRequest(s, enabled)?.source, "volume-mounts");
  assertEquals(deviceRequest(s, DEFAULTS)?.devices, "all");
});

Deno.test("deviceRequest() names device mounts as the source of a bad list", () => {
  const mounts = [
    { destination: "/var/run/xpu-container-devices/none", source: "/dev/null" },
    { destination: "/var/run/xpu-container-devices/0", source: "/dev/null" },
  ];
  assertThrows(
    () =>
      deviceRequest(
        spec([], { mounts }),
        config({ "accept-xpu-visible-devices-as-volume-mounts": true }),
      ),
    RequestError,
    'Invalid device mounts under /var/run/xpu-container-devices "none,0": "none" cannot be',
  );
});

Deno.test("deviceRequest() rejects a bad capability or memory size", () => {
  assertThrows(
    () =>
      deviceRequest(spec(["CXPU_VISIBLE_DEVICES=0", "CXPU_DRIVER_CAPABILITIES=bogus"]), DEFAULTS),
    RequestError,
    '"bogus"',
  );
  assertThrows(
    () =>
      deviceRequest(spec(["CXPU_VISIBLE_DEVICES=0", "CXPU_CONTAINER_MEMORY_LIMIT=lots"]), DEFAULTS),
    RequestError,
    '"lots"',
  );
});
