import { assertEquals, assertStringIncludes } from "../assert.ts";
import { q, rootOnly, runBin, withTempDir } from "../helpers.ts";
import { makeDriverRoot } from "../e2e/driver.ts";
import { type Entry, formatState } from "../../src/alloc/state.ts";
import { bootId } from "../../src/alloc/liveness.ts";
import { liveEntry } from "../alloc/entries.ts";

const ignore = rootOnly("mknod");
const G = 1024n ** 3n;

function entry(container: string, devices: number[], extra: Partial<Entry> = {}): Entry {
  return liveEntry(container, { devices, ...extra });
}

/** A host of three 16 GiB devices with `entries` recorded; the config file's path. */
function host(dir: string, entries: Entry[]): string {
  const driver = makeDriverRoot(`${dir}/driver`, 3);
  Deno.mkdirSync(`${dir}/alloc`);
  Deno.writeTextFileSync(`${dir}/alloc/state.json`, formatState({ boot: bootId(), entries }));
  Deno.writeTextFileSync(
    `${dir}/config.toml`,
    `[xpu-container-cli]\nroot = ${q(driver)}\n` +
      `[xpu-allocator]\nstate-dir = ${q(`${dir}/alloc`)}\ndevice-memory = "16g"\n`,
  );
  return `${dir}/config.toml`;
}

const ENTRIES = [
  entry("c1", [0]),
  entry("c2", [1], { memory: 4n * G, environment: "job" }),
  entry("c3", [1], { memory: 6n * G, environment: "job", since: "2025-01-02T03:00:00.000Z" }),
  entry("c4", [1], { memory: 2n * G }),
];

Deno.test({
  name: "xpu-ctk allocations shows each device's memory, what is promised and who holds it",
  ignore,
  fn: () =>
    withTempDir(async (dir) => {
      const config = host(dir, ENTRIES);
      const out = await runBin("xpu-ctk", ["--config", config, "allocations"]);
      assertEquals(out.code, 0, out.stderr);
      assertEquals(
        out.stdout,
        `State: ${dir}/alloc/state.json\n` +
          "DEVICE  MEMORY  USED   FREE    HELD BY\n" +
          "xpu0    16 GiB  all    0       c1 since 2025-01-02T03:04:05Z\n" +
          "xpu1    16 GiB  8 GiB  8 GiB   c4, 2 GiB since 2025-01-02T03:04:05Z; job (c2, c3), 6 GiB since 2025-01-02T03:00:00Z\n" +
          "xpu2    16 GiB  -      16 GiB  free\n",
      );
    }),
});

Deno.test({
  name: "xpu-ctk allocations --json prints devices and containers with stable keys",
  ignore,
  fn: () =>
    withTempDir(async (dir) => {
      const config = host(dir, ENTRIES);
      const out = await runBin("xpu-ctk", ["allocations", "--json", "--config", config]);
      assertEquals(out.code, 0, out.stderr);
      const doc = JSON.parse(out.stdout);
      assertEquals(Object.keys(doc), ["stateFile", "devices", "containers"]);
      assertEquals(doc.devices[1], {
        name: "xpu1",
        index: 1,
        memory: 16 * 2 ** 30,
        used: 8 * 2 ** 30,
        free: 8 * 2 ** 30,
        exclusive: false,
        holders: [
          {
            environment: "c4",
            containers: ["c4"],
            memory: 2 * 2 ** 30,
            since: "2025-01-02T03:04:05.000Z",
          },
          {
            environment: "job",
            containers: ["c2", "c3"],
            memory: 6 * 2 ** 30,
            since: "2025-01-02T03:00:00.000Z",
          },
        ],
      });
      assertEquals(doc.containers.map((c: { container: string }) => c.container), [
        "c1",
        "c2",
        "c3",
        "c4",
      ]);
    }),
});

Deno.test({
  name: "xpu-ctk allocations release ID frees a container's or an environment's devices",
  ignore,
  fn: () =>
    withTempDir(async (dir) => {
      const config = host(dir, ENTRIES);
      const out = await runBin("xpu-ctk", ["--config", config, "allocations", "release", "job"]);
      assertEquals(out, {
        code: 0,
        stdout: "Released xpu1 held by c2\nReleased xpu1 held by c3\n",
        stderr: "",
      });
      const again = await runBin("xpu-ctk", ["--config", config, "allocations", "release", "job"]);
      assertEquals(again, {
        code: 1,
        stdout: "",
        stderr: 'xpu-ctk: No container or environment "job" holds an XPU\n',
      });
      const json = JSON.parse(
        (await runBin("xpu-ctk", ["--config", config, "allocations", "--json"])).stdout,
      );
      assertEquals(json.containers.map((c: { container: string }) => c.container), ["c1", "c4"]);
      const usage = await runBin("xpu-ctk", ["--config", config, "allocations", "release"]);
      assertEquals(usage.code, 2);
    }),
});

Deno.test({
  name: "xpu-ctk allocations names a state file it cannot use",
  ignore,
  fn: () =>
    withTempDir(async (dir) => {
      const config = host(dir, []);
      Deno.writeTextFileSync(`${dir}/alloc/state.json`, "{");
      const out = await runBin("xpu-ctk", ["--config", config, "allocations"]);
      assertEquals(out.code, 1);
      assertStringIncludes(
        out.stderr,
        `xpu-ctk: Cannot use the allocation state "${dir}/alloc/state.json": invalid JSON`,
      );
    }),
});

Deno.test({
  name: "xpu-ctk lock -- CMD holds the devices' lock files while CMD runs",
  ignore,
  fn: () =>
    withTempDir(async (dir) => {
      const config = host(dir, []);
      const lock0 = `${dir}/alloc/locks/xpu0.lock`;
      // flock -n fails on a lock another open file holds.
      const held = await runBin("xpu-ctk", [
        "--config",
        config,
        "lock",
        "--xpus",
        "0",
        "--",
        "flock",
        "-n",
        lock0,
        "true",
      ]);
      assertEquals(held.code, 1, held.stderr);
      const other = await runBin("xpu-ctk", [
        "--config",
        config,
        "lock",
        "--xpus",
        "1-2",
        "--",
        "flock",
        "-n",
        lock0,
        "true",
      ]);
      assertEquals(other.code, 0, other.stderr);
      const all = await runBin("xpu-ctk", ["--config", config, "lock", "--", "sh", "-c", "exit 7"]);
      assertEquals(all.code, 7);
      assertEquals([...Deno.readDirSync(`${dir}/alloc/locks`)].map((e) => e.name).sort(), [
        "xpu0.lock",
        "xpu1.lock",
        "xpu2.lock",
      ]);
      const bad = await runBin("xpu-ctk", [
        "--config",
        config,
        "lock",
        "--xpus",
        "GPU-x",
        "--",
        "true",
      ]);
      assertEquals(bad.code, 2);
    }),
});
