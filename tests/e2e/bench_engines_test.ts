/**
 * bench/engines.sh, smoke-tested: its usage, and one pair per row on podman (the engine without a
 * daemon, so the cheapest to start). Timings are printed, never asserted.
 * @module
 */

import { assertEquals, assertMatch, assertTrue } from "../assert.ts";
import { ROOT, run } from "../helpers.ts";
import { podmanUnavailable } from "./podman.ts";

const SCRIPT = `${ROOT}/bench/engines.sh`;

function haveStrace(): boolean {
  try {
    return new Deno.Command("strace", { args: ["-V"], stdout: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

/**
 * What the run must leave as it found: the files it writes into its private /etc (which other
 * tests' files in the host's /etc/cdi must not be confused with), and the temp dirs.
 */
function hostState(): string[] {
  const exists = (path: string) => {
    try {
      Deno.lstatSync(path);
      return `${path} exists`;
    } catch {
      return `${path} absent`;
    }
  };
  return [
    exists("/etc/xpu-container-runtime/config.toml"),
    exists("/etc/cdi/xpu-plain.json"),
    ...[...Deno.readDirSync("/tmp")].map((e) => e.name).filter((n) =>
      n.startsWith("xpu-bench-engines.")
    ).sort(),
  ];
}

Deno.test("bench/engines.sh --help prints its usage; a bad RUNS or ENGINES is a usage error", async () => {
  const help = await run(SCRIPT, ["--help"]);
  assertEquals(help.code, 0, help.stderr);
  assertMatch(help.stdout, /^Usage: bench\/engines\.sh \[--help\]/m);
  assertMatch(help.stdout, /^ {2}RUNS=N {7}pairs \(runc, ours\) per row, default 20$/m);
  assertEquals(help.stderr, "");

  const runs = await run(SCRIPT, [], { env: { RUNS: "0" } });
  assertEquals(runs.code, 2);
  assertEquals(runs.stderr, 'bench/engines.sh: RUNS must be a positive integer, not "0"\n');
  const engines = await run(SCRIPT, [], { env: { ENGINES: "podman dockr" } });
  assertEquals(engines.code, 2);
  assertEquals(engines.stderr, 'bench/engines.sh: unknown engine "dockr" in ENGINES\n');
  const extra = await run(SCRIPT, ["now"]);
  assertEquals(extra.code, 2);
  assertMatch(extra.stderr, /^Usage: bench\/engines\.sh/m);
});

Deno.test({
  name: "bench/engines.sh RUNS=1 on podman: a row of figures and Deno starts per case, " +
    "the host's /etc, /run and /tmp left as they were",
  ignore: podmanUnavailable(),
  fn: async () => {
    const before = hostState();
    const out = await run(SCRIPT, [], {
      env: { RUNS: "1", ENGINES: "podman", CASES: "void csv" },
      timeoutMs: 180_000,
    });
    assertEquals(out.code, 0, out.stderr);
    assertMatch(out.stderr, /^wall time: \d+ s$/m);
    const starts = haveStrace() ? "(\\d+)" : "(\\? \\(strace missing: make deps\\))";
    for (const name of ["void", "csv"]) {
      const row = new RegExp(
        `^\\| podman \\| ${name} +\\| \\d+ +\\| \\d+ +\\| \\d+\\.\\d\\d +\\| \\d+\\.\\d\\d +\\| ${starts} +\\| 1 +\\|$`,
        "m",
      );
      assertMatch(out.stdout, row);
      // Whatever the toolkit does, a container of ours starts it at least once (at create).
      const count = row.exec(out.stdout)?.[1];
      if (haveStrace()) assertTrue(Number(count) >= 1, `${name}: ${count} Deno starts`);
    }
    assertEquals(hostState(), before);
  },
});
