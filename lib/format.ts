/**
 * Number formatting shared by the terminal report and the web page, so both
 * show the same figures.
 *
 * @module
 */

const _GROUPED = new Map<number, Intl.NumberFormat>();

function _grouped(decimals: number): Intl.NumberFormat {
  let format = _GROUPED.get(decimals);
  if (format === undefined) {
    format = new Intl.NumberFormat("en-US", {
      minimumFractionDigits: decimals,
      maximumFractionDigits: decimals,
    });
    _GROUPED.set(decimals, format);
  }
  return format;
}

/**
 * Formats a time in seconds as milliseconds with thousands separators and
 * enough decimals that a non-zero time never shows as 0: three decimals, more
 * for small times so that two significant digits remain.
 *
 * @example
 * ```ts
 * import { formatMs } from "./format.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(formatMs(1.5), "1,500.000");
 * assertEquals(formatMs(0.0000012), "0.0012");
 * assertEquals(formatMs(0), "0");
 * ```
 *
 * @param seconds The time in seconds.
 * @returns The time in milliseconds, without a unit.
 */
export function formatMs(seconds: number): string {
  if (seconds === 0) return "0";
  if (!Number.isFinite(seconds)) return String(seconds);
  const ms = seconds * 1000;
  const magnitude = Math.abs(ms);
  const decimals = magnitude >= 1
    ? 3
    : Math.min(20, Math.max(3, Math.ceil(-Math.log10(magnitude)) + 1));
  return _grouped(decimals).format(ms);
}

/**
 * Formats a count with thousands separators.
 *
 * @param n The count.
 * @returns The count as text, such as `1,234`.
 */
export function formatCount(n: number): string {
  // A whole number's digits are its own: grouped here, without the number
  // format's start-up (some 15 ms, which a command that prints a few counts
  // would pay); anything else as the number format rounds it.
  if (!Number.isSafeInteger(n) || Object.is(n, -0)) {
    return _grouped(0).format(n);
  }
  const digits = String(Math.abs(n));
  let out = digits.slice(0, (digits.length - 1) % 3 + 1);
  for (let i = out.length; i < digits.length; i += 3) {
    out += `,${digits.slice(i, i + 3)}`;
  }
  return n < 0 ? `-${out}` : out;
}

/**
 * Formats a call count as pstats does: `calls/primitive` when they differ
 * (a recursive function), otherwise just the calls.
 *
 * @example
 * ```ts
 * import { formatCalls } from "./format.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(formatCalls(12, 3), "12/3");
 * assertEquals(formatCalls(1500, 1500), "1,500");
 * ```
 *
 * @param calls All calls.
 * @param primitiveCalls Non-recursive calls.
 * @returns The formatted count.
 */
export function formatCalls(calls: number, primitiveCalls: number): string {
  return calls === primitiveCalls
    ? formatCount(calls)
    : `${formatCount(calls)}/${formatCount(primitiveCalls)}`;
}

/**
 * Formats a share of a total as a percentage with one decimal; shares too
 * small to show as 0.1% show as `<0.1%` rather than 0.
 *
 * @example
 * ```ts
 * import { formatPercent } from "./format.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(formatPercent(1, 4), "25.0%");
 * assertEquals(formatPercent(1, 100000), "<0.1%");
 * assertEquals(formatPercent(0, 10), "0%");
 * assertEquals(formatPercent(1, 1e-300), ">1,000,000,000%");
 * ```
 *
 * @param part The part.
 * @param total The whole.
 * @returns The percentage.
 */
export function formatPercent(part: number, total: number): string {
  if (part === 0 || total === 0) return "0%";
  const percent = (part / total) * 100;
  if (Math.abs(percent) < 0.05) return "<0.1%";
  // A share beyond any the profile's numbers can mean (a total next to
  // nothing), or past what a number holds: bounded, never "Infinity%".
  if (!(Math.abs(percent) < _MAX_PERCENT)) {
    return `${percent < 0 ? "<−" : ">"}${_grouped(0).format(_MAX_PERCENT)}%`;
  }
  return `${percent.toFixed(1)}%`;
}

/** The largest share {@linkcode formatPercent} shows as a number. */
const _MAX_PERCENT = 1e9;

/**
 * A share of a total between 0 and 1, 0 when the total is 0.
 *
 * @param part The part.
 * @param total The whole.
 * @returns The share.
 */
export function share(part: number, total: number): number {
  return total > 0 ? part / total : 0;
}
