/// <reference lib="dom" />
/**
 * The table view: every function, or the callers or callees of one, sorted
 * and filtered with `lib/query.ts`, in a virtualised table (only the rows in
 * view are in the DOM).
 *
 * @module
 */

import { html, nothing, type TemplateResult } from "lit-html";
import { ref } from "lit-html/directives/ref.js";
import { repeat } from "lit-html/directives/repeat.js";
import { formatCalls, formatCount, formatMs } from "../lib/format.ts";
import { functionLocation, type Profile } from "../lib/profile.ts";
import {
  queryCallees,
  queryCallers,
  queryFunctions,
  type QueryOptions,
  type SortColumn,
} from "../lib/query.ts";
import { countChars, widestCalls } from "./calls_width.ts";
import { copyLocation } from "./clipboard.ts";
import { styleProperties } from "./directives.ts";
import {
  NO_NUMBER,
  type NumberCell,
  numberCellView,
  percentCell,
} from "./number_cells.ts";
import { isMissing } from "./header_view.ts";
import {
  countText,
  edgeCount,
  fullLabel,
  isolated,
  shown,
  shownLocation,
} from "./labels.ts";
import {
  captionRow,
  edgeLinksCell,
  edgeLinkView,
  edgeListMembers,
  edgeTabsView,
  type EdgeView,
  emptyRow,
} from "./list_view.ts";
import { missingView } from "./message_view.ts";
import {
  edgeRoute,
  flameRoute,
  homeRoute,
  href,
  sortBy,
} from "./navigation.ts";
import type { Route } from "./route.ts";
import {
  type FirstRowsShown,
  type PageView,
  type State,
  state,
  update,
} from "./state.ts";
import { locationHeaderCell, sortHeaderCell } from "./sort_header.ts";
import { renderRange, spacerRow, VirtualRows } from "./virtual_list.ts";

/** The four numbers of a function or of an edge. */
interface Numbers {
  calls: number;
  primitiveCalls: number;
  internalTime: number;
  cumulativeTime: number;
  /** False for edges of profiles that keep only call counts per edge. */
  detail: boolean;
}

interface Column {
  key: string;
  label: string;
  title: string;
  sort: SortColumn;
  percent: boolean;
  cell(numbers: Numbers, profile: Profile): NumberCell;
}

const TRACED_COLUMNS: readonly Column[] = [
  {
    key: "calls",
    label: "calls",
    title: "Calls; calls/primitive calls when recursive",
    sort: "calls",
    percent: false,
    cell: (n) => ({
      text: formatCalls(n.calls, n.primitiveCalls),
      share: null,
    }),
  },
  {
    key: "calls-pct",
    label: "calls %",
    title: "Share of all calls",
    sort: "calls",
    percent: true,
    cell: (n, p) => percentCell(n.calls, p.totals.calls),
  },
  {
    key: "internal",
    label: "internal ms",
    title: "Time in the function itself, in milliseconds",
    sort: "internal",
    percent: false,
    cell: (n) =>
      n.detail ? { text: formatMs(n.internalTime), share: null } : NO_NUMBER,
  },
  {
    key: "cumulative",
    label: "cumulative ms",
    title: "Time in the function and everything it called, in milliseconds",
    sort: "cumulative",
    percent: false,
    cell: (n) =>
      n.detail ? { text: formatMs(n.cumulativeTime), share: null } : NO_NUMBER,
  },
  {
    key: "cumulative-pct",
    label: "cumulative %",
    title: "Cumulative time as a share of the total time",
    sort: "cumulative",
    percent: true,
    cell: (n, p) =>
      n.detail ? percentCell(n.cumulativeTime, p.totals.time) : NO_NUMBER,
  },
];

const SAMPLED_COLUMNS: readonly Column[] = [
  {
    key: "calls",
    label: "samples",
    title: "Samples with the function anywhere on the stack",
    sort: "calls",
    percent: false,
    cell: (n) => ({ text: formatCount(n.calls), share: null }),
  },
  {
    key: "calls-pct",
    label: "samples %",
    title: "Share of all samples with the function on the stack",
    sort: "calls",
    percent: true,
    cell: (n, p) => percentCell(n.calls, p.totals.primitiveCalls),
  },
  {
    key: "direct",
    label: "direct samples",
    title: "Samples with the function running (top of the stack)",
    sort: "primitive_calls",
    percent: false,
    cell: (n) =>
      n.detail
        ? { text: formatCount(n.primitiveCalls), share: null }
        : NO_NUMBER,
  },
  {
    key: "direct-pct",
    label: "direct %",
    title: "Share of all samples with the function running",
    sort: "primitive_calls",
    percent: true,
    cell: (n, p) =>
      n.detail
        ? percentCell(n.primitiveCalls, p.totals.primitiveCalls)
        : NO_NUMBER,
  },
];

const list = new VirtualRows(
  () => state.table,
  () => state.table.rows.length,
  update,
);

/** The table view. */
export const TABLE_VIEW: PageView = {
  tab: "table",
  label: "Table",
  query: queryTable,
  template: (p) =>
    isMissing(state, p) ? missingView(state) : tableView(state, p),
  crumbs: (p) => crumbsView(state, p),
  status: (p) => statusText(state, p),
  keyHints: () =>
    html`
      <kbd>↑</kbd><kbd>↓</kbd> select <kbd>⏎</kbd> callees
      <kbd>⇧⏎</kbd> callers <kbd>c</kbd> copy <kbd>⌫</kbd> back
    `,
  ...edgeListMembers(list, highlightedFunction, edgeRoute),
  highlightedFunction,
};

// ---------------------------------------------------------------- views

function crumbsView(s: State, p: Profile): TemplateResult {
  const r = s.route;
  if (r.fn === null) return html`<h2>All functions</h2>`;
  return html`
    <a href=${href(homeRoute(r))}>All functions</a>
    <span class="sep" aria-hidden="true">›</span>
    ${isMissing(s, p) ? html`<h2>Unknown function</h2>` : focalTitleView(s, p)}
  `;
}

function focalTitleView(s: State, p: Profile): TemplateResult {
  const r = s.route;
  const fn = r.fn!;
  const { name } = functionLocation(p, fn);
  return html`
    <h2 class="focal-name" title=${fullLabel(p, fn)}>${shown(name)}</h2>
    <span class="tabs">
      ${edgeTabsView(
        r.view,
        (view) => href(edgeRoute(r, fn, view)),
        (view) => countText(p, fn, view, s.edgesLoading),
      )}
      <a
        class="tab"
        href=${href(flameRoute(r, fn, []))}
        title="Its flame graph: who calls it and what it calls"
      >flame</a>
    </span>
  `;
}

function statusText(s: State, p: Profile): string {
  const r = s.route;
  const shown = formatCount(s.table.rows.length);
  if (r.view === "functions") {
    return r.q === ""
      ? `${formatCount(p.size)} functions`
      : `${shown} of ${formatCount(p.size)} functions`;
  }
  if (s.edgesLoading) return `Loading ${r.view}…`;
  const total = edgeCount(p, r.fn!, r.view);
  const noun = total === 1 ? r.view.slice(0, -1) : r.view;
  return r.q === ""
    ? `${shown} ${noun}`
    : `${shown} of ${formatCount(total)} ${noun}`;
}

function tableView(s: State, p: Profile): TemplateResult {
  const r = s.route;
  const t = s.table;
  const columns = p.sampled ? SAMPLED_COLUMNS : TRACED_COLUMNS;
  const span = columns.length + 2;
  const n = t.rows.length;
  const range = renderRange(t, n);
  const start = range.start;
  // Only the first rows are here yet: the rest are drawn once they are.
  const end = s.firstRows === null
    ? range.end
    : Math.max(start, Math.min(range.end, s.firstRows.ids.length));
  const visibleRows = Array.from(t.rows.subarray(start, end));
  return html`
    <div
      class="scroller"
      ${ref(list.setScroller)}
      @scroll=${list.onScroll}
    >
      <table
        class=${r.view}
        aria-rowcount=${n + (r.fn === null ? 1 : 2)}
        style=${styleProperties({
          "--calls-chars": String(_callsChars(s, p)),
          "--links-chars": String(_linksChars(s, p)),
        })}
        @click=${list.onClick}
      >
        <caption class="sr-only">${tableCaption(s, p)}</caption>
        <thead>
          <tr>
            ${columns.map((c) => headerCellView(r, c))}
            <th scope="col" class="links">callers · callees</th>
            ${locationHeaderCell(r.sort, r.descending, sortBy)}
          </tr>
          ${r.fn === null ? nothing : focalRowView(s, p, columns, r.fn, span)}
        </thead>
        <tbody>
          ${start > 0 ? spacerRow(start, span) : nothing}
          ${repeat(
            visibleRows,
            (id) => id,
            (id, i) => rowView(s, p, columns, id, start + i),
          )}
          ${end < n ? spacerRow(n - end, span) : nothing}
          ${n === 0 ? emptyView(s, p, span) : nothing}
        </tbody>
      </table>
    </div>
  `;
}

function tableCaption(s: State, p: Profile): string {
  const r = s.route;
  if (r.fn === null) return "Functions";
  const name = isolated(functionLocation(p, r.fn).name);
  return r.view === "callers"
    ? `${name} first, then the functions that call it, with the numbers of those calls`
    : `${name} first, then the functions it calls, with the numbers of those calls`;
}

function headerCellView(r: Route, c: Column): TemplateResult {
  return sortHeaderCell(
    {
      className: `num ${c.key}${c.percent ? " pct" : ""}`,
      label: c.label,
      title: c.title,
    },
    r.sort === c.sort,
    r.descending,
    () => sortBy(c.sort),
  );
}

function focalRowView(
  s: State,
  p: Profile,
  columns: readonly Column[],
  fn: number,
  span: number,
): TemplateResult {
  const name = isolated(functionLocation(p, fn).name);
  const what = p.sampled ? "samples" : "calls";
  const caption = s.route.view === "callers"
    ? `Functions that call ${name}, with the ${what} of those calls only`
    : `Functions that ${name} calls, with the ${what} of those calls only`;
  return html`
    <tr class="focal" aria-rowindex="2">
      ${columns.map((c) =>
        numberCellView(c.key, c.cell(_functionNumbers(p, fn), p))
      )}
      ${linksCellView(p, s.route, fn)}
      ${locationCellView(s, p, fn)}
    </tr>
    ${captionRow(s.route.view, caption, span)}
  `;
}

function rowView(
  s: State,
  p: Profile,
  columns: readonly Column[],
  rowId: number,
  index: number,
): TemplateResult {
  const r = s.route;
  const fn = r.view === "functions"
    ? rowId
    : r.view === "callers"
    ? p.edges.caller[rowId]!
    : p.edges.callee[rowId]!;
  const numbers = r.view === "functions"
    ? _functionNumbers(p, rowId)
    : _edgeNumbers(p, rowId);
  const active = index === s.table.highlight;
  return html`
    <tr
      class=${active ? "row active" : "row"}
      data-index=${index}
      aria-rowindex=${index + (r.fn === null ? 2 : 3)}
      aria-current=${active ? "true" : nothing}
    >
      ${columns.map((c) => numberCellView(c.key, c.cell(numbers, p)))}
      ${linksCellView(p, r, fn)}
      ${locationCellView(s, p, fn)}
    </tr>
  `;
}

function linksCellView(p: Profile, r: Route, fn: number): TemplateResult {
  return edgeLinksCell((view) => countedLinkView(p, r, fn, view));
}

/** A link to a function's callers or callees, with their count ("…" while loading). */
function countedLinkView(
  p: Profile,
  r: Route,
  fn: number,
  view: EdgeView,
): TemplateResult {
  const count = state.edgesLoading ? undefined : edgeCount(p, fn, view);
  const label = count === undefined
    ? view
    : `${formatCount(count)} ${count === 1 ? view.slice(0, -1) : view}`;
  return edgeLinkView(view, href(edgeRoute(r, fn, view)), {
    label,
    className: count === 0 ? "none" : "",
    after: html`<span class="count">${
      count === undefined ? "…" : formatCount(count)
    }</span>`,
  });
}

function locationCellView(s: State, p: Profile, fn: number): TemplateResult {
  const { location, name } = functionLocation(p, fn);
  const copied = s.copied === fn;
  return html`
    <td class="location">
      <div class="location-inner">
        <span class="label" title=${fullLabel(p, fn)}>${location === ""
          ? html`<span class="name builtin">${shown(name)}</span>`
          : html`<span class="path">${
            shown(location)
          }</span> <span class="name">${
            shown(
              name,
            )
          }</span>`}</span>
        ${location === "" ? nothing : html`
          <button
            type="button"
            class=${copied ? "copy copied" : "copy"}
            title=${`Copy ${isolated(shownLocation(p, fn))}`}
            aria-label="Copy the file path and line"
            @click=${() => void copyLocation(fn)}
          >${copied ? "Copied" : "Copy"}</button>
        `}
      </div>
    </td>
  `;
}

function emptyView(s: State, p: Profile, span: number): TemplateResult {
  const r = s.route;
  let message: string;
  if (s.firstRows !== null) {
    message = "Loading the profile…";
  } else if (r.view !== "functions" && s.edgesLoading) {
    message = `Loading ${r.view}…`;
  } else if (r.q !== "") {
    const noun = r.view === "functions" ? "function" : r.view.slice(0, -1);
    message = `No ${noun} matches “${r.q}”.`;
  } else if (r.view === "callers") {
    message = "Nothing calls this function in the profile: it is a root.";
  } else if (r.view === "callees") {
    message = "This function calls nothing that was profiled.";
  } else {
    message = p.size === 0 ? "The profile is empty." : "Nothing to show.";
  }
  return emptyRow(message, span);
}

// ---------------------------------------------------------------- updates

/** Recomputes `state.table.rows` from the route. */
function queryTable(): void {
  const p = state.profile;
  if (p === null) return;
  const r = state.route;
  const options: QueryOptions = {
    filter: r.q,
    sort: r.sort,
    descending: r.descending,
  };
  const t = state.table;
  if (state.firstRows !== null) t.rows = _firstRows(state.firstRows, r);
  else if (r.fn === null) t.rows = queryFunctions(p, options).ids;
  else if (r.fn >= p.size) t.rows = new Uint32Array(0);
  else if (r.view === "callers") t.rows = queryCallers(p, r.fn, options).ids;
  else t.rows = queryCallees(p, r.fn, options).ids;
}

/**
 * The rows of the first rows' query while only they are here: as many as
 * the query matches in all (for the scroll bar and the count), the first of
 * them known; none for any other query (it waits for the whole profile).
 */
function _firstRows(first: FirstRowsShown, r: Route): Uint32Array {
  if (
    r.tab !== "table" || r.fn !== null || r.q !== first.q ||
    r.sort !== first.sort || r.descending !== first.descending
  ) {
    return new Uint32Array(0);
  }
  const rows = new Uint32Array(first.total);
  rows.set(first.ids.subarray(0, first.total));
  return rows;
}

/** The function of the highlighted row. */
function highlightedFunction(): number | undefined {
  const p = state.profile;
  const first = state.firstRows;
  // A row not here yet has no function.
  if (first !== null && state.table.highlight >= first.ids.length) {
    return undefined;
  }
  const rowId = state.table.rows[state.table.highlight];
  if (p === null || rowId === undefined) return undefined;
  return _rowFunction(p, state.route, rowId);
}

function _rowFunction(p: Profile, r: Route, rowId: number): number {
  return r.view === "functions"
    ? rowId
    : r.view === "callers"
    ? p.edges.caller[rowId]!
    : p.edges.callee[rowId]!;
}

// ---------------------------------------------------------------- helpers

function _functionNumbers(p: Profile, fn: number): Numbers {
  return _numbersAt(p.functions, fn, true);
}

function _edgeNumbers(p: Profile, edge: number): Numbers {
  return _numbersAt(p.edges, edge, p.edgeDetail);
}

/** The four numbers at `i` of the functions' or the edges' columns. */
function _numbersAt(
  columns: Profile["functions"] | Profile["edges"],
  i: number,
  detail: boolean,
): Numbers {
  return {
    calls: columns.calls[i]!,
    primitiveCalls: columns.primitiveCalls[i]!,
    internalTime: columns.internalTime[i]!,
    cumulativeTime: columns.cumulativeTime[i]!,
    detail,
  };
}

/**
 * `count(s, p)` worked out once per query (the rows, the profile, the focal
 * function, what is listed and whether the edges are still on their way),
 * not on every render such as each scroll: it looks at every row.
 */
function _oncePerQuery(
  count: (s: State, p: Profile) => number,
): (s: State, p: Profile) => number {
  let known:
    | {
      rows: Uint32Array;
      profile: Profile;
      route: State["route"];
      loading: boolean;
      chars: number;
    }
    | undefined;
  return (s, p) => {
    if (
      known?.rows === s.table.rows && known.profile === p &&
      known.route.fn === s.route.fn && known.route.view === s.route.view &&
      known.loading === s.edgesLoading
    ) {
      return known.chars;
    }
    const chars = count(s, p);
    known = {
      rows: s.table.rows,
      profile: p,
      route: s.route,
      loading: s.edgesLoading,
      chars,
    };
    return chars;
  };
}

/**
 * The characters of the widest calls cell among the rows (and the focal
 * function), so that the column fits `15,159/15,100` without cutting it.
 */
const _callsChars = _oncePerQuery(_widestCallsCell);

/**
 * The characters of the largest callers or callees count among the rows
 * (and the focal function), so that the links column holds `callers 2,063`
 * without cutting it.
 */
const _linksChars = _oncePerQuery((s, p) =>
  s.edgesLoading ? 1 : _largestLinksCount(s, p)
);

function _largestLinksCount(s: State, p: Profile): number {
  const r = s.route;
  const callers = p.callerStart;
  const callees = p.calleeStart;
  // A row is a function, or in a list of callers or callees an edge whose
  // other end the links are for.
  const other = r.view === "functions"
    ? null
    : r.view === "callers"
    ? p.edges.caller
    : p.edges.callee;
  const rows = s.firstRows !== null ? s.firstRows.ids : s.table.rows;
  let largest = 0;
  const look = (fn: number) => {
    const n = Math.max(
      callers[fn + 1]! - callers[fn]!,
      callees[fn + 1]! - callees[fn]!,
    );
    if (n > largest) largest = n;
  };
  for (let i = 0; i < rows.length; i++) {
    const fn = other === null ? rows[i]! : other[rows[i]!];
    if (fn !== undefined && fn < p.size) look(fn);
  }
  if (r.fn !== null && r.fn < p.size) look(r.fn);
  return countChars(largest);
}

function _widestCallsCell(s: State, p: Profile): number {
  const r = s.route;
  const calls = r.view === "functions" ? p.functions.calls : p.edges.calls;
  const primitive = r.view === "functions"
    ? p.functions.primitiveCalls
    : p.edges.primitiveCalls;
  // Rows are distinct ids: as many as there are ids is every one of them.
  // Of the first rows, only those are known (the rest may widen it).
  const rows = s.firstRows !== null
    ? s.firstRows.ids
    : s.table.rows.length === calls.length
    ? null
    : s.table.rows;
  const widest = widestCalls(calls, primitive, rows, p.sampled);
  if (r.fn === null || r.fn >= p.size) return widest;
  return Math.max(
    widest,
    widestCalls(
      p.functions.calls,
      p.functions.primitiveCalls,
      [r.fn],
      p.sampled,
    ),
  );
}
