/**
 * The allocation step's work, loaded only for a container that asks the allocator for
 * something (see allocate.ts): choosing under the state's lock, waiting, editing the spec.
 * @module
 */

import type { Config } from "../config/schema.ts";
import { GENV_MEMORY, MEMORY_LIMIT, VISIBLE_DEVICES } from "../config/variables.ts";
import type { Spec } from "../oci/spec.ts";
import type { Device } from "../alloc/model.ts";
import { type Ask, choose, type Chosen, isRefusal, type Refusal } from "../alloc/select.ts";
import { thisProcess } from "../alloc/liveness.ts";
import type { Entry } from "../alloc/state.ts";
import type { AllocationStore } from "../alloc/store.ts";
import { hostDevices, storeOf } from "../alloc/host.ts";
import { deviceLockMounts } from "../alloc/locks.ts";
import { applyEdits } from "../edits/edits.ts";
import type { AllocationRequest, CountRequest } from "../modes/allocation.ts";
import { errorMessage } from "../internal/errors.ts";
import type { Logger } from "../internal/log.ts";
import type { ModifyContext } from "./modify_context.ts";

/** How often a waiting create looks again. */
const POLL_MS = 250;

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Allocates for `spec`'s container what it asks for (`request`), editing `spec`:
 * true when it now holds devices the allocator chose, which its poststop hook releases (see
 * withReleaseHook). A device list it names is recorded as held, or a warning says why not.
 * Throws when a count cannot be met (after CXPU_ALLOCATION_WAIT), naming who holds what.
 */
export function allocate(
  config: Config,
  spec: Spec,
  ctx: ModifyContext & { readonly containerId: string },
  request: AllocationRequest,
): boolean {
  const id = ctx.containerId;
  const store = storeOf(config);
  const devices = hostDevices(config);
  const entry = (held: readonly number[], explicit: boolean): Entry => ({
    container: id,
    environment: request.environment ?? id,
    devices: held,
    memory: request.memory?.bytes,
    explicit,
    since: new Date().toISOString(),
    creator: thisProcess(),
    runtimeRoot: ctx.runtimeRoot,
  });
  if (request.kind === "explicit") {
    const held = request.devices === "all" ? devices.map((d) => d.index) : request.devices;
    try {
      store.update(({ entries }) => ({
        entries: [...entries.filter((e) => e.container !== id), entry(held, true)],
        result: undefined,
      }));
    } catch (e) {
      ctx.log.warn(`${errorMessage(e)}; devices ${held.join(",")} not recorded as held`);
    }
    return false;
  }
  const ask: Ask = {
    container: id,
    environment: request.environment ?? id,
    count: request.count,
    memory: request.memory?.bytes,
    oversubscribe: request.oversubscribe,
  };
  const chosen = chooseWaiting(
    store,
    devices,
    ask,
    request,
    ctx.log,
    (c) => entry(c.devices, false),
  );
  const env = [`${VISIBLE_DEVICES}=${chosen.devices.join(",")}`];
  // genv's quota is the memory limit: the memory instance is made with it too.
  if (request.memory?.variable === GENV_MEMORY) {
    env.push(`${MEMORY_LIMIT.name}=${request.memory.bytes}`);
  }
  const mounts = request.deviceLocks ? deviceLockMounts(store.dir, chosen.devices) : [];
  applyEdits(spec, { env, mounts });
  const over = chosen.oversubscribed.length > 0
    ? ` (over-subscribed: ${chosen.oversubscribed.map((n) => `xpu${n}`).join(", ")})`
    : "";
  ctx.log.info(
    `${request.variable}=${request.count}: container ${id} ${chosen.joined ? "shares" : "gets"} ${
      chosen.devices.map((n) => `xpu${n}`).join(", ")
    }${over}`,
  );
  return true;
}

/** Chooses and records under the store's lock, looking again until `request.waitMs` passes. */
function chooseWaiting(
  store: AllocationStore,
  devices: readonly Device[],
  ask: Ask,
  request: CountRequest,
  log: Logger,
  entryOf: (chosen: Chosen) => Entry,
): Chosen {
  const deadline = Date.now() + request.waitMs;
  for (let waited = false;; waited = true) {
    const choice = store.update<Chosen | Refusal>(({ entries }) => {
      const c = choose(devices, entries, ask);
      if (isRefusal(c)) return { result: c };
      const rest = entries.filter((e) => e.container !== ask.container);
      return { entries: [...rest, entryOf(c)], result: c };
    });
    if (!isRefusal(choice)) return choice;
    const left = deadline - Date.now();
    if (!choice.waitingHelps || left <= 0) {
      const after = waited ? `; waited ${request.waitMs / 1000} s` : "";
      throw new Error(`${choice.problem}${after}`);
    }
    if (!waited) log.info(`${choice.problem}; waiting up to ${request.waitMs / 1000} s`);
    Atomics.wait(sleeper, 0, 0, Math.min(POLL_MS, left));
  }
}
