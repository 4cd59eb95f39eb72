/**
 * Property tests of request parsing: thousands of generated container environments (and
 * configs, capabilities, device mounts) per run from a seeded generator, so a failure
 * reproduces from the seed it prints (XPU_TEST_SEED=N picks another seed).
 */

import { assertEquals } from "../assert.ts";
import { seededRandom } from "../helpers.ts";
import {
  deviceListArg,
  deviceRequest,
  envMap,
  MAX_MEMORY,
  parseDeviceList,
  parseMemorySize,
  RequestError,
} from "../../src/modes/request.ts";
import { instanceDevices } from "../../src/modes/instance.ts";
import { MAX_INDEX } from "../../src/internal/xpu_index.ts";
import { buildConfig, type Config } from "../../src/config/schema.ts";
import type { Spec } from "../../src/oci/spec.ts";

const SEED = Number(Deno.env.get("XPU_TEST_SEED") ?? 20240615);
const RUNS = 5000;

type Rng = () => number;

function ok(value: unknown, msg?: string): asserts value {
  if (!value) throw new Error(msg ?? "property broken");
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)]!;
}

function int(rng: Rng, max: number): number {
  return Math.floor(rng() * (max + 1));
}

function digits(rng: Rng, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += String(int(rng, 9));
  return s;
}

const JUNK = [" ", "\t", "-", "+", "=", "/", ".", "x", "é", "\u0000", "\u200b", "\ud800", "𝟘", ","];

/** One device-list item: mostly plausible, sometimes hostile. */
function item(rng: Rng): string {
  if (rng() < 0.6) {
    return pick(rng, [
      String(int(rng, 16)),
      `0${int(rng, 9)}`,
      `${int(rng, 8)}-${8 + int(rng, 8)}`,
      `XPU-${digits(rng, 4)}`,
      `kunlunxin.com/xpu=${int(rng, 3)}`,
    ]);
  }
  switch (int(rng, 13)) {
    case 0:
      return String(int(rng, 16));
    case 1:
      return digits(rng, 1 + int(rng, 35)); // past 2^53 and MAX_INDEX, as the cases
    case 2:
      return `${int(rng, 20)}-${int(rng, 20)}`;
    case 3:
      return `${digits(rng, 1 + int(rng, 8))}-${digits(rng, 1 + int(rng, 8))}`;
    case 4:
      return pick(rng, ["all", "none", "void", "ALL", " all ", ""]);
    case 5:
      return `XPU-${digits(rng, 4)}-${pick(rng, ["ab", "cd", "ef"])}${digits(rng, 2)}`;
    case 6:
      return `kunlunxin.com/xpu=${pick(rng, [String(int(rng, 3)), "all", "x"])}`;
    case 7:
      return `0${digits(rng, int(rng, 6))}`;
    case 8:
      return `-${digits(rng, 1 + int(rng, 3))}`;
    case 9:
      return String(MAX_INDEX + int(rng, 2) - 1);
    case 10:
      return `${digits(rng, 30)}${pick(rng, ["", "s", "-a"])}`;
    case 11:
      return pick(rng, ["1e3", "0x10", "1.5", "Infinity", "NaN", "٣"]);
    default: {
      let s = "";
      for (let i = int(rng, 6); i >= 0; i--) s += pick(rng, [...JUNK, "a", "7"]);
      return s;
    }
  }
}

function deviceList(rng: Rng): string {
  const items: string[] = [];
  for (let i = int(rng, 3); i >= 0; i--) items.push(item(rng));
  return items.join(pick(rng, [",", ",", " , ", ",,"]));
}

function size(rng: Rng): string {
  const n = pick(rng, [
    String(int(rng, 4096)),
    digits(rng, 1 + int(rng, 25)),
    "0",
    String(MAX_MEMORY),
    String(MAX_MEMORY + 1n),
  ]);
  const unit = pick(rng, ["", "", "k", "M", "g", "T", "p", "x"]);
  const suffix = pick(rng, ["", "", "b", "iB", "ib", " gigs"]);
  return `${pick(rng, ["", " "])}${n}${unit}${suffix}${pick(rng, ["", " ", "\n"])}`;
}

const NAMES = [
  "CXPU_VISIBLE_DEVICES",
  "XPU_VISIBLE_DEVICES",
  "CXPU_CONTAINER_MEMORY_LIMIT",
  "XPU_MEMORY_LIMIT",
  "CXPU_DRIVER_CAPABILITIES",
  "XPU_DRIVER_CAPABILITIES",
  "CXPU_REQUIRE_A",
  "XPU_REQUIRE_A",
  "XPU_REQUIRE_B",
  "CXPU_DISABLE_REQUIRE",
  "XPU_DISABLE_REQUIRE",
  "PATH",
  "CXPU_",
];

function value(rng: Rng, name: string): string {
  if (name.endsWith("VISIBLE_DEVICES")) return deviceList(rng);
  if (name.includes("MEMORY")) return size(rng);
  if (name.includes("CAPABILITIES")) {
    return pick(rng, ["", "all", "compute", "utility,compat32", "graphics", " compute , "]);
  }
  if (name.includes("DISABLE")) return pick(rng, ["true", "1", "no", "", "YES"]);
  return pick(rng, ["a>1", "", "x"]);
}

function env(rng: Rng): string[] {
  const out: string[] = [];
  if (rng() < 0.7) {
    const name = pick(rng, ["CXPU_VISIBLE_DEVICES", "XPU_VISIBLE_DEVICES"]);
    out.push(`${name}=${deviceList(rng)}`);
  }
  for (let i = int(rng, 7); i >= 0; i--) {
    const name = pick(rng, NAMES);
    out.push(rng() < 0.05 ? name : `${name}=${value(rng, name)}`);
  }
  return out;
}

function config(rng: Rng): Config {
  const values: Record<string, boolean> = {
    "accept-xpu-visible-devices-envvar": rng() < 0.5,
    "accept-xpu-visible-devices-envvar-when-unprivileged": rng() < 0.8,
    "accept-xpu-visible-devices-as-volume-mounts": rng() < 0.2,
    "disable-require": rng() < 0.1,
  };
  return buildConfig((spec) => values[spec.key]);
}

function spec(rng: Rng): Spec {
  const s: Spec = { process: { env: env(rng) } };
  if (rng() < 0.3) s.process!.capabilities = { bounding: ["CAP_SYS_ADMIN"] };
  if (rng() < 0.2) {
    s.mounts = [{
      destination: `/var/run/xpu-container-devices/${item(rng)}`,
      source: "/dev/null",
    }];
  }
  if (rng() < 0.3) s.linux = { devices: [{ path: `/dev/xpu${int(rng, 3)}`, type: "c" }] };
  return s;
}

/** The device items `value` names, as the runtime reads them: trimmed, empty ones dropped. */
function itemsOf(value: string): string[] {
  return value.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

/** Checks what deviceRequest() makes of `s` under `c`; throws at the first property broken. */
function check(s: Spec, c: Config): void {
  let request;
  try {
    request = deviceRequest(s, c);
  } catch (e) {
    ok(e instanceof RequestError, `not a RequestError: ${e}`);
    ok(!e.message.includes("\n"), `a message of more than one line: ${e.message}`);
    ok(/^(Invalid|Unsupported) [A-Za-z_ /-]+ "/.test(e.message), e.message);
    ok(!/undefined|\[object/.test(e.message), e.message);
    const named = /^(?:Invalid|Unsupported) ((?:C?XPU_[A-Z_]+)|device mounts)/.exec(e.message)?.[1];
    ok(
      named === "device mounts" || envMap(s.process?.env).has(named!),
      `the message names ${named}, which the env does not set: ${e.message}`,
    );
    return;
  }
  const map = envMap(s.process?.env);
  const mounted = c["accept-xpu-visible-devices-as-volume-mounts"] && (s.mounts?.length ?? 0) > 0;
  if (request === undefined) {
    // XPU_VISIBLE_DEVICES alone is no request unless the config accepts it.
    if (!mounted && !map.has("CXPU_VISIBLE_DEVICES") && map.has("XPU_VISIBLE_DEVICES")) {
      const raw = map.get("XPU_VISIBLE_DEVICES")!.trim();
      const policy = c["accept-xpu-visible-devices-envvar-when-unprivileged"] ||
        !!s.process?.capabilities;
      ok(!(c["accept-xpu-visible-devices-envvar"] && policy && raw !== "" && raw !== "void"));
    }
    return;
  }
  if (request.source === "XPU_VISIBLE_DEVICES") {
    ok(c["accept-xpu-visible-devices-envvar"], "XPU_VISIBLE_DEVICES taken without the key");
    ok(!map.has("CXPU_VISIBLE_DEVICES"), "XPU_VISIBLE_DEVICES taken over CXPU_");
  }
  if (request.source === "CXPU_VISIBLE_DEVICES") ok(map.has("CXPU_VISIBLE_DEVICES"));
  const source = request.source === "volume-mounts" ? undefined : map.get(request.source)!;
  const devices = request.devices;
  if (Array.isArray(devices)) {
    ok(devices.length > 0 && new Set(devices).size === devices.length, "duplicates kept");
    for (const d of devices) {
      assertEquals(typeof d, "string");
      if (/^\d+$/.test(d)) {
        // An index: exact, without leading zeros, in range, never a float's text.
        ok(Number(d) <= MAX_INDEX && String(Number(d)) === d, `index ${d}`);
      } else if (source !== undefined) {
        ok(itemsOf(source).includes(d), `"${d}" is not an item of "${source}"`);
      }
    }
    // What the cli gets reads back as the same list: the items survive as strings.
    assertEquals(parseDeviceList(deviceListArg(devices)!), devices);
  } else if (source !== undefined) {
    ok(itemsOf(source).includes(devices as string) || itemsOf(source).length === 0, `${devices}`);
  }
  if (request.memoryLimit) {
    const { bytes, variable } = request.memoryLimit;
    ok(bytes > 0n && bytes <= MAX_MEMORY, `memory ${bytes}`);
    assertEquals(
      variable,
      map.has("CXPU_CONTAINER_MEMORY_LIMIT") ? "CXPU_CONTAINER_MEMORY_LIMIT" : "XPU_MEMORY_LIMIT",
    );
  }
  instanceDevices(s, request);
}

Deno.test(`deviceRequest() over ${RUNS} generated environments (seed ${SEED})`, () => {
  const rng = seededRandom(SEED);
  let accepted = 0;
  let refused = 0;
  for (let run = 0; run < RUNS; run++) {
    const s = spec(rng);
    const c = config(rng);
    try {
      check(s, c);
    } catch (e) {
      throw new Error(
        `run ${run} (seed ${SEED}): env ${JSON.stringify(s.process?.env)}: ${e}`,
        { cause: e },
      );
    }
    try {
      if (deviceRequest(s, c)) accepted++;
    } catch {
      refused++;
    }
  }
  // The generator must exercise both sides, or it tests nothing.
  ok(accepted > RUNS / 10 && refused > RUNS / 10, `${accepted} accepted, ${refused} refused`);
});

Deno.test(`parseMemorySize() over ${RUNS} generated sizes (seed ${SEED})`, () => {
  const rng = seededRandom(SEED + 1);
  const units: Record<string, bigint> = {
    "": 1n,
    k: 2n ** 10n,
    m: 2n ** 20n,
    g: 2n ** 30n,
    t: 2n ** 40n,
  };
  for (let run = 0; run < RUNS; run++) {
    const text = size(rng);
    let bytes: bigint | undefined;
    try {
      bytes = parseMemorySize(text);
    } catch (e) {
      ok(e instanceof RequestError, `${JSON.stringify(text)}: ${e}`);
      ok(e.message.startsWith(`Invalid CXPU_CONTAINER_MEMORY_LIMIT ${JSON.stringify(text)}: `));
      continue;
    }
    const m = /^\s*(\d+)([kmgt]?)/i.exec(text)!;
    assertEquals(bytes, BigInt(m[1]!) * units[m[2]!.toLowerCase()]!, JSON.stringify(text));
    ok(bytes > 0n && bytes <= MAX_MEMORY);
  }
});
