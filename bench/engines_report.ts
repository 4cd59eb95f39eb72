/**
 * Prints bench/engines.sh's results as a Markdown table: per engine and case the median
 * milliseconds of runc and of ours, the ratio of the medians, the median of the paired ratios
 * (each run of ours over the runc run just before it, which the machine's drift cancels out of),
 * the Deno starts one container of ours made, and below the table why a row has no figures.
 * Input lines (tab-separated): `pair ENGINE CASE RUNC_MS OURS_MS`, `starts ENGINE CASE N`,
 * `note ENGINE CASE TEXT`.
 * Usage: deno run --allow-read bench/engines_report.ts RESULTS.tsv
 * @module
 */

import { median } from "./median.ts";

interface Row {
  readonly engine: string;
  readonly case: string;
  readonly runc: number[];
  readonly ours: number[];
  starts: string;
  notes: string[];
}

const rows = new Map<string, Row>();
for (const line of Deno.readTextFileSync(Deno.args[0]!).split("\n").filter(Boolean)) {
  const [kind, engine = "", name = "", ...rest] = line.split("\t");
  const key = `${engine}\t${name}`;
  const row = rows.get(key) ??
    { engine, case: name, runc: [], ours: [], starts: "", notes: [] };
  rows.set(key, row);
  if (kind === "pair") {
    row.runc.push(Number(rest[0]));
    row.ours.push(Number(rest[1]));
  } else if (kind === "starts") row.starts = rest[0] ?? "";
  else row.notes.push(rest.join("\t"));
}

const header = [
  "engine",
  "case",
  "runc ms",
  "ours ms",
  "ratio",
  "paired ratio",
  "Deno starts",
  "pairs",
];
const table = [...rows.values()].map((r) => {
  if (r.runc.length === 0) return [r.engine, r.case, "–", "–", "–", "–", "–", "0"];
  const [runc, ours] = [median(r.runc), median(r.ours)];
  const paired = median(r.ours.map((t, i) => t / r.runc[i]!));
  return [
    r.engine,
    r.case,
    runc.toFixed(0),
    ours.toFixed(0),
    (ours / runc).toFixed(2),
    paired.toFixed(2),
    r.starts,
    String(r.runc.length),
  ];
});
const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
const line = (cells: readonly string[]) =>
  `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
console.log(line(header));
console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
for (const r of table) console.log(line(r));
const notes = [...rows.values()].flatMap((r) =>
  r.notes.map((n) => `- ${r.engine} ${r.case}: ${n}`)
);
if (notes.length > 0) console.log(`\n${notes.join("\n")}`);
