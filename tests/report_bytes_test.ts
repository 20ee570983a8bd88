import { assertEquals, assertNotEquals, assertThrows } from "@std/assert";
import {
  ColumnPacker,
  EmbeddedTextReader,
  escapeBytes,
} from "../lib/report_bytes.ts";
import { concatBytes } from "../lib/bytes.ts";
import { encodeProfile } from "../lib/wire.ts";
import { buildProfile, statsFile } from "../lib/pstats/build.ts";

/** Runs bytes through a packer in chunks of `size`, the output joined. */
function through(
  packer: ColumnPacker,
  input: Uint8Array,
  size: number,
): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let at = 0; at < input.length; at += size) {
    for (const part of packer.push(input.slice(at, at + size))) {
      parts.push(part.slice()); // a part may be a buffer used again
    }
  }
  for (const part of packer.end()) parts.push(part.slice());
  return concatBytes(parts);
}

Deno.test("ColumnPacker packs columns of more than a part, in chunks of any size, and unpacks them back", () => {
  // 150,000 functions: each 8-byte column is 1.2 MB, more than a part.
  const bytes = encodeProfile(buildProfile([statsFile(
    "big.pstats",
    Array.from({ length: 150_000 }, (_, i) => ({
      key: [`m${i % 97}.py`, i + 1, `f${i}`] as [string, number, string],
      calls: 1 + i % 13,
      primitiveCalls: 1 + i % 13,
      internalTime: i * 1e-6,
      cumulativeTime: i * 2e-6,
    })),
  )]));
  const packed = through(new ColumnPacker("pack"), bytes, bytes.length);
  assertEquals(packed.length, bytes.length);
  assertNotEquals(packed, bytes);
  for (const size of [4099, (1 << 20) + 3, bytes.length]) {
    assertEquals(
      through(new ColumnPacker("pack"), bytes, size),
      packed,
      `chunks of ${size}`,
    );
    assertEquals(
      through(new ColumnPacker("unpack"), packed, size),
      bytes,
      `chunks of ${size}`,
    );
  }
});

Deno.test("ColumnPacker passes bytes that are not an encoded profile through", () => {
  const bytes = Uint8Array.from({ length: 5000 }, (_, i) => (i * 31) & 255);
  assertEquals(through(new ColumnPacker("pack"), bytes, 7), bytes);
  const short = new TextEncoder().encode("PXP");
  assertEquals(through(new ColumnPacker("unpack"), short, 1), short);
});

Deno.test("EmbeddedTextReader refuses a character the writer never writes", () => {
  const text = new TextDecoder("windows-1252").decode(
    escapeBytes(Uint8Array.of(1, 2, 3)),
  );
  assertThrows(
    () => new EmbeddedTextReader(`${text}<`).next(100),
    SyntaxError,
    "Not the bytes of a report",
  );
  assertThrows(
    () => new EmbeddedTextReader("\u0100").next(100),
    SyntaxError,
  );
});
