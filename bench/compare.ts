/**
 * Runs each case's A and B commands alternately and prints the medians and the median of the
 * paired differences (B − A). Usage: deno run -A bench/compare.ts RUNS [NAME PREPARE A B]…
 * Commands are run by `sh -c`, whose own start-up is the same for A and B.
 * @module
 */

import { median } from "./median.ts";

const [runsArg, ...rest] = Deno.args;
const runs = Number(runsArg);
if (!Number.isInteger(runs) || runs < 1 || rest.length % 4 !== 0) {
  throw new Error("usage: compare.ts RUNS [NAME PREPARE A B]…");
}

async function sh(command: string): Promise<void> {
  const { code } = await new Deno.Command("sh", {
    args: ["-c", command],
    stdout: "null",
    stderr: "null",
  }).output();
  if (code !== 0) throw new Error(`exit ${code}: ${command}`);
}

async function timed(prepare: string, command: string): Promise<number> {
  await sh(prepare);
  const start = performance.now();
  await sh(command);
  return performance.now() - start;
}

const f = (ms: number) => ms.toFixed(2).padStart(7);
console.log(
  `${"case".padEnd(24)} ${"A ms".padStart(7)} ${"B ms".padStart(7)}  B−A (median of pairs)`,
);
for (let i = 0; i < rest.length; i += 4) {
  const [name, prepare, a, b] = rest.slice(i, i + 4) as [string, string, string, string];
  for (let w = 0; w < 3; w++) {
    await timed(prepare, a);
    await timed(prepare, b);
  }
  const ta: number[] = [];
  const tb: number[] = [];
  for (let r = 0; r < runs; r++) {
    if (r % 2 === 0) {
      ta.push(await timed(prepare, a));
      tb.push(await timed(prepare, b));
    } else {
      tb.push(await timed(prepare, b));
      ta.push(await timed(prepare, a));
    }
  }
  const diff = median(ta.map((x, j) => tb[j]! - x));
  console.log(
    `${name.padEnd(24)} ${f(median(ta))} ${f(median(tb))}  ${diff >= 0 ? "+" : ""}${
      diff.toFixed(2)
    }`,
  );
}
