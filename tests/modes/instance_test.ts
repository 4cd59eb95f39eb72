import { assertEquals } from "../assert.ts";
import {
  instanceDevices,
  instanceHookChanges,
  instanceHooks,
  memoryInstance,
} from "../../src/modes/instance.ts";
import { MODES } from "../../src/modes/factory.ts";
import { hostProbe } from "../../src/modes/resolve.ts";
import { deviceRequest } from "../../src/modes/request.ts";
import { defaultConfig } from "../../src/config/schema.ts";
import { Logger } from "../../src/internal/log.ts";
import { applyChanges, type NamedHook } from "../../src/edits/edits.ts";
import { HOOK_ENV } from "../../src/internal/helper_hooks.ts";
import type { DeviceRequest } from "../../src/modes/request.ts";
import type { Spec } from "../../src/oci/spec.ts";

const HOOK = "/usr/bin/xpu-container-runtime-hook";

/** Makes `hooks` the spec's only instance hooks of ours, as the memoryInstance step does. */
function replaceInstanceHooks(spec: Spec, hooks: readonly NamedHook[]): void {
  applyChanges(spec, instanceHookChanges(spec, hooks));
}

function request(devices: DeviceRequest["devices"]): DeviceRequest {
  return {
    devices,
    capabilities: [],
    requirements: [],
    memoryLimit: { bytes: 1n, variable: "CXPU_CONTAINER_MEMORY_LIMIT" },
    source: "CXPU_VISIBLE_DEVICES",
  };
}

const NODES: Spec = {
  linux: {
    devices: [
      { path: "/dev/xpu3", type: "c" },
      { path: "/dev/xpuctrl", type: "c" },
      { path: "/dev/xpu1", type: "c" },
      { path: "/dev/xpu10", type: "c" },
      { path: "/dev/fuse", type: "c" },
    ],
  },
};

Deno.test("instanceDevices() is the request's list, or for CDI devices the spec's nodes", () => {
  assertEquals(instanceDevices(NODES, request(["2", "XPU-ab"])), "2,XPU-ab");
  assertEquals(instanceDevices(NODES, request("all")), "all");
  assertEquals(instanceDevices(NODES, request("none")), undefined);
  assertEquals(instanceDevices(NODES, request(["kunlunxin.com/xpu=1"])), "1,3,10");
  assertEquals(instanceDevices(NODES, undefined), "1,3,10");
  assertEquals(instanceDevices({}, undefined), undefined);
  assertEquals(instanceDevices({}, request(["kunlunxin.com/xpu=1", "0"])), undefined);
});

Deno.test("instanceDevices() counts only nodes named as the driver names them", () => {
  const spec: Spec = {
    linux: {
      devices: [
        { path: "/dev/xpu01", type: "c" },
        { path: "/dev/xpu-1", type: "c" },
        { path: "/dev/xpu2", type: "c" },
        { path: "/dev/dri/xpu3", type: "c" },
      ],
    },
  };
  assertEquals(instanceDevices(spec, undefined), "2");
});

Deno.test("instanceHooks() runs the hook for the container id, with a fixed env", () => {
  assertEquals(instanceHooks({ hookPath: HOOK, containerId: "abc", configPath: "/c.toml" }), [
    {
      hookName: "createRuntime",
      path: HOOK,
      args: ["xpu-container-runtime-hook", "-config", "/c.toml", "createRuntime", "abc"],
      env: [...HOOK_ENV],
    },
    {
      hookName: "poststop",
      path: HOOK,
      args: ["xpu-container-runtime-hook", "-config", "/c.toml", "poststop", "abc"],
      env: [...HOOK_ENV],
    },
  ]);
});

Deno.test("instanceHookChanges() replaces another container's hooks and keeps foreign ones", () => {
  const spec: Spec = {
    hooks: {
      createRuntime: [{ path: "/engine/hook" }],
      poststop: [{ path: "/engine/cleanup" }],
    },
  };
  replaceInstanceHooks(spec, instanceHooks({ hookPath: HOOK, containerId: "first" }));
  replaceInstanceHooks(spec, instanceHooks({ hookPath: HOOK, containerId: "second" }));
  assertEquals(spec.hooks?.createRuntime?.map((h) => h.args?.at(-1) ?? h.path), [
    "/engine/hook",
    "second",
  ]);
  assertEquals(spec.hooks?.poststop?.map((h) => h.args?.at(-1) ?? h.path), [
    "/engine/cleanup",
    "second",
  ]);
  replaceInstanceHooks(spec, []);
  assertEquals(spec.hooks, {
    createRuntime: [{ path: "/engine/hook" }],
    poststop: [{ path: "/engine/cleanup" }],
  });
});

Deno.test("instanceHookChanges() leaves hooks that are already right where they are", () => {
  const spec: Spec = {};
  replaceInstanceHooks(spec, instanceHooks({ hookPath: HOOK, containerId: "c" }));
  spec.hooks!.poststop!.push({ path: "/engine/after" });
  const before = JSON.stringify(spec);
  replaceInstanceHooks(spec, instanceHooks({ hookPath: HOOK, containerId: "c" }));
  assertEquals(JSON.stringify(spec), before);
});

/** memoryInstance's hooks for a container of `env` in legacy mode, `allocated` or not. */
async function lifecycleHooks(env: string[], allocated: boolean) {
  const dir = Deno.makeTempDirSync();
  try {
    const hook = `${dir}/xpu-container-runtime-hook`;
    Deno.writeTextFileSync(hook, "#!/bin/sh\n");
    Deno.chmodSync(hook, 0o755);
    const defaults = defaultConfig();
    const config = {
      ...defaults,
      "xpu-container-runtime-hook": { ...defaults["xpu-container-runtime-hook"], path: hook },
    };
    const spec: Spec = { process: { env } };
    const changes = await memoryInstance.run({
      config,
      spec,
      added: {},
      request: deviceRequest(spec, config),
      allocated,
      mode: MODES.legacy,
      host: hostProbe(config, undefined),
      caller: {
        bundle: dir,
        specPath: `${dir}/config.json`,
        containerId: "c1",
        hookConfigPath: undefined,
        path: undefined,
        argv0: "xpu-container-runtime",
        log: new Logger(),
        runtimeRoot: "/run/runc",
      },
    });
    return (changes.edits?.hooks ?? []).map((h) => [h.hookName, ...(h.args ?? []).slice(1)]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

Deno.test("memoryInstance gives a container the allocator chose devices for its poststop hook", async () => {
  assertEquals(await lifecycleHooks(["CXPU_VISIBLE_DEVICES=1"], true), [[
    "poststop",
    "poststop",
    "c1",
  ]]);
  assertEquals(await lifecycleHooks(["CXPU_VISIBLE_DEVICES=1"], false), []);
  // With a memory limit the instance's poststop hook is the one: it releases the devices too.
  assertEquals(
    await lifecycleHooks(["CXPU_VISIBLE_DEVICES=1", "CXPU_CONTAINER_MEMORY_LIMIT=1g"], true),
    [["createRuntime", "createRuntime", "c1"], ["poststop", "poststop", "c1"]],
  );
});
