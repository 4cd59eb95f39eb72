/**
 * Entry point of the single executable: picks the applet from argv[0] and loads only its modules.
 * @module
 */
import { invocation } from "./src/internal/argv0.ts";

const { applet, ...invoked } = invocation(Deno.args);
// Each applet is imported lazily: loading all three would add ~30 ms to every container start.
const mod = applet === "runtime"
  ? await import("./src/runtime/main.ts")
  : applet === "hook"
  ? await import("./src/hook/main.ts")
  : await import("./src/cli/main.ts");
Deno.exit(await mod.main(invoked));
