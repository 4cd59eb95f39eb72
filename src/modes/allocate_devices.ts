/**
 * The allocate step's work, loaded only for a container that asks the allocator for
 * something (see allocate.ts): choosing under the state's lock, waiting, the spec's edits.
 * @module
 */

import type { Config } from "../config/schema.ts";
import { GENV_MEMORY, MEMORY_LIMIT, VISIBLE_DEVICES } from "../config/variables.ts";
import { type Device, environmentOf } from "../alloc/model.ts";
import { type Ask, choose, type Chosen, isRefusal, type Refusal } from "../alloc/select.ts";
import { thisProcess } from "../alloc/liveness.ts";
import type { Entry } from "../alloc/state.ts";
import type { AllocationStore } from "../alloc/store.ts";
import { hostDevices, storeOf } from "../alloc/host.ts";
import { deviceLockMounts } from "../alloc/locks.ts";
import { xpuNodeName } from "../discover/xpu_nodes.ts";
import type { AllocationRequest, CountRequest } from "./allocation.ts";
import type { Caller, RequestStepResult } from "./mode.ts";
import { errorMessage } from "../internal/errors.ts";
import type { MessageLog } from "../internal/log.ts";

/** How often a waiting create looks again. */
const POLL_MS = 250;

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Allocates what the container `caller.containerId` asks for (`request`): the changes that give
 * it the devices the allocator chose (their poststop hook releases them), or none for a device
 * list it names, which is recorded as held (or a warning says why not). Throws when a count
 * cannot be met (after CXPU_ALLOCATION_WAIT), naming who holds what.
 */
export function allocateFor(
  config: Config,
  caller: Caller & { readonly containerId: string },
  request: AllocationRequest,
): RequestStepResult {
  const id = caller.containerId;
  const store = storeOf(config);
  const devices = hostDevices(config);
  const entry = (held: readonly number[], explicit: boolean): Entry => ({
    container: id,
    environment: environmentOf(request.environment, id),
    devices: held,
    memory: request.memory?.bytes,
    explicit,
    since: new Date().toISOString(),
    creator: thisProcess(),
    runtimeRoot: caller.runtimeRoot,
  });
  if (request.kind === "explicit") {
    // The state holds each index once, ascending, whatever order the list gives.
    const held = request.devices === "all"
      ? devices.map((d) => d.index)
      : [...new Set(request.devices)].sort((a, b) => a - b);
    try {
      store.update(({ entries }) => ({
        entries: [...entries.filter((e) => e.container !== id), entry(held, true)],
        result: undefined,
      }), (line) => caller.log.info(line));
    } catch (e) {
      caller.log.warn(`${errorMessage(e)}; devices ${held.join(",")} not recorded as held`);
    }
    return {};
  }
  const ask: Ask = {
    container: id,
    environment: environmentOf(request.environment, id),
    count: request.count,
    memory: request.memory?.bytes,
    oversubscribe: request.oversubscribe,
  };
  const chosen = chooseWaiting(
    store,
    devices,
    ask,
    request,
    caller.log,
    (c) => entry(c.devices, false),
  );
  const env = [`${VISIBLE_DEVICES}=${chosen.devices.join(",")}`];
  // genv's quota is the memory limit: the memory instance is made with it too.
  if (request.memory?.variable === GENV_MEMORY) {
    env.push(`${MEMORY_LIMIT.name}=${request.memory.bytes}`);
  }
  const mounts = request.deviceLocks ? deviceLockMounts(store.dir, chosen.devices) : [];
  const over = chosen.oversubscribed.length > 0
    ? ` (over-subscribed: ${chosen.oversubscribed.map(xpuNodeName).join(", ")})`
    : "";
  caller.log.info(
    `${request.variable}=${request.count}: container ${id} ${chosen.joined ? "shares" : "gets"} ${
      chosen.devices.map(xpuNodeName).join(", ")
    }${over}`,
  );
  return { edits: { env, mounts }, allocated: true };
}

/** Chooses and records under the store's lock, looking again until `request.waitMs` passes. */
function chooseWaiting(
  store: AllocationStore,
  devices: readonly Device[],
  ask: Ask,
  request: CountRequest,
  log: MessageLog,
  entryOf: (chosen: Chosen) => Entry,
): Chosen {
  const deadline = Date.now() + request.waitMs;
  for (let waited = false;; waited = true) {
    const choice = store.update<Chosen | Refusal>(({ entries }) => {
      const c = choose(devices, entries, ask);
      if (isRefusal(c)) return { result: c };
      const rest = entries.filter((e) => e.container !== ask.container);
      return { entries: [...rest, entryOf(c)], result: c };
    }, (line) => log.info(line));
    if (!isRefusal(choice)) return choice;
    const left = deadline - Date.now();
    if (!choice.waitingHelps || left <= 0) {
      throw new Error(
        waited ? `${choice.problem}; waited ${request.waitMs / 1000} s` : choice.problem,
      );
    }
    if (!waited) log.info(`${choice.problem}; waiting up to ${request.waitMs / 1000} s`);
    Atomics.wait(sleeper, 0, 0, Math.min(POLL_MS, left));
  }
}
