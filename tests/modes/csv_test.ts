import { assertEquals, assertThrows } from "../assert.ts";
import { csvEdits, prepareCsv } from "../../src/modes/csv.ts";
import { applyEdits } from "../../src/edits/edits.ts";
import type { HostFiles } from "../../src/discover/host_files.ts";
import type { DeviceRequest } from "../../src/modes/request.ts";
import { RequestError } from "../../src/modes/request.ts";
import type { Spec } from "../../src/oci/spec.ts";
import { TESTDATA } from "../helpers.ts";

const FILES: HostFiles = {
  devices: [
    { path: "/dev/xpu0", hostPath: "/drv/dev/xpu0", major: 240, minor: 0, fileMode: 0o666 },
    { path: "/dev/xpu1", hostPath: "/drv/dev/xpu1", major: 240, minor: 1, fileMode: 0o660 },
    { path: "/dev/xpuctrl", hostPath: "/drv/dev/xpuctrl", major: 240, minor: 255, fileMode: 0o666 },
  ],
  mounts: [
    {
      path: "/usr/local/xpu/lib64/libxpuml.so.1.2.3",
      hostPath: "/drv/usr/local/xpu/lib64/libxpuml.so.1.2.3",
    },
    { path: "/usr/local/xpu/bin", hostPath: "/drv/usr/local/xpu/bin" },
  ],
  links: [{ target: "libxpuml.so.1.2.3", link: "/usr/local/xpu/lib64/libxpuml.so.1" }],
  libraryDirs: ["/usr/local/xpu/lib64"],
  warnings: [],
};

const OPTS = { ctkPath: "/usr/bin/xpu-ctk" };

function request(devices: DeviceRequest["devices"]): DeviceRequest {
  return {
    devices,
    capabilities: ["utility", "compute"],
    requirements: [],
    memoryLimit: undefined,
    source: "CXPU_VISIBLE_DEVICES",
  };
}

function runcSpec(): Spec {
  return JSON.parse(Deno.readTextFileSync(`${TESTDATA}/bundles/runc-spec.json`));
}

function apply(spec: Spec, devices: DeviceRequest["devices"]): Spec {
  prepareCsv(spec);
  applyEdits(spec, csvEdits(request(devices), FILES, OPTS));
  return spec;
}

Deno.test("csv mode edits a runc spec exactly as the golden file says", () => {
  const spec = apply(runcSpec(), ["1"]);
  const golden = `${TESTDATA}/golden/csv-runc-spec.json`;
  if (Deno.env.get("UPDATE_GOLDEN")) {
    Deno.writeTextFileSync(golden, `${JSON.stringify(spec, null, "\t")}\n`);
  }
  assertEquals(`${JSON.stringify(spec, null, "\t")}\n`, Deno.readTextFileSync(golden));
});

Deno.test("csv mode is idempotent and removes the legacy prestart hook", () => {
  const spec = runcSpec();
  spec.hooks = {
    prestart: [
      {
        path: "/usr/bin/xpu-container-runtime-hook",
        args: ["xpu-container-runtime-hook", "prestart"],
      },
      { path: "/usr/bin/engine-hook" },
    ],
  };
  const once = JSON.stringify(apply(spec, ["1"]));
  const twice = JSON.stringify(apply(JSON.parse(once), ["1"]));
  assertEquals(twice, once);
  assertEquals(spec.hooks.prestart?.map((h) => h.path), ["/usr/bin/engine-hook"]);
});

Deno.test("csv mode replaces a mount at the same destination in place, keeping the engine's order", () => {
  const spec = runcSpec();
  const engine = spec.mounts!.map((m) => m.destination);
  spec.mounts!.splice(2, 0, {
    destination: "/usr/local/xpu/bin",
    source: "/image/bin",
    type: "bind",
    options: ["rbind"],
  });
  apply(spec, ["0"]);
  const dests = spec.mounts!.map((m) => m.destination);
  assertEquals(dests.slice(0, engine.length + 1), [
    ...engine.slice(0, 2),
    "/usr/local/xpu/bin",
    ...engine.slice(2),
  ]);
  assertEquals(spec.mounts![2]?.source, "/drv/usr/local/xpu/bin");
  assertEquals(dests.filter((d) => d === "/usr/local/xpu/bin").length, 1);
});

Deno.test("csv mode gives only the requested /dev/xpu<N>, and every other dev entry", () => {
  const nodes = (devices: DeviceRequest["devices"]) =>
    apply(runcSpec(), devices).linux!.devices!.map((d) => d.path);
  assertEquals(nodes(["1"]), ["/dev/xpu1", "/dev/xpuctrl"]);
  assertEquals(nodes(["1", "0"]), ["/dev/xpu0", "/dev/xpu1", "/dev/xpuctrl"]);
  assertEquals(nodes("all"), ["/dev/xpu0", "/dev/xpu1", "/dev/xpuctrl"]);
  assertEquals(nodes("none"), ["/dev/xpuctrl"]);
  const none = apply(runcSpec(), "none");
  assertEquals(
    none.mounts!.some((m) => m.destination === "/usr/local/xpu/lib64/libxpuml.so.1.2.3"),
    true,
  );
});

Deno.test("csv mode refuses devices it cannot map", () => {
  assertThrows(
    () => csvEdits(request(["XPU-1234"]), FILES, OPTS),
    RequestError,
    'Device "XPU-1234" cannot be used in csv mode',
  );
  assertThrows(
    () => csvEdits(request(["7"]), FILES, OPTS),
    RequestError,
    'XPU "7" is not available: the CSV specs list "/dev/xpu0", "/dev/xpu1"',
  );
});

Deno.test("csv mode tells helper hooks about a non-default config", () => {
  const edits = csvEdits(request(["0"]), FILES, { ctkPath: "/x/xpu-ctk", configPath: "/c.toml" });
  assertEquals(edits.hooks?.map((h) => h.args?.slice(0, 5)), [
    ["xpu-ctk", "hook", "create-symlinks", "--config", "/c.toml"],
    ["xpu-ctk", "hook", "update-ldcache", "--config", "/c.toml"],
  ]);
});
