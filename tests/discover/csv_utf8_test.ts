import { assertEquals } from "../assert.ts";
import { configEnv, digests, q, runBin, withTempDir } from "../helpers.ts";

Deno.test("a CSV spec that is not UTF-8 is ignored with a warning naming the byte; the others are read", async () => {
  await withTempDir(async (dir) => {
    Deno.mkdirSync(`${dir}/csv`);
    Deno.writeTextFileSync(`${dir}/csv/a.csv`, "dev, /dev/xpuctrl\n");
    const bytes = new TextEncoder().encode("# libraries\nlib, /usr/lib/libx@.so\n");
    const at = bytes.indexOf("@".charCodeAt(0));
    bytes[at] = 0xc3; // A lead byte without its continuation.
    Deno.writeFileSync(`${dir}/csv/b.csv`, bytes);
    const files = [`${dir}/csv/a.csv`, `${dir}/csv/b.csv`];
    const before = await digests(files);
    const env = configEnv(
      `${dir}/xdg`,
      `[xpu-container-runtime.modes.csv]\nmount-spec-path = ${q(`${dir}/csv`)}\n`,
    );
    const out = await runBin("xpu-ctk", ["info", "--json"], { env });
    assertEquals(out.code, 0, out.stderr);
    const csv = JSON.parse(out.stdout).csv;
    assertEquals(csv.files, [`${dir}/csv/a.csv`]);
    assertEquals(csv.entries, 1);
    assertEquals(csv.warnings, [
      `Ignoring CSV spec "${dir}/csv/b.csv": invalid UTF-8 at byte ${at} (0xC3)`,
    ]);
    assertEquals(await digests(files), before);
  });
});
