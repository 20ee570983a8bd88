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
 * CSV reports and the web page. This module is the entry: it sorts, filters
 * and pages a comparison's rows and edges, and re-exports the comparison
 * itself (`lib/compare_rows.ts`) and the noise threshold
 * (`lib/compare_noise.ts`).
 *
 * @module
 */

import { builtinName, isBuiltin } from "./location.ts";
import type { Profile } from "./profile.ts";
import { filterMatcher, type ParsedFilter } from "./search.ts";
import {
  isEmptyFilter,
  parseFilter,
  radixOrder,
  textOrder,
  textRanks,
} from "./query.ts";
import {
  type ChangeKind,
  type ComparedEdge,
  type Comparison,
  edgeChange,
  type NumberColumns as _Columns,
  relativeChange,
  rowChange,
  rowOf,
} from "./compare_rows.ts";
import type { NoiseThreshold } from "./compare_noise.ts";

export {
  CHANGE_KINDS,
  type ChangeKind,
  type ComparedEdge,
  type ComparedNumbers,
  type ComparedTotals,
  compareProfiles,
  compareTotals,
  type Comparison,
  edgeChange,
  edgeNumbers,
  type MatchStatus,
  type Numbers,
  relativeChange,
  rowChange,
  rowFunction,
  rowNumbers,
  rowOf,
  rowStatus,
} from "./compare_rows.ts";
export {
  DEFAULT_THRESHOLD,
  describeThreshold,
  isNoise,
  NO_THRESHOLD,
  type NoiseThreshold,
  parseThreshold,
  thresholdText,
} from "./compare_noise.ts";

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
