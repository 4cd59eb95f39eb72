/**
 * Prints a hyperfine command (shell words) running a bundle's last prestart hook as runc runs it:
 * its path, its arguments after argv[0], STATE on its stdin (through `sh`, as the hook cases'
 * floor reads its stdin). Usage: deno run -A bench/hook_command.ts CONFIG.JSON STATE
 * @module
 */

const [specFile, state] = Deno.args;
if (!specFile || !state) throw new Error("usage: hook_command.ts CONFIG.JSON STATE");
const hooks = JSON.parse(Deno.readTextFileSync(specFile)).hooks?.prestart ?? [];
const hook = hooks.at(-1);
if (!hook) throw new Error(`${specFile} has no prestart hook`);
const word = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
console.log(
  ["sh", "-c", `exec "$0" "$@" <${state}`, hook.path, ...(hook.args ?? []).slice(1)].map(word)
    .join(" "),
);
