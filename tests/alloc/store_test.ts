import { assertEquals, assertStringIncludes, assertThrows } from "../assert.ts";
import { digests, firstLine, ROOT, withTempDir } from "../helpers.ts";
import { AllocationStore } from "../../src/alloc/store.ts";
import { bootId, processStart, thisProcess } from "../../src/alloc/liveness.ts";
import { type Entry, formatState } from "../../src/alloc/state.ts";
import { loads } from "../../src/alloc/model.ts";
import { liveEntry } from "./entries.ts";

const G = 1024n ** 3n;

const entry = liveEntry;

/** A process that has ended: its pid and start time as they were. */
async function endedProcess(): Promise<{ pid: number; start: string }> {
  const child = new Deno.Command("sleep", { args: ["30"] }).spawn();
  const start = processStart(child.pid)!;
  child.kill("SIGKILL");
  await child.status;
  return { pid: child.pid, start };
}

function put(store: AllocationStore, entries: Entry[], boot = bootId()): void {
  Deno.mkdirSync(store.dir, { recursive: true });
  Deno.writeTextFileSync(store.file, formatState({ boot, entries }));
}

const containers = (store: AllocationStore) => store.read().entries.map((e) => e.container);

Deno.test("AllocationStore.update() records entries that read() gives back, in a file of mode 0644", async () => {
  await withTempDir((dir) => {
    const store = new AllocationStore(`${dir}/alloc`);
    store.update(() => ({
      entries: [entry("b"), entry("a", { memory: 4n * G, devices: [1, 3] })],
      result: 0,
    }));
    assertEquals(store.read().entries.map((e) => [e.container, e.devices, e.memory]), [
      ["a", [1, 3], 4n * G],
      ["b", [0], undefined],
    ]);
    assertEquals(Deno.statSync(store.file).mode! & 0o777, 0o644);
  });
});

Deno.test("AllocationStore drops the entry of a container whose creator ended and that the runtime does not know", async () => {
  await withTempDir(async (dir) => {
    const store = new AllocationStore(`${dir}/alloc`);
    put(store, [entry("live"), entry("dead", { creator: await endedProcess() })]);
    assertEquals(containers(store), ["live"]);
    // read() changes nothing; the next update writes the drop.
    assertStringIncludes(Deno.readTextFileSync(store.file), '"dead"');
    store.update(() => ({ result: 0 }));
    assertEquals(Deno.readTextFileSync(store.file).includes('"dead"'), false);
  });
});

Deno.test("AllocationStore does not take a reused pid for the creator: the start time must match too", async () => {
  await withTempDir((dir) => {
    const store = new AllocationStore(`${dir}/alloc`);
    put(store, [entry("reused", { creator: { pid: Deno.pid, start: "1" } })]);
    assertEquals(containers(store), []);
  });
});

Deno.test("AllocationStore keeps a container while runc's state names a running init, drops it once that state is gone", async () => {
  await withTempDir(async (dir) => {
    const store = new AllocationStore(`${dir}/alloc`);
    const runcRoot = `${dir}/runc`;
    Deno.mkdirSync(`${runcRoot}/c1`, { recursive: true });
    const me = thisProcess();
    Deno.writeTextFileSync(
      `${runcRoot}/c1/state.json`,
      JSON.stringify({ init_process_pid: me.pid, init_process_start: Number(me.start) }),
    );
    put(store, [entry("c1", { creator: await endedProcess(), runtimeRoot: runcRoot })]);
    assertEquals(containers(store), ["c1"]);
    // The init process ended (kill -9), runc's state stays until `runc delete`.
    const ended = await endedProcess();
    Deno.writeTextFileSync(
      `${runcRoot}/c1/state.json`,
      JSON.stringify({ init_process_pid: ended.pid, init_process_start: Number(ended.start) }),
    );
    assertEquals(containers(store), []);
    Deno.writeTextFileSync(
      `${runcRoot}/c1/state.json`,
      JSON.stringify({ init_process_pid: me.pid, init_process_start: Number(me.start) }),
    );
    assertEquals(containers(store), ["c1"]);
    Deno.removeSync(`${runcRoot}/c1`, { recursive: true });
    assertEquals(containers(store), []);
  });
});

Deno.test("AllocationStore drops every entry of another boot", async () => {
  await withTempDir((dir) => {
    const store = new AllocationStore(`${dir}/alloc`);
    put(store, [entry("a")], "00000000-0000-0000-0000-000000000000");
    assertEquals(containers(store), []);
  });
});

const HOSTILE: [string, (file: string) => void, string][] = [
  ["malformed JSON", (f) => Deno.writeTextFileSync(f, '{"version": 1, "boot": '), "invalid JSON"],
  [
    "a wrong type",
    (f) =>
      Deno.writeTextFileSync(
        f,
        formatState({ boot: bootId(), entries: [entry("a")] }).replace(
          '"devices":[0]',
          '"devices":"0"',
        ),
      ),
    "entries[0].devices: expected an ascending array of device indices (0 to 1048575), found a string",
  ],
  [
    "a memory too large",
    (f) =>
      Deno.writeTextFileSync(
        f,
        formatState({ boot: bootId(), entries: [entry("a")] }).replace(
          '"memory":null',
          '"memory":"99999999999999999999"',
        ),
      ),
    "entries[0].memory: expected null or a size in bytes as a string of digits, found a string",
  ],
  [
    "a container id with a slash",
    (f) =>
      Deno.writeTextFileSync(
        f,
        formatState({ boot: bootId(), entries: [entry("a")] }).replace(
          '"container":"a"',
          '"container":"../x"',
        ),
      ),
    "entries[0].container: expected a container id, found a string",
  ],
  [
    "another version",
    (f) => Deno.writeTextFileSync(f, '{"version": 2}'),
    "version: expected 1, found 2",
  ],
  [
    "too deep",
    (f) => Deno.writeTextFileSync(f, "[".repeat(200) + "]".repeat(200)),
    "nested deeper than 100 levels",
  ],
  [
    "invalid UTF-8",
    (f) => Deno.writeFileSync(f, new Uint8Array([0x7b, 0xff, 0x7d])),
    "invalid UTF-8 at byte 1 (0xFF)",
  ],
  [
    "enormous",
    (f) => Deno.truncateSync((Deno.writeTextFileSync(f, "{"), f), 17 * 1024 * 1024),
    "it is larger than 16 MiB",
  ],
  [
    "a symbolic link",
    (f) => {
      Deno.writeTextFileSync(`${f}.real`, formatState({ boot: bootId(), entries: [] }));
      Deno.symlinkSync(`${f}.real`, f);
    },
    "it is a symbolic link",
  ],
  [
    "writable by others",
    (f) => {
      Deno.writeTextFileSync(f, formatState({ boot: bootId(), entries: [] }));
      Deno.chmodSync(f, 0o646);
    },
    "it is writable by others (mode 0646)",
  ],
  ["a directory", (f) => Deno.mkdirSync(f), "it is not a regular file"],
];

for (const [name, make, problem] of HOSTILE) {
  Deno.test(`AllocationStore refuses a state file that is ${name}, naming the file, and leaves it as it was`, async () => {
    await withTempDir(async (dir) => {
      const store = new AllocationStore(`${dir}/alloc`);
      Deno.mkdirSync(store.dir);
      make(store.file);
      const before = Deno.lstatSync(store.file).isFile ? await digests([store.file]) : {};
      const e = assertThrows(
        () => store.update(() => ({ entries: [entry("x")], result: 0 })),
        Error,
      );
      assertStringIncludes(
        (e as Error).message,
        `Cannot use the allocation state "${store.file}": ${problem}`,
      );
      assertThrows(() => store.read(), Error);
      if (Deno.lstatSync(store.file).isFile) assertEquals(await digests([store.file]), before);
    });
  });
}

Deno.test("AllocationStore.update() refuses to write an entry it could not read back, and the state stays usable", async () => {
  await withTempDir(async (dir) => {
    const store = new AllocationStore(`${dir}/alloc`);
    store.update(() => ({ entries: [entry("a")], result: 0 }));
    const before = await digests([store.file]);
    const bad: [Partial<Entry>, string][] = [
      [{ devices: [1, 0] }, "devices: expected an ascending array of device indices"],
      [{ container: "x".repeat(1025) }, "container: expected a container id"],
      [{ runtimeRoot: `/${"r".repeat(4096)}` }, "runtimeRoot: expected an absolute path"],
    ];
    for (const [extra, problem] of bad) {
      const e = assertThrows(
        () =>
          store.update(({ entries }) => ({ entries: [...entries, entry("b", extra)], result: 0 })),
        Error,
      );
      assertStringIncludes((e as Error).message, `Cannot record container "`);
      assertStringIncludes(
        (e as Error).message,
        `in the allocation state "${store.file}": ${problem}`,
      );
      assertEquals(await digests([store.file]), before);
      assertEquals(containers(store), ["a"]);
    }
  });
});

Deno.test("AllocationStore refuses a state directory others may write", async () => {
  await withTempDir((dir) => {
    const store = new AllocationStore(`${dir}/alloc`);
    Deno.mkdirSync(store.dir);
    Deno.chmodSync(store.dir, 0o777);
    const e = assertThrows(() => store.update(() => ({ result: 0 })), Error);
    assertStringIncludes(
      (e as Error).message,
      `Cannot use the allocation state directory "${store.dir}": it is writable by group and others (mode 0777)`,
    );
  });
});

const WORKER = `${ROOT}/tests/alloc/store_worker.ts`;
const DENO = Deno.execPath();

function worker(args: string[]) {
  return new Deno.Command(DENO, {
    args: ["run", "--allow-all", "--no-check", WORKER, ...args],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
}

Deno.test("50 processes allocating by memory at once: no device over its memory, no allocation lost or duplicated", async () => {
  await withTempDir(async (dir) => {
    const store = `${dir}/alloc`;
    // Two devices of 16 GiB, shares of 3 GiB: 5 fit on each, 40 are refused.
    const children = Array.from(
      { length: 50 },
      (_, i) => worker(["allocate", store, `c${i}`, String(3n * G)]),
    );
    try {
      const answers = await Promise.all(children.map(firstLine));
      const granted = answers.flatMap((a, i) => (a === "refused" ? [] : [`c${i}`]));
      assertEquals(granted.length, 10);
      const state = new AllocationStore(store).read().entries;
      assertEquals(state.map((e) => e.container).sort(), granted.sort());
      for (
        const load of loads([{ index: 0, memory: 16n * G }, { index: 1, memory: 16n * G }], state)
      ) {
        assertEquals(load.used <= 16n * G, true, `xpu${load.device.index}: ${load.used}`);
      }
      for (const [i, a] of answers.entries()) {
        if (a !== "refused") {
          assertEquals(state.find((e) => e.container === `c${i}`)!.devices, [Number(a)]);
        }
      }
    } finally {
      for (const c of children) await c.stdin.close().catch(() => {});
      await Promise.all(children.map((c) => c.status));
    }
  });
});

for (const mode of ["hang", "hang-temp"]) {
  Deno.test(`kill -9 of a writer ${mode === "hang" ? "holding the lock" : "between its temp file and the rename"} loses nothing`, async () => {
    await withTempDir(async (dir) => {
      const store = new AllocationStore(`${dir}/alloc`);
      store.update(() => ({ entries: [entry("kept")], result: 0 }));
      const before = await digests([store.file]);
      const child = worker([mode, store.dir]);
      assertEquals(await firstLine(child), "locked");
      child.kill("SIGKILL");
      await child.status;
      await child.stdin.close().catch(() => {});
      assertEquals(await digests([store.file]), before);
      assertEquals(containers(store), ["kept"]);
      // The kernel dropped the lock: the next writer goes on, and removes the dead one's temp file.
      store.update(({ entries }) => ({ entries: [...entries, entry("next")], result: 0 }));
      assertEquals(containers(store), ["kept", "next"]);
      assertEquals([...Deno.readDirSync(store.dir)].map((e) => e.name), ["state.json"]);
    });
  });
}
