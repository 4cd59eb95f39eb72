/**
 * Prints the argv[0] names of src/internal/argv0.ts for the build scripts, so they are written
 * only there: one line per applet the launcher starts directly, `runtime NAME…` and `hook NAME…`.
 * With --commands, the names that run one CLI command instead (COMMAND_NAMES), one a line: the
 * launcher starts them at main.js like xpu-ctk, so they are no lines of its own.
 * Usage: deno run --no-config --no-lock scripts/applets.ts [--commands]
 * @module
 */
import { COMMAND_NAMES, HOOK_NAMES, RUNTIME_NAMES } from "../src/internal/argv0.ts";

if (Deno.args[0] === "--commands") {
  for (const name of Object.keys(COMMAND_NAMES)) console.log(name);
} else {
  console.log(["runtime", ...RUNTIME_NAMES].join(" "));
  console.log(["hook", ...HOOK_NAMES].join(" "));
}
