/**
 * Prints the argv[0] names of src/internal/argv0.ts for the build scripts, so they are written
 * only there: one line per applet the launcher starts directly, `runtime NAME…` and `hook NAME…`.
 * Usage: deno run --no-config --no-lock scripts/applets.ts
 * @module
 */
import { HOOK_NAMES, RUNTIME_NAMES } from "../src/internal/argv0.ts";

console.log(["runtime", ...RUNTIME_NAMES].join(" "));
console.log(["hook", ...HOOK_NAMES].join(" "));
