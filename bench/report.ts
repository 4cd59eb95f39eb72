/**
 * Prints hyperfine results as median milliseconds and overhead over the Deno floor, with the
 * budget each case has; several files (rounds over the same cases) are pooled per case.
 * Usage: deno run -A bench/report.ts RESULTS.json…
 * @module
 */

interface Result {
  command: string;
  times: number[];
}

const BUDGETS: Record<string, number> = {
  "b-state-passthrough": 3,
  "c-legacy-create": 6,
  "d-legacy-create-large": 25,
  "e-hook-prestart": 5,
  "f-csv-create": 10,
  "g-cdi-create": 12,
};

// Cases that need a shell to feed stdin are compared with a floor run through the same shell.
const FLOORS: Record<string, string> = { "e-hook-prestart": "a-floor-stdin" };

/** Each case's median over the runs of every file (each file is one round over all cases). */
function medians(files: string[]): { command: string; median: number }[] {
  const times = new Map<string, number[]>();
  for (const file of files) {
    for (const r of JSON.parse(Deno.readTextFileSync(file)).results as Result[]) {
      times.set(r.command, [...(times.get(r.command) ?? []), ...r.times]);
    }
  }
  return [...times].map(([command, ts]) => {
    const sorted = ts.sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
    return { command, median };
  });
}

const results = medians(Deno.args);
const floor = results.find((r) => r.command === "a-floor");
if (!floor) throw new Error("No a-floor result");
const ms = (s: number) => (s * 1000).toFixed(1).padStart(7);
console.log(`${"case".padEnd(24)} ${"median ms".padStart(9)} ${"over floor".padStart(10)}  budget`);
for (const r of results) {
  const base = results.find((f) => f.command === FLOORS[r.command]) ?? floor;
  const over = r.median - base.median;
  const budget = BUDGETS[r.command];
  const verdict = budget === undefined
    ? ""
    : `${over * 1000 <= budget ? "within" : "OVER"} +${budget} ms`;
  console.log(
    `${r.command.padEnd(24)} ${ms(r.median)}   ${
      r.command.startsWith("a-floor")
        ? "      -"
        : `${over >= 0 ? "+" : ""}${ms(over).trim().padStart(6)}`
    }  ${verdict}`,
  );
}
