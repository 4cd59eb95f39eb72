import { assertEquals, assertThrows } from "../assert.ts";
import { decodeUtf8, invalidUtf8Offset, Utf8Error } from "../../src/internal/utf8.ts";

const bytes = (...b: number[]) => new Uint8Array(b);

Deno.test("invalidUtf8Offset() finds the first byte that is not UTF-8", () => {
  const cases: [Uint8Array, number][] = [
    [new TextEncoder().encode("plain ünï 🙂"), -1],
    [bytes(0x61, 0xff), 1],
    [bytes(0x61, 0x80, 0x61), 1], // A lone continuation byte.
    [bytes(0x61, 0x62, 0xe2, 0x82), 2], // Truncated at the end.
    [bytes(0xc3, 0x28), 0], // A lead byte without its continuation.
    [bytes(0xc0, 0xaf), 0], // Overlong.
    [bytes(0xed, 0xa0, 0x80), 0], // A surrogate.
    [bytes(0xf4, 0x90, 0x80, 0x80), 0], // Past U+10FFFF.
    [bytes(0x61, 0xef, 0xbf, 0xbd, 0xff), 4], // A real U+FFFD before the bad byte.
  ];
  for (const [input, offset] of cases) assertEquals(invalidUtf8Offset(input), offset, `${input}`);
});

Deno.test("decodeUtf8() keeps a byte-order mark and throws Utf8Error naming the byte", () => {
  assertEquals(decodeUtf8(bytes(0xef, 0xbb, 0xbf, 0x61)), "\ufeffa");
  const e = assertThrows(() => decodeUtf8(bytes(0x61, 0x62, 0xfe)), Utf8Error);
  assertEquals([e.offset, e.message], [2, "invalid UTF-8 at byte 2 (0xFE)"]);
});
