import { thisProcess } from "../../src/alloc/liveness.ts";
import type { Entry } from "../../src/alloc/state.ts";

/** A live entry (this process created it) of `container` holding xpu0, with `extra` over it. */
export function liveEntry(container: string, extra: Partial<Entry> = {}): Entry {
  return {
    container,
    environment: container,
    devices: [0],
    memory: undefined,
    explicit: false,
    since: "2025-01-02T03:04:05.000Z",
    creator: thisProcess(),
    runtimeRoot: "/nonexistent",
    ...extra,
  };
}
