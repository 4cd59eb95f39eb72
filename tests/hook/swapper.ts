/**
 * The race harness's attacker: swaps two paths with renameat2(RENAME_EXCHANGE) in a tight loop,
 * as a process inside the container could, until killed or after a minute.
 * Usage: deno run -A swapper.ts A B
 */

const RENAME_EXCHANGE = 2;
const AT_FDCWD = -100;
const libc = Deno.dlopen("libc.so.6", {
  renameat2: { parameters: ["i32", "buffer", "i32", "buffer", "u32"], result: "i32" },
});
const enc = new TextEncoder();
const [a, b] = Deno.args.map((p) => enc.encode(`${p}\0`));
if (!a || !b) throw new Error("usage: swapper.ts A B");
const end = Date.now() + 60_000;
let swaps = 0;
console.log("ready");
while (Date.now() < end) {
  for (let i = 0; i < 1000; i++) {
    if (libc.symbols.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) === 0) swaps++;
  }
}
console.log(swaps);
