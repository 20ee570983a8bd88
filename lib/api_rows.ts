/**
 * The rows of the JSON API: a function ({@linkcode FunctionRow}) and a caller
 * or callee ({@linkcode EdgeRow}) as `/api/functions` and its sub-routes
 * send them.
 *
 * @module
 */

import { shownText } from "./escape.ts";
import { functionLabel, isBuiltin } from "./location.ts";
import type { Profile } from "./profile.ts";
import type { QueryOptions, QueryResult } from "./query.ts";

/** A function as the JSON API returns it. Times are in seconds. */
export interface FunctionRow {
  /** The function's id. */
  id: number;
  /** The file as stored (`~` for built-ins). */
  file: string;
  /** The file shortened for display. */
  shortFile: string;
  /** The first line (0 for built-ins). */
  line: number;
  /** The name as stored. */
  name: string;
  /** The pstats label, such as `app.py:3(main)` or `{built-in method len}`. */
  label: string;
  /** Whether this is a built-in (C) function. */
  builtin: boolean;
  /** Calls (cumulative samples when sampled). */
  calls: number;
  /** Primitive calls (direct samples when sampled). */
  primitiveCalls: number;
  /** Time in the function itself. */
  internalTime: number;
  /** Time in the function and what it called. */
  cumulativeTime: number;
}

/**
 * A caller or callee as the JSON API returns it: the other function, with
 * the numbers of the edge (calls along it, and the called function's time
 * spent on its behalf).
 */
export interface EdgeRow extends FunctionRow {
  /** The edge's id. */
  edge: number;
}

/**
 * The paging of a list route's answer.
 *
 * @param result The rows found.
 * @param query The query they were found by.
 * @returns The total and the page's offset and limit.
 */
export function pageInfo(
  result: QueryResult,
  query: QueryOptions,
): { total: number; offset: number | undefined; limit: number | undefined } {
  return { total: result.total, offset: query.offset, limit: query.limit };
}

/**
 * A function as the API sends it. In lists, files and names longer than
 * any real one are cut (`shownText()`): one long path shared by thousands of
 * functions would otherwise be sent once per row. `full` sends them whole,
 * for one function asked for by its id.
 *
 * @param profile The profile.
 * @param id The function's id.
 * @param full Whether to send long texts whole.
 * @returns The row.
 */
export function functionRow(
  profile: Profile,
  id: number,
  full = false,
): FunctionRow {
  const f = profile.functions;
  const text = full ? (s: string) => s : shownText;
  const stored = f.file[id]!;
  const line = f.line[id]!;
  const file = text(stored);
  const shortFile = text(f.shortFile[id]!);
  const name = text(f.name[id]!);
  return {
    id,
    file,
    shortFile,
    line,
    name,
    label: functionLabel(shortFile, line, name),
    builtin: isBuiltin(stored, line),
    calls: f.calls[id]!,
    primitiveCalls: f.primitiveCalls[id]!,
    internalTime: f.internalTime[id]!,
    cumulativeTime: f.cumulativeTime[id]!,
  };
}

/**
 * A caller or callee as the API sends it: the other function with the
 * edge's numbers.
 *
 * @param profile The profile.
 * @param edge The edge's id.
 * @param other The other function's id (the caller, or the callee).
 * @returns The row.
 */
export function edgeRow(
  profile: Profile,
  edge: number,
  other: number,
): EdgeRow {
  const e = profile.edges;
  return {
    ...functionRow(profile, other),
    edge,
    calls: e.calls[edge]!,
    primitiveCalls: e.primitiveCalls[edge]!,
    internalTime: e.internalTime[edge]!,
    cumulativeTime: e.cumulativeTime[edge]!,
  };
}
