/**
 * `xpu-ctk allocations`: which containers hold which XPUs, and how much memory is promised;
 * `allocations release ID` for operators; `xpu-ctk lock -- CMD` to take the devices' locks.
 * @module
 */

import { type Command, type CommandContext, expectPositionals, usageError } from "./command.ts";
import { loadForCli } from "./config.ts";
import { hostDevices, storeOf } from "../alloc/host.ts";
import { type Device, type Load, loads, shortTime, shownEnvironment } from "../alloc/model.ts";
import { xpuNodeName } from "../discover/xpu_nodes.ts";
import type { Entry } from "../alloc/state.ts";
import { deviceLockFile } from "../alloc/locks.ts";
import { parseDeviceList, RequestError } from "../modes/request.ts";
import { writeStdout } from "../internal/io.ts";
import { formatSize } from "../internal/size.ts";
import { spawnAndWait } from "../internal/spawn.ts";
import { findProgram } from "../discover/binaries.ts";
import { callerEnvironment } from "../internal/env.ts";
import { quote } from "../internal/quote.ts";

const bytes = (n: bigint | undefined) => (n === undefined ? null : Number(n));

/** The host's devices and any device an entry holds that the host does not show. */
function devicesOf(host: readonly Device[], entries: readonly Entry[]): Device[] {
  const known = new Set(host.map((d) => d.index));
  const extra = [...new Set(entries.flatMap((e) => e.devices))].filter((n) => !known.has(n));
  return [...host, ...extra.map((index) => ({ index, memory: undefined }))];
}

function jsonOf(file: string, all: readonly Load[], entries: readonly Entry[]): string {
  const doc = {
    stateFile: file,
    devices: all.map((l) => ({
      name: xpuNodeName(l.device.index),
      index: l.device.index,
      memory: bytes(l.device.memory),
      used: Number(l.used),
      free: l.device.memory === undefined || l.exclusive ? null : Number(l.device.memory - l.used),
      exclusive: l.exclusive,
      holders: l.tenants.map((t) => ({
        environment: t.environment,
        containers: t.containers,
        memory: bytes(t.memory),
        since: t.since,
      })),
    })),
    containers: [...entries].sort((a, b) => (a.container < b.container ? -1 : 1)).map((e) => ({
      container: e.container,
      environment: e.environment,
      devices: e.devices,
      memory: bytes(e.memory),
      explicit: e.explicit,
      since: e.since,
    })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function textOf(file: string, all: readonly Load[]): string {
  const rows = all.map((l) => {
    const total = l.device.memory;
    const holders = l.tenants.map((t) => {
      const shown = shownEnvironment(t.environment);
      const who = t.containers.length === 1 && t.containers[0] === shown
        ? shown
        : `${shown} (${t.containers.join(", ")})`;
      const share = t.memory === undefined ? "" : `, ${formatSize(t.memory)}`;
      return `${who}${share} since ${shortTime(t.since)}`;
    }).join("; ");
    return [
      xpuNodeName(l.device.index),
      total === undefined ? "-" : formatSize(total),
      l.tenants.length === 0 ? "-" : l.exclusive ? "all" : formatSize(l.used),
      total === undefined ? "-" : l.exclusive ? "0" : formatSize(total - l.used),
      holders === "" ? "free" : holders,
    ];
  });
  const table = [["DEVICE", "MEMORY", "USED", "FREE", "HELD BY"], ...rows];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  const lines = table.map((r) =>
    r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ")
  );
  return `State: ${file}\n${lines.join("\n")}\n`;
}

async function show(ctx: CommandContext): Promise<number> {
  expectPositionals(ctx, 0, 0);
  const { config } = await loadForCli(ctx);
  const store = storeOf(config);
  const { entries } = store.read();
  const all = loads(devicesOf(hostDevices(config), entries), entries);
  writeStdout(ctx.values.json ? jsonOf(store.file, all, entries) : textOf(store.file, all));
  return 0;
}

async function release(ctx: CommandContext): Promise<number> {
  expectPositionals(ctx, 1, 1);
  const id = ctx.positionals[0]!;
  const { config } = await loadForCli(ctx);
  const released = storeOf(config).update(({ entries }) => {
    const gone = entries.filter((e) => e.container === id || e.environment === id);
    return gone.length === 0
      ? { result: gone }
      : { entries: entries.filter((e) => !gone.includes(e)), result: gone };
  });
  if (released.length === 0) {
    throw new Error(`No container or environment ${quote(id)} holds an XPU`);
  }
  for (const e of released) {
    writeStdout(`Released ${e.devices.map(xpuNodeName).join(", ")} held by ${e.container}\n`);
  }
  return 0;
}

/** `xpu-ctk allocations [--json]` and `allocations release ID`. */
export const allocationsCommand: Command = {
  name: "allocations",
  summary: "Show which containers hold which XPUs, or release an allocation",
  usage: ["allocations [--json]", "allocations release ID"],
  description: "Each XPU of the host with its memory, the memory its holders' limits promise\n" +
    "(USED, or all for a holder without a limit), what is left, and who holds it: environment\n" +
    "ids, their containers, limits and since when. Containers that have ended are left out.",
  options: { json: { type: "boolean", help: "Print one JSON object" } },
  subcommands: [{
    name: "release",
    summary: "Forget the allocation of a container or environment",
    usage: ["allocations release ID"],
    description: "Removes what container or environment ID holds from the allocation state, for\n" +
      "operators: its XPUs count as free at once, whether or not the container still runs.",
    run: release,
  }],
  run: show,
};

/** `xpu-ctk lock [--xpus LIST] -- CMD [ARGS…]`. */
export const lockCommand: Command = {
  name: "lock",
  summary: "Run a command holding the XPUs' lock files",
  usage: ["lock [--xpus LIST] -- COMMAND [ARGS…]"],
  description: "Takes the flock of each device's lock file (the files CXPU_MOUNT_DEVICE_LOCKS\n" +
    "mounts into containers) in index order, waiting for their holders, runs COMMAND, and\n" +
    "exits with its exit code. The locks are advisory: only processes that take them wait.",
  options: {
    xpus: { type: "string", value: "LIST", help: "Device indices or ranges (default: every XPU)" },
  },
  run: async (ctx) => {
    expectPositionals(ctx, 1, Infinity);
    const { config } = await loadForCli(ctx);
    const given = ctx.values.xpus as string | undefined;
    let indices = hostDevices(config).map((d) => d.index);
    if (given !== undefined) {
      let list: ReturnType<typeof parseDeviceList>;
      try {
        list = parseDeviceList(given, "--xpus");
      } catch (e) {
        if (e instanceof RequestError) throw usageError(ctx, e.message);
        throw e;
      }
      if (list === "none" || (list !== "all" && list.some((d) => !/^\d+$/.test(d)))) {
        throw usageError(ctx, `Invalid --xpus "${given}": expected device indices or ranges`);
      }
      if (list !== "all") indices = list.map(Number);
    }
    const dir = config["xpu-allocator"]["state-dir"];
    // One order for everyone, so two holders of overlapping sets never wait for each other.
    const files = [...new Set(indices)].sort((a, b) => a - b).map((n) => {
      const file = Deno.openSync(deviceLockFile(dir, n), { read: true });
      file.lockSync(true);
      return file;
    });
    try {
      const argv = ctx.positionals as string[];
      const env = callerEnvironment();
      const path = findProgram(argv[0]!, { path: env.PATH });
      if (path === undefined) throw new Error(`Command ${quote(argv[0]!)} not found`);
      return await spawnAndWait(path, argv, env);
    } finally {
      for (const f of files) f.close();
    }
  },
};
