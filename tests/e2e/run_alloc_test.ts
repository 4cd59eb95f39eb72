import { assertEquals, assertMatch, assertNotEquals } from "../assert.ts";
import { q } from "../helpers.ts";
import { withTempDir } from "../helpers.ts";
import { makeRootfs, runcUnavailable } from "./bundle.ts";
import { type RunOutput, spawnUntilReady } from "./run_ready.ts";
import { csvConfigFile } from "./driver.ts";

const ignore = runcUnavailable();

/** An `xpu-ctk run` whose container prints its devices and "ready", then waits for DIR/share/stop-N. */
interface Holder {
  /** The devices the container got, once it is ready; undefined when the run failed first. */
  readonly devices: string | undefined;
  /** Lets it exit (once, however often called) and waits for it. */
  finish(): Promise<{ code: number; stdout: string; stderr: string }>;
}

/** Starts holder `n` with `args`; resolves once it is ready or has ended. */
async function startHolder(
  dir: string,
  config: string,
  rootfs: string,
  n: number,
  args: string[],
): Promise<Holder> {
  Deno.mkdirSync(`${dir}/tmp${n}`);
  const started = await spawnUntilReady([
    "--config",
    config,
    "run",
    "--rootfs",
    rootfs,
    "--mount",
    `${dir}/share:/share:ro`,
    "--name",
    `xpu-alloc-${n}`,
    ...args,
    "--",
    "sh",
    "-c",
    `echo "dev=$CXPU_VISIBLE_DEVICES"; echo ready; while [ ! -e /share/stop-${n} ]; do sleep 0.05; done`,
  ], `${dir}/tmp${n}`);
  let finished: Promise<RunOutput> | undefined;
  return {
    devices: /dev=(.*)\nready\n/.exec(started.stdout)?.[1],
    finish: () =>
      finished ??= (async () => {
        Deno.writeTextFileSync(`${dir}/share/stop-${n}`, "");
        return await started.finish();
      })(),
  };
}

Deno.test({
  name: "three xpu-ctk run --xpu-count 1 at once on two XPUs: two get one each, the third is " +
    "refused, and with --wait it runs once one exits",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const config = csvConfigFile(dir);
      Deno.writeTextFileSync(config, `[xpu-allocator]\nstate-dir = ${q(`${dir}/alloc`)}\n`, {
        append: true,
      });
      const rootfs = makeRootfs(dir);
      Deno.mkdirSync(`${dir}/share`);
      const holders = await Promise.all(
        [0, 1, 2].map((n) => startHolder(dir, config, rootfs, n, ["--xpu-count", "1"])),
      );
      let fourth: Holder | undefined;
      try {
        const ready = holders.filter((h) => h.devices !== undefined);
        const [refused] = holders.filter((h) => h.devices === undefined);
        assertEquals(ready.map((h) => h.devices).sort(), ["0", "1"]);
        const out = await refused!.finish();
        assertNotEquals(out.code, 0);
        assertMatch(
          out.stderr,
          /No XPU free: 1 requested, 0 free \(xpu0 held by xpu-alloc-\d since [^)]*xpu1 held by xpu-alloc-\d since /,
        );

        // A fourth that waits gets the device the first holder frees.
        const waiting = startHolder(dir, config, rootfs, 3, ["--xpu-count", "1", "--wait", "30s"]);
        const freed = ready[0]!.devices;
        assertEquals((await ready[0]!.finish()).code, 0);
        fourth = await waiting;
        assertEquals(fourth.devices, freed);
        for (const h of [ready[1]!, fourth]) assertEquals((await h.finish()).code, 0);
        assertEquals(JSON.parse(Deno.readTextFileSync(`${dir}/alloc/state.json`)).entries, []);
      } finally {
        await Promise.all([...holders, ...(fourth ? [fourth] : [])].map((h) => h.finish()));
      }
    });
  },
});
