import { assertEquals, assertMatch } from "../assert.ts";
import { firstLine, ROOT, withTempDir } from "../helpers.ts";
import { bootId, isRunning, processStart, staleReason } from "../../src/alloc/liveness.ts";
import { AllocationStore } from "../../src/alloc/store.ts";
import { formatState } from "../../src/alloc/state.ts";
import { liveEntry } from "./entries.ts";

/** The state letter /proc gives process `pid` (field 3 of its stat). */
function stateOf(pid: number): string {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  return stat.charAt(stat.lastIndexOf(")") + 2);
}

Deno.test("a process whose main thread has ended while another thread runs still runs (the shim execs runc from a worker thread)", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--no-check", `${ROOT}/tests/alloc/main_thread_exits.ts`, "30"],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  try {
    const start = processStart(child.pid);
    assertEquals(await firstLine(child), "ready");
    // The main thread is a zombie now: wait until /proc says so.
    for (let i = 0; i < 500 && stateOf(child.pid) !== "Z"; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assertEquals(stateOf(child.pid), "Z");
    assertEquals(processStart(child.pid), start);
    assertEquals(isRunning({ pid: child.pid, start: start! }), true);
  } finally {
    child.kill("SIGKILL");
    await child.status;
  }
});

Deno.test("a zombie process (ended, not reaped) does not run", async () => {
  // sh starts a short sleep and becomes a long one, which never reaps the short one.
  const child = new Deno.Command("sh", {
    args: ["-c", "sleep 0.3 & echo $!; exec sleep 30"],
    stdout: "piped",
  }).spawn();
  try {
    const zombie = Number(await firstLine(child));
    assertEquals(typeof processStart(zombie), "string");
    for (let i = 0; i < 500 && stateOf(zombie) !== "Z"; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assertEquals(stateOf(zombie), "Z");
    assertEquals(processStart(zombie), undefined);
  } finally {
    child.kill("SIGKILL");
    await child.status;
  }
});

Deno.test({
  name:
    "a killed process whose threads are all zombies does not run (a tracer that never waits keeps one listed)",
  // Tracing a process that is not one's child takes root (CAP_SYS_PTRACE) where Yama is on.
  ignore: Deno.uid() !== 0,
  fn: async () => {
    const target = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "--no-check", `${ROOT}/tests/alloc/main_thread_exits.ts`, "30"],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    let tracer: Deno.ChildProcess | undefined;
    try {
      assertEquals(await firstLine(target), "ready");
      tracer = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-all",
          "--no-check",
          `${ROOT}/tests/alloc/seize_thread.ts`,
          `${target.pid}`,
        ],
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      const tid = Number(await firstLine(tracer));
      assertEquals(Number.isInteger(tid) && tid > 0, true, "the tracer cannot seize a thread");
      const start = processStart(target.pid)!;
      target.kill("SIGKILL");
      // The other threads go; the seized one stays, a zombie, as does the main thread.
      // A thread listed may be gone by the time its stat is read.
      const tasks = () =>
        [...Deno.readDirSync(`/proc/${target.pid}/task`)].flatMap((t) => {
          try {
            const stat = Deno.readTextFileSync(`/proc/${target.pid}/task/${t.name}/stat`);
            return [`${t.name} ${stat.charAt(stat.lastIndexOf(")") + 2)}`];
          } catch {
            return [];
          }
        }).sort();
      const left = [`${target.pid} Z`, `${tid} Z`].sort();
      for (let i = 0; i < 500 && JSON.stringify(tasks()) !== JSON.stringify(left); i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assertEquals(tasks(), left);
      assertEquals(processStart(target.pid), undefined);
      assertEquals(isRunning({ pid: target.pid, start }), false);
      const creator = { pid: target.pid, start };
      assertMatch(
        staleReason(liveEntry("traced", { creator }))!,
        /^its creator \(pid [0-9]+\) has ended/,
      );
    } finally {
      target.kill("SIGKILL");
      if (tracer) {
        tracer.kill("SIGKILL");
        await tracer.status;
      }
      await target.status;
    }
  },
});

Deno.test("staleReason() says why an entry is stale, and a load's note names the container, its XPUs and the reason", async () => {
  await withTempDir(async (dir) => {
    const ended = new Deno.Command("true").spawn();
    const start = processStart(ended.pid) ?? "1";
    await ended.status;
    const creator = { pid: ended.pid, start };
    const gone = liveEntry("gone", { creator, runtimeRoot: `${dir}/runc`, devices: [0, 1] });
    assertMatch(
      staleReason(gone)!,
      /^its creator \(pid [0-9]+\) has ended and ".*\/runc" holds no runtime state for it$/,
    );
    // The runtime's state names an init process that has ended too.
    Deno.mkdirSync(`${dir}/runc/dead`, { recursive: true });
    Deno.writeTextFileSync(
      `${dir}/runc/dead/state.json`,
      JSON.stringify({ init_process_pid: ended.pid, init_process_start: Number(start) + 1 }),
    );
    const dead = liveEntry("dead", { creator, runtimeRoot: `${dir}/runc` });
    assertMatch(staleReason(dead)!, /and so has its init process \(pid [0-9]+\)$/);
    assertEquals(staleReason(liveEntry("live")), undefined);

    const store = new AllocationStore(`${dir}/alloc`);
    Deno.mkdirSync(store.dir);
    Deno.writeTextFileSync(
      store.file,
      formatState({ boot: bootId(), entries: [gone, liveEntry("live", { devices: [2] })] }),
    );
    const notes: string[] = [];
    store.update(() => ({ result: 0 }), (line) => notes.push(line));
    assertEquals(notes.length, 1);
    assertMatch(
      notes[0]!,
      /^Dropped the allocation of container "gone" \(xpu0, xpu1\): its creator/,
    );
    assertEquals(store.read().entries.map((e) => e.container), ["live"]);
  });
});
