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
 * @param rows The ids shown, or `null` for every id (read in order, faster).
 * @param sampled Whether only `calls` is shown.
 * @returns The number of characters.
 */
export function widestCalls(
  calls: ArrayLike<number>,
  primitive: ArrayLike<number>,
  rows: ArrayLike<number> | null,
  sampled: boolean,
): number {
  let widest = 0;
  // The widest single count is the largest whole one: only that one is
  // measured.
  let largest = -1;
  const n = rows === null ? calls.length : rows.length;
  for (let i = 0; i < n; i++) {
    const id = rows === null ? i : rows[i]!;
    const nc = calls[id]!;
    if (sampled || nc === primitive[id]) {
      if (nc > largest && Number.isInteger(nc)) largest = nc;
      else if (!(nc >= 0 && Number.isInteger(nc))) {
        widest = Math.max(widest, countChars(nc));
      }
    } else {
      widest = Math.max(
        widest,
        countChars(nc) + 1 + countChars(primitive[id]!),
      );
    }
  }
  return largest < 0 ? widest : Math.max(widest, countChars(largest));
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
