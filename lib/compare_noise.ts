/**
 * When a change between two runs is noise: the threshold
 * ({@linkcode NoiseThreshold}), its default, how it is written on the command
 * line and in the page's URL, and the test itself ({@linkcode isNoise}).
 *
 * @module
 */

/**
 * When a change is noise. A function found in both runs counts as slower or
 * faster only when its cumulative time changed by at least `ofTotal` of the
 * base run's total time *and* by at least `ofOwn` of its own cumulative time
 * before; a smaller change (under either bound) counts as unchanged. A call
 * between two functions is judged the same way by its own numbers (its
 * count and the run's total calls where calls carry no times). Both at 0,
 * every change counts.
 */
export interface NoiseThreshold {
  /** A share of the base run's total time: 0.005 for 0.5%. */
  readonly ofTotal: number;
  /** A share of the function's own cumulative time before: 0.05 for 5%. */
  readonly ofOwn: number;
}

/** The threshold used unless asked otherwise: 0.5% of the total, 5% of the function's own. */
export const DEFAULT_THRESHOLD: NoiseThreshold = {
  ofTotal: 0.005,
  ofOwn: 0.05,
};

/** No threshold: every change counts. */
export const NO_THRESHOLD: NoiseThreshold = { ofTotal: 0, ofOwn: 0 };

/**
 * Reads a threshold as the command line (`--threshold`) and the page's URL
 * (`threshold=`) write it: two percentages, of the total and of the
 * function's own time before, as `0.5,5` (each may end in `%`); one number
 * sets both (`0` counts every change, `off` too).
 *
 * @example
 * ```ts
 * import { parseThreshold } from "./compare.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(parseThreshold("0.5,5"), { ofTotal: 0.005, ofOwn: 0.05 });
 * assertEquals(parseThreshold("1%"), { ofTotal: 0.01, ofOwn: 0.01 });
 * assertEquals(parseThreshold("0"), { ofTotal: 0, ofOwn: 0 });
 * assertEquals(parseThreshold("5,x"), undefined);
 * ```
 *
 * @param text The text.
 * @returns The threshold, or `undefined` when the text is not one.
 */
export function parseThreshold(text: string): NoiseThreshold | undefined {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === "off") return NO_THRESHOLD;
  const parts = trimmed.split(",").map((part) => part.trim());
  if (parts.length > 2) return undefined;
  const shares: number[] = [];
  for (const part of parts) {
    const match = /^(\d{1,3}(?:\.\d{1,6})?|\.\d{1,6})%?$/.exec(part);
    if (match === null) return undefined;
    const percent = Number(match[1]);
    if (!(percent >= 0 && percent <= 100)) return undefined;
    shares.push(percent / 100);
  }
  return { ofTotal: shares[0]!, ofOwn: shares[1] ?? shares[0]! };
}

/**
 * A threshold as {@linkcode parseThreshold} reads it: `0.5,5`, or `0` for
 * none.
 *
 * @example
 * ```ts
 * import { DEFAULT_THRESHOLD, thresholdText } from "./compare.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(thresholdText(DEFAULT_THRESHOLD), "0.5,5");
 * assertEquals(thresholdText({ ofTotal: 0.01, ofOwn: 0.01 }), "1");
 * ```
 *
 * @param threshold The threshold.
 * @returns The text.
 */
export function thresholdText(threshold: NoiseThreshold): string {
  const percent = (share: number) => String(Number((share * 100).toFixed(6)));
  const total = percent(threshold.ofTotal);
  const own = percent(threshold.ofOwn);
  return total === own ? total : `${total},${own}`;
}

/**
 * What a threshold means, in words: `changes under 0.5% of the total time
 * or under 5% of a function's own time before count as unchanged`.
 *
 * @param threshold The threshold.
 * @returns The sentence, without a capital or a full stop.
 */
export function describeThreshold(threshold: NoiseThreshold): string {
  const percent = (share: number) => `${Number((share * 100).toFixed(6))}%`;
  if (threshold.ofTotal === 0 && threshold.ofOwn === 0) {
    return "every change counts (no noise threshold)";
  }
  const parts = [
    threshold.ofTotal > 0
      ? `under ${percent(threshold.ofTotal)} of the total time`
      : "",
    threshold.ofOwn > 0
      ? `under ${percent(threshold.ofOwn)} of a function's own time before`
      : "",
  ].filter((part) => part !== "");
  return `changes ${parts.join(" or ")} count as unchanged`;
}

/**
 * Whether a change is noise under a threshold.
 *
 * @example
 * ```ts
 * import { DEFAULT_THRESHOLD, isNoise } from "./compare.ts";
 * import { assert } from "@std/assert";
 *
 * // 0.2 ms more of a 10 ms function in a 1 s run: under 0.5% of the run.
 * assert(isNoise(0.0002, 0.01, 1, DEFAULT_THRESHOLD));
 * // 20 ms more of a 500 ms function: 2% of the run, but 4% of its own.
 * assert(isNoise(0.02, 0.5, 1, DEFAULT_THRESHOLD));
 * // 10 ms more of a 100 ms function: over both.
 * assert(!isNoise(0.01, 0.1, 1, DEFAULT_THRESHOLD));
 * ```
 *
 * @param change After minus before.
 * @param before The value before.
 * @param total The run's total (its time, or its calls for call counts).
 * @param threshold The threshold.
 * @returns `true` when the change counts as none.
 */
export function isNoise(
  change: number,
  before: number,
  total: number,
  threshold: NoiseThreshold,
): boolean {
  const size = Math.abs(change);
  if (size === 0) return true;
  return size < threshold.ofTotal * Math.abs(total) ||
    size < threshold.ofOwn * Math.abs(before);
}
