/**
 * Prints hyperfine results as each case's median milliseconds and its overhead over the Deno
 * floor, with the budget it has. Each file is one round in which every case runs right after a
 * run of its floor (named FLOOR@CASE); the overhead is the median of those paired differences.
 * Usage: deno run -A bench/report.ts RESULTS.json…
 * @module
 */

import { median } from "./median.ts";

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
  "i-state-fast": 3,
};

// Each file is one round; in it, a case CASE runs right after its floor, named FLOOR@CASE.
const rounds = Deno.args.map((file) =>
  new Map(
    (JSON.parse(Deno.readTextFileSync(file)).results as Result[]).map((r) => [r.command, r.times]),
  )
);
const commands = [...(rounds[0]?.keys() ?? [])];
const ms = (s: number) => (s * 1000).toFixed(1);
const pooled = (match: (command: string) => boolean) =>
  rounds.flatMap((r) => [...r].filter(([c]) => match(c)).flatMap(([, t]) => t));
console.log(
  `${"case".padEnd(24)} ${"median ms".padStart(9)} ${"over floor".padStart(10)}  budget`,
);
for (
  const floor of [...new Set(commands.filter((c) => c.includes("@")).map((c) => c.split("@")[0]!))]
) {
  console.log(
    `${floor.padEnd(24)} ${ms(median(pooled((c) => c.startsWith(`${floor}@`)))).padStart(9)} ${
      "-".padStart(10)
    }`,
  );
}
for (const name of commands.filter((c) => !c.includes("@"))) {
  const floorName = commands.find((c) => c.endsWith(`@${name}`));
  if (!floorName) throw new Error(`No floor runs for ${name}`);
  const diffs = rounds.flatMap((r) => {
    const floor = r.get(floorName) ?? [];
    return (r.get(name) ?? []).map((t, k) => t - floor[k]!).filter((d) => !Number.isNaN(d));
  });
  const over = median(diffs);
  const budget = BUDGETS[name];
  const verdict = budget === undefined
    ? ""
    : `${over * 1000 <= budget ? "within" : "OVER"} +${budget} ms`;
  console.log(
    `${name.padEnd(24)} ${ms(median(pooled((c) => c === name))).padStart(9)} ${
      `${over >= 0 ? "+" : ""}${ms(over)}`.padStart(10)
    }  ${verdict}`,
  );
}
