/**
 * The page's view as it lives in the URL, so that reload, Back and Forward
 * and shared links restore it.
 *
 * Parameters, each left out when it has its default:
 *
 * - `tab`: which view of the profile the page shows (`Tab`, default
 *   `table`). Each tab is drawn by its own module (`ui/table_view.ts`, …);
 *   a new view adds its name to `TABS` and its parameters here.
 * - `fn`: the focal function's id; without it the page lists all functions.
 * - `view`: `callers` or `callees` of `fn` (default `callees`).
 * - `q`: the filter, space-separated terms.
 * - `sort`: the sort column (`SortColumn`, default `cumulative`).
 * - `desc`: `1` or `0`, largest first or not (default: the column's own).
 * - `by`: what the `groups` tab groups by (`GroupLevel`, default
 *   `directory`).
 *
 * @module
 */

import {
  isDescendingByDefault,
  isSortColumn,
  type SortColumn,
} from "../lib/query.ts";
import { type GroupLevel, isGroupLevel } from "../lib/group.ts";

/** The views of the profile the page can show, one module each. */
export const TABS = ["table", "groups"] as const;

/** One of {@linkcode TABS}. */
export type Tab = typeof TABS[number];

/** What the table lists: every function, or the callers or callees of one. */
export type View = "functions" | "callers" | "callees";

/** The page's view, as held in the URL. */
export interface Route {
  /** Which view of the profile is shown. */
  readonly tab: Tab;
  /** What is listed. */
  readonly view: View;
  /** The focal function's id, `null` when listing every function. */
  readonly fn: number | null;
  /** The filter text. */
  readonly q: string;
  /** The sort column. */
  readonly sort: SortColumn;
  /** Whether larger values come first. */
  readonly descending: boolean;
  /** What the groups tab groups by. */
  readonly by: GroupLevel;
}

/** The view of a URL without parameters. */
export const DEFAULT_ROUTE: Route = {
  tab: "table",
  view: "functions",
  fn: null,
  q: "",
  sort: "cumulative",
  descending: true,
  by: "directory",
};

/**
 * Reads a route from a URL's query string. Parameters that make no sense
 * fall back to their defaults rather than failing.
 *
 * @example
 * ```ts
 * import { parseRoute } from "./route.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(parseRoute("?fn=12&view=callers&sort=name"), {
 *   tab: "table",
 *   view: "callers",
 *   fn: 12,
 *   q: "",
 *   sort: "name",
 *   descending: false,
 *   by: "directory",
 * });
 * ```
 *
 * @param search The query string, with or without its `?`.
 * @returns The route.
 */
export function parseRoute(search: string): Route {
  const params = new URLSearchParams(search);
  const tabText = params.get("tab") ?? "";
  const tab = _isTab(tabText) ? tabText : DEFAULT_ROUTE.tab;
  const fnText = params.get("fn") ?? "";
  const fn = /^\d{1,10}$/.test(fnText) ? Number(fnText) : null;
  const viewText = params.get("view");
  const view: View = fn === null
    ? "functions"
    : viewText === "callers"
    ? "callers"
    : "callees";
  const sortText = params.get("sort") ?? "";
  const sort = isSortColumn(sortText) ? sortText : DEFAULT_ROUTE.sort;
  const desc = params.get("desc");
  const descending = desc === "1"
    ? true
    : desc === "0"
    ? false
    : isDescendingByDefault(sort);
  const byText = params.get("by") ?? "";
  const by = isGroupLevel(byText) ? byText : DEFAULT_ROUTE.by;
  return { tab, view, fn, q: params.get("q") ?? "", sort, descending, by };
}

function _isTab(value: string): value is Tab {
  return (TABS as readonly string[]).includes(value);
}

/**
 * Writes a route as a query string, leaving out defaults.
 *
 * @example
 * ```ts
 * import { DEFAULT_ROUTE, routeSearch } from "./route.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(routeSearch(DEFAULT_ROUTE), "?");
 * assertEquals(
 *   routeSearch({ ...DEFAULT_ROUTE, view: "callers", fn: 3, q: "a b" }),
 *   "?fn=3&view=callers&q=a+b",
 * );
 * ```
 *
 * @param route The route.
 * @returns The query string, starting with `?`.
 */
export function routeSearch(route: Route): string {
  const params = new URLSearchParams();
  if (route.tab !== DEFAULT_ROUTE.tab) params.set("tab", route.tab);
  if (route.fn !== null && route.view !== "functions") {
    params.set("fn", String(route.fn));
    params.set("view", route.view);
  }
  if (route.q !== "") params.set("q", route.q);
  if (route.sort !== DEFAULT_ROUTE.sort) params.set("sort", route.sort);
  if (route.descending !== isDescendingByDefault(route.sort)) {
    params.set("desc", route.descending ? "1" : "0");
  }
  if (route.by !== DEFAULT_ROUTE.by) params.set("by", route.by);
  return `?${params}`;
}
