/**
 * Prints the runtime's fast path for scripts/launcher.sh: scripts/fast_path.bash with what the
 * shim decides (runc's flags it skips, the commands it modifies, the decision's file, header and
 * variables, the runtime's names) filled in from its own modules, so they are written only there.
 * DECISION_DIR is where the decision is looked for when the caller does not name a directory.
 * Usage: deno run --allow-read --no-config --no-lock scripts/fast_path.ts DECISION_DIR
 * @module
 */
import { VALUE_FLAGS } from "../src/runtime/args.ts";
import {
  DECISION_DIR_ENV,
  DECISION_FILE,
  DECISION_MAX_BYTES,
  DECISION_VARIABLES,
  decisionHeader,
  FRONT_PLAIN_FLAGS,
  FRONT_SHIM_COMMANDS,
} from "../src/runtime/decision.ts";
import { RUNTIME_NAMES } from "../src/internal/argv0.ts";

const [dir] = Deno.args;
if (dir === undefined || !dir.startsWith("/")) {
  console.error("usage: fast_path.ts DECISION_DIR (an absolute path)");
  Deno.exit(2);
}

/** `s` as one word of bash, in single quotes. */
function quote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

const spellings = (flags: Iterable<string>) => [...flags].flatMap((f) => [`--${f}`, `-${f}`]);
const pattern = (words: readonly string[]) => words.map(quote).join(" | ");

const facts: Record<string, string> = {
  DEFAULT_DIR: quote(dir),
  VALUE_FLAGS: pattern(spellings(VALUE_FLAGS)),
  VALUE_FLAGS_INLINE: spellings(VALUE_FLAGS).map((f) => `${quote(`${f}=`)}*`).join(" | "),
  PLAIN_FLAGS: [
    pattern(spellings(FRONT_PLAIN_FLAGS)),
    ...spellings(FRONT_PLAIN_FLAGS).map((f) => `${quote(`${f}=`)}*`),
  ].join(" | "),
  SHIM_COMMANDS: pattern(FRONT_SHIM_COMMANDS),
  DECISION_ENV: DECISION_DIR_ENV,
  DECISION_FILE: quote(DECISION_FILE),
  MAX_BYTES: String(DECISION_MAX_BYTES),
  HEADER: quote(decisionHeader()),
  DECISION_VARIABLES: DECISION_VARIABLES.join(" "),
  RUNTIME_NAMES: pattern(RUNTIME_NAMES),
};

const template = Deno.readTextFileSync(new URL("./fast_path.bash", import.meta.url));
const filled = template.replace(/@([A-Z_]+)@/g, (whole, name: string) => {
  const fact = facts[name];
  if (fact === undefined) throw new Error(`Unknown fact ${whole} in scripts/fast_path.bash`);
  return fact;
});
console.log(filled.trimEnd());
