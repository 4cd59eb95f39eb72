/**
 * The contract every engine's files keep, through the built xpu-ctk: only regular files are read
 * or written.
 * @module
 */

import { assertEquals } from "../assert.ts";
import { type Output, rootOnly, run, runBin, withTempDir } from "../helpers.ts";

const SHIM = "/usr/bin/xpu-container-runtime";

function ctk(args: string[], env: Record<string, string> = {}): Promise<Output> {
  // A FIFO used to hang xpu-ctk for ever: the test fails in 10 s instead.
  return runBin("xpu-ctk", ["runtime", ...args], { env, timeoutMs: 10_000 });
}

function names(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}

async function sh(cmd: string, ...args: string[]): Promise<boolean> {
  return (await run(cmd, args)).code === 0;
}

Deno.test({
  name: "runtime configure refuses a device node as --config: it stays a device, nothing is made",
  ignore: rootOnly("mknod needs root"),
  fn: async () => {
    await withTempDir(async (dir) => {
      const dev = `${dir}/null`;
      assertEquals(await sh("mknod", dev, "c", "1", "3"), true);
      for (const action of ["configure", "unconfigure"]) {
        const out = await ctk([action, "--config", dev, "--runtime-path", SHIM]);
        assertEquals(out.code, 1, action);
        assertEquals(
          out.stderr,
          `xpu-ctk: Cannot edit "${dev}": it is a character device, not a regular file; ` +
            "it was left unchanged\n",
        );
        assertEquals(Deno.statSync(dev).isCharDevice, true);
        assertEquals(names(dir), ["null"]);
      }
    });
  },
});

Deno.test("runtime configure and unconfigure refuse a FIFO at once, also with --dry-run and through a link", async () => {
  await withTempDir(async (dir) => {
    const fifo = `${dir}/fifo.json`;
    assertEquals(await sh("mkfifo", fifo), true);
    Deno.symlinkSync("fifo.json", `${dir}/daemon.json`);
    for (const config of [fifo, `${dir}/daemon.json`]) {
      for (const args of [["configure"], ["unconfigure"], ["configure", "--dry-run"]]) {
        const out = await ctk([...args, "--config", config, "--runtime-path", SHIM]);
        assertEquals(out.code, 1, args.join(" "));
        assertEquals(
          out.stderr,
          `xpu-ctk: Cannot edit "${config}": it is a FIFO, not a regular file; it was left unchanged\n`,
        );
      }
    }
    assertEquals(names(dir), ["daemon.json", "fifo.json"]);
  });
});
