/**
 * The names of the environment variables a container asks for XPUs with (PRODUCT.md §3.1).
 * The toolkit's own use the vendor toolkit's `CXPU_` prefix; `XPU_*` names belong to the XPU
 * runtime inside the container (XPU_VISIBLE_DEVICES is its CUDA_VISIBLE_DEVICES) and are read
 * only as aliases, or, for XPU_VISIBLE_DEVICES, where the config says so.
 * @module
 */

/** A request variable and the older name accepted when it is unset. */
export interface RequestVariable {
  readonly name: string;
  readonly alias: string;
}

/** The device request. */
export const VISIBLE_DEVICES = "CXPU_VISIBLE_DEVICES";

/** The XPU runtime's own device selector: a request only with accept-xpu-visible-devices-envvar. */
export const XPU_VISIBLE_DEVICES = "XPU_VISIBLE_DEVICES";

/** The per-container XPU memory quota. */
export const MEMORY_LIMIT: RequestVariable = {
  name: "CXPU_CONTAINER_MEMORY_LIMIT",
  alias: "XPU_MEMORY_LIMIT",
};

/** The driver capabilities. */
export const DRIVER_CAPABILITIES: RequestVariable = {
  name: "CXPU_DRIVER_CAPABILITIES",
  alias: "XPU_DRIVER_CAPABILITIES",
};

/** The prefix of requirement variables (`CXPU_REQUIRE_<NAME>`). */
export const REQUIRE_PREFIX: RequestVariable = { name: "CXPU_REQUIRE_", alias: "XPU_REQUIRE_" };

/** Turns requirements off. */
export const DISABLE_REQUIRE: RequestVariable = {
  name: "CXPU_DISABLE_REQUIRE",
  alias: "XPU_DISABLE_REQUIRE",
};

/** A variable's value and the name it was found under. */
export interface Found {
  readonly name: string;
  readonly value: string;
}

/** `variable` in `env`: its own name if set (even empty), else its alias, else undefined. */
export function lookup(
  env: ReadonlyMap<string, string>,
  variable: RequestVariable,
): Found | undefined {
  for (const name of [variable.name, variable.alias]) {
    const value = env.get(name);
    if (value !== undefined) return { name, value };
  }
  return undefined;
}

/**
 * The requirement variables in `env` as found values, one per `<NAME>` (the `CXPU_` one wins),
 * ordered by `<NAME>`.
 */
export function requirements(env: ReadonlyMap<string, string>): Found[] {
  const suffixes = new Set<string>();
  for (const key of env.keys()) {
    for (const prefix of [REQUIRE_PREFIX.name, REQUIRE_PREFIX.alias]) {
      if (key.startsWith(prefix) && key.length > prefix.length) {
        suffixes.add(key.slice(prefix.length));
      }
    }
  }
  return [...suffixes].sort().map((suffix) =>
    lookup(env, {
      name: REQUIRE_PREFIX.name + suffix,
      alias: REQUIRE_PREFIX.alias + suffix,
    })!
  );
}

/**
 * True when `name` is one the request is read from (deviceRequest reads no other): the device
 * variables, the capability, memory and disable-require variables and their aliases, and the
 * requirement variables.
 */
export function isRequestVariable(name: string): boolean {
  if (name === VISIBLE_DEVICES || name === XPU_VISIBLE_DEVICES) return true;
  for (const v of [MEMORY_LIMIT, DRIVER_CAPABILITIES, DISABLE_REQUIRE]) {
    if (name === v.name || name === v.alias) return true;
  }
  return [REQUIRE_PREFIX.name, REQUIRE_PREFIX.alias].some((p) =>
    name.startsWith(p) && name.length > p.length
  );
}

/**
 * A variable of the allocator and genv's name for the same request, read only with
 * `[xpu-allocator] accept-genv-variables`.
 */
export interface AllocationVariable {
  readonly name: string;
  readonly genv: string | undefined;
}

/** How many devices the allocator picks for the container. */
export const DEVICE_COUNT: AllocationVariable = { name: "CXPU_DEVICE_COUNT", genv: "GENV_GPUS" };

/** genv's memory quota: the memory limit's genv name, whose k, m and g are 1000-based. */
export const GENV_MEMORY = "GENV_GPU_MEMORY";

/** Containers with the same id share one allocation. */
export const ENVIRONMENT_ID: AllocationVariable = {
  name: "CXPU_ENVIRONMENT_ID",
  genv: "GENV_ENVIRONMENT_ID",
};

/** Busy devices may be used, least loaded first, when too few are free. */
export const ALLOW_OVERSUBSCRIPTION: AllocationVariable = {
  name: "CXPU_ALLOW_OVERSUBSCRIPTION",
  genv: "GENV_ALLOW_OVER_SUBSCRIPTION",
};

/** How long a create waits for devices to free up. */
export const ALLOCATION_WAIT: AllocationVariable = {
  name: "CXPU_ALLOCATION_WAIT",
  genv: undefined,
};

/** Per-device lock files mounted into the container. */
export const MOUNT_DEVICE_LOCKS: AllocationVariable = {
  name: "CXPU_MOUNT_DEVICE_LOCKS",
  genv: "GENV_MOUNT_DEVICE_LOCKS",
};

/** `variable` in `env`: its own name if set, else genv's when `genv` allows it. */
export function lookupAllocation(
  env: ReadonlyMap<string, string>,
  variable: AllocationVariable,
  genv: boolean,
): Found | undefined {
  const own = env.get(variable.name);
  if (own !== undefined) return { name: variable.name, value: own };
  const theirs = genv && variable.genv !== undefined ? env.get(variable.genv) : undefined;
  return theirs === undefined ? undefined : { name: variable.genv!, value: theirs };
}

/** Every variable a request is read from, by its names: the toolkit's own, then the older ones. */
export const REQUEST_VARIABLES: readonly RequestVariable[] = [
  MEMORY_LIMIT,
  DRIVER_CAPABILITIES,
  REQUIRE_PREFIX,
  DISABLE_REQUIRE,
];

/** Every allocator variable, with genv's names. */
export const ALLOCATION_VARIABLES: readonly AllocationVariable[] = [
  DEVICE_COUNT,
  ENVIRONMENT_ID,
  ALLOW_OVERSUBSCRIPTION,
  ALLOCATION_WAIT,
  MOUNT_DEVICE_LOCKS,
];
