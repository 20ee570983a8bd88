/**
 * How wide the calls column must be: the characters of its widest cell
 * (`15,159/15,100` for a recursive function), found without formatting
 * every row, which at a million rows cost more than the rest of a keystroke.
 *
 * @module
 */

import { formatCount } from "../lib/format.ts";

/**
 * The characters of the widest calls cell among `rows`: `calls` alone when
 * sampled or equal to the primitive calls, else both joined by `/`.
 *
 * @example
 * ```ts
 * import { widestCalls } from "./calls_width.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const calls = Float64Array.of(5, 15159, 3);
 * const primitive = Float64Array.of(5, 15100, 3);
 * assertEquals(widestCalls(calls, primitive, Uint32Array.of(0, 2), false), 1);
 * assertEquals(widestCalls(calls, primitive, Uint32Array.of(0, 1), false), 13);
 * ```
 *
 * @param calls Calls per id.
 * @param primitive Primitive calls per id.
 * @param rows The ids shown.
 * @param sampled Whether only `calls` is shown.
 * @returns The number of characters.
 */
export function widestCalls(
  calls: ArrayLike<number>,
  primitive: ArrayLike<number>,
  rows: ArrayLike<number>,
  sampled: boolean,
): number {
  let widest = 0;
  // Whole numbers from 0 up to this one are never wider than `widest`.
  let narrowBelow = 0;
  for (let i = 0; i < rows.length; i++) {
    const id = rows[i]!;
    const nc = calls[id]!;
    const cc = primitive[id]!;
    const single = sampled || nc === cc;
    if (single && nc >= 0 && nc < narrowBelow && Number.isInteger(nc)) {
      continue;
    }
    const chars = single ? countChars(nc) : countChars(nc) + 1 + countChars(cc);
    if (chars > widest) {
      widest = chars;
      narrowBelow = 1;
      for (
        let digits = 1;
        digits + Math.floor((digits - 1) / 3) <= widest;
        digits++
      ) {
        narrowBelow *= 10;
      }
    }
  }
  return widest;
}

/**
 * The length of `formatCount(n)`, worked out without formatting it for a
 * whole number.
 *
 * @param n A count.
 * @returns Its characters.
 */
export function countChars(n: number): number {
  if (!Number.isInteger(n)) return formatCount(n).length;
  const digits = Math.abs(n) < 10 ? 1 : Math.floor(Math.log10(Math.abs(n))) + 1;
  return digits + Math.floor((digits - 1) / 3) + (n < 0 ? 1 : 0);
}
