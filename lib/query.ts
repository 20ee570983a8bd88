/**
 * Queries over a {@linkcode Profile}: filter by terms, sort by any column
 * either way, callers and callees of a function, offset and limit.
 *
 * Everything here is pure and runs unchanged on the server, in the terminal
 * report and in the browser. Sort orders and search text are computed once
 * per profile and cached, so repeated queries (typing in a filter box) only
 * scan. The one part that sorts text, the order of names and files, can be
 * worked out elsewhere ({@linkcode textOrder}, on the server) and handed in
 * ({@linkcode presetTextOrder}, in the page).
 *
 * @module
 */

import { builtinName, isBuiltin } from "./location.ts";
import type { Profile } from "./profile.ts";
import {
  filterFunctions,
  filterMatcher,
  type ParsedFilter,
  shareSearchCache,
} from "./search.ts";

export type { ParsedFilter };

/** The columns a query can sort by. */
export const SORT_COLUMNS = [
  "calls",
  "primitive_calls",
  "internal",
  "internal_per_call",
  "cumulative",
  "cumulative_per_call",
  "name",
  "file",
] as const;

/** A column a query can sort by. */
export type SortColumn = typeof SORT_COLUMNS[number];

/** Options shared by every query. */
export interface QueryOptions {
  /**
   * Space-separated terms, each of which must occur (ignoring case) in the
   * function's location (full or short path and line) or its name; a term
   * starting with `-` must not (see {@linkcode parseFilter}).
   */
  filter?: string;
  /** The column to sort by. Defaults to `"cumulative"`. */
  sort?: SortColumn;
  /**
   * Whether to sort largest first. Defaults to `true` for numbers and
   * `false` for `name` and `file`. Ties keep id order either way.
   */
  descending?: boolean;
  /** How many matching rows to skip. Defaults to 0. */
  offset?: number;
  /** How many rows to return at most. Defaults to all. */
  limit?: number;
}

/** The result of a query. */
export interface QueryResult {
  /** How many rows match, before offset and limit. */
  readonly total: number;
  /**
   * The matching rows from `offset`, at most `limit` of them: function ids
   * for {@linkcode queryFunctions}, edge ids for {@linkcode queryCallers} and
   * {@linkcode queryCallees}.
   */
  readonly ids: Uint32Array;
}

/**
 * Whether a sort column is ordered largest first unless asked otherwise.
 *
 * @param column The column.
 * @returns `true` for numeric columns.
 */
export function isDescendingByDefault(column: SortColumn): boolean {
  return column !== "name" && column !== "file";
}

/**
 * Whether a string names a sort column.
 *
 * @param value Any string.
 * @returns `true` if it is one of {@linkcode SORT_COLUMNS}.
 */
export function isSortColumn(value: string): value is SortColumn {
  return (SORT_COLUMNS as readonly string[]).includes(value);
}

/** The most terms a filter may have (the server and CLI refuse more). */
export const MAX_FILTER_TERMS = 32;
/** The longest a filter may be, in characters. */
export const MAX_FILTER_LENGTH = 1024;

/**
 * Why a filter is refused, or `undefined` when it is fine: more than
 * {@linkcode MAX_FILTER_TERMS} terms or {@linkcode MAX_FILTER_LENGTH}
 * characters. Every term is looked for in every function, so an unbounded
 * filter would let one request keep the server busy for seconds.
 *
 * @example
 * ```ts
 * import { checkFilter } from "./query.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(checkFilter("views.py get -test"), undefined);
 * assertEquals(
 *   checkFilter("a ".repeat(40)),
 *   "the filter has 40 terms; at most 32 are allowed",
 * );
 * ```
 *
 * @param filter The filter text.
 * @returns The reason it is refused, if it is.
 */
export function checkFilter(filter: string): string | undefined {
  if (filter.length > MAX_FILTER_LENGTH) {
    return `the filter is ${filter.length} characters long; at most ${MAX_FILTER_LENGTH} are allowed`;
  }
  const { include, exclude } = parseFilter(filter, Infinity);
  const terms = include.length + exclude.length;
  if (terms > MAX_FILTER_TERMS) {
    return `the filter has ${terms} terms; at most ${MAX_FILTER_TERMS} are allowed`;
  }
  return undefined;
}

/**
 * Reads a filter: lower-case terms separated by white space, each of which
 * a match holds in its location or name. A term starting with `-` is one
 * no match holds (`-site-packages`); `-` alone is no term. A term in double
 * quotes is taken as it is written, spaces and a leading `-` included
 * (`"-x"` looks for `-x`, `"built-in method"` for those two words; white
 * space inside counts as one space, an unclosed quote runs to the end), and
 * `-"…"` excludes it. Beyond the first {@linkcode MAX_FILTER_LENGTH}
 * characters and {@linkcode MAX_FILTER_TERMS} terms nothing is read, so
 * that no filter costs more than that; callers that take filters from
 * users refuse longer ones with {@linkcode checkFilter}.
 *
 * @example
 * ```ts
 * import { parseFilter } from "./query.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(parseFilter("  Django  views.py "), {
 *   include: ["django", "views.py"],
 *   exclude: [],
 * });
 * assertEquals(parseFilter('-site-packages -~ django/db - "-x"'), {
 *   include: ["django/db", "-x"],
 *   exclude: ["site-packages", "~"],
 * });
 * ```
 *
 * @param filter The filter text.
 * @param maxTerms The most terms to keep, included and excluded together.
 * Defaults to {@linkcode MAX_FILTER_TERMS}.
 * @returns Its terms.
 */
export function parseFilter(
  filter: string | undefined,
  maxTerms: number = MAX_FILTER_TERMS,
): ParsedFilter {
  const text = filter ?? "";
  const cut = maxTerms === Infinity ? text : text.slice(0, MAX_FILTER_LENGTH);
  const include: string[] = [];
  const exclude: string[] = [];
  const space = /\s/;
  let at = 0;
  while (at < cut.length && include.length + exclude.length < maxTerms) {
    while (at < cut.length && space.test(cut[at]!)) at++;
    if (at >= cut.length) break;
    const excluded = cut[at] === "-" && at + 1 < cut.length &&
      !space.test(cut[at + 1]!);
    if (excluded) at++;
    let term: string;
    if (cut[at] === '"') {
      const close = cut.indexOf('"', at + 1);
      const end = close < 0 ? cut.length : close;
      term = cut.slice(at + 1, end).replace(/\s+/g, " ");
      at = end + 1;
    } else {
      const from = at;
      while (at < cut.length && !space.test(cut[at]!)) at++;
      term = cut.slice(from, at);
      if (term === "-") continue; // a lone "-": no term
    }
    term = term.toLowerCase();
    if (term === "" || term === " ") continue;
    (excluded ? exclude : include).push(term);
  }
  return { include, exclude };
}

/** Whether a filter has no terms: every function matches it. */
export function isEmptyFilter(filter: ParsedFilter): boolean {
  return filter.include.length === 0 && filter.exclude.length === 0;
}

/**
 * Finds functions: filters, sorts, then pages.
 *
 * @example
 * ```ts
 * import { queryFunctions } from "./query.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const entry = (name: string, time: number) => ({
 *   key: ["app.py", 1, name] as const,
 *   calls: 1,
 *   primitiveCalls: 1,
 *   internalTime: time,
 *   cumulativeTime: time,
 *
 * });
 * const profile = buildProfile([statsFile("run.pstats", [entry("load", 1), entry("save", 3), entry("parse", 2)])]);
 * const { total, ids } = queryFunctions(profile, { sort: "cumulative", limit: 2 });
 * assertEquals(total, 3);
 * assertEquals([...ids].map((id) => profile.functions.name[id]), ["save", "parse"]);
 * assertEquals(queryFunctions(profile, { filter: "APP.PY sa" }).total, 1);
 * ```
 *
 * @param profile The profile.
 * @param options Filter, sort, offset and limit.
 * @returns The matching function ids and their count.
 */
export function queryFunctions(
  profile: Profile,
  options: QueryOptions = {},
): QueryResult {
  const column = options.sort ?? "cumulative";
  const descending = options.descending ?? isDescendingByDefault(column);
  const terms = parseFilter(options.filter);
  if (isEmptyFilter(terms)) {
    const top = _topFunctions(profile, column, descending, options);
    if (top !== undefined) return top;
  }
  const order = _functionOrder(profile, column, descending);
  if (isEmptyFilter(terms)) return _page(order, order.length, options);
  // Typing usually refines the last filter: then only its matches, already
  // in this order, can match.
  const cache = _cache(profile);
  const last = cache.lastFilter;
  const candidates = last !== undefined && last.order === order &&
      _refines(terms, last.terms)
    ? last.matched.subarray(0, last.total)
    : order;
  const matched = filterFunctions(profile, terms, candidates);
  const total = matched.length;
  cache.lastFilter = { terms, order, matched, total };
  return _page(matched, total, options);
}

/** Whether every text matching `terms` also matches `previous`. */
function _refines(terms: ParsedFilter, previous: ParsedFilter): boolean {
  // A text holding a term holds its parts; one lacking a term lacks every
  // text that holds it.
  return previous.include.every((old) =>
    terms.include.some((term) => term.includes(old))
  ) &&
    previous.exclude.every((old) =>
      terms.exclude.some((term) => old.includes(term))
    );
}

/**
 * Finds the edges into a function (its callers), each with the numbers of
 * that edge. Sorting and filtering apply to the calling function.
 *
 * @param profile The profile.
 * @param id The called function's id.
 * @param options Filter, sort, offset and limit.
 * @returns The matching edge ids and their count.
 */
export function queryCallers(
  profile: Profile,
  id: number,
  options: QueryOptions = {},
): QueryResult {
  return _queryEdges(profile, id, "callers", options);
}

/**
 * Finds the edges out of a function (its callees), each with the numbers of
 * that edge. Sorting and filtering apply to the called function.
 *
 * @param profile The profile.
 * @param id The calling function's id.
 * @param options Filter, sort, offset and limit.
 * @returns The matching edge ids and their count.
 */
export function queryCallees(
  profile: Profile,
  id: number,
  options: QueryOptions = {},
): QueryResult {
  return _queryEdges(profile, id, "callees", options);
}

/** The edges into (callers) or out of (callees) a function, queried. */
function _queryEdges(
  profile: Profile,
  id: number,
  direction: "callers" | "callees",
  options: QueryOptions,
): QueryResult {
  const callers = direction === "callers";
  const start = callers ? profile.callerStart : profile.calleeStart;
  const edges = (callers ? profile.callerEdges : profile.calleeEdges)
    .subarray(start[id] ?? 0, start[id + 1] ?? 0);
  // The function at the other end, which filters and name sorts apply to.
  const other = callers ? profile.edges.caller : profile.edges.callee;
  const terms = parseFilter(options.filter);
  const matches = isEmptyFilter(terms) ? null : filterMatcher(profile, terms);
  const ids: number[] = [];
  for (const edge of edges) {
    if (matches === null || matches(other[edge]!)) {
      ids.push(edge);
    }
  }
  const column = options.sort ?? "cumulative";
  const descending = options.descending ?? isDescendingByDefault(column);
  const sign = descending ? -1 : 1;
  const e = profile.edges;
  if (column === "name" || column === "file") {
    const rank = _ranks(profile, column);
    ids.sort((a, b) => sign * (rank[other[a]!]! - rank[other[b]!]!) || a - b);
  } else {
    const key = (edge: number): number => numberSortKey(e, column, edge);
    ids.sort((a, b) => sign * (key(a) - key(b)) || a - b);
  }
  return _page(Uint32Array.from(ids), ids.length, options);
}

function _page(
  ids: Uint32Array,
  total: number,
  { offset = 0, limit = Infinity }: QueryOptions,
): QueryResult {
  const start = Math.min(Math.max(0, Math.floor(offset)), total);
  const end = Math.min(total, start + Math.max(0, limit));
  return { total, ids: ids.slice(start, end) };
}

function _ratio(a: number, b: number): number {
  return b > 0 ? a / b : 0;
}

/** The four numbers of functions, of edges or of groups, in columns. */
export interface NumberColumns {
  /** Calls (cumulative samples when sampled). */
  readonly calls: ArrayLike<number>;
  /** Primitive calls (direct samples when sampled). */
  readonly primitiveCalls: ArrayLike<number>;
  /** Internal time in seconds. */
  readonly internalTime: ArrayLike<number>;
  /** Cumulative time in seconds. */
  readonly cumulativeTime: ArrayLike<number>;
}

/**
 * The number a row sorts by in a numeric column: one of its numbers, or
 * internal time per call (per primitive call for cumulative time), 0
 * without calls. Functions, edges and groups all sort by it.
 *
 * @example
 * ```ts
 * import { numberSortKey } from "./query.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const numbers = {
 *   calls: [4, 0],
 *   primitiveCalls: [2, 0],
 *   internalTime: [1, 0.5],
 *   cumulativeTime: [3, 0.5],
 * };
 * assertEquals(numberSortKey(numbers, "internal_per_call", 0), 0.25);
 * assertEquals(numberSortKey(numbers, "cumulative_per_call", 0), 1.5);
 * assertEquals(numberSortKey(numbers, "cumulative_per_call", 1), 0);
 * ```
 *
 * @param numbers The columns.
 * @param column The column sorted by.
 * @param row The row.
 * @returns Its key.
 */
export function numberSortKey(
  numbers: NumberColumns,
  column: Exclude<SortColumn, "name" | "file">,
  row: number,
): number {
  switch (column) {
    case "calls":
      return numbers.calls[row]!;
    case "primitive_calls":
      return numbers.primitiveCalls[row]!;
    case "internal":
      return numbers.internalTime[row]!;
    case "cumulative":
      return numbers.cumulativeTime[row]!;
    case "internal_per_call":
      return _ratio(numbers.internalTime[row]!, numbers.calls[row]!);
    case "cumulative_per_call":
      return _ratio(numbers.cumulativeTime[row]!, numbers.primitiveCalls[row]!);
  }
}

interface _Cache {
  orders: Map<string, Uint32Array>;
  ranks: Map<string, Float64Array>;
  /** Each function's shown name as a number that sorts as the text does. */
  nameCodes?: _Codes;
  /** Each function's short file as a number that sorts as the text does. */
  fileCodes?: _Codes;
  /** Whether those codes were computed here or handed in. */
  textOrigin?: TextOrderOrigin;
  /** The last filtered query, for refining it as the user types. */
  lastFilter?: {
    terms: ParsedFilter;
    order: Uint32Array;
    matched: Uint32Array;
    total: number;
  };
}

const _caches = new WeakMap<Profile, _Cache>();

function _cache(profile: Profile): _Cache {
  let cache = _caches.get(profile);
  if (cache === undefined) {
    cache = { orders: new Map(), ranks: new Map() };
    _caches.set(profile, cache);
  }
  return cache;
}

/**
 * Lets a profile use the sort orders and search text already computed for
 * another with the same functions (the same files, lines, names and numbers
 * in the same order), such as the same profile rebuilt once its edges have
 * arrived.
 *
 * @param from The profile whose cached work to share.
 * @param to A profile with the same functions.
 * @throws {RangeError} When the two don't have the same number of functions.
 */
export function shareQueryCache(from: Profile, to: Profile): void {
  if (from.size !== to.size) {
    throw new RangeError(
      `Cannot share queries between profiles of ${from.size} and ${to.size} functions`,
    );
  }
  _caches.set(to, _cache(from));
  shareSearchCache(from, to);
}

/**
 * Each function's position when sorted by name, or by short file then line
 * (then name), so that text columns sort as numbers. Equal keys get equal
 * ranks (the position of the first), so ties keep id order both ways.
 *
 * Only the distinct texts are compared as strings (a profile has far fewer
 * than functions, and each is compared directly, not through an id), or
 * none at all when the profile was handed its {@linkcode TextOrder}; the
 * functions are then ranked by number.
 */
function _ranks(profile: Profile, column: "name" | "file"): Float64Array {
  const cache = _cache(profile);
  const known = cache.ranks.get(column);
  if (known) return known;
  // The names' codes serve both columns: worked out once.
  const names = cache.nameCodes ??= _nameCodes(profile);
  const rank = column === "name" ? _nameRanks(names) : _fileRanks(
    cache.fileCodes ??= _fileCodes(profile),
    profile.functions.line,
    names,
  );
  cache.ranks.set(column, rank);
  return rank;
}

/**
 * Each item's position when sorted by name, or by file, then line, then
 * name, from the codes of its name and file (as in a {@linkcode TextOrder})
 * and its line: how many items sort before it, the same for equal keys.
 * Only numbers are compared, mostly by a radix sort.
 *
 * @example
 * ```ts
 * import { textRanks } from "./query.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const order = {
 *   names: Uint32Array.of(1, 0, 1),
 *   nameCount: 2,
 *   files: Uint32Array.of(0, 0, 0),
 *   fileCount: 1,
 * };
 * assertEquals([...textRanks("name", order, [1, 2, 3])], [1, 0, 1]);
 * assertEquals([...textRanks("file", order, [9, 2, 3])], [2, 0, 1]);
 * ```
 *
 * @param column Sort by name, or by file, line and name.
 * @param order Each item's name and file codes.
 * @param lines Each item's line.
 * @returns Each item's rank.
 */
export function textRanks(
  column: "name" | "file",
  order: TextOrder,
  lines: ArrayLike<number>,
): Float64Array {
  const names = { codes: order.names, distinct: order.nameCount };
  return column === "name" ? _nameRanks(names) : _fileRanks(
    { codes: order.files, distinct: order.fileCount },
    lines,
    names,
  );
}

/** The rank of a name: how many items have a smaller one. */
function _nameRanks(names: _Codes): Float64Array {
  const n = names.codes.length;
  const rank = new Float64Array(n);
  const before = new Float64Array(names.distinct + 1);
  for (let i = 0; i < n; i++) before[names.codes[i]! + 1]!++;
  for (let k = 0; k < names.distinct; k++) before[k + 1]! += before[k]!;
  for (let i = 0; i < n; i++) rank[i] = before[names.codes[i]!]!;
  return rank;
}

/**
 * The rank by file, then line, then name: a stable radix sort of the ids by
 * name code, then line, then file code (least significant first), so ties
 * keep id order.
 */
function _fileRanks(
  files: _Codes,
  line: ArrayLike<number>,
  names: _Codes,
): Float64Array {
  const n = names.codes.length;
  const lines = _sortableWords(
    line instanceof Float64Array ? line : Float64Array.from(line),
    false,
  );
  const { lo, hi } = lines;
  const nc = names.codes;
  const fc = files.codes;
  const ids = _orderByWords(n, [nc, lo, hi, fc]);
  const rank = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const id = ids[k]!;
    const prev = ids[k - 1];
    rank[id] = prev !== undefined && fc[prev] === fc[id] &&
        hi[prev] === hi[id] && lo[prev] === lo[id] && nc[prev] === nc[id]
      ? rank[prev]!
      : k;
  }
  return rank;
}

/**
 * What the sorts by name and by file compare instead of text: per function,
 * the position of its shown name (a built-in's as `builtinName()` shows it)
 * among the profile's distinct shown names in order, and the same of its
 * short file. Text is ordered by UTF-16 code units, as `<` compares it.
 *
 * Worked out once by the server (`textOrder()`), sent to the page and handed
 * to its profile with {@linkcode presetTextOrder}, so that the page never
 * sorts the texts itself.
 */
export interface TextOrder {
  /** Per function, its shown name's position among the distinct ones. */
  readonly names: Uint32Array;
  /** How many distinct shown names there are. */
  readonly nameCount: number;
  /** Per function, its short file's position among the distinct ones. */
  readonly files: Uint32Array;
  /** How many distinct short files there are. */
  readonly fileCount: number;
}

/**
 * Where a profile's {@linkcode TextOrder} came from: `"computed"` here (by
 * {@linkcode textOrder} or a sort by name or file), or `"preset"` with
 * {@linkcode presetTextOrder}.
 */
export type TextOrderOrigin = "computed" | "preset";

/**
 * The codes the sorts by name and by file compare instead of text (see
 * {@linkcode TextOrder}). Only the distinct texts are sorted as strings; the
 * result is kept with the profile's sort orders, so queries reuse it.
 *
 * @example
 * ```ts
 * import { textOrder } from "./query.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const entry = (file: string, name: string) => ({
 *   key: [file, 1, name] as const,
 *   calls: 1,
 *   primitiveCalls: 1,
 *   internalTime: 1,
 *   cumulativeTime: 1,
 * });
 * const profile = buildProfile([statsFile("run.pstats", [
 *   entry("b.py", "save"),
 *   entry("a.py", "load"),
 *   entry("a.py", "save"),
 * ])]);
 * const order = textOrder(profile);
 * assertEquals([...order.names], [1, 0, 1]);
 * assertEquals(order.nameCount, 2);
 * assertEquals([...order.files], [1, 0, 0]);
 * ```
 *
 * @param profile The profile.
 * @returns Its names' and short files' codes.
 */
export function textOrder(profile: Profile): TextOrder {
  const cache = _cache(profile);
  const names = cache.nameCodes ??= _nameCodes(profile);
  const files = cache.fileCodes ??= _fileCodes(profile);
  return {
    names: names.codes,
    nameCount: names.distinct,
    files: files.codes,
    fileCount: files.distinct,
  };
}

/**
 * Hands a profile the {@linkcode TextOrder} worked out elsewhere (by the
 * server) for the same functions, so that its sorts by name and by file
 * use it instead of sorting text. Codes the profile already has are kept
 * (they are the same).
 *
 * @example
 * ```ts
 * import {
 *   presetTextOrder,
 *   queryFunctions,
 *   textOrder,
 *   textOrderOrigin,
 * } from "./query.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const stats = () => statsFile("run.pstats", ["save", "load"].map((name) => ({
 *   key: ["app.py", 1, name] as const,
 *   calls: 1,
 *   primitiveCalls: 1,
 *   internalTime: 1,
 *   cumulativeTime: 1,
 * })));
 * const onServer = buildProfile([stats()]);
 * const inPage = buildProfile([stats()]);
 * presetTextOrder(inPage, textOrder(onServer));
 * assertEquals([...queryFunctions(inPage, { sort: "name" }).ids], [1, 0]);
 * assertEquals(textOrderOrigin(inPage), "preset");
 * ```
 *
 * @param profile The profile.
 * @param order The codes of its functions, from {@linkcode textOrder}.
 * @throws {RangeError} When the codes are not those of as many functions,
 * or a code is not below its count.
 */
export function presetTextOrder(profile: Profile, order: TextOrder): void {
  const n = profile.size;
  if (order.names.length !== n || order.files.length !== n) {
    throw new RangeError(
      `Cannot use the text order of ${order.names.length} functions for a profile of ${n}`,
    );
  }
  _checkCodes(order.names, order.nameCount, "name");
  _checkCodes(order.files, order.fileCount, "file");
  const cache = _cache(profile);
  cache.nameCodes ??= { codes: order.names, distinct: order.nameCount };
  cache.fileCodes ??= { codes: order.files, distinct: order.fileCount };
  cache.textOrigin ??= "preset";
}

/**
 * Whether a profile's {@linkcode TextOrder} was computed here or preset,
 * or `undefined` while it has none (no sort by name or file yet).
 *
 * @param profile The profile.
 * @returns Where its text order came from.
 */
export function textOrderOrigin(
  profile: Profile,
): TextOrderOrigin | undefined {
  return _cache(profile).textOrigin;
}

interface _Codes {
  codes: Uint32Array;
  distinct: number;
}

function _checkCodes(codes: Uint32Array, count: number, what: string): void {
  if (!Number.isSafeInteger(count) || count < 0 || count > codes.length) {
    throw new RangeError(`Bad ${what} count "${count}"`);
  }
  for (let i = 0; i < codes.length; i++) {
    if (codes[i]! >= count) {
      throw new RangeError(
        `Bad ${what} code "${codes[i]}" of function ${i}: at most ${count - 1}`,
      );
    }
  }
}

function _nameCodes(profile: Profile): _Codes {
  const f = profile.functions;
  _cache(profile).textOrigin = "computed";
  return _textCodes(
    profile.size,
    (i) =>
      isBuiltin(f.file[i]!, f.line[i]!) ? builtinName(f.name[i]!) : f.name[i]!,
  );
}

function _fileCodes(profile: Profile): _Codes {
  const f = profile.functions;
  _cache(profile).textOrigin = "computed";
  return _textCodes(profile.size, (i) => f.shortFile[i]!);
}

/**
 * A number per function that sorts as its text does: the text's position
 * among the distinct texts in order (UTF-16 code unit order, as `<` has it).
 */
function _textCodes(
  n: number,
  text: (i: number) => string,
): _Codes {
  const index = new Map<string, number>();
  const distinct: string[] = [];
  const codes = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const t = text(i);
    let k = index.get(t);
    if (k === undefined) {
      k = distinct.length;
      index.set(t, k);
      distinct.push(t);
    }
    codes[i] = k;
  }
  // The default sort compares strings by UTF-16 code units, as `<` does.
  const sorted = distinct.slice().sort();
  const position = new Uint32Array(distinct.length);
  for (let p = 0; p < sorted.length; p++) position[index.get(sorted[p]!)!] = p;
  for (let i = 0; i < n; i++) codes[i] = position[codes[i]!]!;
  return { codes, distinct: distinct.length };
}

function _functionOrder(
  profile: Profile,
  column: SortColumn,
  descending: boolean,
): Uint32Array {
  const cache = _cache(profile);
  const cacheKey = `${column}:${descending}`;
  const known = cache.orders.get(cacheKey);
  if (known) return known;
  const key = column === "name" || column === "file"
    ? _ranks(profile, column)
    : _numberKey(profile, column);
  const order = radixOrder(key, descending);
  cache.orders.set(cacheKey, order);
  return order;
}

/** The numbers a numeric column sorts by, one per function. */
function _numberKey(
  profile: Profile,
  column: Exclude<SortColumn, "name" | "file">,
): Float64Array {
  const f = profile.functions;
  switch (column) {
    case "calls":
      return f.calls;
    case "primitive_calls":
      return f.primitiveCalls;
    case "internal":
      return f.internalTime;
    case "cumulative":
      return f.cumulativeTime;
    case "internal_per_call":
      return f.internalTime.map((t, i) => _ratio(t, f.calls[i]!));
    case "cumulative_per_call":
      return f.cumulativeTime.map((t, i) => _ratio(t, f.primitiveCalls[i]!));
  }
}

/** Up to how many leading rows a query picks without sorting them all. */
const _TOP_ROWS = 1000;

/**
 * The first rows of an unfiltered query by a numeric column, without
 * sorting every function (when that order is not known already): the ones
 * a page of a big profile shows first, or `/api/functions?limit=…`. The
 * same rows in the same order as the full sort (ties in id order).
 */
function _topFunctions(
  profile: Profile,
  column: SortColumn,
  descending: boolean,
  { offset = 0, limit = Infinity }: QueryOptions,
): QueryResult | undefined {
  const n = profile.size;
  const start = Math.min(Math.max(0, Math.floor(offset)), n);
  const end = Math.min(n, start + Math.max(0, limit));
  if (
    column === "name" || column === "file" || end > _TOP_ROWS ||
    end * 8 > n || _cache(profile).orders.has(`${column}:${descending}`)
  ) {
    return undefined;
  }
  const top = topOrder(_numberKey(profile, column), descending, end);
  return { total: n, ids: top.slice(start, end) };
}

/**
 * The first `k` ids of {@linkcode radixOrder}`(key, descending)`, found
 * without ordering the rest: a histogram of the leading 16 bits of each
 * number's sortable form picks the few that can come first, and only those
 * are sorted.
 *
 * @example
 * ```ts
 * import { topOrder } from "./query.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals([...topOrder(Float64Array.of(2, -1, 2, 5), true, 2)], [3, 0]);
 * ```
 *
 * @param key The number per id.
 * @param descending Whether to order largest first.
 * @param k How many ids to answer (all of them when `k` is at least their
 * number).
 * @returns The first `k` ids in order.
 */
export function topOrder(
  key: Float64Array,
  descending: boolean,
  k: number,
): Uint32Array {
  const n = key.length;
  if (k >= n) return radixOrder(key, descending);
  if (k <= 0) return new Uint32Array(0);
  const { hi } = _sortableWords(key, descending);
  const counts = new Uint32Array(65536);
  for (let i = 0; i < n; i++) counts[hi[i]! >>> 16]!++;
  // The bucket the k-th id falls in: every id in a lower one comes first.
  let bucket = 0;
  for (let before = 0; before + counts[bucket]! < k; bucket++) {
    before += counts[bucket]!;
  }
  let m = 0;
  for (let d = 0; d <= bucket; d++) m += counts[d]!;
  const candidates = new Uint32Array(m);
  const values = new Float64Array(m);
  let at = 0;
  for (let i = 0; i < n; i++) {
    if (hi[i]! >>> 16 <= bucket) {
      candidates[at] = i;
      values[at++] = key[i]!;
    }
  }
  // Candidates are in id order, and the sort is stable: ties stay so.
  const order = radixOrder(values, descending);
  const top = new Uint32Array(k);
  for (let j = 0; j < k; j++) top[j] = candidates[order[j]!]!;
  return top;
}

/**
 * The ids ordered by their keys, ties in id order: a stable LSD radix sort
 * over the keys' IEEE 754 bits (16 bits a pass), several times faster than
 * a comparator sort for hundreds of thousands of rows. NaN sorts last.
 *
 * @example
 * ```ts
 * import { radixOrder } from "./query.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals([...radixOrder(Float64Array.of(2, -1, 2, 5), true)], [3, 0, 2, 1]);
 * ```
 *
 * @param key The key of each id.
 * @param descending Whether to order largest first.
 * @returns The ids in order.
 */
export function radixOrder(
  key: Float64Array,
  descending: boolean,
): Uint32Array {
  const { hi, lo } = _sortableWords(key, descending);
  return _orderByWords(key.length, [lo, hi]);
}

/**
 * Each double as two unsigned words (high and low) that compare as the
 * numbers do (reversed when descending; NaN last either way).
 */
function _sortableWords(
  key: Float64Array,
  descending: boolean,
): { hi: Uint32Array; lo: Uint32Array } {
  const n = key.length;
  const bits = new Uint32Array(new Float64Array(key).buffer);
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let h = bits[2 * i + 1]!;
    let l = bits[2 * i]!;
    if (key[i] === 0) h = l = 0; // -0 and 0 are equal
    if (h & 0x80000000) {
      h = ~h >>> 0;
      l = ~l >>> 0;
    } else {
      h = (h | 0x80000000) >>> 0;
    }
    if (descending && key[i] === key[i]) {
      h = ~h >>> 0;
      l = ~l >>> 0;
    }
    hi[i] = h;
    lo[i] = l;
  }
  return { hi, lo };
}

/**
 * The ids `0…n-1` ordered by unsigned words, the most significant last,
 * ties in id order: a stable LSD radix sort, 16 bits a pass.
 */
function _orderByWords(n: number, words: readonly Uint32Array[]): Uint32Array {
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let next = new Uint32Array(n);
  const counts = new Uint32Array(65536);
  for (const column of words) {
    for (const shift of [0, 16]) {
      counts.fill(0);
      for (let i = 0; i < n; i++) counts[(column[i]! >>> shift) & 0xffff]!++;
      // A pass where every key has the same digit would change nothing.
      if (n > 0 && counts[(column[0]! >>> shift) & 0xffff] === n) continue;
      let total = 0;
      for (let d = 0; d < 65536; d++) {
        const c = counts[d]!;
        counts[d] = total;
        total += c;
      }
      for (let i = 0; i < n; i++) {
        const id = order[i]!;
        next[counts[(column[id]! >>> shift) & 0xffff]!++] = id;
      }
      [order, next] = [next, order];
    }
  }
  return order;
}
