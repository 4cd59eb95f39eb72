/**
 * Printing `xpu-ctk run --verbose`'s summary; the summary's modules load only then.
 * @module
 */

import type { Config } from "../config/schema.ts";
import { errorMessage } from "../internal/errors.ts";
import { writeStderr } from "../internal/io.ts";

/** Prints the summary of the edited spec at `specPath` on stderr (or why there is none). */
export async function printSummary(
  specPath: string,
  config: Config,
  configPath: string | undefined,
): Promise<void> {
  try {
    const { runSummary } = await import("./run_summary.ts");
    const spec = JSON.parse(Deno.readTextFileSync(specPath));
    writeStderr(runSummary(spec, config, configPath).map((l) => `xpu-ctk run: ${l}\n`).join(""));
  } catch (e) {
    writeStderr(`xpu-ctk run: No summary: ${errorMessage(e)}\n`);
  }
}
