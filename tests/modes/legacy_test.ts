import { assertEquals } from "../assert.ts";
import { legacyChanges } from "../../src/modes/legacy.ts";
import { hookBinaryHook } from "../../src/modes/our_hooks.ts";
import { FRONT_PROGRAMS } from "../../src/modes/prestart_front.ts";
import { HOOK_ENV } from "../../src/internal/helper_hooks.ts";
import { applyChanges, applyEdits } from "../../src/edits/edits.ts";
import type { Hook, Spec } from "../../src/oci/spec.ts";

const HOOK = "/usr/bin/xpu-container-runtime-hook";
const PRESTART = hookBinaryHook({ hookPath: HOOK }, "prestart");

/** A front as prestartFront builds it, its script and words shortened. */
function front(word: string): Hook {
  return {
    path: FRONT_PROGRAMS.shell,
    args: ["xpu-container-runtime-hook", "-c", "script", "xpu-container-runtime-hook", word],
    env: [...HOOK_ENV],
  };
}

Deno.test("legacyChanges() adds the prestart hook with a fixed minimal env", () => {
  const spec: Spec = {};
  applyChanges(spec, legacyChanges(spec, PRESTART));
  assertEquals(spec.hooks, {
    prestart: [{
      path: HOOK,
      args: ["xpu-container-runtime-hook", "prestart"],
      env: [...HOOK_ENV],
    }],
  });
});

Deno.test("legacyChanges() is idempotent, for the hook and for the front", () => {
  for (const hook of [PRESTART, front("a")]) {
    const spec: Spec = {};
    applyChanges(spec, legacyChanges(spec, hook));
    assertEquals(legacyChanges(spec, hook), {});
  }
});

Deno.test("legacyChanges() keeps an existing prestart hook of ours, found by path or args[0]", () => {
  for (
    const existing of [{ path: "/opt/xpu-container-toolkit" }, {
      path: "/x/ctk",
      args: ["xpu-container-runtime-hook", "prestart"],
    }]
  ) {
    const spec: Spec = { hooks: { prestart: [existing] } };
    assertEquals(legacyChanges(spec, PRESTART), {});
    assertEquals(legacyChanges(spec, front("a")), {});
  }
  const foreign: Spec = { hooks: { prestart: [{ path: "/usr/bin/other-hook" }] } };
  assertEquals(legacyChanges(foreign, PRESTART).edits?.hooks?.length, 1);
});

Deno.test("legacyChanges() replaces a front an earlier create left, and only ours", () => {
  const other = { path: "/usr/bin/other-hook" };
  const spec: Spec = { hooks: { prestart: [other, front("old")] } };
  applyChanges(spec, legacyChanges(spec, front("new")));
  assertEquals(spec.hooks?.prestart, [other, front("new")]);
  applyChanges(spec, legacyChanges(spec, PRESTART));
  assertEquals(spec.hooks?.prestart, [other, PRESTART]);
});

Deno.test("hookBinaryHook() tells the hook about a non-default config file", () => {
  assertEquals(hookBinaryHook({ hookPath: HOOK, configPath: "/x/c.toml" }, "prestart").args, [
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
