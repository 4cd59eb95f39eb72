/**
 * A process that uses the allocation store as the shim does, for the tests that need many
 * processes or one killed at a chosen point: `allocate DIR CONTAINER MEMORY` chooses a device
 * for a memory share and records it, prints the devices (or `refused`), then stays alive until
 * stdin closes, as a container would; `hang DIR` takes the lock, prints `locked` and waits;
 * `hang-temp DIR` also writes the temp file a writer writes before its rename.
 * @module
 */

import { AllocationStore } from "../../src/alloc/store.ts";
import { choose, isRefusal } from "../../src/alloc/select.ts";
import { thisProcess } from "../../src/alloc/liveness.ts";
import { writeTemp } from "../../src/internal/fs.ts";

const [mode, dir, container, memory] = Deno.args;
const store = new AllocationStore(dir!);
const G = 1024n ** 3n;
const say = (line: string) => Deno.stdout.writeSync(new TextEncoder().encode(`${line}\n`));
const forever = () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);

if (mode === "allocate") {
  const got = store.update(({ entries }) => {
    const choice = choose([{ index: 0, memory: 16n * G }, { index: 1, memory: 16n * G }], entries, {
      container: container!,
      environment: container!,
      count: 1,
      memory: BigInt(memory!),
      oversubscribe: false,
    });
    if (isRefusal(choice)) return { result: "refused" };
    const entry = {
      container: container!,
      environment: container!,
      devices: choice.devices,
      memory: BigInt(memory!),
      explicit: false,
      since: new Date().toISOString(),
      creator: thisProcess(),
      runtimeRoot: "/nonexistent",
    };
    return { entries: [...entries, entry], result: choice.devices.join(",") };
  });
  say(got);
  // Alive, as the container would be, until the test closes stdin.
  await Deno.stdin.readable.pipeTo(new WritableStream());
} else {
  store.update(() => {
    if (mode === "hang-temp") writeTemp(store.file, "{ half written", 0o644);
    say("locked");
    forever();
    return { result: undefined };
  });
}
