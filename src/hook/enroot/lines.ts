/**
 * The lines an enroot hook appends: fstab lines for ENROOT_MOUNTS and `KEY=VALUE` lines for
 * ENROOT_ENVIRON. A value that a line cannot carry (a newline, which would start a line of its
 * choosing; in a mount field, a space, tab or backslash) is refused, never escaped or cut.
 * @module
 */

import { quote } from "../../internal/quote.ts";

/**
 * enroot-mount's line buffer (its FSTAB_LINE_MAX): fgets fills it with at most one byte less, so
 * the longest line it reads whole is 4095 bytes, newline included. A longer one is cut by glibc's
 * getmntent and, in enroot's musl builds, ends the reading of the file: every later mount is lost.
 */
export const FSTAB_LINE_MAX = 4096;

/** A value that cannot go into a line; the message names it. */
export class LineError extends Error {
  override name = "LineError";
}

function refuseBreaks(value: string, what: string): void {
  if (/[\n\r\0]/.test(value)) {
    throw new LineError(
      // deno-lint-ignore xpu-messages/values-quoted -- what the value is, e.g. "library"
      `Cannot pass ${what} ${quote(value)} to enroot: it holds a line break or NUL`,
    );
  }
}

/** One fstab field, as it is. Throws LineError. */
function field(value: string, what: string): string {
  refuseBreaks(value, what);
  // An empty field shifts the others; a leading # makes the line a comment. glibc's getmntent
  // would decode `\040`-style escapes, but enroot's musl builds split fields with sscanf("%s")
  // and decode none: a space, tab or backslash cannot be written so both read the same path.
  if (value === "" || value.startsWith("#") || /[\\ \t]/.test(value)) {
    throw new LineError(
      // deno-lint-ignore xpu-messages/values-quoted -- what the value is, e.g. "library"
      `Cannot pass ${what} ${quote(value)} to enroot: not an fstab field it reads ` +
        "(empty, a leading #, or a space, tab or backslash)",
    );
  }
  return value;
}

/** The fstab line mounting `source` at `target` (a path in the container). Throws LineError. */
export function fstabLine(
  source: string,
  target: string,
  type: string,
  options: readonly string[],
): string {
  const line = `${field(source, "the mount source")} ${field(target, "the mount target")} ${
    field(type, "the mount type")
  } ${field(options.join(","), "the mount options")}\n`;
  if (new TextEncoder().encode(line).length >= FSTAB_LINE_MAX) {
    throw new LineError(
      `Cannot pass the mount of ${quote(source)} to enroot: its fstab line is longer than ${
        FSTAB_LINE_MAX - 1
      } bytes`,
    );
  }
  return line;
}

/** The ENROOT_ENVIRON line setting `name` to `value`. Throws LineError. */
export function environLine(name: string, value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new LineError(`Cannot pass the variable ${quote(name)} to enroot: not a variable name`);
  }
  refuseBreaks(value, `the value of ${name}`);
  return `${name}=${value}\n`;
}
