import { assertEquals } from "../assert.ts";
import { memoryOf, parseDeviceMemory } from "../../src/config/device_memory.ts";

const G = 1024n ** 3n;

Deno.test("parseDeviceMemory() reads one size for every device, or sizes per index", () => {
  const one = parseDeviceMemory("16g");
  if (typeof one === "string") throw new Error(one);
  assertEquals([memoryOf(one, 0), memoryOf(one, 7)], [16n * G, 16n * G]);
  const per = parseDeviceMemory(" 0=16g, 2 = 32GiB ,8g");
  if (typeof per === "string") throw new Error(per);
  assertEquals([memoryOf(per, 0), memoryOf(per, 1), memoryOf(per, 2)], [16n * G, 8n * G, 32n * G]);
  const none = parseDeviceMemory("");
  if (typeof none === "string") throw new Error(none);
  assertEquals(memoryOf(none, 0), undefined);
});

for (
  const [value, problem] of [
    ["16x", '"16x": expected bytes or a number with k, m, g or t (e.g. 4g, 512MiB)'],
    ["0", '"0": must be more than 0'],
    ["8g,16g", '"16g": a size for every device is given twice'],
    ["1=8g,1=16g", '"1=16g": device 1 is given twice'],
    ["x=8g", '"x=8g": expected a device index (0 to 1048575) before "="'],
    ["1048576=8g", '"1048576=8g": expected a device index (0 to 1048575) before "="'],
  ]
) {
  Deno.test(`parseDeviceMemory() refuses ${JSON.stringify(value)}`, () => {
    assertEquals(parseDeviceMemory(value!), problem);
  });
}
