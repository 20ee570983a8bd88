/**
 * Comparing two profiles of the same program: which function got slower or
 * faster, which is new and which is gone, and how the calls between them
 * changed.
 *
 * Functions are matched across the two runs by the rules of
 * `lib/compare_match.ts` (the same key with paths in a form that ignores
 * where the program lived, then the same file and name, then a matched
 * neighbour), each function at most once.
 *
 * Sampled runs (Python 3.15's `profiling.sampling`) key their rows by the
 * line being executed, so one function spans several rows: both sides are
 * first folded into functions with `foldSampledLines()`
 * (`lib/sampled_lines.ts`: one row per file and name, at its smallest line,
 * its samples and its callers and callees added up), and it is these
 * functions that are matched and compared.
 *
 * Nothing is paired by guesswork: what stays ambiguous is unmatched. Every
 * unmatched function of the current run is *added*, every unmatched function
 * of the base run *removed*.
 *
 * A matched function is *slower* or *faster* only when its cumulative time
 * changed by more than noise ({@linkcode NoiseThreshold}): by default by at
 * least 0.5% of the base run's total time and by at least 5% of its own
 * time before. Anything smaller is *unchanged*: two runs of one unchanged
 * program differ by that much everywhere.
 *
 * Everything here is pure and shared by the terminal report, the JSON and
 * CSV reports and the web page.
 *
 * @module
 */

import { matchFunctions } from "./compare_match.ts";
import { ProfileMismatchError } from "./data_error.ts";
import { builtinName, isBuiltin } from "./location.ts";
import type { Profile } from "./profile.ts";
import { foldSampledLines } from "./sampled_lines.ts";
import { filterMatcher, type ParsedFilter } from "./search.ts";
import {
  isEmptyFilter,
  parseFilter,
  radixOrder,
  textOrder,
  textRanks,
} from "./query.ts";

/** Whether a function exists in both runs, only the current one, or only the base one. */
export type MatchStatus = "matched" | "added" | "removed";

/**
 * What happened to a function, for filters: its cumulative time went up or
 * down (or stayed the same), or it was added or removed.
 */
export type ChangeKind =
  | "slower"
  | "faster"
  | "unchanged"
  | "added"
  | "removed";

/** The kinds of change, in the order they are listed. */
export const CHANGE_KINDS: readonly ChangeKind[] = [
  "slower",
  "faster",
  "unchanged",
  "added",
  "removed",
];

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

/**
 * Two profiles compared: one row per function of either run. Rows
 * `0 … current.size - 1` are the current run's functions (row = current id);
 * the rows after them are the base run's removed functions, in id order.
 */
export interface Comparison {
  /** The run before (the base). */
  readonly base: Profile;
  /** The run after (the current one). */
  readonly current: Profile;
  /** Whether both hold samples. */
  readonly sampled: boolean;
  /** The number of rows. */
  readonly size: number;
  /** Per row, the base run's function id, or -1 when added. */
  readonly baseIds: Int32Array;
  /** Per row, the current run's function id, or -1 when removed. */
  readonly currentIds: Int32Array;
  /** Per base function id, its row. */
  readonly baseRows: Uint32Array;
  /** How many functions are in both runs, added and removed. */
  readonly counts: {
    readonly matched: number;
    readonly added: number;
    readonly removed: number;
    /** Matched functions whose first line differs. */
    readonly moved: number;
  };
}

/**
 * Compares two profiles, matching their functions by the rules of
 * `lib/compare_match.ts`. Sampled profiles are compared by function: `base` and `current`
 * of the result are then the profiles folded by `foldSampledLines()`, and
 * row ids refer to those.
 *
 * @example
 * ```ts
 * import { compareProfiles } from "./compare.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const run = (file: string, line: number, name: string) =>
 *   buildProfile([statsFile("run.pstats", [{
 *     key: [file, line, name],
 *     calls: 1,
 *     primitiveCalls: 1,
 *     internalTime: 0.5,
 *     cumulativeTime: 0.5,
 *   }])]);
 * const before = run("/usr/lib/python3.11/json/decoder.py", 332, "decode");
 * const after = run("/opt/py/lib/python3.12/json/decoder.py", 333, "decode");
 * const comparison = compareProfiles(before, after);
 * assertEquals(comparison.counts, { matched: 1, added: 0, removed: 0, moved: 1 });
 * ```
 *
 * @param base The run before.
 * @param current The run after.
 * @returns The comparison.
 * @throws {ProfileMismatchError} When one profile holds samples and the other
 * does not.
 */
export function compareProfiles(base: Profile, current: Profile): Comparison {
  if (base.sampled !== current.sampled) {
    const sampled = base.sampled ? base : current;
    const traced = base.sampled ? current : base;
    throw new ProfileMismatchError(
      `${sampled.sources.join(", ")}: Cannot compare a sampled profile with ${
        traced.sources.length > 0
          ? `a traced one (${traced.sources.join(", ")})`
          : "a traced one"
      }: their numbers mean different things`,
    );
  }
  // A sampled run keys rows by line: compare its functions, not its lines.
  base = foldSampledLines(base);
  current = foldSampledLines(current);
  const pairs = matchFunctions(base, current);
  const currentOf = pairs.currentOf;
  const baseOf = pairs.baseOf;
  let removed = 0;
  for (let b = 0; b < base.size; b++) if (currentOf[b]! < 0) removed++;
  const size = current.size + removed;
  const baseIds = new Int32Array(size);
  const currentIds = new Int32Array(size);
  const baseRows = new Uint32Array(base.size);
  let matched = 0;
  let moved = 0;
  for (let c = 0; c < current.size; c++) {
    const b = baseOf[c]!;
    baseIds[c] = b;
    currentIds[c] = c;
    if (b >= 0) {
      baseRows[b] = c;
      matched++;
      if (base.functions.line[b] !== current.functions.line[c]) moved++;
    }
  }
  let row = current.size;
  for (let b = 0; b < base.size; b++) {
    if (currentOf[b]! >= 0) continue;
    baseIds[row] = b;
    currentIds[row] = -1;
    baseRows[b] = row++;
  }
  return {
    base,
    current,
    sampled: current.sampled,
    size,
    baseIds,
    currentIds,
    baseRows,
    counts: { matched, added: current.size - matched, removed, moved },
  };
}

/** A function's numbers (or an edge's) in one run. */
export interface Numbers {
  /** Calls (cumulative samples when sampled). */
  readonly calls: number;
  /** Primitive calls (direct samples when sampled). */
  readonly primitiveCalls: number;
  /** Internal time in seconds. */
  readonly internalTime: number;
  /** Cumulative time in seconds. */
  readonly cumulativeTime: number;
}

/** A function's (or an edge's) numbers in both runs and their change. */
export interface ComparedNumbers {
  /** The numbers before, `null` when it did not exist. */
  readonly base: Numbers | null;
  /** The numbers after, `null` when it no longer exists. */
  readonly current: Numbers | null;
  /** After minus before, a missing side counting as 0. */
  readonly delta: Numbers;
}

interface _Columns {
  readonly calls: Float64Array;
  readonly primitiveCalls: Float64Array;
  readonly internalTime: Float64Array;
  readonly cumulativeTime: Float64Array;
}

function _numbers(columns: _Columns, i: number): Numbers | null {
  if (i < 0) return null;
  return {
    calls: columns.calls[i]!,
    primitiveCalls: columns.primitiveCalls[i]!,
    internalTime: columns.internalTime[i]!,
    cumulativeTime: columns.cumulativeTime[i]!,
  };
}

function _compared(
  baseColumns: _Columns,
  b: number,
  currentColumns: _Columns,
  c: number,
): ComparedNumbers {
  const base = _numbers(baseColumns, b);
  const current = _numbers(currentColumns, c);
  const minus = (key: keyof Numbers) =>
    (current?.[key] ?? 0) - (base?.[key] ?? 0);
  return {
    base,
    current,
    delta: {
      calls: minus("calls"),
      primitiveCalls: minus("primitiveCalls"),
      internalTime: minus("internalTime"),
      cumulativeTime: minus("cumulativeTime"),
    },
  };
}

/**
 * A row's numbers before and after, and the change.
 *
 * @param comparison The comparison.
 * @param row The row.
 * @returns The numbers.
 */
export function rowNumbers(
  comparison: Comparison,
  row: number,
): ComparedNumbers {
  return _compared(
    comparison.base.functions,
    comparison.baseIds[row]!,
    comparison.current.functions,
    comparison.currentIds[row]!,
  );
}

/**
 * A row's status.
 *
 * @param comparison The comparison.
 * @param row The row.
 * @returns `matched`, `added` or `removed`.
 */
export function rowStatus(comparison: Comparison, row: number): MatchStatus {
  return comparison.baseIds[row]! < 0
    ? "added"
    : comparison.currentIds[row]! < 0
    ? "removed"
    : "matched";
}

/**
 * What happened to a row's function: added, removed, or, when in both runs,
 * whether its cumulative time went up (slower), down (faster) or neither,
 * changes within the noise threshold counting as neither.
 *
 * @param comparison The comparison.
 * @param row The row.
 * @param threshold The noise threshold ({@linkcode DEFAULT_THRESHOLD} when
 * left out).
 * @returns The kind of change.
 */
export function rowChange(
  comparison: Comparison,
  row: number,
  threshold: NoiseThreshold = DEFAULT_THRESHOLD,
): ChangeKind {
  const b = comparison.baseIds[row]!;
  const c = comparison.currentIds[row]!;
  if (b < 0) return "added";
  if (c < 0) return "removed";
  const before = comparison.base.functions.cumulativeTime[b]!;
  const after = comparison.current.functions.cumulativeTime[c]!;
  return _change(before, after, comparison.base.totals.time, threshold);
}

function _change(
  before: number,
  after: number,
  total: number,
  threshold: NoiseThreshold,
): ChangeKind {
  if (isNoise(after - before, before, total, threshold)) return "unchanged";
  return after > before ? "slower" : after < before ? "faster" : "unchanged";
}

/**
 * The profile and id a row's function is shown from: the current run's, or
 * the base run's when removed.
 *
 * @param comparison The comparison.
 * @param row The row.
 * @returns The profile and the function's id in it.
 */
export function rowFunction(
  comparison: Comparison,
  row: number,
): { profile: Profile; id: number } {
  const c = comparison.currentIds[row]!;
  return c >= 0
    ? { profile: comparison.current, id: c }
    : { profile: comparison.base, id: comparison.baseIds[row]! };
}

/**
 * The row of a current function id, or of a base function id.
 *
 * @param comparison The comparison.
 * @param side Which run the id is from.
 * @param id The function id.
 * @returns The row.
 */
export function rowOf(
  comparison: Comparison,
  side: "base" | "current",
  id: number,
): number {
  return side === "current" ? id : comparison.baseRows[id]!;
}

/** The totals of both runs and their change. */
export interface ComparedTotals {
  /** Before. */
  readonly base: { calls: number; primitiveCalls: number; time: number };
  /** After. */
  readonly current: { calls: number; primitiveCalls: number; time: number };
  /** After minus before. */
  readonly delta: { calls: number; primitiveCalls: number; time: number };
}

/**
 * Both runs' totals (pstats' total calls, primitive calls and time) and
 * their change.
 *
 * @param comparison The comparison.
 * @returns The totals.
 */
export function compareTotals(comparison: Comparison): ComparedTotals {
  const b = comparison.base.totals;
  const c = comparison.current.totals;
  return {
    base: { ...b },
    current: { ...c },
    delta: {
      calls: c.calls - b.calls,
      primitiveCalls: c.primitiveCalls - b.primitiveCalls,
      time: c.time - b.time,
    },
  };
}

/**
 * The relative change from `before` to `after`: 0.5 for +50%. From 0 to
 * something it is `Infinity` (new), from 0 to 0 it is 0.
 *
 * @example
 * ```ts
 * import { relativeChange } from "./compare.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(relativeChange(0.5, 0.25), -0.5);
 * assertEquals(relativeChange(0, 2), Infinity);
 * ```
 *
 * @param before The value before.
 * @param after The value after.
 * @returns The change as a fraction of `before`.
 */
export function relativeChange(before: number, after: number): number {
  if (before === 0) return after === 0 ? 0 : after > 0 ? Infinity : -Infinity;
  return (after - before) / Math.abs(before);
}

/** The columns a comparison can sort by. */
export const COMPARE_SORT_COLUMNS = [
  "cumulative_change",
  "cumulative_change_percent",
  "cumulative_before",
  "cumulative",
  "internal_change",
  "internal_change_percent",
  "internal_before",
  "internal",
  "calls_change",
  "calls_change_percent",
  "calls_before",
  "calls",
  "name",
  "file",
] as const;

/** A column a comparison can sort by. */
export type CompareSortColumn = typeof COMPARE_SORT_COLUMNS[number];

/**
 * Whether a string names a comparison sort column.
 *
 * @param value Any string.
 * @returns `true` if it is one of {@linkcode COMPARE_SORT_COLUMNS}.
 */
export function isCompareSortColumn(
  value: string,
): value is CompareSortColumn {
  return (COMPARE_SORT_COLUMNS as readonly string[]).includes(value);
}

/** Options of {@linkcode queryComparison} and the edge queries. */
export interface CompareQueryOptions {
  /**
   * Space-separated terms that must all occur in the location or name (`-`
   * before a term: must not), as `parseFilter()` reads them.
   */
  filter?: string;
  /** Only rows with one of these changes; all when absent or empty. */
  changes?: readonly ChangeKind[];
  /** What counts as a change ({@linkcode DEFAULT_THRESHOLD} when absent). */
  threshold?: NoiseThreshold;
  /** The sort column; defaults to `cumulative_change`. */
  sort?: CompareSortColumn;
  /**
   * Largest first; by default `true` except for `name` and `file`, and for
   * changes when only faster or removed functions are shown (the largest
   * drop first); see {@linkcode isCompareDescendingByDefault}.
   */
  descending?: boolean;
  /** Rows to skip. */
  offset?: number;
  /** Rows to return at most. */
  limit?: number;
}

/** Rows found by {@linkcode queryComparison}. */
export interface CompareQueryResult {
  /** How many rows match, before offset and limit. */
  readonly total: number;
  /** The rows from `offset`, at most `limit`. */
  readonly rows: Uint32Array;
}

/**
 * Whether a comparison sort column is ordered largest first unless asked
 * otherwise: numbers are, names and files are not; a change is ordered from
 * its largest drop when only faster or removed functions are shown, so that
 * the largest speedup comes first.
 *
 * @example
 * ```ts
 * import { isCompareDescendingByDefault } from "./compare.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(isCompareDescendingByDefault("cumulative_change"), true);
 * assertEquals(isCompareDescendingByDefault("cumulative_change", ["faster"]), false);
 * assertEquals(isCompareDescendingByDefault("cumulative", ["faster"]), true);
 * assertEquals(isCompareDescendingByDefault("name"), false);
 * ```
 *
 * @param column The column.
 * @param changes The kinds of change shown (all when left out or empty).
 * @returns `true` when largest first.
 */
export function isCompareDescendingByDefault(
  column: CompareSortColumn,
  changes: readonly ChangeKind[] = [],
): boolean {
  if (column === "name" || column === "file") return false;
  const drops = changes.length > 0 &&
    changes.every((kind) => kind === "faster" || kind === "removed");
  return !(drops && column.includes("_change"));
}

/**
 * Finds rows of a comparison: filters by text and kind of change, sorts by
 * any column either way (ties in row order), then pages. By default the
 * largest regression in cumulative time comes first.
 *
 * @example
 * ```ts
 * import { compareProfiles, queryComparison, rowFunction } from "./compare.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const run = (times: Record<string, number>) =>
 *   buildProfile([statsFile("run.pstats", Object.entries(times).map(
 *     ([name, time]) => ({
 *       key: ["app.py", 1, name] as const,
 *       calls: 1,
 *       primitiveCalls: 1,
 *       internalTime: time,
 *       cumulativeTime: time,
 *     }),
 *   ))]);
 * const comparison = compareProfiles(
 *   run({ load: 1, parse: 2, old: 1 }),
 *   run({ load: 3, parse: 1, new: 0.5 }),
 * );
 * const { rows } = queryComparison(comparison);
 * const names = [...rows].map((row) => {
 *   const { profile, id } = rowFunction(comparison, row);
 *   return profile.functions.name[id];
 * });
 * assertEquals(names, ["load", "new", "parse", "old"]);
 * assertEquals(queryComparison(comparison, { changes: ["faster"] }).total, 1);
 * ```
 *
 * @param comparison The comparison.
 * @param options Filter, kinds of change, sort, offset and limit.
 * @returns The matching rows and their count.
 */
export function queryComparison(
  comparison: Comparison,
  options: CompareQueryOptions = {},
): CompareQueryResult {
  const column = options.sort ?? "cumulative_change";
  const descending = options.descending ??
    isCompareDescendingByDefault(column, options.changes);
  const order = _rowOrder(comparison, column, descending);
  const terms = parseFilter(options.filter);
  const filtered = !isEmptyFilter(terms);
  const changes = options.changes ?? [];
  if (!filtered && changes.length === 0) {
    return _page(order, order.length, options);
  }
  const matches = filtered ? _rowMatcher(comparison, terms) : null;
  const kinds = new Set(changes);
  const matched = new Uint32Array(order.length);
  let total = 0;
  for (let i = 0; i < order.length; i++) {
    const row = order[i]!;
    if (
      kinds.size > 0 &&
      !kinds.has(rowChange(comparison, row, options.threshold))
    ) continue;
    if (matches !== null && !matches(row)) continue;
    matched[total++] = row;
  }
  return _page(matched, total, options);
}

/** One caller or callee of a function, compared across the two runs. */
export interface ComparedEdge {
  /** The row of the other function (the caller, or the callee). */
  readonly row: number;
  /** The edge in the base run, or -1 when the call is new. */
  readonly baseEdge: number;
  /** The edge in the current run, or -1 when the call is gone. */
  readonly currentEdge: number;
}

/** Edges found by {@linkcode compareCallers} or {@linkcode compareCallees}. */
export interface ComparedEdgesResult {
  /** How many edges match, before offset and limit. */
  readonly total: number;
  /** The edges from `offset`, at most `limit`. */
  readonly edges: readonly ComparedEdge[];
}

/**
 * The callers of a row's function in both runs, edge by edge: a caller
 * matched across the runs is one entry with both edges. Filtering and the
 * name and file columns apply to the caller; the numbers are the edge's.
 *
 * @param comparison The comparison.
 * @param row The called function's row.
 * @param options Filter, kinds of change, sort, offset and limit.
 * @returns The edges.
 */
export function compareCallers(
  comparison: Comparison,
  row: number,
  options: CompareQueryOptions = {},
): ComparedEdgesResult {
  return _compareEdges(comparison, row, true, options);
}

/**
 * The callees of a row's function in both runs, edge by edge; see
 * {@linkcode compareCallers}.
 *
 * @example
 * ```ts
 * import { compareCallees, compareProfiles } from "./compare.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const run = (callees: string[]) =>
 *   buildProfile([statsFile("run.pstats", [
 *     { key: ["app.py", 1, "main"], calls: 1, primitiveCalls: 1, internalTime: 0, cumulativeTime: 1 },
 *     ...callees.map((name) => ({
 *       key: ["app.py", 9, name] as const,
 *       calls: 1,
 *       primitiveCalls: 1,
 *       internalTime: 0.5,
 *       cumulativeTime: 0.5,
 *       callers: [{ key: ["app.py", 1, "main"] as const, calls: 1 }],
 *     })),
 *   ])]);
 * const comparison = compareProfiles(run(["load", "old"]), run(["load", "new"]));
 * const { edges } = compareCallees(comparison, 0, { sort: "name" });
 * assertEquals(edges.map((e) => [e.baseEdge >= 0, e.currentEdge >= 0]), [
 *   [true, true], // load
 *   [false, true], // new
 *   [true, false], // old
 * ]);
 * ```
 *
 * @param comparison The comparison.
 * @param row The calling function's row.
 * @param options Filter, kinds of change, sort, offset and limit.
 * @returns The edges.
 */
export function compareCallees(
  comparison: Comparison,
  row: number,
  options: CompareQueryOptions = {},
): ComparedEdgesResult {
  return _compareEdges(comparison, row, false, options);
}

/**
 * An edge's numbers before and after, and the change.
 *
 * @param comparison The comparison.
 * @param edge The compared edge.
 * @returns The numbers.
 */
export function edgeNumbers(
  comparison: Comparison,
  edge: ComparedEdge,
): ComparedNumbers {
  return _compared(
    comparison.base.edges,
    edge.baseEdge,
    comparison.current.edges,
    edge.currentEdge,
  );
}

/**
 * What happened to an edge: new, gone, or its cumulative time up, down or
 * the same (its calls, or samples, where edges carry no times), changes
 * within the noise threshold counting as the same (for counts, a share of
 * the run's calls or samples stands for the share of its time).
 *
 * @param comparison The comparison.
 * @param edge The compared edge.
 * @param threshold The noise threshold ({@linkcode DEFAULT_THRESHOLD} when
 * left out).
 * @returns The kind of change.
 */
export function edgeChange(
  comparison: Comparison,
  edge: ComparedEdge,
  threshold: NoiseThreshold = DEFAULT_THRESHOLD,
): ChangeKind {
  if (edge.baseEdge < 0) return "added";
  if (edge.currentEdge < 0) return "removed";
  // Edges without times (samples, the `profile` module) change by count.
  const timed = comparison.base.edgeDetail && comparison.current.edgeDetail;
  const value = timed ? "cumulativeTime" : "calls";
  const totals = comparison.base.totals;
  const total = timed
    ? totals.time
    : comparison.sampled
    ? totals.primitiveCalls
    : totals.calls;
  const before = comparison.base.edges[value][edge.baseEdge]!;
  const after = comparison.current.edges[value][edge.currentEdge]!;
  return _change(before, after, total, threshold);
}

function _compareEdges(
  comparison: Comparison,
  row: number,
  callers: boolean,
  options: CompareQueryOptions,
): ComparedEdgesResult {
  const byRow = new Map<number, { baseEdge: number; currentEdge: number }>();
  const collect = (profile: Profile, id: number, side: "base" | "current") => {
    if (id < 0) return;
    const start = callers ? profile.callerStart : profile.calleeStart;
    const list = callers ? profile.callerEdges : profile.calleeEdges;
    const other = callers ? profile.edges.caller : profile.edges.callee;
    for (let k = start[id]!; k < start[id + 1]!; k++) {
      const edge = list[k]!;
      const otherRow = rowOf(comparison, side, other[edge]!);
      let entry = byRow.get(otherRow);
      if (entry === undefined) {
        byRow.set(otherRow, entry = { baseEdge: -1, currentEdge: -1 });
      }
      if (side === "base") entry.baseEdge = edge;
      else entry.currentEdge = edge;
    }
  };
  collect(comparison.base, comparison.baseIds[row]!, "base");
  collect(comparison.current, comparison.currentIds[row]!, "current");
  let edges: ComparedEdge[] = [...byRow].map(([row, e]) => ({ row, ...e }));
  edges.sort((a, b) => a.row - b.row);
  const terms = parseFilter(options.filter);
  if (!isEmptyFilter(terms)) {
    const matches = _rowMatcher(comparison, terms);
    edges = edges.filter((e) => matches(e.row));
  }
  const kinds = new Set(options.changes ?? []);
  if (kinds.size > 0) {
    edges = edges.filter((e) =>
      kinds.has(edgeChange(comparison, e, options.threshold))
    );
  }
  const column = options.sort ?? "cumulative_change";
  const descending = options.descending ??
    isCompareDescendingByDefault(column, options.changes);
  const baseIds = Int32Array.from(edges, (e) => e.baseEdge);
  const currentIds = Int32Array.from(edges, (e) => e.currentEdge);
  const keys = column === "name" || column === "file"
    ? Float64Array.from(edges, (e) => _ranks(comparison, column)[e.row]!)
    : _keys(
      column,
      comparison.base.edges,
      baseIds,
      comparison.current.edges,
      currentIds,
    );
  const order = _sortOrder(keys, descending);
  const sorted = Array.from(order, (i) => edges[i]!);
  const start = Math.min(
    Math.max(0, Math.floor(options.offset ?? 0)),
    sorted.length,
  );
  const end = Math.min(
    sorted.length,
    start + Math.max(0, options.limit ?? Infinity),
  );
  return { total: sorted.length, edges: sorted.slice(start, end) };
}

/** Per item, the value of a numeric sort column. */
function _keys(
  column: Exclude<CompareSortColumn, "name" | "file">,
  baseColumns: _Columns,
  baseIds: Int32Array,
  currentColumns: _Columns,
  currentIds: Int32Array,
): Float64Array {
  const [metric, what] = column.startsWith("cumulative")
    ? ["cumulativeTime", column.slice("cumulative".length)] as const
    : column.startsWith("internal")
    ? ["internalTime", column.slice("internal".length)] as const
    : ["calls", column.slice("calls".length)] as const;
  const before = baseColumns[metric];
  const after = currentColumns[metric];
  const n = baseIds.length;
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const b = baseIds[i]!;
    const c = currentIds[i]!;
    const x = b >= 0 ? before[b]! : 0;
    const y = c >= 0 ? after[c]! : 0;
    switch (what) {
      case "":
        keys[i] = y;
        break;
      case "_before":
        keys[i] = x;
        break;
      case "_change":
        keys[i] = y - x;
        break;
      default:
        keys[i] = relativeChange(x, y);
    }
  }
  return keys;
}

/** Indexes ordered by key, ties in index order; NaN last either way. */
function _sortOrder(keys: Float64Array, descending: boolean): Uint32Array {
  return radixOrder(keys, descending);
}

function _page(
  rows: Uint32Array,
  total: number,
  { offset = 0, limit = Infinity }: CompareQueryOptions,
): CompareQueryResult {
  const start = Math.min(Math.max(0, Math.floor(offset)), total);
  const end = Math.min(total, start + Math.max(0, limit));
  return { total, rows: rows.slice(start, end) };
}

interface _Cache {
  orders: Map<string, Uint32Array>;
  ranks: Map<string, Float64Array>;
}

const _caches = new WeakMap<Comparison, _Cache>();

function _cache(comparison: Comparison): _Cache {
  let cache = _caches.get(comparison);
  if (cache === undefined) {
    cache = { orders: new Map(), ranks: new Map() };
    _caches.set(comparison, cache);
  }
  return cache;
}

function _rowOrder(
  comparison: Comparison,
  column: CompareSortColumn,
  descending: boolean,
): Uint32Array {
  const cache = _cache(comparison);
  const key = `${column}:${descending}`;
  let order = cache.orders.get(key);
  if (order === undefined) {
    const keys = column === "name" || column === "file"
      ? _ranks(comparison, column)
      : _keys(
        column,
        comparison.base.functions,
        comparison.baseIds,
        comparison.current.functions,
        comparison.currentIds,
      );
    order = _sortOrder(keys, descending);
    cache.orders.set(key, order);
  }
  return order;
}

/**
 * Whether a row matches a filter: whether its function matches it in its
 * run (the current one when it is in both), as `filterMatcher()` says.
 */
function _rowMatcher(
  comparison: Comparison,
  filter: ParsedFilter,
): (row: number) => boolean {
  const base = filterMatcher(comparison.base, filter);
  const current = filterMatcher(comparison.current, filter);
  const { baseIds, currentIds } = comparison;
  return (row) => {
    const c = currentIds[row]!;
    return c >= 0 ? current(c) : base(baseIds[row]!);
  };
}

/**
 * Per row, its position sorted by name, or by short file, line and name:
 * from each run's `textOrder()` (worked out by the server for the
 * page), whose codes are brought into one order by merging the two runs'
 * sorted distinct texts, so no text is sorted here.
 */
function _ranks(comparison: Comparison, column: "name" | "file"): Float64Array {
  const cache = _cache(comparison);
  const known = cache.ranks.get(column);
  if (known) return known;
  const n = comparison.size;
  const { base, current } = comparison;
  const before = textOrder(base);
  const after = textOrder(current);
  const shownName = (p: Profile, id: number) => {
    const f = p.functions;
    return isBuiltin(f.file[id]!, f.line[id]!)
      ? builtinName(f.name[id]!)
      : f.name[id]!;
  };
  const [baseNames, currentNames, nameCount] = _mergeCodes(
    base,
    before.names,
    before.nameCount,
    current,
    after.names,
    after.nameCount,
    shownName,
  );
  const [baseFiles, currentFiles, fileCount] = column === "name"
    ? [new Uint32Array(0), new Uint32Array(0), 0]
    : _mergeCodes(
      base,
      before.files,
      before.fileCount,
      current,
      after.files,
      after.fileCount,
      (p, id) => p.functions.shortFile[id]!,
    );
  const names = new Uint32Array(n);
  const files = new Uint32Array(column === "name" ? 0 : n);
  const lines = new Float64Array(n);
  for (let row = 0; row < n; row++) {
    const c = comparison.currentIds[row]!;
    const id = c >= 0 ? c : comparison.baseIds[row]!;
    const p = c >= 0 ? current : base;
    const code = (c >= 0 ? after : before).names[id]!;
    names[row] = (c >= 0 ? currentNames : baseNames)[code]!;
    if (column === "file") {
      const file = (c >= 0 ? after : before).files[id]!;
      files[row] = (c >= 0 ? currentFiles : baseFiles)[file]!;
    }
    lines[row] = p.functions.line[id]!;
  }
  const rank = textRanks(
    column,
    { names, nameCount, files, fileCount },
    lines,
  );
  cache.ranks.set(column, rank);
  return rank;
}

/**
 * Brings two profiles' text codes (positions among each one's distinct
 * texts in order) into one order: the position of each code's text among
 * the distinct texts of both. Each side's texts are already in order, so
 * they are merged, each compared once.
 *
 * @returns Per base code and per current code, the joint code; and how
 * many distinct texts there are in all.
 */
function _mergeCodes(
  base: Profile,
  baseCodes: Uint32Array,
  baseCount: number,
  current: Profile,
  currentCodes: Uint32Array,
  currentCount: number,
  text: (profile: Profile, id: number) => string,
): [Uint32Array, Uint32Array, number] {
  // A function of each code, to read its text.
  const baseIds = new Uint32Array(baseCount);
  for (let id = 0; id < baseCodes.length; id++) baseIds[baseCodes[id]!] = id;
  const currentIds = new Uint32Array(currentCount);
  for (let id = 0; id < currentCodes.length; id++) {
    currentIds[currentCodes[id]!] = id;
  }
  const toBase = new Uint32Array(baseCount);
  const toCurrent = new Uint32Array(currentCount);
  let b = 0;
  let c = 0;
  let joint = 0;
  while (b < baseCount || c < currentCount) {
    const x = b < baseCount ? text(base, baseIds[b]!) : undefined;
    const y = c < currentCount ? text(current, currentIds[c]!) : undefined;
    if (y === undefined || (x !== undefined && x <= y)) {
      if (x === y) toCurrent[c++] = joint;
      toBase[b++] = joint++;
    } else {
      toCurrent[c++] = joint++;
    }
  }
  return [toBase, toCurrent, joint];
}
