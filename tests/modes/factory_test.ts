import { assertEquals } from "../assert.ts";
import { modeFor, MODES } from "../../src/modes/factory.ts";
import { hookCanCarryOut, type ModeName, needsCli } from "../../src/modes/mode.ts";
import { keySpec } from "../../src/config/schema.ts";
import { REQUEST_STEPS } from "../../src/modes/modify_spec.ts";

const EXPECTED: [
  ModeName,
  string[],
  { needsCli: boolean; byHook: boolean; annotations: boolean },
][] = [
  ["legacy", ["legacy", "memoryInstance", "rootlessDevices"], {
    needsCli: true,
    byHook: true,
    annotations: false,
  }],
  ["csv", ["removeOurHooks", "csv", "prepareRoot", "memoryInstance", "rootlessDevices"], {
    needsCli: false,
    byHook: false,
    annotations: false,
  }],
  ["cdi", ["removeOurHooks", "cdi", "prepareRoot", "memoryInstance", "rootlessDevices"], {
    needsCli: false,
    byHook: false,
    annotations: true,
  }],
];

for (const [name, steps, facts] of EXPECTED) {
  Deno.test(`modeFor() gives ${name} mode the steps ${steps.join(", ")}, in order`, async () => {
    const mode = modeFor({ mode: name, facts: [] });
    assertEquals(mode.name, name);
    assertEquals((await mode.steps()).map((s) => s.name), steps);
  });

  Deno.test(`${name} mode ${facts.needsCli ? "needs" : "does not need"} the cli for every container, and the hook ${facts.byHook ? "can" : "cannot"} carry it out`, () => {
    const mode = modeFor({ mode: name, facts: [] });
    assertEquals(needsCli(mode), facts.needsCli);
    assertEquals(hookCanCarryOut(mode), facts.byHook);
    assertEquals(mode.acceptsAnnotations, facts.annotations);
  });
}

Deno.test("MODES has exactly the modes the config accepts besides auto", () => {
  const type = keySpec("xpu-container-runtime.mode")?.type;
  const accepted = type?.kind === "enum" ? type.values.filter((v) => v !== "auto") : [];
  assertEquals(Object.keys(MODES).sort(), [...accepted].sort());
  assertEquals(Object.keys(MODES).sort(), EXPECTED.map(([name]) => name).sort());
  for (const [name, mode] of Object.entries(MODES)) assertEquals(mode.name, name);
});

Deno.test("every mode gives the memory limit its instance, then rewrites devices for a rootless runtime, as its last steps", async () => {
  for (const mode of Object.values(MODES)) {
    assertEquals(
      (await mode.steps()).slice(-2).map((s) => s.name),
      ["memoryInstance", "rootlessDevices"],
      mode.name,
    );
  }
});

Deno.test("every create runs the allocate step before its mode is chosen", () => {
  assertEquals(REQUEST_STEPS.map((s) => s.name), ["allocate"]);
});
