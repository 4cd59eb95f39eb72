import { assertEquals } from "./assert.ts";
import { parse } from "yaml";
import { configFromString } from "../src/config/load.ts";
import { ROOT } from "./helpers.ts";

const DIR = `${ROOT}/deploy/kubernetes`;

Deno.test("the RuntimeClass is a valid node.k8s.io/v1 object for the xpu handler", () => {
  const rc = parse(Deno.readTextFileSync(`${DIR}/runtimeclass.yaml`));
  assertEquals(rc.apiVersion, "node.k8s.io/v1");
  assertEquals(rc.kind, "RuntimeClass");
  assertEquals(rc.metadata.name, "xpu");
  // The handler is the runtime name `xpu-ctk runtime configure` registers by default.
  assertEquals(rc.handler, "xpu");
  assertEquals(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(rc.handler), true);
  assertEquals(Object.keys(rc).sort(), ["apiVersion", "handler", "kind", "metadata", "scheduling"]);
});

Deno.test("the example pod uses the RuntimeClass and asks the device plugin, not a pod annotation", async () => {
  const pod = parse(Deno.readTextFileSync(`${DIR}/example-pod.yaml`));
  assertEquals([pod.apiVersion, pod.kind, pod.spec.runtimeClassName], ["v1", "Pod", "xpu"]);
  // containerd passes only container annotations (set by the device plugin) to the runtime.
  assertEquals(pod.metadata.annotations, undefined);
  assertEquals(pod.spec.containers[0].resources.limits, { "kunlunxin.com/xpu": 1 });
  // What the drop-in lets through (cdi.k8s.io/*) is what the runtime reads by default.
  const prefixes =
    (await configFromString("")).config["xpu-container-runtime"].modes.cdi["annotation-prefixes"];
  assertEquals(prefixes, ["cdi.k8s.io/"]);
});
