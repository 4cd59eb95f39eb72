import { assertEquals } from "../assert.ts";
import { legacyEdits } from "../../src/modes/legacy.ts";
import { HOOK_ENV } from "../../src/internal/helper_hooks.ts";
import { applyEdits } from "../../src/edits/edits.ts";
import type { Spec } from "../../src/oci/spec.ts";

const HOOK = "/usr/bin/xpu-container-runtime-hook";

Deno.test("legacyEdits() adds the prestart hook with a fixed minimal env", () => {
  const spec: Spec = {};
  applyEdits(spec, legacyEdits(spec, { hookPath: HOOK }));
  assertEquals(spec.hooks, {
    prestart: [{
      path: HOOK,
      args: ["xpu-container-runtime-hook", "prestart"],
      env: [...HOOK_ENV],
    }],
  });
});

Deno.test("legacyEdits() is idempotent", () => {
  const spec: Spec = {};
  applyEdits(spec, legacyEdits(spec, { hookPath: HOOK }));
  assertEquals(legacyEdits(spec, { hookPath: HOOK }), { hooks: [] });
});

Deno.test("legacyEdits() keeps an existing prestart hook of ours, found by path or args[0]", () => {
  for (
    const existing of [{ path: "/opt/xpu-container-toolkit" }, {
      path: "/x/ctk",
      args: ["xpu-container-runtime-hook", "prestart"],
    }]
  ) {
    const spec: Spec = { hooks: { prestart: [existing] } };
    assertEquals(legacyEdits(spec, { hookPath: HOOK }), { hooks: [] });
  }
  const foreign: Spec = { hooks: { prestart: [{ path: "/usr/bin/other-hook" }] } };
  assertEquals(
    legacyEdits(foreign, { hookPath: HOOK }).hooks?.length,
    1,
  );
});

Deno.test("legacyEdits() tells the hook about a non-default config file", () => {
  const edits = legacyEdits({}, { hookPath: HOOK, configPath: "/x/c.toml" });
  assertEquals(edits.hooks?.[0]?.args, [
    "xpu-container-runtime-hook",
    "-config",
    "/x/c.toml",
    "prestart",
  ]);
});

Deno.test("applyEdits() appends hooks after the engine's own and replaces env by name", () => {
  const spec: Spec = {
    process: { env: ["A=1", "B=2"] },
    hooks: { prestart: [{ path: "/engine" }] },
  };
  applyEdits(spec, {
    env: ["B=3", "C=4"],
    hooks: [{ hookName: "prestart", path: "/ours" }],
  });
  assertEquals(spec.process?.env, ["A=1", "B=3", "C=4"]);
  assertEquals(spec.hooks?.prestart?.map((h) => h.path), ["/engine", "/ours"]);
});
