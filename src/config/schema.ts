/**
 * The configuration schema: every key, its type, default and documentation, in file order.
 * One table drives defaults, validation, `config get/set` typing and the rendered files.
 * @module
 */

import { kindProblem } from "../internal/cdi_names.ts";
import { parseDeviceMemory } from "./device_memory.ts";
import {
  DEVICE_COUNT,
  DRIVER_CAPABILITIES,
  REQUIRE_PREFIX,
  VISIBLE_DEVICES,
  XPU_VISIBLE_DEVICES,
} from "./variables.ts";

/** How the runtime gives a container its devices. */
export type Mode = "auto" | "legacy" | "csv" | "cdi";

/** Configurable log levels. */
export type ConfigLogLevel = "debug" | "info" | "warn" | "error";

/** The effective configuration, keyed by the TOML names. Empty strings mean "not set". */
export interface Config {
  readonly "disable-require": boolean;
  readonly "supported-driver-capabilities": string;
  readonly "accept-xpu-visible-devices-envvar": boolean;
  readonly "accept-xpu-visible-devices-envvar-when-unprivileged": boolean;
  readonly "accept-xpu-visible-devices-as-volume-mounts": boolean;
  readonly "xpu-container-cli": {
    readonly root: string;
    readonly path: string;
    readonly environment: readonly string[];
    readonly debug: string;
    readonly ldcache: string;
    readonly "load-kmods": boolean;
    readonly "no-pivot": boolean;
    readonly "no-cgroups": boolean;
    readonly user: string;
    readonly ldconfig: string;
  };
  readonly "xpu-container-runtime": {
    readonly debug: string;
    readonly "log-level": ConfigLogLevel;
    readonly runtimes: readonly string[];
    readonly mode: Mode;
    readonly modes: {
      readonly csv: { readonly "mount-spec-path": string };
      readonly cdi: {
        readonly "default-kind": string;
        readonly "annotation-prefixes": readonly string[];
        readonly "spec-dirs": readonly string[];
        readonly "cache-dir": string;
      };
    };
  };
  readonly "xpu-container-runtime-hook": {
    readonly path: string;
    readonly "skip-mode-detection": boolean;
  };
  readonly "xpu-ctk": { readonly path: string };
  readonly "xpu-allocator": {
    readonly "state-dir": string;
    readonly "device-memory": string;
    readonly "accept-genv-variables": boolean;
  };
}

/** The value types a key can have. */
export type KeyType =
  | { readonly kind: "string" }
  | { readonly kind: "boolean" }
  | { readonly kind: "string-list" }
  | { readonly kind: "enum"; readonly values: readonly string[] };

/** A value of any key. */
export type KeyValue = string | boolean | readonly string[];

/** A rule a string value (or each string of a list) must follow besides its type. */
export interface ValueRule {
  /** What the rule asks for, as messages say it: `expected an absolute path`. */
  readonly expected: string;
  readonly ok: (value: string) => boolean;
}

/** One configuration key. */
export interface KeySpec {
  /** Dotted path, e.g. `xpu-container-cli.root`. */
  readonly key: string;
  readonly type: KeyType;
  readonly rule?: ValueRule;
  readonly default: KeyValue;
  /** For keys unset by default: the commented example shown in the default file. */
  readonly example?: string;
  /** One-line description used as the comment in the default file. */
  readonly doc: string;
}

// Paths are used by processes whose working directory is the engine's or the bundle's: a
// relative one would name a different file for every container.
const absolutePath: ValueRule = {
  expected: "an absolute path",
  ok: (v) => v.startsWith("/"),
};
const absoluteOrUnset: ValueRule = {
  expected: 'an absolute path or ""',
  ok: (v) => v === "" || v.startsWith("/"),
};
// Each name becomes a `--NAME` flag of the vendor cli: nothing that could be another flag.
const capabilityList: ValueRule = {
  expected: "a comma list of capability names (letters and digits)",
  ok: (v) => v.split(",").every((c) => /^[a-z][a-z0-9]*$/.test(c.trim())),
};
const cdiKind: ValueRule = {
  expected: "a CDI kind (vendor.com/class)",
  ok: (v) => kindProblem(v) === undefined,
};

const deviceMemory: ValueRule = {
  expected: 'sizes: one for every device ("16g") or per device index ("0=16g,1=32g")',
  ok: (v) => typeof parseDeviceMemory(v) !== "string",
};

const str = { kind: "string" } as const;
const bool = { kind: "boolean" } as const;
const list = { kind: "string-list" } as const;

/** Every configuration key, in the order the default file lists them. */
export const KEYS: readonly KeySpec[] = [
  {
    key: "disable-require",
    type: bool,
    default: false,
    doc: `Ignore ${REQUIRE_PREFIX.name}* constraints of every container`,
  },
  {
    key: "supported-driver-capabilities",
    type: str,
    rule: capabilityList,
    default: "compute,compat32,utility",
    doc: `Capabilities xpu-container-cli accepts (${DRIVER_CAPABILITIES.name}=all means these)`,
  },
  {
    key: "accept-xpu-visible-devices-envvar",
    type: bool,
    default: false,
    doc: `Take ${XPU_VISIBLE_DEVICES} (set by images for the XPU runtime) as the request if ` +
      `${VISIBLE_DEVICES} is unset`,
  },
  {
    key: "accept-xpu-visible-devices-envvar-when-unprivileged",
    type: bool,
    default: true,
    doc: `Honour ${VISIBLE_DEVICES} in containers without CAP_SYS_ADMIN`,
  },
  {
    key: "accept-xpu-visible-devices-as-volume-mounts",
    type: bool,
    default: false,
    doc: "Accept device requests as mounts under /var/run/xpu-container-devices/",
  },
  {
    key: "xpu-container-cli.root",
    type: str,
    rule: absoluteOrUnset,
    default: "",
    example: "/run/xpu/driver",
    doc: "Driver root: prefixes host lookups and is passed to the cli as --root",
  },
  {
    key: "xpu-container-cli.path",
    type: str,
    rule: absoluteOrUnset,
    default: "",
    example: "/usr/bin/xpu-container-cli",
    doc: "The cli to run (default: searched under the driver root, then on PATH)",
  },
  {
    key: "xpu-container-cli.environment",
    type: list,
    default: [],
    doc: "Extra KEY=VALUE entries for the cli's environment",
  },
  {
    key: "xpu-container-cli.debug",
    type: str,
    default: "",
    example: "/var/log/xpu-container-toolkit.log",
    doc: "The cli's debug log (--debug)",
  },
  {
    key: "xpu-container-cli.ldcache",
    type: str,
    default: "",
    example: "/etc/ld.so.cache",
    doc: "ld cache the cli reads (--ldcache)",
  },
  {
    key: "xpu-container-cli.load-kmods",
    type: bool,
    default: true,
    doc: "Let the cli load kernel modules (--load-kmods)",
  },
  {
    key: "xpu-container-cli.no-pivot",
    type: bool,
    default: false,
    doc: "Do not pivot_root in the cli (--no-pivot)",
  },
  {
    key: "xpu-container-cli.no-cgroups",
    type: bool,
    default: false,
    doc: "Do not set up device cgroups in the cli (--no-cgroups; needed by rootless engines)",
  },
  {
    key: "xpu-container-cli.user",
    type: str,
    default: "",
    example: "root:video",
    doc: "User and group the cli runs as (--user)",
  },
  {
    key: "xpu-container-cli.ldconfig",
    type: str,
    default: "@/sbin/ldconfig",
    doc: "ldconfig to run; a leading @ means a host path",
  },
  {
    key: "xpu-container-runtime.debug",
    type: str,
    rule: absoluteOrUnset,
    default: "",
    example: "/var/log/xpu-container-runtime.log",
    doc: "Runtime log file (default: none)",
  },
  {
    key: "xpu-container-runtime.log-level",
    type: { kind: "enum", values: ["debug", "info", "warn", "error"] },
    default: "info",
    doc: "Runtime log level: debug, info, warn or error",
  },
  {
    key: "xpu-container-runtime.runtimes",
    type: list,
    default: ["docker-runc", "runc"],
    doc: "Low-level runtimes to try; the first executable wins (bare names searched on PATH)",
  },
  {
    key: "xpu-container-runtime.mode",
    type: { kind: "enum", values: ["auto", "legacy", "csv", "cdi"] },
    default: "auto",
    doc: "How containers get devices: auto, legacy, csv or cdi",
  },
  {
    key: "xpu-container-runtime.modes.csv.mount-spec-path",
    type: str,
    rule: absoluteOrUnset,
    default: "/etc/xpu-container-runtime/host-files-for-container.d",
    doc: "Directory of *.csv files listing what csv mode mounts",
  },
  {
    key: "xpu-container-runtime.modes.cdi.default-kind",
    type: str,
    rule: cdiKind,
    default: "kunlunxin.com/xpu",
    doc: "CDI kind used to qualify bare device names",
  },
  {
    key: "xpu-container-runtime.modes.cdi.annotation-prefixes",
    type: list,
    default: ["cdi.k8s.io/"],
    doc: "Annotation prefixes that request CDI devices",
  },
  {
    key: "xpu-container-runtime.modes.cdi.spec-dirs",
    type: list,
    rule: absolutePath,
    default: ["/etc/cdi", "/var/run/cdi"],
    doc: "CDI spec directories; later ones override earlier ones",
  },
  {
    key: "xpu-container-runtime.modes.cdi.cache-dir",
    type: str,
    rule: absoluteOrUnset,
    default: "/run/xpu-container-toolkit",
    doc:
      'Directory where validated CDI specs are remembered between container starts ("" for none)',
  },
  {
    key: "xpu-container-runtime-hook.path",
    type: str,
    rule: absoluteOrUnset,
    default: "",
    example: "/usr/bin/xpu-container-runtime-hook",
    doc: "Hook binary the runtime injects (default: beside the runtime, else on PATH)",
  },
  {
    key: "xpu-container-runtime-hook.skip-mode-detection",
    type: bool,
    default: false,
    doc: "Run the hook's device setup even when the runtime chose a non-legacy mode",
  },
  {
    key: "xpu-ctk.path",
    type: str,
    rule: absoluteOrUnset,
    default: "",
    example: "/usr/bin/xpu-ctk",
    doc: "xpu-ctk binary used in injected helper hooks (default: this binary)",
  },
  {
    key: "xpu-allocator.state-dir",
    type: str,
    rule: absolutePath,
    default: "/run/xpu-container-toolkit/alloc",
    doc:
      `Root-owned directory of the record of which containers hold which XPUs (${DEVICE_COUNT.name})`,
  },
  {
    key: "xpu-allocator.device-memory",
    type: str,
    rule: deviceMemory,
    default: "",
    example: "16g",
    doc:
      'Memory of each XPU, for sharing devices by memory limit: "16g", or "0=16g,1=32g" per index',
  },
  {
    key: "xpu-allocator.accept-genv-variables",
    type: bool,
    default: false,
    doc:
      "Accept genv's GENV_GPUS, GENV_GPU_MEMORY, GENV_ENVIRONMENT_ID and GENV_ALLOW_OVER_SUBSCRIPTION",
  },
];

const BY_KEY = new Map(KEYS.map((k) => [k.key, k]));

/** The spec of a dotted key, or undefined for an unknown key. */
export function keySpec(key: string): KeySpec | undefined {
  return BY_KEY.get(key);
}

/** True when `path` (dotted) is a table that holds schema keys, e.g. `xpu-container-runtime.modes`. */
export function isTablePath(path: string): boolean {
  return KEYS.some((k) => k.key.startsWith(`${path}.`));
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** Builds a frozen Config from a value lookup (defaults where it answers undefined). */
export function buildConfig(valueOf: (spec: KeySpec) => KeyValue | undefined): Config {
  const root: Record<string, unknown> = {};
  for (const spec of KEYS) {
    const parts = spec.key.split(".");
    let table = root;
    for (const part of parts.slice(0, -1)) {
      table = (table[part] ??= {}) as Record<string, unknown>;
    }
    const value = valueOf(spec) ?? spec.default;
    table[parts[parts.length - 1]!] = Array.isArray(value) ? [...value] : value;
  }
  return deepFreeze(root) as unknown as Config;
}

/** A new copy of the built-in defaults. */
export function defaultConfig(): Config {
  return buildConfig(() => undefined);
}

// Pure: a bundle that does not use it (the runtime's, the hook's) does not build it on load.
/** The built-in defaults. */
export const DEFAULTS: Config = /* @__PURE__ */ defaultConfig();

/** The value of a dotted key in `config`. */
export function getKey(config: Config, key: string): KeyValue | undefined {
  let node: unknown = config;
  for (const part of key.split(".")) {
    if (!node || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node as KeyValue | undefined;
}

/** The log file the runtime and the hook write to (`xpu-container-runtime.debug`), if any. */
export function debugLogFile(config: Config): string | undefined {
  const file = config["xpu-container-runtime"].debug;
  return file === "" || file === "/dev/null" ? undefined : file;
}
