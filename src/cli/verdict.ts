/**
 * The end of `xpu-ctk info`: whether this host can run XPU containers, and for each reason it
 * cannot, the one command that fixes it.
 * @module
 */

import type { Finding, Info, Verdict } from "./info_doc.ts";
import { MODES } from "../modes/factory.ts";
import { needsCli } from "../modes/mode.ts";

/** The file a trust warning names (`Ignoring … "FILE": …`), for the fix. */
function ignoredFile(warning: string): string | undefined {
  return /^Ignoring [^"]* "([^"]+)": (?:its (?:directory|link) "([^"]+)")?/.exec(warning)
    ?.slice(1).reverse().find((p) => p !== undefined);
}

/** Judges `info` (gathered with its config) into a verdict. */
export function judgeInfo(info: Omit<Info, "verdict">): Verdict {
  const problems: Finding[] = [];
  const config = info.config.path;
  if (!info.config.valid) {
    problems.push({
      problem: `config "${config}" is invalid: ${info.config.error ?? "see above"}`,
      fix: `xpu-ctk config default  # a valid file to compare ${config} with`,
    });
  }
  const ignored = [
    ...info.config.warnings,
    ...info.csv.warnings,
    ...info.cdi.problems,
  ].filter((w) => w.startsWith("Ignoring ") && / (writable by|owned by uid)/.test(w));
  for (const warning of ignored) {
    const file = ignoredFile(warning) ?? config;
    problems.push({ problem: warning, fix: `chown root:root ${file} && chmod go-w ${file}` });
  }
  if ("error" in info.lowLevelRuntime) {
    problems.push({
      problem: `no low-level runtime: ${info.lowLevelRuntime.error}`,
      fix: "apt-get install runc",
    });
  }
  const mode = info.mode.resolved;
  if (needsCli(MODES[mode])) {
    if ("error" in info.cli) {
      problems.push({
        problem:
          `mode ${mode} needs xpu-container-cli, which is not found, and ${info.csv.dir} has no CSV specs`,
        fix: "apt-get install libxpu-container  # the vendor's xpu-container-cli",
      });
    }
    if ("error" in info.hook) {
      problems.push({
        problem: `mode ${mode} needs the hook binary: ${info.hook.error}`,
        fix:
          "xpu-ctk config set xpu-container-runtime-hook.path=/usr/local/bin/xpu-container-runtime-hook --in-place",
      });
    }
  } else if ("error" in info.xpuCtk) {
    problems.push({
      problem: `mode ${mode} needs xpu-ctk for its hooks: ${info.xpuCtk.error}`,
      fix: "xpu-ctk config set xpu-ctk.path=/usr/local/bin/xpu-ctk --in-place",
    });
  }
  if (!needsCli(MODES[mode]) && !info.ldconfig.exists) {
    problems.push({
      problem: `ldconfig "${info.ldconfig.path}" is missing`,
      fix: "xpu-ctk config set xpu-container-cli.ldconfig=@/sbin/ldconfig --in-place",
    });
  }
  for (const engine of info.engines) {
    if (engine.installed && !engine.configured) {
      problems.push({
        problem: `${engine.name} is installed and not configured for XPUs (${engine.file})`,
        fix: `xpu-ctk runtime configure --runtime=${engine.name}`,
      });
    }
  }
  return { ready: problems.length === 0, problems };
}

/** The verdict's lines for the text form of `info`. */
export function formatVerdict(v: Verdict): string[] {
  if (v.ready) return ["Verdict:           ready"];
  return [
    `Verdict:           NOT READY (${v.problems.length} problem${
      v.problems.length > 1 ? "s" : ""
    })`,
    ...v.problems.flatMap((p) => [`  - ${p.problem}`, `    fix: ${p.fix}`]),
  ];
}
