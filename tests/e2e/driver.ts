/**
 * Simulated XPU hosts: a driver root with `mknod`-made device nodes and a fake library.
 * @module
 */

import { q } from "../helpers.ts";

/** Major number of the fake nodes: 240–254 are reserved for local and experimental use. */
export const XPU_MAJOR = 240;
/** Minor number of the fake /dev/xpuctrl. */
export const XPUCTRL_MINOR = 255;

/** Makes a character device node at `path` (mode 0666). Needs root. */
export function mknod(path: string, major: number, minor: number): void {
  const out = new Deno.Command("mknod", {
    args: ["-m", "0666", path, "c", String(major), String(minor)],
    stderr: "piped",
  }).outputSync();
  if (!out.success) throw new Error(`mknod ${path}: ${new TextDecoder().decode(out.stderr)}`);
}

/**
 * Makes a driver root in `dir` holding dev/xpu0…xpu<count-1> (major XPU_MAJOR, minor N),
 * dev/xpuctrl, and usr/local/xpu/lib64/libxpuml.so.1.2.3 with its libxpuml.so.1 link. Needs root.
 */
export function makeDriverRoot(dir: string, count = 2): string {
  Deno.mkdirSync(`${dir}/dev`, { recursive: true });
  for (let n = 0; n < count; n++) mknod(`${dir}/dev/xpu${n}`, XPU_MAJOR, n);
  mknod(`${dir}/dev/xpuctrl`, XPU_MAJOR, XPUCTRL_MINOR);
  const lib = `${dir}/usr/local/xpu/lib64`;
  Deno.mkdirSync(lib, { recursive: true });
  Deno.writeTextFileSync(`${lib}/libxpuml.so.1.2.3`, "fake libxpuml\n");
  Deno.symlinkSync("libxpuml.so.1.2.3", `${lib}/libxpuml.so.1`);
  return dir;
}

/** Major and minor numbers of the char device at `path`, as `ls -l` shows them. */
export function deviceNumbers(path: string): [number, number] {
  const rdev = Deno.statSync(path).rdev ?? 0;
  // Linux's encoding of dev_t (the glibc gnu_dev_major/minor layout, for numbers below 2^20).
  return [(rdev >> 8) & 0xfff, (rdev & 0xff) | ((rdev >> 12) & 0xfff00)];
}

/**
 * Writes `xpu-ctk cdi generate --from devices` for `driver` to `out`, failing loudly; `env` gives
 * xpu-ctk a config (its hooks then read the same one).
 */
export async function generateCdiSpec(
  driver: string,
  out: string,
  env?: Record<string, string>,
): Promise<void> {
  const { runBin } = await import("../helpers.ts");
  Deno.mkdirSync(out.slice(0, out.lastIndexOf("/")), { recursive: true });
  const gen = await runBin("xpu-ctk", [
    "cdi",
    "generate",
    "--driver-root",
    driver,
    "--from",
    "devices",
    "-o",
    out,
  ], env ? { env } : {});
  if (gen.code !== 0) throw new Error(`xpu-ctk cdi generate failed: ${gen.stderr}`);
}

/**
 * A csv-mode config at `<dir>/config.toml` over a driver root made in `<dir>/driver` (xpu0, xpu1,
 * xpuctrl and the library), with runc as the runtime; returns its path. Needs root.
 */
export function csvConfigFile(dir: string): string {
  const driver = makeDriverRoot(`${dir}/driver`);
  Deno.mkdirSync(`${dir}/csv`);
  Deno.writeTextFileSync(
    `${dir}/csv/x.csv`,
    "dev, /dev/xpu0\ndev, /dev/xpu1\ndev, /dev/xpuctrl\nlib, /usr/local/xpu/lib64/libxpuml.so.1\n",
  );
  Deno.writeTextFileSync(
    `${dir}/config.toml`,
    `[xpu-container-cli]\nroot = ${
      q(driver)
    }\n[xpu-container-runtime]\nmode = "csv"\nruntimes = ["runc"]\n` +
      `[xpu-container-runtime.modes.csv]\nmount-spec-path = ${q(`${dir}/csv`)}\n`,
  );
  return `${dir}/config.toml`;
}
