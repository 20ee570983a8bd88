/**
 * The first rows of the page's first table, sent on their own while the
 * whole profile is still on its way: a big profile takes a tenth of a second
 * or more to encode, send, decode and sort, and these few rows let the page
 * draw its first screen without waiting for that. The server picks them with
 * the same query code the page uses, so they are the rows the whole profile
 * shows once it is in.
 *
 * On the page they become a {@linkcode Profile} of the full size whose
 * columns hold only these rows, with the real totals: the table draws it as
 * it draws any profile, and the row ids are the real ones, so links work.
 * Only these rows may be read from it: the other functions' numbers are
 * zeros and their texts are missing (making a million empty texts took
 * longer than the rest of the first rows).
 *
 * @module
 */

import {
  createProfile,
  emptyEdges,
  type Profile,
  type ProfileTotals,
} from "./profile.ts";
import { queryFunctions, type QueryOptions } from "./query.ts";
import { shownText } from "./escape.ts";

/** The first rows of a query, with what the page needs to draw them. */
export interface FirstRows {
  /** The files the profile was read from. */
  readonly sources: readonly string[];
  /** Whether the profile is sampled. */
  readonly sampled: boolean;
  /** Whether its edges carry their own numbers. */
  readonly edgeDetail: boolean;
  /** Whether a run before is compared with it (the page then opens the comparison). */
  readonly comparing: boolean;
  /** How many functions the profile has. */
  readonly size: number;
  /** The profile's `clampedTimes` (0 when none). */
  readonly clampedTimes: number;
  /** The profile's totals. */
  readonly totals: ProfileTotals;
  /** How many rows the query matches in all. */
  readonly total: number;
  /** The first of them, in order. */
  readonly ids: Uint32Array;
  /** Each row's file as stored, in `ids` order. */
  readonly file: readonly string[];
  /** Each row's file shortened for display. */
  readonly shortFile: readonly string[];
  /** Each row's first line. */
  readonly line: Float64Array;
  /** Each row's function name. */
  readonly name: readonly string[];
  /** Each row's calls (cumulative samples when sampled). */
  readonly calls: Float64Array;
  /** Each row's primitive calls (direct samples when sampled). */
  readonly primitiveCalls: Float64Array;
  /** Each row's internal time, in seconds. */
  readonly internalTime: Float64Array;
  /** Each row's cumulative time, in seconds. */
  readonly cumulativeTime: Float64Array;
}

/** The numeric columns of {@linkcode FirstRows}, in the order they are sent. */
const _NUMBERS = [
  "line",
  "calls",
  "primitiveCalls",
  "internalTime",
  "cumulativeTime",
] as const;

/**
 * The first rows of a query, as JSON text. Numbers that JSON cannot hold
 * exactly (`NaN`, infinities, `-0`) go as strings.
 *
 * @example
 * ```ts
 * import { decodeFirstRows, encodeFirstRows } from "./first_rows.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const entry = (name: string, cumulativeTime: number) => ({
 *   key: ["app.py", 1, name] as const,
 *   calls: 1,
 *   primitiveCalls: 1,
 *   internalTime: 0,
 *   cumulativeTime,
 * });
 * const profile = buildProfile([statsFile("run.pstats", [
 *   entry("a", 1),
 *   entry("b", 3),
 *   entry("c", 2),
 * ])]);
 * const first = decodeFirstRows(encodeFirstRows(profile, { limit: 2 }, false));
 * assertEquals([...first.ids], [1, 2]);
 * assertEquals(first.name, ["b", "c"]);
 * assertEquals(first.total, 3);
 * ```
 *
 * @param profile The profile.
 * @param query The query (filter, sort, order, offset and limit).
 * @param comparing Whether a run before is compared with it.
 * @returns The JSON text.
 */
export function encodeFirstRows(
  profile: Profile,
  query: QueryOptions,
  comparing: boolean,
): string {
  const { total, ids } = queryFunctions(profile, query);
  const f = profile.functions;
  const pick = <T>(column: ArrayLike<T>) =>
    Array.from(ids, (id) => column[id]!);
  // Texts cut as every output cuts them: the whole profile, which follows,
  // has them in full.
  const text = (column: readonly string[]) =>
    Array.from(ids, (id) => shownText(column[id]!));
  return JSON.stringify(
    {
      sources: profile.sources,
      sampled: profile.sampled,
      edgeDetail: profile.edgeDetail,
      comparing,
      size: profile.size,
      clampedTimes: profile.clampedTimes ?? 0,
      totals: profile.totals,
      total,
      ids: [...ids],
      file: text(f.file),
      shortFile: text(f.shortFile),
      name: text(f.name),
      ...Object.fromEntries(_NUMBERS.map((key) => [key, pick(f[key])])),
    },
    (_key, value) =>
      typeof value === "number" &&
        (!Number.isFinite(value) || Object.is(value, -0))
        ? String(value === 0 ? "-0" : value)
        : value,
  );
}

/**
 * Reads what {@linkcode encodeFirstRows} wrote.
 *
 * @param text The JSON text.
 * @returns The first rows.
 * @throws {SyntaxError} When the text is not first rows.
 */
export function decodeFirstRows(text: string): FirstRows {
  const value = JSON.parse(text);
  const k = Array.isArray(value?.ids) ? value.ids.length : -1;
  const texts = (key: string): string[] => {
    const column = value[key];
    if (
      !Array.isArray(column) || column.length !== k ||
      column.some((t) => typeof t !== "string")
    ) {
      throw new SyntaxError(`Not first rows: bad ${key}`);
    }
    return column;
  };
  const numbers = (key: string, column: unknown = value[key]): Float64Array => {
    if (!Array.isArray(column) || column.length !== k) {
      throw new SyntaxError(`Not first rows: bad ${key}`);
    }
    return Float64Array.from(column, Number);
  };
  const size = value.size;
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new SyntaxError("Not first rows: bad size");
  }
  const ids = Uint32Array.from(value.ids, Number);
  if (ids.some((id) => id >= size)) {
    throw new SyntaxError("Not first rows: an id out of range");
  }
  const sources = value.sources;
  if (!Array.isArray(sources) || sources.some((t) => typeof t !== "string")) {
    throw new SyntaxError("Not first rows: bad sources");
  }
  const totals = value.totals ?? {};
  return {
    sources,
    sampled: value.sampled === true,
    edgeDetail: value.edgeDetail === true,
    comparing: value.comparing === true,
    size,
    clampedTimes: Number.isSafeInteger(value.clampedTimes) &&
        value.clampedTimes > 0
      ? value.clampedTimes
      : 0,
    totals: {
      calls: Number(totals.calls),
      primitiveCalls: Number(totals.primitiveCalls),
      time: Number(totals.time),
    },
    total: Number(value.total),
    ids,
    file: texts("file"),
    shortFile: texts("shortFile"),
    name: texts("name"),
    line: numbers("line"),
    calls: numbers("calls"),
    primitiveCalls: numbers("primitiveCalls"),
    internalTime: numbers("internalTime"),
    cumulativeTime: numbers("cumulativeTime"),
  };
}

/**
 * A profile of the full size that has only the first rows, and no edges
 * yet; its totals are the real ones. Read only the first rows' ids from it:
 * the others' numbers are zeros and their texts missing (`undefined`).
 *
 * @param first The first rows.
 * @returns The profile to draw them from.
 */
export function firstRowsProfile(first: FirstRows): Profile {
  const n = first.size;
  // As long as the profile, holding only the first rows' texts: made in no
  // time, where filling a million entries takes a while.
  const texts = () => {
    const column: string[] = [];
    column.length = n;
    return column;
  };
  const file = texts();
  const shortFile = texts();
  const name = texts();
  const line = new Float64Array(n);
  const calls = new Float64Array(n);
  const primitiveCalls = new Float64Array(n);
  const internalTime = new Float64Array(n);
  const cumulativeTime = new Float64Array(n);
  first.ids.forEach((id, j) => {
    file[id] = first.file[j]!;
    shortFile[id] = first.shortFile[j]!;
    name[id] = first.name[j]!;
    line[id] = first.line[j]!;
    calls[id] = first.calls[j]!;
    primitiveCalls[id] = first.primitiveCalls[j]!;
    internalTime[id] = first.internalTime[j]!;
    cumulativeTime[id] = first.cumulativeTime[j]!;
  });
  return createProfile({
    sources: first.sources,
    sampled: first.sampled,
    edgeDetail: first.edgeDetail,
    ...(first.clampedTimes > 0 ? { clampedTimes: first.clampedTimes } : {}),
    functions: {
      file,
      shortFile,
      line,
      name,
      calls,
      primitiveCalls,
      internalTime,
      cumulativeTime,
    },
    edges: emptyEdges(),
  }, first.totals);
}
