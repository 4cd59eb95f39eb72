/**
 * Go-style command-line flags, as runc and the hook take them: `-name`, `--name`, `--name=value`.
 * @module
 */

/** A flag's name without its dashes, and its `=value` when it has one. */
export function splitFlag(arg: string): { name: string; value: string | undefined } {
  const body = arg.replace(/^--?/, "");
  const eq = body.indexOf("=");
  return eq < 0
    ? { name: body, value: undefined }
    : { name: body.slice(0, eq), value: body.slice(eq + 1) };
}

/** Whether a boolean flag is on: given bare, or as `=true` or `=1`. */
export function flagEnabled(value: string | undefined): boolean {
  return value === undefined || value === "true" || value === "1";
}
