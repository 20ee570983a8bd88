/**
 * The page's view as it lives in the URL, so that reload, Back and Forward
 * and shared links restore it.
 *
 * Parameters, each left out when it has its default:
 *
 * - `tab`: which view of the profile the page shows (`Tab`, default
 *   `table`). Each tab is drawn by its own module (`ui/table_view.ts`, …);
 *   a new view adds its name to `TABS` and its parameters here.
 * - `fn`: the focal function, as a reference that survives the next
 *   profile (`shop/cart.py:12:total`, see `lib/function_ref.ts`), or, in
 *   older links and while a reference cannot be made, its id; without it
 *   the table lists all functions and the flame graph shows the whole
 *   profile.
 * - `view`: in the table, `callers` or `callees` of `fn` (default `callees`).
 * - `z`: in the flame graph of the whole profile, the frame zoomed into, as
 *   the functions along its path from a root: one `z=` reference per
 *   function, or (older links) their ids joined by `.` (a collapsed
 *   group's frame, which has no reference, makes it ids, by its negative
 *   id).
 * - `min`: in the flame graph, the percentage of the total under which
 *   branches are cut (default 0: none, every frame up to the frame cap;
 *   links made before that default, without `min`, open with it too).
 * - `t`: in the flame graph, a transform of the call tree,
 *   `KIND:TARGET` (`merge:wrapper`, `collapse:stdlib`; see
 *   `lib/call_transform.ts`), repeated, applied in order.
 * - `q`: the filter, space-separated terms.
 * - `sort`: the sort column (`SortColumn`, default `cumulative`).
 * - `desc`: `1` or `0`, largest first or not (default: the column's own).
 * - `by`: what the `groups` tab groups by (`GroupLevel`, default
 *   `directory`).
 * - `line`: in the `source` tab, the line the cursor is on; `fn` is then
 *   the function whose file is shown.
 *
 * With `tab=compare` (two runs compared), `fn` is a row of the comparison,
 * `sort` a `CompareSortColumn` (default `cumulative_change`, largest drop
 * first when only faster or removed functions are shown), `only` the kinds
 * of change shown (`slower,added`; default all) and `threshold` what counts
 * as a change (`--threshold`'s `0.5,5` by default; `0` counts every change).
 *
 * @module
 */

import {
  CHANGE_KINDS,
  type ChangeKind,
  type CompareSortColumn,
  DEFAULT_THRESHOLD,
  isCompareDescendingByDefault,
  isCompareSortColumn,
  type NoiseThreshold,
  parseThreshold,
  thresholdText,
} from "../lib/compare.ts";
import {
  isDescendingByDefault,
  isSortColumn,
  type SortColumn,
} from "../lib/query.ts";
import { DEFAULT_MIN_SHARE } from "../lib/call_tree.ts";
import { type GroupLevel, isGroupLevel } from "../lib/group.ts";
import { FIRST_GROUP } from "../lib/call_tree.ts";
import {
  formatFunctionRef,
  type FunctionRef,
  parseFunctionRef,
  resolveFunctionRefs,
} from "../lib/function_ref.ts";
import type { Profile } from "../lib/profile.ts";
import {
  MAX_TRANSFORMS,
  parseTransform,
  type Transform,
  transformText,
} from "../lib/call_transform.ts";

/** The views of the profile the page can show, one module each. */
export const TABS = ["table", "flame", "compare", "groups", "source"] as const;

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
  /** The flame graph's zoomed frame: function ids from a root down. */
  readonly zoom: readonly number[];
  /** The flame graph's threshold, a share of the total from 0 to 1. */
  readonly minShare: number;
  /** The flame graph's transforms of the call tree, in order. */
  readonly transforms: readonly Transform[];
  /** The compare tab's sort and kinds of change (the defaults elsewhere). */
  readonly compare: CompareRoute;
  /** What the groups tab groups by. */
  readonly by: GroupLevel;
  /** The source tab's cursor line, `null` for the function's own. */
  readonly line: number | null;
  /**
   * `fn` as a reference not yet found in the profile (then `fn` is
   * `null`); see {@linkcode resolveRoute}.
   */
  readonly fnRef?: FunctionRef;
  /** `z` as references not yet found in the profile. */
  readonly zoomRefs?: readonly FunctionRef[];
}

/** The compare tab's part of a route. */
export interface CompareRoute {
  /** The sort column. */
  readonly sort: CompareSortColumn;
  /** Whether larger values come first. */
  readonly descending: boolean;
  /** The kinds of change shown; all when empty. */
  readonly only: readonly ChangeKind[];
  /** What counts as a change. */
  readonly threshold: NoiseThreshold;
}

/**
 * The compare tab's defaults: largest regression first, every change,
 * changes within noise as none.
 */
export const DEFAULT_COMPARE_ROUTE: CompareRoute = {
  sort: "cumulative_change",
  descending: true,
  only: [],
  threshold: DEFAULT_THRESHOLD,
};

/** The view of a URL without parameters. */
export const DEFAULT_ROUTE: Route = {
  tab: "table",
  view: "functions",
  fn: null,
  q: "",
  sort: "cumulative",
  descending: true,
  zoom: [],
  minShare: DEFAULT_MIN_SHARE,
  transforms: [],
  compare: DEFAULT_COMPARE_ROUTE,
  by: "directory",
  line: null,
};

/**
 * Reads a route from a URL's query string. Parameters that make no sense
 * fall back to their defaults rather than failing.
 *
 * @example
 * ```ts
 * import { DEFAULT_COMPARE_ROUTE, parseRoute } from "./route.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(parseRoute("?fn=12&view=callers&sort=name"), {
 *   tab: "table",
 *   view: "callers",
 *   fn: 12,
 *   q: "",
 *   sort: "name",
 *   descending: false,
 *   zoom: [],
 *   minShare: 0,
 *   transforms: [],
 *   compare: DEFAULT_COMPARE_ROUTE,
 *   by: "directory",
 *   line: null,
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
  const fnRef = fn === null ? parseFunctionRef(fnText) : null;
  const refs = fnRef === null ? {} : { fnRef };
  const viewText = params.get("view");
  const view: View = fn === null && fnRef === null
    ? "functions"
    : viewText === "callers"
    ? "callers"
    : "callees";
  const sortText = params.get("sort") ?? "";
  if (tab === "compare") {
    return {
      ...DEFAULT_ROUTE,
      tab,
      view,
      fn,
      ...refs,
      q: params.get("q") ?? "",
      compare: _parseCompare(params),
    };
  }
  const sort = isSortColumn(sortText) ? sortText : DEFAULT_ROUTE.sort;
  const desc = params.get("desc");
  const descending = desc === "1"
    ? true
    : desc === "0"
    ? false
    : isDescendingByDefault(sort);
  const zTexts = params.getAll("z");
  const zText = zTexts.length === 1 ? zTexts[0]! : "";
  // Function ids, or a collapsed group's frame's (from FIRST_GROUP down).
  const path = /^-?\d{1,10}(\.-?\d{1,10}){0,999}$/.test(zText)
    ? zText.split(".").map(Number)
    : [];
  const zoom = path.every((fn) => fn >= 0 || fn <= FIRST_GROUP) ? path : [];
  const zoomRefs = zoom.length > 0 || zTexts.length > 1000
    ? []
    : zTexts.map(parseFunctionRef);
  if (zoomRefs.length > 0 && zoomRefs.every((r) => r !== null)) {
    Object.assign(refs, { zoomRefs });
  }
  const minText = params.get("min") ?? "";
  const percent = /^\d+(\.\d+)?$/.test(minText) ? Number(minText) : NaN;
  const minShare = percent >= 0 && percent <= 100
    ? percent / 100
    : DEFAULT_ROUTE.minShare;
  const byText = params.get("by") ?? "";
  const by = isGroupLevel(byText) ? byText : DEFAULT_ROUTE.by;
  const lineText = params.get("line") ?? "";
  const line = tab === "source" && /^\d{1,10}$/.test(lineText) &&
      Number(lineText) > 0
    ? Number(lineText)
    : null;
  const transforms = params.getAll("t").slice(0, MAX_TRANSFORMS).map(
    parseTransform,
  ).filter((t) => t !== undefined);
  return {
    tab,
    view,
    fn,
    q: params.get("q") ?? "",
    sort,
    descending,
    zoom,
    minShare,
    transforms,
    compare: DEFAULT_COMPARE_ROUTE,
    by,
    line,
    ...refs,
  };
}

/**
 * Finds a route's function references in the profile: `fnRef` becomes
 * `fn`, `zoomRefs` become `zoom`, matched as compare matches functions
 * (`lib/function_ref.ts`). A function not found becomes an id past the
 * profile's end, which the views show as an unknown function; a zoom path
 * not found is left out.
 *
 * @example
 * ```ts
 * import { parseRoute, resolveRoute } from "./route.ts";
 * import { buildProfile, statsFile } from "../lib/pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const profile = buildProfile([statsFile("run.pstats", [{
 *   key: ["app.py", 14, "total"],
 *   calls: 1, primitiveCalls: 1, internalTime: 0, cumulativeTime: 0,
 * }])]);
 * const route = resolveRoute(parseRoute("?fn=app.py%3A12%3Atotal"), profile);
 * assertEquals([route.fn, route.view], [0, "callees"]);
 * ```
 *
 * @param route The route, as parsed.
 * @param profile The profile.
 * @returns The route with ids.
 */
export function resolveRoute(route: Route, profile: Profile): Route {
  if (route.fnRef === undefined && route.zoomRefs === undefined) return route;
  const { fnRef, zoomRefs, ...rest } = route;
  let resolved: Route = rest;
  if (fnRef !== undefined) {
    const fn = resolveFunctionRefs(profile, [fnRef])[0];
    resolved = { ...resolved, fn: fn ?? profile.size };
  }
  if (zoomRefs !== undefined) {
    const ids = resolveFunctionRefs(profile, zoomRefs);
    resolved = {
      ...resolved,
      zoom: ids.every((id) => id !== null) ? ids as number[] : [],
    };
  }
  return resolved;
}

function _parseCompare(params: URLSearchParams): CompareRoute {
  const sortText = params.get("sort") ?? "";
  const sort = isCompareSortColumn(sortText)
    ? sortText
    : DEFAULT_COMPARE_ROUTE.sort;
  const desc = params.get("desc");
  const kinds = (params.get("only") ?? "").split(",").filter((
    kind,
  ): kind is ChangeKind => (CHANGE_KINDS as readonly string[]).includes(kind));
  const only = CHANGE_KINDS.filter((kind) => kinds.includes(kind));
  return {
    sort,
    descending: desc === "1"
      ? true
      : desc === "0"
      ? false
      : isCompareDescendingByDefault(sort, only),
    only,
    threshold: parseThreshold(params.get("threshold") ?? "") ??
      DEFAULT_THRESHOLD,
  };
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
export function routeSearch(
  route: Route,
  refOf?: (id: number) => FunctionRef | null,
): string {
  const params = new URLSearchParams();
  // Compare rows are not one profile's functions: they stay numbers.
  // A collapsed group's frame (a negative id) has no reference.
  const ref = (id: number) => {
    const r = route.tab === "compare" || id < 0 ? null : refOf?.(id) ?? null;
    return r === null ? String(id) : formatFunctionRef(r);
  };
  if (route.tab !== DEFAULT_ROUTE.tab) params.set("tab", route.tab);
  const fn = route.fnRef !== undefined
    ? formatFunctionRef(route.fnRef)
    : route.fn === null
    ? null
    : ref(route.fn);
  if (fn !== null && route.view !== "functions") {
    params.set("fn", fn);
    // The flame graph of one function has no callers or callees view.
    if (route.tab !== "flame") params.set("view", route.view);
  }
  if (route.tab === "flame" && route.fn === null && route.zoomRefs) {
    for (const r of route.zoomRefs) params.append("z", formatFunctionRef(r));
  } else if (
    route.tab === "flame" && route.fn === null && route.zoom.length > 0
  ) {
    const refs = route.zoom.map(ref);
    if (refs.some((r) => /^-?\d+$/.test(r))) {
      params.set("z", route.zoom.join("."));
    } else for (const r of refs) params.append("z", r);
  }
  if (route.tab === "flame" && route.minShare !== DEFAULT_ROUTE.minShare) {
    params.set("min", String(Number((route.minShare * 100).toPrecision(6))));
  }
  if (route.tab === "flame") {
    for (const t of route.transforms) params.append("t", transformText(t));
  }
  if (route.q !== "") params.set("q", route.q);
  if (route.tab === "compare") {
    const c = route.compare;
    if (c.sort !== DEFAULT_COMPARE_ROUTE.sort) params.set("sort", c.sort);
    if (c.descending !== isCompareDescendingByDefault(c.sort, c.only)) {
      params.set("desc", c.descending ? "1" : "0");
    }
    if (c.only.length > 0) params.set("only", c.only.join(","));
    const threshold = thresholdText(c.threshold);
    if (threshold !== thresholdText(DEFAULT_THRESHOLD)) {
      params.set("threshold", threshold);
    }
    return _readable(params);
  }
  if (route.sort !== DEFAULT_ROUTE.sort) params.set("sort", route.sort);
  if (route.descending !== isDescendingByDefault(route.sort)) {
    params.set("desc", route.descending ? "1" : "0");
  }
  if (route.by !== DEFAULT_ROUTE.by) params.set("by", route.by);
  if (route.tab === "source" && route.line !== null) {
    params.set("line", String(route.line));
  }
  return _readable(params);
}

/**
 * The query string, with the `/` and `:` of references left as they are
 * (a query may hold them), so a link reads `fn=shop/cart.py:12:total`.
 */
function _readable(params: URLSearchParams): string {
  return `?${params.toString().replace(/%2F/g, "/").replace(/%3A/g, ":")}`;
}
