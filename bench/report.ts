/**
 * Prints hyperfine results as each case's median milliseconds and its overhead over the Deno
 * floor, with the budget it has. Each file is one round over all cases; the overhead is the
 * median of the differences between a case's runs and its floor's runs of the same round.
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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

// Each file is one round over all cases; a case's k-th run in a round is paired with its floor's.
const rounds = Deno.args.map((file) =>
  new Map(
    (JSON.parse(Deno.readTextFileSync(file)).results as Result[]).map((r) => [r.command, r.times]),
  )
);
const names = [...(rounds[0]?.keys() ?? [])];
if (!names.includes("a-floor")) throw new Error("No a-floor result");
const ms = (s: number) => (s * 1000).toFixed(1);
console.log(
  `${"case".padEnd(24)} ${"median ms".padStart(9)} ${"over floor".padStart(10)}  budget`,
);
for (const name of names) {
  const all = rounds.flatMap((r) => r.get(name) ?? []);
  const line = `${name.padEnd(24)} ${ms(median(all)).padStart(9)}`;
  if (name.startsWith("a-floor")) {
    console.log(`${line} ${"-".padStart(10)}`);
    continue;
  }
  const base = FLOORS[name] ?? "a-floor";
  const diffs = rounds.flatMap((r) => {
    const floor = r.get(base) ?? [];
    return (r.get(name) ?? []).map((t, k) => t - floor[k]!).filter((d) => !Number.isNaN(d));
  });
  const over = median(diffs);
  const budget = BUDGETS[name];
  const verdict = budget === undefined
    ? ""
    : `${over * 1000 <= budget ? "within" : "OVER"} +${budget} ms`;
  console.log(`${line} ${`${over >= 0 ? "+" : ""}${ms(over)}`.padStart(10)}  ${verdict}`);
}
