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
