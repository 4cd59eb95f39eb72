/**
 * Prints the runtime's fast path for scripts/launcher.sh: scripts/fast_path.bash with what the
 * shim decides (runc's flags it skips, the commands it modifies and their flags, the decision's
 * file, header and variables, the runtime's names, env(1) and its record) filled in from its own
 * modules, so they are written only there.
 * DECISION_DIR is where the decision is looked for when the caller does not name a directory.
 * Usage: deno run --allow-read --no-config --no-lock scripts/fast_path.ts DECISION_DIR
 * @module
 */
import {
  BUNDLE_FLAGS,
  COMMAND_PLAIN_FLAGS,
  COMMAND_VALUE_FLAGS,
  VALUE_FLAGS,
} from "../src/runtime/args.ts";
import {
  DECISION_DIR_ENV,
  DECISION_FILE,
  DECISION_MAX_BYTES,
  DECISION_VARIABLES,
  decisionHeader,
  FRONT_CREATE_COMMANDS,
  FRONT_PLAIN_FLAGS,
  FRONT_SHIM_COMMANDS,
  FRONT_SPEC_MAX_BYTES,
} from "../src/runtime/decision.ts";
import {
  ENV_PATH,
  ENV_RECORD_FILE,
  ENV_RECORD_MAX_BYTES,
  ENV_RESETS,
} from "../src/runtime/env_signal.ts";
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
const inline = (flags: readonly string[]) => flags.map((f) => `${quote(`${f}=`)}*`).join(" | ");
const plain = (flags: readonly string[]) => [pattern(flags), inline(flags)].join(" | ");
// The bundle's spellings are matched first, on their own.
const valueFlags = spellings(COMMAND_VALUE_FLAGS).filter((f) => !BUNDLE_FLAGS.includes(f));

const facts: Record<string, string> = {
  DEFAULT_DIR: quote(dir),
  VALUE_FLAGS: pattern(spellings(VALUE_FLAGS)),
  VALUE_FLAGS_INLINE: inline(spellings(VALUE_FLAGS)),
  PLAIN_FLAGS: plain(spellings(FRONT_PLAIN_FLAGS)),
  SHIM_COMMANDS: pattern(FRONT_SHIM_COMMANDS),
  CREATE_COMMANDS: pattern(FRONT_CREATE_COMMANDS),
  SPEC_MAX_BYTES: String(FRONT_SPEC_MAX_BYTES),
  BUNDLE_FLAGS: pattern(BUNDLE_FLAGS),
  BUNDLE_FLAGS_INLINE: inline(BUNDLE_FLAGS),
  COMMAND_VALUE_FLAGS: pattern(valueFlags),
  COMMAND_VALUE_FLAGS_INLINE: inline(valueFlags),
  COMMAND_PLAIN_FLAGS: plain(spellings(COMMAND_PLAIN_FLAGS)),
  DECISION_ENV: DECISION_DIR_ENV,
  DECISION_FILE: quote(DECISION_FILE),
  MAX_BYTES: String(DECISION_MAX_BYTES),
  HEADER: quote(decisionHeader()),
  DECISION_VARIABLES: DECISION_VARIABLES.join(" "),
  RUNTIME_NAMES: pattern(RUNTIME_NAMES),
  ENV: quote(ENV_PATH),
  ENV_RECORD_FILE: quote(ENV_RECORD_FILE),
  ENV_RECORD_MAX_BYTES: String(ENV_RECORD_MAX_BYTES),
  ENV_RESETS: quote(ENV_RESETS),
};

const template = Deno.readTextFileSync(new URL("./fast_path.bash", import.meta.url));
const filled = template.replace(/@([A-Z_]+)@/g, (whole, name: string) => {
  const fact = facts[name];
  if (fact === undefined) throw new Error(`Unknown fact ${whole} in scripts/fast_path.bash`);
  return fact;
});
console.log(filled.trimEnd());
