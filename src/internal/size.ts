/**
 * Memory sizes as people write them (`4g`, `512MiB`, `4000000000`) and as messages show them.
 * @module
 */

/**
 * The largest size, 2^63 - 1 bytes: the largest number a 64-bit integer holds, signed or not,
 * so every consumer (the cli's --mmem, a state file) reads it exactly.
 */
export const MAX_SIZE = 2n ** 63n - 1n;

const POWERS: Readonly<Record<string, number>> = { "": 0, k: 1, m: 2, g: 3, t: 4 };

/** How k, m, g and t multiply: 1024-based (the toolkit's rule) or 1000-based (genv's). */
export type SizeBase = 1024n | 1000n;

/**
 * A size in bytes, or the problem with `value`: bytes, or a number with k, m, g or t and an
 * optional `b` or `ib`; with `base` 1000n, `kib`/`mib`/`gib`/`tib` still mean 1024-based units.
 * More than 0, at most MAX_SIZE.
 */
export function parseSize(value: string, base: SizeBase = 1024n): bigint | string {
  const m = /^\s*(\d+)\s*([kmgt]?)(ib|b)?\s*$/i.exec(value);
  const binary = m?.[3]?.toLowerCase() === "ib";
  if (!m || (m[2] === "" && binary)) {
    return "expected bytes or a number with k, m, g or t (e.g. 4g, 512MiB)";
  }
  const digits = m[1]!.replace(/^0+(?=\d)/, "");
  const unit = (binary ? 1024n : base) ** BigInt(POWERS[m[2]!.toLowerCase()]!);
  // Checked before BigInt sees it: a number with thousands of digits costs time to convert.
  const bytes = digits.length > 19 ? MAX_SIZE + 1n : BigInt(digits) * unit;
  if (bytes === 0n) return "must be more than 0";
  if (bytes > MAX_SIZE) return `must fit in 64 bits: at most ${MAX_SIZE} bytes`;
  return bytes;
}

const NAMES = ["bytes", "KiB", "MiB", "GiB", "TiB"];

/** `bytes` in the largest 1024-based unit that divides it (`4 GiB`, `1536 MiB`, `100 bytes`). */
export function formatSize(bytes: bigint): string {
  let n = bytes;
  let unit = 0;
  while (unit < NAMES.length - 1 && n !== 0n && n % 1024n === 0n) {
    n /= 1024n;
    unit++;
  }
  return `${n} ${NAMES[unit]}`;
}
