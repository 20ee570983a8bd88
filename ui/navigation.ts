/// <reference lib="dom" />
/**
 * Moving between routes: history entries, the URL, Back and Forward. Every
 * change of view goes through {@linkcode navigate}, which asks the active
 * view to recompute and redraw.
 *
 * @module
 */

import { isDescendingByDefault, type SortColumn } from "../lib/query.ts";
import { parseRoute, resolveRoute, type Route, routeSearch } from "./route.ts";
import { functionRef } from "../lib/function_ref.ts";
import { MAX_SHOWN_TEXT } from "../lib/escape.ts";
import type { Profile } from "../lib/profile.ts";
import { activeView, type HistoryState, state } from "./state.ts";

let _urlTimer: ReturnType<typeof setTimeout> | undefined;
let _urlPending = false;

/** Goes to a route: a new history entry for "push", the same for "replace". */
export function navigate(route: Route, mode: "push" | "replace"): void {
  if (mode === "push") saveHistoryState();
  const depth = historyState(history.state).depth;
  state.route = route;
  activeView().query();
  if (mode === "push") {
    const next: HistoryState = { depth: depth + 1, scrollTop: 0, highlight: 0 };
    history.pushState(next, "", href(route));
  } else {
    // Typing replaces the URL on every keystroke; browsers throttle that,
    // so the URL follows a moment later (see _flushUrl()).
    _urlPending = true;
    clearTimeout(_urlTimer);
    _urlTimer = setTimeout(_flushUrl, 150);
  }
  activeView().show({ depth, scrollTop: 0, highlight: 0 });
}

/** Goes back one entry of ours, or home when the page was opened on a link. */
export function back(): void {
  const r = state.route;
  if (historyState(history.state).depth > 0) history.back();
  // Opened on a shared link: there is no page of ours to go back to.
  else if (r.tab === "flame" && (r.fn !== null || r.zoom.length > 0)) {
    navigate(flameRoute(r, null, []), "push");
  } else if (r.fn !== null) navigate(homeRoute(r), "push");
}

/** Remembers the active view's scroll position and highlight in the entry. */
export function saveHistoryState(): void {
  _flushUrl();
  const saved: HistoryState = {
    depth: historyState(history.state).depth,
    ...activeView().saved(),
  };
  history.replaceState(saved, "");
}

/** Shows the entry the browser went Back or Forward to. */
export function onPopState(event: PopStateEvent): void {
  // A pending URL change belongs to the entry we just left.
  clearTimeout(_urlTimer);
  _urlPending = false;
  state.route = routeFrom(location.search);
  if (state.phase !== "ready") return;
  activeView().query();
  activeView().show(historyState(event.state));
}

/** Follows a click on a link to a page of ours without reloading. */
export function onLinkClick(event: MouseEvent, link: HTMLAnchorElement): void {
  if (
    event.metaKey || event.ctrlKey || event.shiftKey || event.altKey ||
    link.target !== "" || link.origin !== location.origin ||
    link.pathname !== location.pathname
  ) return;
  event.preventDefault();
  // A link clicked with the mouse keeps no focus: the keys that follow are
  // the page's (Enter opens the highlighted row rather than this link again).
  // One followed from the keyboard (detail 0) keeps it, as links do.
  if (event.detail > 0) link.blur();
  const route = routeFrom(link.search);
  if (href(route) !== href(state.route)) navigate(route, "push");
}

/** Writes a pending URL change into the current history entry. */
function _flushUrl(): void {
  clearTimeout(_urlTimer);
  if (!_urlPending) return;
  _urlPending = false;
  history.replaceState(historyState(history.state), "", href(state.route));
}

/** A history entry's state, with defaults for what it lacks. */
export function historyState(value: unknown): HistoryState {
  const s = (value ?? {}) as Partial<Record<keyof HistoryState, unknown>>;
  const number = (x: unknown) =>
    typeof x === "number" && Number.isFinite(x) && x >= 0 ? x : 0;
  return {
    depth: number(s.depth),
    scrollTop: number(s.scrollTop),
    highlight: number(s.highlight),
  };
}

/** The table of a function's callers or callees. */
export function edgeRoute(
  r: Route,
  fn: number,
  view: "callers" | "callees",
): Route {
  return { ...r, tab: "table", view, fn, q: "" };
}

/**
 * Sorts the table or the groups by a column: a new column in its natural
 * direction, the same column again reversed.
 */
export function sortBy(column: SortColumn): void {
  const r = state.route;
  const descending = r.sort === column
    ? !r.descending
    : isDescendingByDefault(column);
  navigate({ ...r, sort: column, descending }, "replace");
}

/** The table of every function. */
export function homeRoute(r: Route): Route {
  return { ...r, tab: "table", view: "functions", fn: null, q: "" };
}

/** The flame graph of the whole profile zoomed into a path, or of one function. */
export function flameRoute(
  r: Route,
  fn: number | null,
  zoom: readonly number[],
): Route {
  return {
    ...r,
    tab: "flame",
    fn,
    view: fn === null ? "functions" : "callees",
    zoom: fn === null ? zoom : [],
  };
}

/**
 * The route a query string names, its function references found in the
 * profile once it is here.
 */
export function routeFrom(search: string): Route {
  const route = parseRoute(search);
  const p = state.profile;
  return p === null || state.firstRows !== null
    ? route
    : resolveRoute(route, p);
}

/**
 * A link to a route. Functions are written as references that survive the
 * next profile (`lib/function_ref.ts`) once the whole profile is here.
 */
export function href(route: Route): string {
  const p = state.profile;
  const search = routeSearch(
    route,
    p === null || state.firstRows !== null
      ? undefined
      : (id) =>
        id >= 0 && id < p.size && _referable(p, id) ? functionRef(p, id) : null,
  );
  return search === "?" ? location.pathname : search;
}

/**
 * Whether a function's file and name may go into a URL: not when longer
 * than any real one (`shownText()` cuts them); such a function is named by
 * its id, as before references.
 */
function _referable(p: Profile, id: number): boolean {
  return p.functions.file[id]!.length <= MAX_SHOWN_TEXT &&
    p.functions.name[id]!.length <= MAX_SHOWN_TEXT;
}
