/**
 * The race harness: while a helper process swaps a directory (or file) of the root and a link to
 * the decoy host tree with RENAME_EXCHANGE, each helper hook runs hundreds of times. A hook that
 * resolved a path and then used it as a string again would sometimes act on the host.
 */

import { assertEquals } from "../assert.ts";
import { ROOT, rootOnly, runBin, withTempDir } from "../helpers.ts";
import { emptyBundle, makeDecoy, snapshot } from "./hostile.ts";
import { createSymlinks } from "../../src/internal/root_symlinks.ts";
import { updateLdcache } from "../../src/internal/ldcache.ts";
import { chmodInRoot } from "../../src/hook/helpers/chmod.ts";
import { LDCONFIG_LIMITS } from "../../src/internal/ldconfig.ts";
import { Root } from "../../src/internal/in_root.ts";
import { Logger } from "../../src/internal/log.ts";

const IN_PROCESS_TRIES = 500;
const BINARY_TRIES = 100;

interface Race {
  /** Real directories and files of the root (relative), made before the swap starts. */
  dirs: string[];
  files?: string[];
  /** The root's entry swapped with a link to the same place in the decoy. */
  swap: string;
  args: string[];
  run: (root: Root, log: Logger) => Promise<void> | void;
}

const RACES: Record<string, Race[]> = {
  "update-ldcache": ["etc/ld.so.conf.d", "etc"].map((swap) => ({
    dirs: ["etc/ld.so.conf.d"],
    swap,
    args: ["--folder", "/usr/lib/xpu"],
    run: (root: Root, log: Logger) =>
      updateLdcache(root, ["/usr/lib/xpu"], "/bin/true", log, {
        ...LDCONFIG_LIMITS,
        isolate: false,
      }),
  })),
  "create-symlinks": ["usr/lib", "usr"].map((swap) => ({
    dirs: ["usr/lib"],
    swap,
    args: ["--link", "libxpu.so.1.0::/usr/lib/libxpu.so.1"],
    run: (root: Root, log: Logger) =>
      createSymlinks(root, ["libxpu.so.1.0::/usr/lib/libxpu.so.1"], log),
  })),
  chmod: ["dev/xpu0", "dev"].map((swap) => ({
    dirs: ["dev"],
    files: ["dev/xpu0"],
    swap,
    args: ["--mode", "0777", "--path", "/dev/xpu0"],
    run: (root: Root, log: Logger) => chmodInRoot(root, 0o777, ["/dev/xpu0"], log),
  })),
};

/** Starts the swapper on `a` and `b`; resolves once it swaps. */
async function startSwapper(a: string, b: string): Promise<Deno.ChildProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-config", `${ROOT}/tests/hook/swapper.ts`, a, b],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.getReader();
  const { value } = await reader.read();
  reader.releaseLock();
  if (!new TextDecoder().decode(value).startsWith("ready")) {
    throw new Error("swapper did not start");
  }
  return child;
}

async function race(
  hook: string,
  r: Race,
  tries: number,
  attempt: (rootfs: string, state: string) => Promise<void>,
): Promise<void> {
  await withTempDir(async (dir) => {
    const decoy = makeDecoy(dir);
    const { rootfs, state } = emptyBundle(dir);
    for (const d of r.dirs) Deno.mkdirSync(`${rootfs}/${d}`, { recursive: true });
    for (const f of r.files ?? []) Deno.writeTextFileSync(`${rootfs}/${f}`, "");
    Deno.symlinkSync(`${decoy}/${r.swap}`, `${dir}/swap-link`);
    const before = snapshot(decoy);
    const swapper = await startSwapper(`${rootfs}/${r.swap}`, `${dir}/swap-link`);
    try {
      for (let i = 0; i < tries; i++) await attempt(rootfs, state);
    } finally {
      swapper.kill("SIGKILL");
      await swapper.output();
    }
    assertEquals(snapshot(decoy), before, `${hook} changed the host while ${r.swap} was swapped`);
  });
}

for (const [hook, races] of Object.entries(RACES)) {
  for (const [i, resolver] of ["openat2", "walk"].entries()) {
    Deno.test({
      name: `race harness: ${hook} (${resolver}) never acts on the host, ${IN_PROCESS_TRIES} tries`,
      ignore: rootOnly("the race swaps entries of root-owned test trees"),
      fn: async () => {
        const log = new Logger();
        for (const r of races) {
          await race(hook, r, IN_PROCESS_TRIES / races.length, async (rootfs) => {
            const root = Root.open(rootfs, { openat2: i === 0 });
            try {
              await r.run(root, log);
            } catch {
              // A swap can make a component briefly a link to a missing place: refusing is fine.
            } finally {
              root.close();
            }
          });
        }
      },
    });
  }
  Deno.test({
    name: `race harness: xpu-ctk hook ${hook} never acts on the host, ${BINARY_TRIES} tries`,
    ignore: rootOnly("the race swaps entries of root-owned test trees"),
    fn: async () => {
      for (const r of races) {
        await race(hook, r, BINARY_TRIES / races.length, async (_rootfs, state) => {
          const out = await runBin("xpu-ctk", ["hook", hook, ...r.args], {
            stdin: state,
            env: { XDG_CONFIG_HOME: "" },
          });
          // Exit 1 is a refusal or a missing path mid-swap; anything else is a crash.
          if (out.code !== 0 && out.code !== 1) throw new Error(out.stderr);
        });
      }
    },
  });
}
