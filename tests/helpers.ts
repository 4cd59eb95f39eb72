/**
 * Shared test helpers: the built entry points, temp dirs, and running commands.
 * @module
 */

/** The project root. */
export const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** Where `make build` puts xpu-ctk and its applet names. */
export const BIN_DIR = `${ROOT}/dist/bin`;

/** Test fixtures. */
export const TESTDATA = `${ROOT}/testdata`;

/** The path of the built entry point called `name` (xpu-ctk, xpu-container-runtime, …). */
export function bin(name: string): string {
  const path = `${BIN_DIR}/${name}`;
  try {
    Deno.statSync(path);
  } catch {
    throw new Error(`${path} is missing: run "make build" first`);
  }
  return path;
}

/** True when the tests run as root (needed by runc, mknod, docker). */
export const IS_ROOT = Deno.uid() === 0;

/** Marks a root-only test ignored, loudly, when not root; under CI they must run. */
export function rootOnly(reason: string): boolean {
  if (IS_ROOT) return false;
  if (Deno.env.get("CI")) throw new Error(`CI must run as root: ${reason}`);
  console.warn(`SKIPPED (not root): ${reason}`);
  return true;
}

/** Runs `fn` with a fresh temp directory that is removed afterwards. */
export async function withTempDir<T>(fn: (dir: string) => T | Promise<T>): Promise<T> {
  const dir = Deno.makeTempDirSync({ prefix: "xpu-test-" });
  try {
    return await fn(dir);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

/** What a finished command produced. */
export interface Output {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options for `run`. */
export interface RunOptions {
  /** Extra environment; XDG_CONFIG_HOME defaults to an empty dir so no host config is read. */
  readonly env?: Record<string, string>;
  readonly stdin?: string | Uint8Array;
  readonly cwd?: string;
  /** Start from an empty environment (plus `env` and a PATH) instead of this process's. */
  readonly clearEnv?: boolean;
  /** Kill the command after this many ms (default 60 s) so a hung runc cannot hang the suite. */
  readonly timeoutMs?: number;
}

const EMPTY_XDG = Deno.makeTempDirSync({ prefix: "xpu-test-xdg-" });
globalThis.addEventListener("unload", () => Deno.removeSync(EMPTY_XDG, { recursive: true }));

/** Runs `cmd` with `args`, returning its exit code and decoded output. */
export async function run(
  cmd: string,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<Output> {
  const child = new Deno.Command(cmd, {
    args: [...args],
    env: {
      ...(opts.clearEnv ? { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" } : {}),
      XDG_CONFIG_HOME: EMPTY_XDG,
      ...opts.env,
    },
    clearEnv: opts.clearEnv ?? false,
    stdin: opts.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    signal: AbortSignal.timeout(opts.timeoutMs ?? 60_000),
  }).spawn();
  if (opts.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(
      typeof opts.stdin === "string" ? new TextEncoder().encode(opts.stdin) : opts.stdin,
    );
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Runs the built entry point `name` (see `bin`). */
export function runBin(
  name: string,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<Output> {
  return run(bin(name), args, opts);
}

/** Writes `toml` as the config found through XDG_CONFIG_HOME=`dir`; returns that env. */
export function configEnv(dir: string, toml: string): Record<string, string> {
  Deno.mkdirSync(`${dir}/xpu-container-runtime`, { recursive: true });
  Deno.writeTextFileSync(`${dir}/xpu-container-runtime/config.toml`, toml);
  return { XDG_CONFIG_HOME: dir };
}

/** A TOML string literal. */
export function q(value: string): string {
  return JSON.stringify(value);
}

/** A small deterministic PRNG (mulberry32) for randomised tests, so failures reproduce. */
export function seededRandom(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The sha256 of each file in `paths` (hex), to show a command left its inputs as they were. */
export async function digests(paths: readonly string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const path of paths) {
    const hash = await crypto.subtle.digest("SHA-256", Deno.readFileSync(path));
    out[path] = [...new Uint8Array(hash)].map((b) => b.toString(16).padStart(2, "0")).join("");
  }
  return out;
}

/**
 * Mount points at or below `dir` in this process's mount namespace (`thread-self`: this
 * thread's). Tests run in parallel, so a test looks only at its own directory's mounts.
 */
export function mountsUnder(dir: string, of: "self" | "thread-self" = "self"): string[] {
  return Deno.readTextFileSync(`/proc/${of}/mountinfo`).split("\n").map((l) => l.split(" ")[4])
    .filter((p): p is string => p !== undefined && (p === dir || p.startsWith(`${dir}/`)));
}

/** The first line `child` prints on its piped stdout (the rest is left unread). */
export async function firstLine(child: Deno.ChildProcess): Promise<string> {
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  reader.releaseLock();
  return text.split("\n")[0]!;
}
