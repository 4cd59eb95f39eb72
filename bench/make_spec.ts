/**
 * Writes a bench bundle's config.json: `runc spec` output requesting XPU 0, optionally grown to
 * N env entries and M mounts. Usage: deno run -A bench/make_spec.ts OUT [ENV] [MOUNTS]
 * @module
 */

const [out, envCount = "0", mountCount = "0"] = Deno.args;
if (!out) throw new Error("usage: make_spec.ts OUT [ENV] [MOUNTS]");
const spec = JSON.parse(
  Deno.readTextFileSync(new URL("../testdata/bundles/runc-spec.json", import.meta.url)),
);
spec.process.env.push("CXPU_VISIBLE_DEVICES=0");
for (let i = 0; i < Number(envCount); i++) spec.process.env.push(`BENCH_VAR_${i}=value-${i}`);
for (let i = 0; i < Number(mountCount); i++) {
  spec.mounts.push({
    destination: `/bench/mount/${i}`,
    type: "bind",
    source: `/srv/bench/${i}`,
    options: ["rbind", "ro"],
  });
}
Deno.writeTextFileSync(out, JSON.stringify(spec, null, "\t"));
