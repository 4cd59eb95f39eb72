/**
 * `xpu-ctk info [--json]`: everything needed to debug a host, with the reasoning behind the mode.
 * @module
 */

import { binaryWhere, type Command, expectPositionals } from "./command.ts";
import { defaultConfigPath, loadConfig } from "../config/load.ts";
import { type Config, DEFAULTS } from "../config/schema.ts";
import { readCsvSpecs } from "../discover/csv_spec.ts";
import { splitDev } from "../discover/host_files.ts";
import { hostProbe, resolveMode } from "../modes/resolve.ts";
import { findBinary, findProgram, isExecutableFile, type Where } from "../discover/binaries.ts";
import { VISIBLE_DEVICES } from "../config/variables.ts";
import { loadRegistry } from "../cdi/registry.ts";
import { DEFAULT_RUNTIME_NAME, ENGINES } from "../engine/registry.ts";
import { errorMessage } from "../internal/errors.ts";
import { lstatOrUndefined } from "../internal/fs.ts";
import { writeStdout } from "../internal/io.ts";
import { formatVerdict, judgeInfo } from "./verdict.ts";
import type { Found, Info } from "./info_doc.ts";

import { buildCommit, VERSION } from "../version.ts";

function found(f: () => string): Found {
  try {
    return { path: f() };
  } catch (e) {
    return { error: errorMessage(e) };
  }
}

function devices(root: string): Info["devices"] {
  const dir = `${root}/dev`;
  let names: string[] = [];
  try {
    names = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => /^xpu(\d+|ctrl)$/.test(n))
      .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    const info = lstatOrUndefined(`${dir}/${n}`);
    return info?.isCharDevice ? [{ path: `${dir}/${n}`, ...splitDev(info.rdev ?? 0) }] : [];
  });
}

async function cliVersion(path: string): Promise<string | undefined> {
  try {
    const out = await new Deno.Command(path, {
      args: ["--version"],
      stdout: "piped",
      stderr: "null",
      signal: AbortSignal.timeout(5000),
    }).output();
    return out.success ? new TextDecoder().decode(out.stdout).split("\n")[0]?.trim() : undefined;
  } catch {
    return undefined;
  }
}

function engines(path: string | undefined): Info["engines"] {
  return ENGINES.map((e) => {
    const status = e.status(DEFAULT_RUNTIME_NAME);
    return {
      name: e.name,
      file: status.file,
      // PATH only: the system directories would find an engine's binary that is not in use.
      installed: findProgram(e.command, { path, systemDirs: [] }) !== undefined,
      configured: status.configured,
    };
  });
}

/**
 * Gathers the info for the config at `configPath` (or the default one), finding binaries from
 * `where` as the runtime finds them.
 */
export async function gatherInfo(configPath: string | undefined, where: Where): Promise<Info> {
  const path = where.path;
  let config: Config = DEFAULTS;
  const cfg: Info["config"] = {
    path: configPath ?? defaultConfigPath((n) => Deno.env.get(n)),
    exists: false,
    valid: true,
    trusted: true,
    warnings: [],
  };
  try {
    const loaded = await loadConfig({ path: configPath });
    config = loaded.config;
    Object.assign(cfg, {
      path: loaded.path,
      exists: loaded.exists,
      trusted: loaded.trusted,
      warnings: [...loaded.warnings],
    });
  } catch (e) {
    Object.assign(cfg, { exists: true, valid: false, error: errorMessage(e) });
  }
  // The mode an XPU container asking for every device would get.
  const spec = { process: { env: [`${VISIBLE_DEVICES}=all`] } };
  const probe = hostProbe(config, path);
  const resolution = resolveMode(config, spec, {
    devices: "all",
    capabilities: [],
    requirements: [],
    memoryLimit: undefined,
    source: VISIBLE_DEVICES,
  }, probe);
  const cliLookup = probe.cli();
  const cli: Info["cli"] = cliLookup.found
    ? { path: cliLookup.path }
    : { error: cliLookup.problem };
  if (cliLookup.found) {
    const version = await cliVersion(cliLookup.path);
    if (version) cli.version = version;
  }
  const ldconfig = config["xpu-container-cli"].ldconfig.replace(/^@/, "");
  const root = config["xpu-container-cli"].root.replace(/\/+$/, "");
  const csvDir = config["xpu-container-runtime"].modes.csv["mount-spec-path"];
  const csv = readCsvSpecs(csvDir);
  const specDirs = [...config["xpu-container-runtime"].modes.cdi["spec-dirs"]];
  const registry = await loadRegistry(specDirs);
  const info: Omit<Info, "verdict"> = {
    version: VERSION,
    commit: buildCommit(),
    config: cfg,
    mode: {
      configured: config["xpu-container-runtime"].mode,
      resolved: resolution.mode,
      facts: [...resolution.facts],
    },
    lowLevelRuntime: found(() => findBinary("low-level runtime", config, where)),
    hook: found(() => findBinary("xpu-container-runtime-hook", config, where)),
    xpuCtk: found(() => findBinary("xpu-ctk", config, where)),
    cli,
    ldconfig: { path: ldconfig, exists: isExecutableFile(ldconfig) },
    driverRoot: root || "/",
    devices: devices(root),
    csv: {
      dir: csvDir,
      files: [...csv.files],
      entries: csv.entries.length,
      warnings: [...csv.warnings],
    },
    cdi: {
      specDirs,
      devices: [...registry.devices.values()].map((d) => ({ name: d.name, file: d.file })).sort((
        a,
        b,
      ) => a.name.localeCompare(b.name)),
      problems: [...registry.problems],
    },
    engines: engines(path),
  };
  return { ...info, verdict: judgeInfo(info) };
}

function where(f: Found): string {
  return "path" in f ? f.path : `not found (${f.error})`;
}

/** The text form of `info`. */
export function formatInfo(i: Info): string {
  const lines = [
    `XPU Container Toolkit ${i.version} (commit ${i.commit})`,
    "",
    `Config:            ${i.config.path} (${
      !i.config.exists
        ? "not present: defaults"
        : !i.config.trusted
        ? "IGNORED: defaults"
        : i.config.valid
        ? "valid"
        : "INVALID"
    })`,
    ...(i.config.error ? [`  ${i.config.error}`] : []),
    ...i.config.warnings.map((w) => `  warning: ${w}`),
    `Mode:              ${i.mode.resolved}${i.mode.configured === "auto" ? " (auto)" : ""}`,
    ...i.mode.facts.map((f) => `  - ${f}`),
    `Low-level runtime: ${where(i.lowLevelRuntime)}`,
    `Hook:              ${where(i.hook)}`,
    `xpu-ctk (hooks):   ${where(i.xpuCtk)}`,
    `xpu-container-cli: ${where(i.cli)}${
      "version" in i.cli && i.cli.version ? ` (${i.cli.version})` : ""
    }`,
    `ldconfig:          ${i.ldconfig.path}${
      i.ldconfig.exists ? "" : " (MISSING: set xpu-container-cli.ldconfig)"
    }`,
    `Driver root:       ${i.driverRoot}`,
    `Devices:           ${
      i.devices.length
        ? i.devices.map((d) => `${d.path} (${d.major}:${d.minor})`).join(", ")
        : "none found"
    }`,
    `CSV specs:         ${i.csv.dir}: ${i.csv.files.length} file(s), ${i.csv.entries} entries`,
    ...i.csv.warnings.map((w) => `  warning: ${w}`),
    `CDI specs:         ${i.cdi.specDirs.join(", ")}: ${i.cdi.devices.length} device(s)`,
    ...i.cdi.devices.map((d) => `  ${d.name}  ${d.file}`),
    ...i.cdi.problems.map((p) => `  problem: ${p}`),
    "Engines:",
    ...i.engines.map((e) =>
      `  ${e.name.padEnd(11)} ${
        e.configured ? "configured" : e.installed ? "not configured" : "not installed"
      } (${e.file})`
    ),
    "",
    ...formatVerdict(i.verdict),
  ];
  return `${lines.join("\n")}\n`;
}

/** The `info` command. */
export const infoCommand: Command = {
  name: "info",
  summary: "Show what the toolkit finds on this host",
  usage: ["info [--json] [--check]"],
  description: "Version, config, the mode an XPU container gets and why, the runtime, hook and\n" +
    "cli found, device nodes, CSV and CDI specs, which engines are configured, and a verdict:\n" +
    "ready, or each problem with the command that fixes it.",
  options: {
    json: { type: "boolean", help: "Print a stable JSON document" },
    check: { type: "boolean", help: "Exit 1 when the host is not ready" },
  },
  run: async (ctx) => {
    expectPositionals(ctx, 0, 0);
    const info = await gatherInfo(ctx.configPath, binaryWhere(ctx));
    writeStdout(ctx.values.json ? `${JSON.stringify(info, null, 2)}\n` : formatInfo(info));
    return ctx.values.check && !info.verdict.ready ? 1 : 0;
  },
};
