/**
 * Two profiles compared, row by row: {@linkcode compareProfiles} matches the
 * functions of two runs (by `lib/compare_match.ts`) into one row each, and
 * the accessors here read a row's (or an edge's) numbers in both runs, its
 * status and its kind of change. `lib/compare.ts` is the entry that
 * re-exports them and sorts, filters and pages rows and edges.
 *
 * @module
 */

import { matchFunctions } from "./compare_match.ts";
import {
  DEFAULT_THRESHOLD,
  isNoise,
  type NoiseThreshold,
} from "./compare_noise.ts";
import { ProfileMismatchError } from "./data_error.ts";
import type { Profile } from "./profile.ts";
import { foldSampledLines } from "./sampled_lines.ts";

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

/** The number columns a run keeps per function and per edge. */
export interface NumberColumns {
  readonly calls: Float64Array;
  readonly primitiveCalls: Float64Array;
  readonly internalTime: Float64Array;
  readonly cumulativeTime: Float64Array;
}

function _numbers(columns: NumberColumns, i: number): Numbers | null {
  if (i < 0) return null;
  return {
    calls: columns.calls[i]!,
    primitiveCalls: columns.primitiveCalls[i]!,
    internalTime: columns.internalTime[i]!,
    cumulativeTime: columns.cumulativeTime[i]!,
  };
}

function _compared(
  baseColumns: NumberColumns,
  b: number,
  currentColumns: NumberColumns,
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

/** One caller or callee of a function, compared across the two runs. */
export interface ComparedEdge {
  /** The row of the other function (the caller, or the callee). */
  readonly row: number;
  /** The edge in the base run, or -1 when the call is new. */
  readonly baseEdge: number;
  /** The edge in the current run, or -1 when the call is gone. */
  readonly currentEdge: number;
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
