import { assertEquals } from "../assert.ts";
import { cdiEdits } from "../../src/modes/cdi_edits.ts";
import type { CdiSpec } from "../../src/cdi/spec.ts";
import type { Registry } from "../../src/cdi/registry.ts";

function registry(spec: CdiSpec): Registry {
  const devices = new Map(spec.devices.map((device) => {
    const name = `${spec.kind}=${device.name}`;
    return [name, { name, device, spec, file: "/etc/cdi/x.json" }] as const;
  }));
  return { devices, problems: [], broken: [] };
}

Deno.test("cdiEdits() puts host paths into the spec normalised", () => {
  const spec: CdiSpec = {
    cdiVersion: "0.5.0",
    kind: "a.com/x",
    devices: [{
      name: "0",
      containerEdits: {
        deviceNodes: [{ path: "/dev/null0", hostPath: "/dev/./../dev//null" }],
        mounts: [
          { hostPath: "/usr/../lib//x.so/", containerPath: "/lib/x.so" },
          { hostPath: "tmpfs", containerPath: "/scratch", type: "tmpfs" },
        ],
      },
    }],
  };
  const [edits] = cdiEdits(["a.com/x=0"], registry(spec));
  assertEquals(edits?.mounts?.map((m) => m.source), ["/lib/x.so", "tmpfs"]);
  assertEquals(
    edits?.deviceNodes?.map((n) => [n.hostPath, n.type, n.major, n.minor]),
    [["/dev/null", "c", 1, 3]],
  );
});
