import { assertEquals, assertThrows } from "../assert.ts";
import { allocationRequest } from "../../src/modes/allocation.ts";
import { RequestError } from "../../src/modes/request.ts";
import { buildConfig, type Config, type KeyValue } from "../../src/config/schema.ts";
import type { Spec } from "../../src/oci/spec.ts";

const G = 1024n ** 3n;

function config(values: Record<string, KeyValue> = {}): Config {
  return buildConfig((k) => values[k.key]);
}

function spec(env: string[], extra: Partial<Spec> = {}): Spec {
  return { ociVersion: "1.0.2", process: { env }, ...extra } as Spec;
}

const GENV = { "xpu-allocator.accept-genv-variables": true };

Deno.test("allocationRequest(): a count with its defaults", () => {
  assertEquals(allocationRequest(spec(["CXPU_DEVICE_COUNT=2"]), config()), {
    kind: "count",
    count: 2,
    variable: "CXPU_DEVICE_COUNT",
    environment: undefined,
    memory: undefined,
    oversubscribe: false,
    waitMs: 0,
    deviceLocks: false,
  });
});

Deno.test("allocationRequest(): every variable of a count", () => {
  const env = [
    "CXPU_DEVICE_COUNT= 1 ",
    "CXPU_CONTAINER_MEMORY_LIMIT=4g",
    "CXPU_ENVIRONMENT_ID=job-7",
    "CXPU_ALLOW_OVERSUBSCRIPTION=yes",
    "CXPU_ALLOCATION_WAIT=2m",
    "CXPU_MOUNT_DEVICE_LOCKS=1",
  ];
  assertEquals(allocationRequest(spec(env), config()), {
    kind: "count",
    count: 1,
    variable: "CXPU_DEVICE_COUNT",
    environment: "job-7",
    memory: { bytes: 4n * G, variable: "CXPU_CONTAINER_MEMORY_LIMIT" },
    oversubscribe: true,
    waitMs: 120_000,
    deviceLocks: true,
  });
});

Deno.test("allocationRequest(): a count wins over a device list an image sets", () => {
  const got = allocationRequest(
    spec(["CXPU_VISIBLE_DEVICES=all", "CXPU_DEVICE_COUNT=1"]),
    config(),
  );
  assertEquals(got?.kind, "count");
});

Deno.test("allocationRequest(): genv's names only with accept-genv-variables, and 1000-based sizes", () => {
  const env = [
    "GENV_GPUS=2",
    "GENV_GPU_MEMORY=4g",
    "GENV_ENVIRONMENT_ID=e",
    "GENV_ALLOW_OVER_SUBSCRIPTION=1",
  ];
  assertEquals(allocationRequest(spec(env), config()), undefined);
  assertEquals(allocationRequest(spec(env), config(GENV)), {
    kind: "count",
    count: 2,
    variable: "GENV_GPUS",
    environment: "e",
    memory: { bytes: 4_000_000_000n, variable: "GENV_GPU_MEMORY" },
    oversubscribe: true,
    waitMs: 0,
    deviceLocks: false,
  });
  // The toolkit's own names win over genv's.
  const both = allocationRequest(
    spec([...env, "CXPU_DEVICE_COUNT=1", "CXPU_CONTAINER_MEMORY_LIMIT=1g"]),
    config(GENV),
  );
  assertEquals(both?.kind === "count" && [both.count, both.memory], [1, {
    bytes: G,
    variable: "CXPU_CONTAINER_MEMORY_LIMIT",
  }]);
});

Deno.test("allocationRequest(): explicit device lists are held; UUIDs, CDI names and none are not", () => {
  assertEquals(allocationRequest(spec(["CXPU_VISIBLE_DEVICES=1,0"]), config()), {
    kind: "explicit",
    devices: [1, 0],
    environment: undefined,
    memory: undefined,
  });
  assertEquals(allocationRequest(spec(["CXPU_VISIBLE_DEVICES=all"]), config())?.kind, "explicit");
  for (const list of ["none", "XPU-1234abcd", "kunlunxin.com/xpu=0", ""]) {
    assertEquals(allocationRequest(spec([`CXPU_VISIBLE_DEVICES=${list}`]), config()), undefined);
  }
  assertEquals(allocationRequest(spec(["PATH=/bin"]), config()), undefined);
});

Deno.test("allocationRequest(): requests from a scheduler are never allocated or recorded", () => {
  const mounts = [{ destination: "/var/run/xpu-container-devices/0", source: "/dev/null" }];
  const byMount = config({ "accept-xpu-visible-devices-as-volume-mounts": true });
  assertEquals(allocationRequest(spec(["CXPU_DEVICE_COUNT=1"], { mounts }), byMount), undefined);
  assertEquals(allocationRequest(spec([], { mounts }), byMount), undefined);
  const annotations = { "cdi.k8s.io/xpu": "kunlunxin.com/xpu=0" };
  assertEquals(
    allocationRequest(spec(["CXPU_DEVICE_COUNT=1"], { annotations }), config()),
    undefined,
  );
});

Deno.test("allocationRequest(): unprivileged containers' variables count only where the config lets them", () => {
  const strict = config({ "accept-xpu-visible-devices-envvar-when-unprivileged": false });
  assertEquals(allocationRequest(spec(["CXPU_DEVICE_COUNT=1"]), strict), undefined);
});

for (
  const [env, message] of [
    [
      "CXPU_DEVICE_COUNT=x",
      'Invalid CXPU_DEVICE_COUNT "x": expected a number of devices, 1 to 1024',
    ],
    [
      "CXPU_DEVICE_COUNT=0",
      'Invalid CXPU_DEVICE_COUNT "0": expected a number of devices, 1 to 1024',
    ],
    [
      "CXPU_DEVICE_COUNT=1025",
      'Invalid CXPU_DEVICE_COUNT "1025": expected a number of devices, 1 to 1024',
    ],
    [
      "CXPU_DEVICE_COUNT=-1",
      'Invalid CXPU_DEVICE_COUNT "-1": expected a number of devices, 1 to 1024',
    ],
    [
      "CXPU_ALLOW_OVERSUBSCRIPTION=maybe",
      'Invalid CXPU_ALLOW_OVERSUBSCRIPTION "maybe": expected 1 or 0 (or true, false, yes, no, on, off)',
    ],
    [
      "CXPU_ALLOCATION_WAIT=soon",
      'Invalid CXPU_ALLOCATION_WAIT "soon": expected a duration such as 30s, 500ms or 2m, at most 1h',
    ],
    [
      "CXPU_ALLOCATION_WAIT=2h",
      'Invalid CXPU_ALLOCATION_WAIT "2h": expected a duration such as 30s, 500ms or 2m, at most 1h',
    ],
    [
      "CXPU_ENVIRONMENT_ID=a b",
      'Invalid CXPU_ENVIRONMENT_ID "a b": expected printable ASCII without spaces, at most 256 characters',
    ],
    [
      "CXPU_CONTAINER_MEMORY_LIMIT=lots",
      'Invalid CXPU_CONTAINER_MEMORY_LIMIT "lots": expected bytes',
    ],
    ["GENV_GPU_MEMORY=0", 'Invalid GENV_GPU_MEMORY "0": must be more than 0'],
  ]
) {
  Deno.test(`allocationRequest() refuses ${env} naming the variable`, () => {
    const e = [env!, ...(env!.startsWith("CXPU_DEVICE_COUNT") ? [] : ["CXPU_DEVICE_COUNT=1"])];
    assertThrows(() => allocationRequest(spec(e), config(GENV)), RequestError, message);
  });
}
