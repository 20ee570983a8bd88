/**
 * The JSON API's request parameters, checked: a bad one is an
 * {@linkcode HttpError} (400) whose message names it and what it expects.
 * The handler (`lib/server.ts`) turns it into a response.
 *
 * @module
 */

import { DEFAULT_MIN_SHARE } from "./call_tree.ts";
import { readTransforms, type Transform } from "./call_transform.ts";
import {
  CHANGE_KINDS,
  type ChangeKind,
  type CompareQueryOptions,
  isCompareSortColumn,
  parseThreshold,
} from "./compare.ts";
import type { CollapsedQuery } from "./heavy_work.ts";
import type { Profile } from "./profile.ts";
import { checkFilter, isSortColumn, type QueryOptions } from "./query.ts";

/** The maximum `limit` of the list routes. */
export const MAX_LIMIT = 10_000;

const _DEFAULT_LIMIT = 100;

/** A request the API refuses, with the HTTP status to answer. */
export class HttpError extends Error {
  /** The HTTP status, such as 400. */
  readonly status: number;
  /**
   * @param status The HTTP status.
   * @param message What is wrong, for the response's body.
   */
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/**
 * A function id from a route's `:id`, checked against the profile.
 *
 * @param profile The profile.
 * @param text The id as the path gives it.
 * @returns The id.
 * @throws {HttpError} 400 when it is not a function of the profile.
 */
export function functionIdParam(
  profile: Profile,
  text: string | undefined,
): number {
  if (text === undefined || !/^\d{1,10}$/.test(text)) {
    throw new HttpError(
      400,
      `Bad function id "${text ?? ""}": expected a whole number`,
    );
  }
  const id = Number(text);
  if (id >= profile.size) {
    throw new HttpError(
      400,
      `Bad function id "${text}": the profile has ${profile.size} functions`,
    );
  }
  return id;
}

/**
 * The checked parameters of `/api/collapsed`.
 *
 * @param profile The profile (to check `fn`).
 * @param params The request's parameters.
 * @returns What the folded stacks are asked for.
 * @throws {HttpError} 400 for a bad parameter.
 */
export function collapsedQuery(
  profile: Profile,
  params: URLSearchParams,
): CollapsedQuery {
  const minText = params.get("min") ?? "";
  const percent = minText === ""
    ? DEFAULT_MIN_SHARE * 100
    : /^\d{1,3}(\.\d{1,12})?%?$/.test(minText)
    ? Number(minText.replace(/%$/, ""))
    : NaN;
  if (!(percent >= 0 && percent <= 100)) {
    throw new HttpError(
      400,
      `Bad min "${minText}": expected a percentage from 0 to 100`,
    );
  }
  const direction = params.get("direction") ?? "callees";
  if (direction !== "callees" && direction !== "callers") {
    throw new HttpError(
      400,
      `Bad direction "${direction}": expected callees or callers`,
    );
  }
  const fnText = params.get("fn");
  if (fnText === null && direction === "callers") {
    throw new HttpError(400, "Bad direction: callers needs a function (fn)");
  }
  const fn = fnText === null ? undefined : functionIdParam(profile, fnText);
  const filter = params.get("q") ?? "";
  const problem = checkFilter(filter);
  if (problem !== undefined) throw new HttpError(400, `Bad q: ${problem}`);
  const transforms = _transforms(params);
  return {
    minShare: percent / 100,
    direction,
    filter,
    ...(fn === undefined ? {} : { fn }),
    ...(transforms.length === 0 ? {} : { transforms }),
  };
}

/** The transforms of `t=KIND:TARGET` (repeated), checked. */
function _transforms(params: URLSearchParams): Transform[] {
  const read = readTransforms(params.getAll("t"));
  if ("problem" in read) throw new HttpError(400, `Bad t: ${read.problem}`);
  return read.transforms;
}

/**
 * The checked parameters of the list routes (`q`, `sort`, `desc`, `offset`,
 * `limit`).
 *
 * @param params The request's parameters.
 * @returns The query.
 * @throws {HttpError} 400 for a bad parameter.
 */
export function queryOptions(params: URLSearchParams): QueryOptions {
  return _listOptions(params, isSortColumn, "a column");
}

/**
 * The checked parameters of `/api/compare`: those of the list routes with
 * compare's sort columns, and `only` and `threshold`.
 *
 * @param params The request's parameters.
 * @returns The query.
 * @throws {HttpError} 400 for a bad parameter.
 */
export function compareQueryOptions(
  params: URLSearchParams,
): CompareQueryOptions {
  const query: CompareQueryOptions = _listOptions(
    params,
    isCompareSortColumn,
    "a compare column",
  );
  const only = params.get("only");
  if (only !== null && only !== "") {
    const kinds = only.split(",");
    const bad = kinds.find((k) => !(CHANGE_KINDS as string[]).includes(k));
    if (bad !== undefined) {
      throw new HttpError(
        400,
        `Bad only "${bad}": use ${CHANGE_KINDS.join(", ")}`,
      );
    }
    query.changes = kinds as ChangeKind[];
  }
  const threshold = params.get("threshold");
  if (threshold !== null && threshold !== "") {
    const parsed = parseThreshold(threshold);
    if (parsed === undefined) {
      throw new HttpError(
        400,
        `Bad threshold "${
          threshold.slice(0, 40)
        }": use percentages of the total and of a function's own time, such as 0.5,5`,
      );
    }
    query.threshold = parsed;
  }
  return query;
}

/** `q`, checked: filter terms as `parseFilter()` reads them. */
/** What every list route takes, `sort` checked against its own columns. */
interface _ListOptions<S extends string> {
  filter?: string;
  sort?: S;
  descending?: boolean;
  offset?: number;
  limit?: number;
}

/**
 * The parameters every list route shares: `q`, `sort` (one of the route's
 * columns, `what` in the error), `desc`, `offset` and `limit`.
 */
function _listOptions<S extends string>(
  params: URLSearchParams,
  isColumn: (sort: string) => sort is S,
  what: string,
): _ListOptions<S> {
  const query: _ListOptions<S> = {};
  const filter = _filterParam(params);
  if (filter !== undefined) query.filter = filter;
  const sort = params.get("sort");
  if (sort !== null && sort !== "") {
    if (!isColumn(sort)) {
      throw new HttpError(400, `Bad sort "${sort}": not ${what}`);
    }
    query.sort = sort;
  }
  const descending = _descendingParam(params);
  if (descending !== undefined) query.descending = descending;
  query.offset = _integer(params, "offset", 0, Number.MAX_SAFE_INTEGER, 0);
  query.limit = _integer(params, "limit", 0, MAX_LIMIT, _DEFAULT_LIMIT);
  return query;
}

function _filterParam(params: URLSearchParams): string | undefined {
  const q = params.get("q");
  if (q === null) return undefined;
  const problem = checkFilter(q);
  if (problem !== undefined) throw new HttpError(400, `Bad q: ${problem}`);
  return q;
}

/** `desc`, checked: `1`/`true` or `0`/`false`. */
function _descendingParam(params: URLSearchParams): boolean | undefined {
  const desc = params.get("desc");
  if (desc === null || desc === "") return undefined;
  if (desc === "1" || desc === "true") return true;
  if (desc === "0" || desc === "false") return false;
  throw new HttpError(400, `Bad desc "${desc}": expected 1 or 0`);
}

function _integer(
  params: URLSearchParams,
  name: string,
  min: number,
  max: number,
  fallback: number,
): number {
  const text = params.get(name);
  if (text === null || text === "") return fallback;
  const value = /^\d{1,16}$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) {
    throw new HttpError(
      400,
      `Bad ${name} "${text}": expected a whole number from ${min} to ${max}`,
    );
  }
  return value;
}
