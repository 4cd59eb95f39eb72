import { assertEquals } from "../assert.ts";
import {
  deviceNameProblem,
  isQualifiedName,
  kindOf,
  kindProblem,
  parseQualifiedName,
} from "../../src/internal/cdi_names.ts";
import { minimumVersion } from "../../src/cdi/version.ts";
import type { CdiSpec } from "../../src/cdi/spec.ts";

Deno.test("parseQualifiedName() splits vendor/class=name and rejects what is not one", () => {
  assertEquals(parseQualifiedName("kunlunxin.com/xpu=0"), { kind: "kunlunxin.com/xpu", name: "0" });
  assertEquals(parseQualifiedName("vendor.com/gpu.mig=gpu0:1"), {
    kind: "vendor.com/gpu.mig",
    name: "gpu0:1",
  });
  for (
    const bad of [
      "xpu=0",
      "kunlunxin.com/xpu",
      "/xpu=0",
      "kunlunxin.com/=0",
      "kunlunxin.com/xpu=",
      "k.com/x=a/b",
    ]
  ) {
    assertEquals(typeof parseQualifiedName(bad), "string", bad);
  }
});

Deno.test("kind and device name rules", () => {
  assertEquals(kindProblem("kunlunxin.com/xpu"), undefined);
  assertEquals(kindProblem("a_b-c.d/e.f"), undefined);
  assertEquals(kindProblem("vendor.com/x_"), 'class "x_" should end with a letter or digit');
  assertEquals(deviceNameProblem("0"), undefined);
  assertEquals(deviceNameProblem("a"), undefined);
  assertEquals(deviceNameProblem("a."), 'device name "a." should end with a letter or digit');
});

function spec(extra: Partial<CdiSpec>, device: Partial<CdiSpec["devices"][number]> = {}): CdiSpec {
  return {
    cdiVersion: "",
    kind: "vendor.com/device",
    devices: [{ name: "a", containerEdits: { env: ["A=1"] }, ...device }],
    ...extra,
  };
}

const VERSIONS: [string, CdiSpec, string][] = [
  ["nothing special", spec({}), "0.3.0"],
  [
    "a mount type",
    spec({ containerEdits: { mounts: [{ hostPath: "/a", containerPath: "/a", type: "bind" }] } }),
    "0.4.0",
  ],
  [
    "a device node hostPath",
    spec({}, { containerEdits: { deviceNodes: [{ path: "/dev/a", hostPath: "/dev/b" }] } }),
    "0.5.0",
  ],
  ["a device name starting with a digit", spec({}, { name: "0" }), "0.5.0"],
  ["spec annotations", spec({ annotations: { a: "b" } }), "0.6.0"],
  ["device annotations", spec({}, { annotations: { a: "b" } }), "0.6.0"],
  ["a dot in the class", spec({ kind: "vendor.com/gpu.mig" }), "0.6.0"],
  ["additionalGids", spec({}, { containerEdits: { additionalGids: [5] } }), "0.7.0"],
  ["intelRdt", spec({ containerEdits: { intelRdt: {} } }), "0.7.0"],
  [
    "netDevices",
    spec({}, { containerEdits: { netDevices: [{ hostInterfaceName: "eth0", name: "n" }] } }),
    "1.1.0",
  ],
  [
    "hostPath and gids: the highest wins",
    spec({}, { name: "0", containerEdits: { additionalGids: [1] } }),
    "0.7.0",
  ],
];

for (const [what, s, version] of VERSIONS) {
  Deno.test(`minimumVersion() with ${what} is ${version}`, () => {
    assertEquals(minimumVersion(s).version, version);
  });
}

Deno.test("isQualifiedName() accepts exactly what parseQualifiedName() parses", () => {
  for (const name of ["kunlunxin.com/xpu=0", "vendor.example/class=all", "ven_dor.com/xpu=0"]) {
    assertEquals(isQualifiedName(name), true, name);
  }
  for (const name of ["0", "xpu=0", "1vendor.com/xpu=0", "vendor.com/xpu=", "vendor.com/=0"]) {
    assertEquals(isQualifiedName(name), false, name);
  }
});

Deno.test("kindOf() is the parsed kind, or undefined for what is not a qualified name", () => {
  assertEquals(kindOf("ven_dor.com/xpu=0"), "ven_dor.com/xpu");
  assertEquals(kindOf("vendor.com/gpu.mig=gpu0:1"), "vendor.com/gpu.mig");
  assertEquals(kindOf("1vendor.com/xpu=0"), undefined);
});
