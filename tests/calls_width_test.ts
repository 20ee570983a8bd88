/**
 * The calls column's width (`ui/calls_width.ts`), which skips rows that
 * cannot be wider, against formatting every row.
 */
import { assertEquals } from "@std/assert";
import { formatCount } from "../lib/format.ts";
import { countChars, widestCalls } from "../ui/calls_width.ts";

/** The reference: every cell formatted. */
function reference(
  calls: Float64Array,
  primitive: Float64Array,
  rows: Uint32Array,
  sampled: boolean,
): number {
  let widest = 0;
  for (const id of rows) {
    const nc = calls[id]!;
    const cc = primitive[id]!;
    const text = sampled || nc === cc
      ? formatCount(nc)
      : `${formatCount(nc)}/${formatCount(cc)}`;
    widest = Math.max(widest, text.length);
  }
  return widest;
}

Deno.test("the widest calls cell is the one formatting every row finds", () => {
  let a = 7;
  const next = () => {
    a = (Math.imul(a, 1103515245) + 12345) >>> 0;
    return a / 4294967296;
  };
  const special = [
    0,
    1,
    9,
    10,
    99,
    999,
    1000,
    9999,
    10000,
    999999,
    1e6,
    1.5,
    0.25,
    2 ** 40,
  ];
  for (let round = 0; round < 300; round++) {
    const n = 1 + Math.floor(next() * 60);
    const pick = () =>
      next() < 0.3
        ? special[Math.floor(next() * special.length)]!
        : Math.floor(10 ** (next() * 9));
    const calls = Float64Array.from({ length: n }, pick);
    const primitive = calls.map((c) => (next() < 0.2 ? pick() : c));
    const rows = Uint32Array.from(
      { length: Math.floor(next() * n) + 1 },
      () => Math.floor(next() * n),
    );
    for (const sampled of [false, true]) {
      assertEquals(
        widestCalls(calls, primitive, rows, sampled),
        reference(calls, primitive, rows, sampled),
        `${[...rows].map((r) => `${calls[r]}/${primitive[r]}`)}`,
      );
    }
  }
  assertEquals(widestCalls([], [], [], false), 0);
  const calls = Float64Array.of(5, 15159, 3, 1.5);
  const primitive = Float64Array.of(5, 15100, 3, 1.5);
  assertEquals(widestCalls(calls, primitive, null, false), 13);
  assertEquals(widestCalls(calls, calls, null, false), 6);
  for (const n of special) assertEquals(countChars(n), formatCount(n).length);
});
