/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The web explorer's page: loads the whole profile once through a
 * {@linkcode ProfileSource}, then filters, sorts and walks callers and
 * callees in the browser with `lib/query.ts`.
 *
 * One state object, one template function per view, and one
 * `render(appView(state), root)` after each change (see `_update()`).
 * Profile text only ever reaches the page through lit-html bindings, which
 * escape it.
 *
 * @module
 */

import { html, noChange, nothing, render, type TemplateResult } from "lit-html";
import { live } from "lit-html/directives/live.js";
import { ref } from "lit-html/directives/ref.js";
import { repeat } from "lit-html/directives/repeat.js";
import {
  type AttributePart,
  Directive,
  directive,
} from "lit-html/directive.js";
import {
  formatCalls,
  formatCount,
  formatMs,
  formatPercent,
  share,
} from "../lib/format.ts";
import { functionLocation, type Profile } from "../lib/profile.ts";
import {
  isDescendingByDefault,
  queryCallees,
  queryCallers,
  queryFunctions,
  type QueryOptions,
  shareQueryCache,
  type SortColumn,
} from "../lib/query.ts";
import { parseRoute, type Route, routeSearch } from "./route.ts";
import {
  HttpProfileSource,
  type LoadProgress,
  type ProfileSource,
} from "./source.ts";

/** A table row's height in pixels; `--row-height` in style.css matches. */
const ROW_HEIGHT = 28;
/** Rows rendered beyond each edge of the viewport. */
const OVERSCAN = 16;

interface State {
  phase: "loading" | "ready" | "failed";
  progress: LoadProgress | null;
  error: string;
  profile: Profile | null;
  /** Whether the profile's edges are still arriving (its functions show). */
  edgesLoading: boolean;
  route: Route;
  /** Function ids (all functions) or edge ids (callers, callees), in order. */
  rows: Uint32Array;
  /** The highlighted row's index in `rows`. */
  highlight: number;
  /** The first row in the viewport, and how many rows fit in it. */
  first: number;
  visible: number;
  /** The function whose location was just copied. */
  copied: number | null;
  /** Text for screen readers (aria-live). */
  announcement: string;
}

/** What one history entry remembers besides its URL. */
interface HistoryState {
  depth: number;
  scrollTop: number;
  highlight: number;
}

/** The four numbers of a function or of an edge. */
interface Numbers {
  calls: number;
  primitiveCalls: number;
  internalTime: number;
  cumulativeTime: number;
  /** False for edges of profiles that keep only call counts per edge. */
  detail: boolean;
}

interface Cell {
  text: string;
  share: number | null;
}

interface Column {
  key: string;
  label: string;
  title: string;
  sort: SortColumn;
  percent: boolean;
  cell(numbers: Numbers, profile: Profile): Cell;
}

const _NONE: Cell = { text: "—", share: null };

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
    cell: (n, p) => _percent(n.calls, p.totals.calls),
  },
  {
    key: "internal",
    label: "internal ms",
    title: "Time in the function itself, in milliseconds",
    sort: "internal",
    percent: false,
    cell: (n) =>
      n.detail ? { text: formatMs(n.internalTime), share: null } : _NONE,
  },
  {
    key: "cumulative",
    label: "cumulative ms",
    title: "Time in the function and everything it called, in milliseconds",
    sort: "cumulative",
    percent: false,
    cell: (n) =>
      n.detail ? { text: formatMs(n.cumulativeTime), share: null } : _NONE,
  },
  {
    key: "cumulative-pct",
    label: "cumulative %",
    title: "Cumulative time as a share of the total time",
    sort: "cumulative",
    percent: true,
    cell: (n, p) =>
      n.detail ? _percent(n.cumulativeTime, p.totals.time) : _NONE,
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
    cell: (n, p) => _percent(n.calls, p.totals.primitiveCalls),
  },
  {
    key: "direct",
    label: "direct samples",
    title: "Samples with the function running (top of the stack)",
    sort: "primitive_calls",
    percent: false,
    cell: (n) =>
      n.detail ? { text: formatCount(n.primitiveCalls), share: null } : _NONE,
  },
  {
    key: "direct-pct",
    label: "direct %",
    title: "Share of all samples with the function running",
    sort: "primitive_calls",
    percent: true,
    cell: (n, p) =>
      n.detail ? _percent(n.primitiveCalls, p.totals.primitiveCalls) : _NONE,
  },
];

/**
 * Sets style properties through the CSSOM, which a Content-Security-Policy
 * without 'unsafe-inline' allows (lit-html's `styleMap` writes the `style`
 * attribute on first render, which it does not).
 */
class _StyleProperties extends Directive {
  render(_properties: Readonly<Record<string, string>>): unknown {
    return noChange;
  }

  override update(
    part: AttributePart,
    [properties]: [Readonly<Record<string, string>>],
  ): unknown {
    const style = (part.element as HTMLElement).style;
    for (const [name, value] of Object.entries(properties)) {
      style.setProperty(name, value);
    }
    return noChange;
  }
}

const styleProperties = directive(_StyleProperties);

function _percent(part: number, total: number): Cell {
  return { text: formatPercent(part, total), share: share(part, total) };
}

const source: ProfileSource = new HttpProfileSource("/api/profile");
const root = document.getElementById("app") ?? document.body;

const state: State = {
  phase: "loading",
  progress: null,
  error: "",
  profile: null,
  route: parseRoute(location.search),
  rows: new Uint32Array(0),
  highlight: 0,
  first: 0,
  visible: 40,
  copied: null,
  announcement: "",
  edgesLoading: false,
};

let scroller: HTMLElement | undefined;
let scrollFrame = 0;
let copyTimer: ReturnType<typeof setTimeout> | undefined;
let urlTimer: ReturnType<typeof setTimeout> | undefined;
let urlPending = false;

// ---------------------------------------------------------------- views

function appView(s: State): TemplateResult {
  switch (s.phase) {
    case "loading":
      return loadingView(s);
    case "failed":
      return errorView(s);
    case "ready":
      return readyView(s, s.profile!);
  }
}

function loadingView(s: State): TemplateResult {
  const p = s.progress;
  const done = p !== null && p.total !== undefined && p.loaded >= p.total;
  return html`
    <div class="state" role="status">
      <div class="spinner" aria-hidden="true"></div>
      <p>${done ? "Reading the profile…" : "Loading the profile…"}</p>
      ${p === null ? nothing : html`
        <progress max=${p.total ?? nothing} value=${p.total === undefined
          ? nothing
          : p.loaded}></progress>
        <p class="muted">${_megabytes(p.loaded)}${p.total === undefined
          ? ""
          : ` of ${_megabytes(p.total)}`}</p>
      `}
    </div>
  `;
}

function errorView(s: State): TemplateResult {
  return html`
    <div class="state failed" role="alert">
      <h2>Could not load the profile</h2>
      <p>${s.error}</p>
      <button type="button" @click=${() => void load()}>Try again</button>
    </div>
  `;
}

function readyView(s: State, p: Profile): TemplateResult {
  const r = s.route;
  const missing = r.fn !== null && r.fn >= p.size;
  return html`
    ${headerView(s, p)}
    ${toolbarView(s, p, missing)}
    ${missing ? missingView(s) : tableView(s, p)}
    <div class="sr-only" aria-live="polite">${s.announcement}</div>
  `;
}

function headerView(s: State, p: Profile): TemplateResult {
  const t = p.totals;
  return html`
    <header class="bar">
      <img class="logo" src="/favicon.svg" alt="" width="20" height="20">
      <h1><a href=${_href(_homeRoute(s.route))}>profiling-explorer</a></h1>
      <span class="sources" title=${p.sources.join("\n")}>${p.sources.map(
        _basename,
      ).join(", ")}</span>
      <dl class="totals">
        ${p.sampled
          ? html`
            <div>
              <dt>samples</dt>
              <dd>${formatCount(t.primitiveCalls)}</dd>
            </div>
          `
          : html`
            <div>
              <dt>calls</dt>
              <dd>${formatCount(t.calls)}</dd>
            </div>
            ${t.primitiveCalls === t.calls ? nothing : html`
              <div>
                <dt>primitive</dt>
                <dd>${formatCount(
                  t.primitiveCalls,
                )}</dd>
              </div>
            `}
          `}
        <div><dt>${p.sampled ? "sampled ms" : "total ms"}</dt><dd>${formatMs(
          t.time,
        )}</dd></div>
        <div><dt>functions</dt><dd>${formatCount(p.size)}</dd></div>
      </dl>
    </header>
  `;
}

function toolbarView(s: State, p: Profile, missing: boolean): TemplateResult {
  const r = s.route;
  const noun = r.view === "functions" ? "functions" : r.view;
  return html`
    <div class="toolbar">
      <nav class="crumbs" aria-label="Location in the call graph">
        ${r.fn === null ? html`<h2>All functions</h2>` : html`
          <a href=${_href(_homeRoute(r))}>All functions</a>
          <span class="sep" aria-hidden="true">›</span>
          ${missing ? html`<h2>Unknown function</h2>` : focalTitleView(p, r)}
        `}
      </nav>
      ${missing ? nothing : html`
        <div class="filter">
          <label for="filter">Filter</label>
          <input
            id="filter"
            type="search"
            autocomplete="off"
            spellcheck="false"
            placeholder=${`Filter ${noun} by name, path or line`}
            aria-describedby="filter-hint"
            .value=${live(r.q)}
            @input=${onFilterInput}
          >
          <kbd id="filter-hint" title="Press / or Ctrl+K to filter">/</kbd>
        </div>
      `}
      <p class="status" aria-live="polite">${missing
        ? ""
        : statusText(s, p)}</p>
      <p class="keys" aria-hidden="true">
        <kbd>↑</kbd><kbd>↓</kbd> select <kbd>⏎</kbd> callees
        <kbd>⇧⏎</kbd> callers <kbd>c</kbd> copy <kbd>⌫</kbd> back
      </p>
    </div>
  `;
}

function focalTitleView(p: Profile, r: Route): TemplateResult {
  const fn = r.fn!;
  const { name } = functionLocation(p, fn);
  return html`
    <h2 class="focal-name" title=${_fullLabel(p, fn)}>${name}</h2>
    <span class="tabs">
      ${(["callers", "callees"] as const).map((view) =>
        html`
          <a
            class="tab"
            href=${_href(_edgeRoute(r, fn, view))}
            aria-current=${r.view === view ? "page" : nothing}
          >${view} <span class="count">${_countText(p, fn, view)}</span></a>
        `
      )}
    </span>
  `;
}

function statusText(s: State, p: Profile): string {
  const r = s.route;
  const shown = formatCount(s.rows.length);
  if (r.view === "functions") {
    return r.q === ""
      ? `${formatCount(p.size)} functions`
      : `${shown} of ${formatCount(p.size)} functions`;
  }
  if (s.edgesLoading) return `Loading ${r.view}…`;
  const total = _edgeCount(p, r.fn!, r.view);
  const noun = total === 1 ? r.view.slice(0, -1) : r.view;
  return r.q === ""
    ? `${shown} ${noun}`
    : `${shown} of ${formatCount(total)} ${noun}`;
}

function missingView(s: State): TemplateResult {
  return html`
    <div class="state">
      <p>This profile has no function with id ${s.route.fn}.</p>
      <p><a href=${_href(_homeRoute(s.route))}>Show all functions</a></p>
    </div>
  `;
}

function tableView(s: State, p: Profile): TemplateResult {
  const r = s.route;
  const columns = p.sampled ? SAMPLED_COLUMNS : TRACED_COLUMNS;
  const span = columns.length + 2;
  const n = s.rows.length;
  const start = Math.min(n, Math.max(0, s.first - OVERSCAN));
  const end = Math.min(n, s.first + s.visible + OVERSCAN);
  const visibleRows = Array.from(s.rows.subarray(start, end));
  return html`
    <div
      class="scroller"
      ${ref(_setScroller)}
      @scroll=${onScroll}
    >
      <table class=${r.view} aria-rowcount=${n + (r.fn === null ? 1 : 2)}>
        <caption class="sr-only">${tableCaption(s, p)}</caption>
        <thead>
          <tr>
            ${columns.map((c) => headerCellView(r, c))}
            <th scope="col" class="links">callers · callees</th>
            ${locationHeaderView(r)}
          </tr>
          ${r.fn === null ? nothing : focalRowView(s, p, columns, r.fn, span)}
        </thead>
        <tbody>
          ${start > 0 ? spacerView(start, span) : nothing}
          ${repeat(
            visibleRows,
            (id) => id,
            (id, i) => rowView(s, p, columns, id, start + i),
          )}
          ${end < n ? spacerView(n - end, span) : nothing}
          ${n === 0 ? emptyView(s, p, span) : nothing}
        </tbody>
      </table>
    </div>
  `;
}

function tableCaption(s: State, p: Profile): string {
  const r = s.route;
  if (r.fn === null) return "Functions";
  const { name } = functionLocation(p, r.fn);
  return r.view === "callers"
    ? `${name} first, then the functions that call it, with the numbers of those calls`
    : `${name} first, then the functions it calls, with the numbers of those calls`;
}

function headerCellView(r: Route, c: Column): TemplateResult {
  const active = r.sort === c.sort;
  return html`
    <th
      scope="col"
      class=${`num ${c.key}${c.percent ? " pct" : ""}`}
      aria-sort=${active
        ? (r.descending ? "descending" : "ascending")
        : nothing}
      title=${c.title}
    >
      <button type="button" @click=${() => sortBy(c.sort)}>
        ${c.label}<span class="arrow" aria-hidden="true">${active
          ? (r.descending ? "▼" : "▲")
          : ""}</span>
      </button>
    </th>
  `;
}

function locationHeaderView(r: Route): TemplateResult {
  const button = (column: SortColumn, label: string, title: string) =>
    html`
      <button type="button" title=${title} @click=${() => sortBy(column)}>
        ${label}<span class="arrow" aria-hidden="true">${r.sort === column
          ? (r.descending ? "▼" : "▲")
          : ""}</span>
      </button>
    `;
  const active = r.sort === "file" || r.sort === "name";
  return html`
    <th
      scope="col"
      class="location"
      aria-sort=${active
        ? (r.descending ? "descending" : "ascending")
        : nothing}
    >
      ${button("file", "location", "Sort by file and line")}
      ${button("name", "function", "Sort by function name")}
    </th>
  `;
}

function focalRowView(
  s: State,
  p: Profile,
  columns: readonly Column[],
  fn: number,
  span: number,
): TemplateResult {
  const { name } = functionLocation(p, fn);
  const what = p.sampled ? "samples" : "calls";
  const caption = s.route.view === "callers"
    ? `Functions that call ${name}, with the ${what} of those calls only`
    : `Functions that ${name} calls, with the ${what} of those calls only`;
  return html`
    <tr class="focal" aria-rowindex="2">
      ${columns.map((c) => numberCellView(c, _functionNumbers(p, fn), p))}
      ${linksCellView(p, s.route, fn)}
      ${locationCellView(s, p, fn)}
    </tr>
    <tr class="caption" aria-hidden="true">
      <td colspan=${span}>
        <span class="caption-icon">${s.route.view === "callers"
          ? "↑"
          : "↓"}</span> ${caption}
      </td>
    </tr>
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
  const active = index === s.highlight;
  return html`
    <tr
      class=${active ? "row active" : "row"}
      data-index=${index}
      aria-rowindex=${index + (r.fn === null ? 2 : 3)}
      aria-current=${active ? "true" : nothing}
    >
      ${columns.map((c) => numberCellView(c, numbers, p))}
      ${linksCellView(p, r, fn)}
      ${locationCellView(s, p, fn)}
    </tr>
  `;
}

function numberCellView(c: Column, n: Numbers, p: Profile): TemplateResult {
  const cell = c.cell(n, p);
  if (cell.share === null) {
    return html`<td class=${`num ${c.key}`}>${cell.text}</td>`;
  }
  const width = `${Math.min(100, Math.max(0, cell.share * 100)).toFixed(2)}%`;
  return html`
    <td class=${`num pct ${c.key}`} style=${styleProperties({
      "--share": width,
    })}>${cell.text}</td>
  `;
}

function linksCellView(p: Profile, r: Route, fn: number): TemplateResult {
  return html`
    <td class="links">
      ${edgeLinkView(p, r, fn, "callers")} ${edgeLinkView(p, r, fn, "callees")}
    </td>
  `;
}

/** A link to a function's callers or callees, with their count ("…" while loading). */
function edgeLinkView(
  p: Profile,
  r: Route,
  fn: number,
  view: "callers" | "callees",
): TemplateResult {
  const count = state.edgesLoading ? undefined : _edgeCount(p, fn, view);
  const label = count === undefined
    ? view
    : `${formatCount(count)} ${count === 1 ? view.slice(0, -1) : view}`;
  return html`
    <a
      href=${_href(_edgeRoute(r, fn, view))}
      class=${count === 0 ? "none" : ""}
      title=${label}
      aria-label=${label}
    ><span class="word">${view}&nbsp;</span><span class="icon" aria-hidden="true">${view ===
        "callers"
      ? "↑"
      : "↓"}</span><span class="count">${count === undefined
      ? "…"
      : formatCount(count)}</span></a>
  `;
}

function locationCellView(s: State, p: Profile, fn: number): TemplateResult {
  const { location, name } = functionLocation(p, fn);
  const copied = s.copied === fn;
  return html`
    <td class="location">
      <div class="location-inner">
        <span class="label" title=${_fullLabel(p, fn)}>${location === ""
          ? html`<span class="name builtin">${name}</span>`
          : html`<span class="path">${location}</span> <span class="name">${name}</span>`}</span>
        ${location === "" ? nothing : html`
          <button
            type="button"
            class=${copied ? "copy copied" : "copy"}
            title=${`Copy ${_fullLocation(p, fn)}`}
            aria-label="Copy the file path and line"
            @click=${() => void copyLocation(fn)}
          >${copied ? "Copied" : "Copy"}</button>
        `}
      </div>
    </td>
  `;
}

function spacerView(rows: number, span: number): TemplateResult {
  return html`
    <tr class="spacer" aria-hidden="true" style=${styleProperties({
      height: `${rows * ROW_HEIGHT}px`,
    })}>
      <td colspan=${span}></td>
    </tr>
  `;
}

function emptyView(s: State, p: Profile, span: number): TemplateResult {
  const r = s.route;
  let message: string;
  if (r.view !== "functions" && s.edgesLoading) {
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
  return html`
    <tr class="empty">
      <td colspan=${span}>${message}</td>
    </tr>
  `;
}

// ---------------------------------------------------------------- updates

function _update(): void {
  render(appView(state), root);
}

async function load(): Promise<void> {
  state.phase = "loading";
  state.progress = null;
  _update();
  try {
    // The functions arrive first and show at once; the edges follow.
    let partial: Profile | null = null;
    const profile = await source.load({
      onProgress(progress) {
        if (state.phase !== "loading") return;
        state.progress = progress;
        _update();
      },
      onFunctions(functions) {
        partial = functions;
        state.edgesLoading = true;
        _ready(functions);
      },
    });
    state.edgesLoading = false;
    if (partial === null) {
      _ready(profile);
    } else {
      shareQueryCache(partial, profile);
      state.profile = profile;
      _query();
      _update();
      _warmCaches(profile);
    }
  } catch (error) {
    state.phase = "failed";
    state.error = error instanceof Error ? error.message : String(error);
    _update();
  }
}

/** Shows a loaded profile in the view the URL names. */
function _ready(profile: Profile): void {
  state.profile = profile;
  state.phase = "ready";
  document.title = `${
    profile.sources.map(_basename).join(", ") || "Profile"
  } · profiling-explorer`;
  _query();
  const saved = _historyState(history.state);
  history.replaceState(saved, "");
  _show(saved.scrollTop, saved.highlight);
  _warmCaches(profile);
}

/** Recomputes `state.rows` from the route. */
function _query(): void {
  const p = state.profile;
  if (p === null) return;
  const r = state.route;
  const options: QueryOptions = {
    filter: r.q,
    sort: r.sort,
    descending: r.descending,
  };
  if (r.fn === null) state.rows = queryFunctions(p, options).ids;
  else if (r.fn >= p.size) state.rows = new Uint32Array(0);
  else if (r.view === "callers") {
    state.rows = queryCallers(p, r.fn, options).ids;
  } else state.rows = queryCallees(p, r.fn, options).ids;
}

/** Renders with the given scroll position and highlighted row. */
function _show(scrollTop: number, highlight: number): void {
  state.highlight = Math.min(highlight, Math.max(0, state.rows.length - 1));
  state.first = Math.floor(scrollTop / ROW_HEIGHT);
  _update();
  if (scroller) {
    scroller.scrollTop = scrollTop;
    _syncViewport();
  }
}

/** Goes to a route: a new history entry for "push", the same for "replace". */
function navigate(route: Route, mode: "push" | "replace"): void {
  if (mode === "push") _saveHistoryState();
  const depth = _historyState(history.state).depth;
  state.route = route;
  _query();
  if (mode === "push") {
    const next: HistoryState = { depth: depth + 1, scrollTop: 0, highlight: 0 };
    history.pushState(next, "", _href(route));
  } else {
    // Typing replaces the URL on every keystroke; browsers throttle that,
    // so the URL follows a moment later (see _flushUrl()).
    urlPending = true;
    clearTimeout(urlTimer);
    urlTimer = setTimeout(_flushUrl, 150);
  }
  _show(0, 0);
}

/** Writes a pending URL change into the current history entry. */
function _flushUrl(): void {
  clearTimeout(urlTimer);
  if (!urlPending) return;
  urlPending = false;
  history.replaceState(_historyState(history.state), "", _href(state.route));
}

/** Remembers the scroll position and highlight in the current entry. */
function _saveHistoryState(): void {
  _flushUrl();
  const saved: HistoryState = {
    depth: _historyState(history.state).depth,
    scrollTop: scroller?.scrollTop ?? 0,
    highlight: state.highlight,
  };
  history.replaceState(saved, "");
}

function sortBy(column: SortColumn): void {
  const r = state.route;
  const descending = r.sort === column
    ? !r.descending
    : isDescendingByDefault(column);
  navigate({ ...r, sort: column, descending }, "replace");
}

function onFilterInput(event: Event): void {
  const q = (event.target as HTMLInputElement).value;
  navigate({ ...state.route, q }, "replace");
}

function onScroll(): void {
  if (scrollFrame === 0) {
    scrollFrame = requestAnimationFrame(() => {
      scrollFrame = 0;
      _syncViewport();
    });
  }
}

/** Re-renders if the rows in view changed. */
function _syncViewport(): void {
  if (!scroller) return;
  const first = Math.floor(scroller.scrollTop / ROW_HEIGHT);
  const visible = Math.ceil(scroller.clientHeight / ROW_HEIGHT) + 1;
  if (first !== state.first || visible !== state.visible) {
    state.first = first;
    state.visible = visible;
    _update();
  }
}

function _setScroller(element: Element | undefined): void {
  scroller = element instanceof HTMLElement ? element : undefined;
}

/** Moves the highlight by `delta` rows and keeps it in view. */
function moveHighlight(delta: number): void {
  const n = state.rows.length;
  if (n === 0) return;
  state.highlight = Math.min(n - 1, Math.max(0, state.highlight + delta));
  _update();
  _scrollIntoView(state.highlight);
}

function _scrollIntoView(index: number): void {
  if (!scroller) return;
  const head = scroller.querySelector("thead")?.getBoundingClientRect()
    .height ?? 0;
  const top = index * ROW_HEIGHT;
  const room = scroller.clientHeight - head;
  if (top < scroller.scrollTop) scroller.scrollTop = top;
  else if (top + ROW_HEIGHT > scroller.scrollTop + room) {
    scroller.scrollTop = top + ROW_HEIGHT - room;
  }
  _syncViewport();
}

/** The function of the highlighted row. */
function _highlightedFunction(): number | undefined {
  const p = state.profile;
  const rowId = state.rows[state.highlight];
  if (p === null || rowId === undefined) return undefined;
  const r = state.route;
  return r.view === "functions"
    ? rowId
    : r.view === "callers"
    ? p.edges.caller[rowId]!
    : p.edges.callee[rowId]!;
}

/** Opens the callers or callees of the highlighted row's function. */
function openHighlighted(view: "callers" | "callees"): void {
  const fn = _highlightedFunction();
  if (fn !== undefined) navigate(_edgeRoute(state.route, fn, view), "push");
}

function focusFilter(): void {
  const input = document.getElementById("filter");
  if (!(input instanceof HTMLInputElement)) return;
  const selection = globalThis.getSelection();
  const selected = document.activeElement === input || selection === null
    ? ""
    : selection.toString().replace(/\s+/g, " ").trim().slice(0, 200);
  if (selected !== "" && selected !== state.route.q) {
    navigate({ ...state.route, q: selected }, "replace");
    selection?.removeAllRanges();
  }
  input.focus();
  input.select();
}

async function copyLocation(fn: number): Promise<void> {
  const p = state.profile;
  if (p === null) return;
  const text = _fullLocation(p, fn);
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    if (!_copyWithSelection(text)) {
      state.announcement = "Could not copy to the clipboard";
      _update();
      return;
    }
  }
  state.copied = fn;
  state.announcement = `Copied ${text}`;
  _update();
  clearTimeout(copyTimer);
  copyTimer = setTimeout(() => {
    state.copied = null;
    _update();
  }, 1500);
}

/** The old way to copy, for pages not served from a secure context. */
function _copyWithSelection(text: string): boolean {
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.append(area);
  area.select();
  let copied = false;
  try {
    copied = document.execCommand("copy");
  } catch {
    copied = false;
  }
  area.remove();
  return copied;
}

function onClick(event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0) return;
  const target = event.target instanceof Element ? event.target : null;
  const link = target?.closest("a[href]");
  if (link instanceof HTMLAnchorElement) {
    if (
      event.metaKey || event.ctrlKey || event.shiftKey || event.altKey ||
      link.target !== "" || link.origin !== location.origin ||
      link.pathname !== location.pathname
    ) return;
    event.preventDefault();
    const route = parseRoute(link.search);
    if (_href(route) !== _href(state.route)) navigate(route, "push");
    return;
  }
  const row = target?.closest("tr.row");
  if (row instanceof HTMLElement && target?.closest("button") == null) {
    state.highlight = Number(row.dataset["index"] ?? state.highlight);
    _update();
  }
}

function onKeyDown(event: KeyboardEvent): void {
  if (state.phase !== "ready") return;
  const target = event.target instanceof HTMLElement ? event.target : null;
  const inFilter = target?.id === "filter";
  const editing = target !== null &&
    (target.isContentEditable ||
      ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
  const command = event.ctrlKey || event.metaKey;
  if (command && !event.altKey && event.key.toLowerCase() === "k") {
    event.preventDefault();
    focusFilter();
    return;
  }
  if (command || event.altKey) return;
  const onControl = target?.closest("a, button") != null;
  const move = (delta: number) => {
    event.preventDefault();
    moveHighlight(delta);
  };
  const page = Math.max(1, state.visible - 2);
  switch (event.key) {
    case "/":
      if (!editing) {
        event.preventDefault();
        focusFilter();
      }
      return;
    case "ArrowDown":
      if (!editing || inFilter) move(1);
      return;
    case "ArrowUp":
      if (!editing || inFilter) move(-1);
      return;
    case "j":
      if (!editing) move(1);
      return;
    case "k":
      if (!editing) move(-1);
      return;
    case "PageDown":
      if (!editing || inFilter) move(page);
      return;
    case "PageUp":
      if (!editing || inFilter) move(-page);
      return;
    case "Home":
      if (!editing) move(-state.rows.length);
      return;
    case "End":
      if (!editing) move(state.rows.length);
      return;
    case "Enter":
      if (inFilter || (!editing && !onControl)) {
        event.preventDefault();
        openHighlighted(event.shiftKey ? "callers" : "callees");
      }
      return;
    case "c":
      if (!editing) {
        const fn = _highlightedFunction();
        if (fn !== undefined && functionLocation(state.profile!, fn).location) {
          event.preventDefault();
          void copyLocation(fn);
        }
      }
      return;
    case "Backspace":
      if (!editing) {
        event.preventDefault();
        if (_historyState(history.state).depth > 0) history.back();
        else if (state.route.fn !== null) {
          // Opened on a shared link: there is no page of ours to go back to.
          navigate(_homeRoute(state.route), "push");
        }
      }
      return;
    case "Escape":
      if (inFilter && target instanceof HTMLInputElement) {
        event.preventDefault();
        if (target.value !== "") navigate({ ...state.route, q: "" }, "replace");
        else target.blur();
      }
      return;
  }
}

function onPopState(event: PopStateEvent): void {
  // A pending URL change belongs to the entry we just left.
  clearTimeout(urlTimer);
  urlPending = false;
  state.route = parseRoute(location.search);
  if (state.phase !== "ready") return;
  _query();
  const saved = _historyState(event.state);
  _show(saved.scrollTop, saved.highlight);
}

/**
 * Computes, while the page is idle, what the first filter and the likely
 * sorts would otherwise compute on the first keystroke or click.
 */
function _warmCaches(profile: Profile): void {
  const tasks: QueryOptions[] = [
    { filter: "\u0000", limit: 0 },
    { sort: "internal", limit: 0 },
    { sort: "calls", limit: 0 },
    { sort: "file", limit: 0 },
    { sort: "name", limit: 0 },
  ];
  const idle = (callback: () => void) =>
    "requestIdleCallback" in globalThis
      ? requestIdleCallback(callback, { timeout: 5000 })
      : setTimeout(callback, 100);
  const next = () => {
    const options = tasks.shift();
    if (options === undefined) return;
    idle(() => {
      if (state.profile !== profile) return;
      queryFunctions(profile, options);
      next();
    });
  };
  next();
}

// ---------------------------------------------------------------- helpers

function _functionNumbers(p: Profile, fn: number): Numbers {
  const f = p.functions;
  return {
    calls: f.calls[fn]!,
    primitiveCalls: f.primitiveCalls[fn]!,
    internalTime: f.internalTime[fn]!,
    cumulativeTime: f.cumulativeTime[fn]!,
    detail: true,
  };
}

function _edgeNumbers(p: Profile, edge: number): Numbers {
  const e = p.edges;
  return {
    calls: e.calls[edge]!,
    primitiveCalls: e.primitiveCalls[edge]!,
    internalTime: e.internalTime[edge]!,
    cumulativeTime: e.cumulativeTime[edge]!,
    detail: p.edgeDetail,
  };
}

/** An edge count for display, "…" while the edges are loading. */
function _countText(
  p: Profile,
  fn: number,
  view: "callers" | "callees",
): string {
  return state.edgesLoading ? "…" : formatCount(_edgeCount(p, fn, view));
}

function _edgeCount(
  p: Profile,
  fn: number,
  view: "callers" | "callees",
): number {
  const start = view === "callers" ? p.callerStart : p.calleeStart;
  return (start[fn + 1] ?? 0) - (start[fn] ?? 0);
}

function _edgeRoute(
  r: Route,
  fn: number,
  view: "callers" | "callees",
): Route {
  return { ...r, view, fn, q: "" };
}

function _homeRoute(r: Route): Route {
  return { ...r, view: "functions", fn: null, q: "" };
}

function _href(route: Route): string {
  const search = routeSearch(route);
  return search === "?" ? location.pathname : search;
}

/** `full/path.py:12`, what the copy button copies. */
function _fullLocation(p: Profile, fn: number): string {
  return `${p.functions.file[fn]}:${p.functions.line[fn]}`;
}

function _fullLabel(p: Profile, fn: number): string {
  const { location, name } = functionLocation(p, fn);
  return location === "" ? name : `${_fullLocation(p, fn)} ${name}`;
}

function _historyState(value: unknown): HistoryState {
  const s = (value ?? {}) as Partial<Record<keyof HistoryState, unknown>>;
  const number = (x: unknown) =>
    typeof x === "number" && Number.isFinite(x) && x >= 0 ? x : 0;
  return {
    depth: number(s.depth),
    scrollTop: number(s.scrollTop),
    highlight: number(s.highlight),
  };
}

function _basename(path: string): string {
  return path.split(/[\\/]/).pop() || path;
}

function _megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

// ---------------------------------------------------------------- start

root.replaceChildren();
root.addEventListener("click", onClick);
document.addEventListener("keydown", onKeyDown);
globalThis.addEventListener("popstate", onPopState);
globalThis.addEventListener("resize", () => _syncViewport());
globalThis.addEventListener("pagehide", () => {
  if (state.phase === "ready") _saveHistoryState();
});
void load();
