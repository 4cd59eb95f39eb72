/**
 * Seeded generators for property tests: every input is made from one seed, so a failure names
 * the seed and case that reproduce it.
 * @module
 */

import { seededRandom } from "./helpers.ts";

/** A source of random test inputs. */
export class Gen {
  readonly #rand: () => number;

  /** Inputs from `seed`. */
  constructor(seed: number) {
    this.#rand = seededRandom(seed);
  }

  /** A number in [0, 1). */
  float(): number {
    return this.#rand();
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.#rand() * n);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.#rand() < p;
  }

  /** One of `xs`. */
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }

  /** Up to `max` items made by `make`. */
  array<T>(max: number, make: (g: Gen) => T): T[] {
    return Array.from({ length: this.int(max + 1) }, () => make(this));
  }

  /** Up to `max` of `pieces`, joined. */
  join(pieces: readonly string[], max: number): string {
    return this.array(max, (g) => g.pick(pieces)).join("");
  }

  /** What a non-fatal UTF-8 decoder makes of a few random bytes (often U+FFFD). */
  decoded(): string {
    const bytes = this.pick(INVALID_UTF8);
    const noise = Uint8Array.from({ length: this.int(4) }, () => this.int(256));
    return new TextDecoder().decode(new Uint8Array([...bytes, ...noise]));
  }

  /** A short string of letters, punctuation, separators, odd Unicode and decoding artifacts. */
  text(max = 8): string {
    return this.array(max, (g) => g.chance(0.1) ? g.decoded() : g.pick(CHARS)).join("");
  }
}

/** Byte sequences that are not UTF-8: stray continuations, overlongs, surrogates, cut-offs. */
const INVALID_UTF8: readonly number[][] = [
  [0x80],
  [0xbf, 0x41],
  [0xc0, 0x80],
  [0xc1, 0xbf],
  [0xe0, 0x80, 0x80],
  [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf],
  [0xe2, 0x82],
  [0xf0, 0x9f, 0x98],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf5],
  [0xfe, 0xff],
  [0xef, 0xbb, 0xbf],
];

/** Characters inputs are made of. */
export const CHARS: readonly string[] = [
  ..."abcxyzABC0189",
  ..." \t-_=.,:;/\\#'\"[]{}()<>*&!|%@`~?+$",
  "é",
  "ü",
  "\u00a0",
  "\u2028",
  "\ufeff",
  "\ufffd",
  "\ud800",
  "\udfff",
  "😀",
  "\0",
  "\x01",
  "\x7f",
  "\r",
  "\n",
];

/**
 * Checks `property` on `runs` inputs made by `make` from `seed`; a failure or an exception names
 * the seed, the case and the input.
 */
export function forAll<T>(
  seed: number,
  runs: number,
  make: (g: Gen) => T,
  property: (input: T) => void,
): void {
  const g = new Gen(seed);
  for (let i = 0; i < runs; i++) {
    const input = make(g);
    try {
      property(input);
    } catch (e) {
      const shown = JSON.stringify(input, (_, v) => typeof v === "bigint" ? `${v}n` : v);
      throw new Error(
        `Property failed (seed ${seed}, case ${i}) on ${shown?.slice(0, 2000)}: ${
          e instanceof Error ? e.message : String(e)
        }`,
        { cause: e },
      );
    }
  }
}
