// Imports every module of the bundle's applets (scripts/warm-cache.sh), so that Deno compiles
// each into its code cache, then lets the event loop turn, when Deno writes them. The entries
// (main.js, runtime.js, hook.js) are left out: importing one runs its applet.
// Usage: deno run --allow-read … scripts/warm_modules.js BUNDLE_DIR
const [dir] = Deno.args;
for (const applet of ["runtime", "hook", "cli"]) {
  for (const entry of Deno.readDirSync(`${dir}/${applet}`)) {
    if (entry.name.endsWith(".js")) await import(`file://${dir}/${applet}/${entry.name}`);
  }
}
await new Promise((resolve) => setTimeout(resolve, 10));
