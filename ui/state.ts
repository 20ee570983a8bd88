/// <reference lib="dom" />
/**
 * The page's one state object, what a view module provides, and the one way
 * to redraw: change `state`, then call {@linkcode update}.
 *
 * Each view (a tab of the page: the table, …) keeps what only it needs in
 * its own part of the state (`state.table`, …) and implements
 * {@linkcode PageView}; `ui/app.ts` dispatches to the view the route names.
 *
 * @module
 */

import type { TemplateResult } from "lit-html";
import type { ComparedEdge, Comparison } from "../lib/compare.ts";
import type { Profile } from "../lib/profile.ts";
import type { SortColumn } from "../lib/query.ts";
import type { LoadProgress } from "./source.ts";
import { parseRoute, type Route, type Tab } from "./route.ts";
import { initialVisibleRows } from "./virtual_list.ts";
import type { SourceState } from "./source_view.ts";

/** What the table view remembers between renders. */
export interface TableState {
  /** Function ids (all functions) or edge ids (callers, callees), in order. */
  rows: Uint32Array;
  /** The highlighted row's index in `rows`. */
  highlight: number;
  /** The first row in the viewport. */
  first: number;
  /** How many rows fit in the viewport. */
  visible: number;
}

/**
 * The first rows of the functions table, given by the server on their own
 * while the whole profile is on its way (see `lib/first_rows.ts`).
 */
export interface FirstRowsShown {
  /** The filter they answer. */
  readonly q: string;
  /** The column they are sorted by. */
  readonly sort: SortColumn;
  /** Whether largest first. */
  readonly descending: boolean;
  /** Their function ids, in order. */
  readonly ids: Uint32Array;
  /** How many rows the query matches in all. */
  readonly total: number;
}

/** Which of the flame view's graphs a frame is in. */
export type FlameGraph = "main" | "callers" | "callees";

/** What the flame view remembers between renders. */
export interface FlameState {
  /** The frame under the mouse or the keyboard cursor, -1 for none. */
  cursor: number;
  /** The graph the cursor is in. */
  graph: FlameGraph;
  /** Whether the cursor follows the mouse (else the keyboard). */
  pointer: boolean;
  /** Whether estimated frames are marked with a fine stripe. */
  markEstimates: boolean;
}

/** What the compare view remembers between renders. */
export interface CompareState {
  /** Comparison rows, when listing every function. */
  rows: Uint32Array;
  /** Compared edges, when listing a function's callers or callees. */
  edges: readonly ComparedEdge[];
  /** The highlighted item's index. */
  highlight: number;
  /** The first item in the viewport. */
  first: number;
  /** How many items fit in the viewport. */
  visible: number;
}

/** What the groups view remembers between renders. */
export interface GroupsState {
  /**
   * Node ids of the groups in view, parents before their open children; or,
   * for the callers or callees of a function, indexes of folded edges.
   */
  rows: Uint32Array;
  /** The highlighted row's index in `rows`. */
  highlight: number;
  /** The first row in the viewport. */
  first: number;
  /** How many rows fit in the viewport. */
  visible: number;
  /** The open nodes of each level's tree. */
  expanded: Map<string, Set<number>>;
}

/** Everything the page shows. */
export interface State {
  /** Whether the profile is loading, shown, or could not be had. */
  phase: "loading" | "ready" | "failed";
  /** How far the download has got. */
  progress: LoadProgress | null;
  /** Why loading failed. */
  error: string;
  /** The profile, once its functions have arrived. */
  profile: Profile | null;
  /** Whether the profile's edges are still arriving (its functions show). */
  edgesLoading: boolean;
  /**
   * The first rows of the functions table while the whole profile is on
   * its way: `profile` then has only these rows, and other queries wait.
   */
  firstRows: FirstRowsShown | null;
  /** What the URL says to show. */
  route: Route;
  /** The table view's part. */
  table: TableState;
  /** The flame view's part. */
  flame: FlameState;
  /** The run before, when comparing two runs (the profile is the run after). */
  base: Profile | null;
  /** The two runs compared, once both have arrived. */
  comparison: Comparison | null;
  /** Whether a base run is on its way or being compared. */
  comparing: boolean;
  /** The compare view's part. */
  compare: CompareState;
  /** The groups view's part. */
  groups: GroupsState;
  /** The source view's part. */
  source: SourceState;
  /** The function whose location was just copied. */
  copied: number | null;
  /** Text for screen readers (aria-live). */
  announcement: string;
}

/** What one history entry remembers besides its URL. */
export interface HistoryState {
  /** How many entries of ours lie before this one. */
  depth: number;
  /** The view's scroll position. */
  scrollTop: number;
  /** The view's highlighted item. */
  highlight: number;
}

/** The keys a view is offered, with what the page knows about them. */
export interface KeyContext {
  /** The key event. */
  readonly event: KeyboardEvent;
  /** Whether focus is in the filter box. */
  readonly inFilter: boolean;
  /** Whether focus is in any text field. */
  readonly editing: boolean;
  /** Whether focus is on a link or button. */
  readonly onControl: boolean;
}

/**
 * A view of the profile: one tab of the page, drawn by one module. The page
 * draws the header and the toolbar (with the filter box) around it.
 */
export interface PageView {
  /** The tab it draws. */
  readonly tab: Tab;
  /** Whether the tab is offered (all are, unless this says otherwise). */
  available?(): boolean;
  /** The header's totals, instead of the profile's own. */
  totals?(profile: Profile): TemplateResult;
  /** The tab's name on the page. */
  readonly label: string;
  /** Recomputes what it shows from `state.route` and the profile. */
  query(): void;
  /** The main area. */
  template(profile: Profile): TemplateResult;
  /** Where in the profile the view is, left of the filter box. */
  crumbs(profile: Profile): TemplateResult;
  /** The filter box's placeholder. */
  placeholder(): string;
  /** One line saying what is shown. */
  status(profile: Profile): string;
  /** The key hints of the toolbar. */
  keyHints(): TemplateResult;
  /** Renders at a history entry's scroll position and highlight. */
  show(saved: HistoryState): void;
  /** The scroll position and highlight to remember in history. */
  saved(): Omit<HistoryState, "depth">;
  /** The page was resized. */
  resized(): void;
  /** Handles a key the page did not; returns whether it did. */
  key(context: KeyContext): boolean;
  /** The function of the highlighted item, if any. */
  highlightedFunction(): number | undefined;
  /**
   * Computes ahead, while the page is idle, what showing the view would
   * otherwise compute on first showing it.
   */
  warm?(profile: Profile): void;
}

/** The page's state. */
export const state: State = {
  phase: "loading",
  progress: null,
  error: "",
  profile: null,
  edgesLoading: false,
  firstRows: null,
  route: parseRoute(globalThis.location?.search ?? ""),
  table: {
    rows: new Uint32Array(0),
    highlight: 0,
    first: 0,
    visible: initialVisibleRows(),
  },
  flame: { cursor: -1, graph: "main", pointer: false, markEstimates: true },
  base: null,
  comparison: null,
  comparing: false,
  compare: {
    rows: new Uint32Array(0),
    edges: [],
    highlight: 0,
    first: 0,
    visible: initialVisibleRows(),
  },
  groups: {
    rows: new Uint32Array(0),
    highlight: 0,
    first: 0,
    visible: initialVisibleRows(),
    expanded: new Map(),
  },
  source: {
    file: null,
    loaded: null,
    tokens: [],
    heat: null,
    matches: [],
    opened: "",
    missing: null,
  },
  copied: null,
  announcement: "",
};

let _render: () => void = () => {};
let _views: Readonly<Record<Tab, PageView>> | undefined;

/**
 * Sets what {@linkcode update} does and which module draws each tab;
 * `ui/app.ts` calls it once.
 */
export function setUp(
  render: () => void,
  views: Readonly<Record<Tab, PageView>>,
): void {
  _render = render;
  _views = views;
}

/** The view the route names. */
export function activeView(): PageView {
  if (_views === undefined) throw new Error("The page is not set up");
  // The first rows are only the table's: another tab waits for the whole
  // profile there (it says so), rather than working on a part of it.
  if (state.firstRows !== null) return _views.table;
  const view = _views[state.route.tab];
  return view.available?.() ?? true ? view : _views.table;
}

/** Every view, in tab order. */
export function allViews(): PageView[] {
  return _views === undefined
    ? []
    : Object.values(_views).filter((v) => v.available?.() ?? true);
}

/** Redraws the page from `state`. */
export function update(): void {
  _render();
}
