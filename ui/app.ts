/// <reference lib="dom" />
/**
 * The web explorer's page, the shell around its views: loads the whole
 * profile once through a {@linkcode ProfileSource}, then shows the view the
 * URL names. Each view is a module (`ui/table_view.ts`, …) implementing
 * `PageView`; the shared state is `ui/state.ts`, the URL `ui/route.ts` and
 * `ui/navigation.ts`, the keyboard `ui/keys.ts`.
 *
 * One state object, one `render(appView(state), root)` after each change
 * (`update()`). Profile text only ever reaches the page through lit-html
 * bindings, which escape it.
 *
 * @module
 */

import { html, render, type TemplateResult } from "lit-html";
import { compareProfiles } from "../lib/compare.ts";
import { formatCount, formatMs } from "../lib/format.ts";
import type { Profile } from "../lib/profile.ts";
import { firstRowsProfile } from "../lib/first_rows.ts";
import { initialVisibleRows } from "./virtual_list.ts";
import {
  presetTextOrder,
  queryFunctions,
  type QueryOptions,
  shareQueryCache,
  textOrderOrigin,
} from "../lib/query.ts";
import { COMPARE_VIEW } from "./compare_view.ts";
import { headerView, toolbarView } from "./header_view.ts";
import { whenIdle } from "./idle.ts";
import { onKeyDown } from "./keys.ts";
import { basename, isolated } from "./labels.ts";
import { errorView, loadingView } from "./message_view.ts";
import {
  historyState,
  href,
  navigate,
  onLinkClick,
  onPopState,
  saveHistoryState,
} from "./navigation.ts";
import { parseRoute, resolveRoute, type Tab } from "./route.ts";
import { type OrderSide, pageSource, type ProfileSource } from "./source.ts";
import {
  activeView,
  allViews,
  type PageView,
  setUp,
  type State,
  state,
  update,
} from "./state.ts";
import { FLAME_VIEW } from "./flame_view.ts";
import { TABLE_VIEW } from "./table_view.ts";
import { GROUP_VIEW } from "./group_view.ts";
import { openedView, SOURCE_VIEW } from "./source_view.ts";

/** The module that draws each tab, in the order of the tabs. */
const VIEWS: Readonly<Record<Tab, PageView>> = {
  table: TABLE_VIEW,
  flame: FLAME_VIEW,
  compare: COMPARE_VIEW,
  groups: GROUP_VIEW,
  source: SOURCE_VIEW,
};

// The server's, or the one an HTML report carries in the page.
const source: ProfileSource = pageSource();
const root = document.getElementById("app") ?? document.body;

function appView(s: State): TemplateResult {
  switch (s.phase) {
    case "loading":
      return loadingView(s);
    case "failed":
      return errorView(s, () => void load());
    case "ready":
      return readyView(s, s.profile!);
  }
}

function readyView(s: State, p: Profile): TemplateResult {
  return html`
    ${headerView(s, p)}
    ${toolbarView(s, p)}
    ${activeView().template(p)}
    ${openedView(s)}
    <div class="sr-only" aria-live="polite">${s.announcement}</div>
  `;
}

async function load(): Promise<void> {
  state.phase = "loading";
  state.progress = null;
  update();
  // When comparing two runs, the run before loads alongside.
  state.comparing = source.comparing?.() ?? source.loadBase !== undefined;
  const base = source.loadBase?.() ?? Promise.resolve(null);
  base.catch(() => {}); // reported once the profile is there
  // Asked for first, so that the server answers it first.
  const firstRowsShown = _loadFirstRows();
  try {
    // The functions arrive first and show at once; the edges follow.
    let partial: Profile | null = null;
    const profile = await source.load({
      readAfter: firstRowsShown,
      onProgress(progress) {
        if (state.phase !== "loading") return;
        state.progress = progress;
        // Bytes come in many small chunks: drawn at most once a frame.
        if (!_progressDue) {
          _progressDue = true;
          requestAnimationFrame(_showProgress);
        }
      },
      onFunctions(functions) {
        partial = functions;
        state.edgesLoading = true;
        if (state.firstRows !== null) {
          // Where the first rows were scrolled to, kept.
          saveHistoryState();
          state.firstRows = null;
        }
        _ready(functions);
        return _painted();
      },
    });
    state.edgesLoading = false;
    // For scripts/bench_browser.ts: when the whole call graph is in.
    performance.mark("profiling-explorer:edges");
    if (partial === null) {
      state.firstRows = null;
      _ready(profile);
    } else {
      shareQueryCache(partial, profile);
      state.profile = profile;
      _resolveRoute(profile);
      activeView().query();
      update();
    }
    // Only now, so that nothing competes with the download.
    _warmCaches(profile, _presetOrder(profile, "profile"));
    await _compare(profile, base);
  } catch (error) {
    state.firstRows = null;
    state.phase = "failed";
    state.error = error instanceof Error ? error.message : String(error);
    update();
  }
}

/**
 * Compares the profile with the run before, once both are here, and shows
 * the comparison unless the URL names another tab.
 */
async function _compare(
  profile: Profile,
  pending: Promise<Profile | null>,
): Promise<void> {
  const base = await pending;
  if (base === null) {
    state.comparing = false;
    activeView().query();
    update();
    return;
  }
  state.base = base;
  // For the compare view's sorts by name and by file.
  void _presetOrder(base, "base");
  state.comparison = compareProfiles(base, profile);
  state.comparing = false;
  document.title = `${base.sources.map(basename).join(", ")} → ${
    profile.sources.map(basename).join(", ")
  } · profiling-explorer`;
  const untouched = state.route.fn === null && state.route.q === "" &&
    historyState(history.state).depth === 0;
  if (new URLSearchParams(location.search).has("tab") || !untouched) {
    activeView().query();
    activeView().show(historyState(history.state));
  } else {
    navigate({ ...state.route, tab: "compare" }, "replace");
  }
}

/** Whether a frame will draw the download's progress. */
let _progressDue = false;

/** Draws how far the download has got. */
function _showProgress(): void {
  _progressDue = false;
  if (state.phase === "loading") update();
}

/** Shows a loaded profile in the view the URL names. */
function _ready(profile: Profile): void {
  state.profile = profile;
  state.phase = "ready";
  document.title = `${
    profile.sources.map((source) => isolated(basename(source))).join(", ") ||
    "Profile"
  } · profiling-explorer`;
  _startRoute();
  _resolveRoute(profile);
  _foldSampledLines(profile);
  activeView().query();
  performance.mark("profiling-explorer:queried");
  const saved = historyState(history.state);
  history.replaceState(saved, "");
  activeView().show(saved);
  performance.mark("profiling-explorer:drawn");
  // For scripts/bench_browser.ts: when the first view is on screen (the
  // first rows, when the server gave them), and when all of its rows are.
  const whole = state.firstRows === null;
  void _painted().then(() => {
    for (const mark of whole ? [_SHOWN_MARK, _WHOLE_MARK] : [_SHOWN_MARK]) {
      if (performance.getEntriesByName(mark).length === 0) {
        performance.mark(mark);
      }
    }
  });
}

const _SHOWN_MARK = "profiling-explorer:shown";
const _WHOLE_MARK = "profiling-explorer:whole";

/**
 * Asks the source for the first rows of the functions table, when that is
 * what the URL shows, and draws them if they come before the profile: a big
 * profile takes a while to arrive, decode and sort, and these few rows do
 * not. Not when the page will show another view once the profile is in (a
 * sampled profile opens its groups, a comparison its compare tab). Resolves
 * once they are on screen, or at once when there are none.
 */
function _loadFirstRows(): Promise<void> {
  _startRoute();
  const r = state.route;
  if (source.loadFirst === undefined || r.tab !== "table" || r.fn !== null) {
    return Promise.resolve();
  }
  const asked = { q: r.q, sort: r.sort, descending: r.descending };
  return source.loadFirst({
    filter: r.q,
    sort: r.sort,
    descending: r.descending,
    limit: initialVisibleRows(),
  }).then((first) => {
    const now = state.route;
    if (
      first === null || state.phase !== "loading" || first.comparing ||
      (first.sampled && location.search === "") || now.tab !== "table" ||
      now.fn !== null || now.q !== asked.q || now.sort !== asked.sort ||
      now.descending !== asked.descending
    ) {
      return;
    }
    performance.mark("profiling-explorer:first-rows");
    state.firstRows = { ...asked, ids: first.ids, total: first.total };
    state.edgesLoading = true;
    _ready(firstRowsProfile(first));
    return _painted();
  }).catch((error) => {
    // Only a head start: the whole profile comes all the same.
    console.warn("The first rows could not be shown:", error);
    state.firstRows = null;
  });
}

/**
 * Resolves once what was just drawn is on screen: when the second frame
 * after it begins, the first has been painted.
 */
function _painted(): Promise<void> {
  return new Promise((resolve) =>
    requestAnimationFrame(() => requestAnimationFrame(() => resolve()))
  );
}

/**
 * Hands a profile the order its sorts by name and by file use, worked out
 * by the server, so that the page never sorts the texts itself. Without it
 * (an older server or report) the page works it out: while idle, or at once
 * when the user sorts by name or file first, as it does before it arrives.
 * Marks `profiling-explorer:order` (`:base-order` for the base) with where
 * the order came from (`"server"` or `"page"`).
 */
async function _presetOrder(profile: Profile, side: OrderSide): Promise<void> {
  try {
    const order = await source.loadOrder?.(side) ?? null;
    if (order !== null) presetTextOrder(profile, order);
  } catch (error) {
    console.warn(
      "The sort order could not be had; the page works it out itself:",
      error instanceof Error ? error.message : error,
    );
  }
  performance.mark(
    side === "profile"
      ? "profiling-explorer:order"
      : "profiling-explorer:base-order",
    { detail: textOrderOrigin(profile) === "preset" ? "server" : "page" },
  );
}

/**
 * An HTML report made with `--by` opens on the view its
 * `<meta name="profiling-explorer-start">` names, when the URL names none.
 */
function _startRoute(): void {
  const start = document.querySelector<HTMLMetaElement>(
    'meta[name="profiling-explorer-start"]',
  )?.content;
  if (start === undefined || location.search !== "") return;
  state.route = parseRoute(start);
  history.replaceState(history.state, "", href(state.route));
}

/**
 * Finds the functions a link names by reference (`fn=shop/cart.py:12:total`)
 * in the profile, and writes the URL with today's references.
 */
function _resolveRoute(profile: Profile): void {
  const r = state.route;
  if (
    r.fn === null && r.fnRef === undefined && r.zoom.length === 0 &&
    r.zoomRefs === undefined
  ) return;
  if (state.edgesLoading && r.zoomRefs !== undefined) {
    // A zoom path is matched with its calls, which are not here yet: it
    // waits for them (see load()); one function needs none.
    const { zoomRefs, ...rest } = r;
    state.route = { ...resolveRoute(rest, profile), zoomRefs };
    return;
  }
  state.route = resolveRoute(r, profile);
  // An old link's ids become references too, for the link to be shared.
  const url = href(state.route);
  if (url !== location.search) history.replaceState(history.state, "", url);
}

/**
 * A sampled profile's rows are lines: a page opened without a view shows
 * them folded into functions (the groups view by function).
 */
function _foldSampledLines(profile: Profile): void {
  if (!profile.sampled || location.search !== "") return;
  state.route = { ...state.route, tab: "groups", by: "function" };
  history.replaceState(history.state, "", href(state.route));
}

function onClick(event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0) return;
  const target = event.target instanceof Element ? event.target : null;
  const link = target?.closest("a[href]");
  if (link instanceof HTMLAnchorElement) onLinkClick(event, link);
}

/**
 * Computes, while the page is idle, what the first filter and the likely
 * sorts would otherwise compute on the first keystroke or click. The sorts
 * by file and by name wait for `ordered` (the server's order handed to the
 * profile, or given up on), so the page never sorts the texts itself.
 */
function _warmCaches(profile: Profile, ordered: Promise<void>): void {
  const tasks: QueryOptions[] = [
    { filter: "\u0000", limit: 0 },
    { sort: "internal", limit: 0 },
    { sort: "calls", limit: 0 },
    { sort: "file", limit: 0 },
    { sort: "name", limit: 0 },
  ];
  const idle = (callback: () => void) => whenIdle(callback, 5000, 100);
  const next = () => {
    const options = tasks.shift();
    if (options === undefined) {
      for (const view of allViews()) {
        idle(() => {
          if (state.profile === profile) view.warm?.(profile);
        });
      }
      return;
    }
    const run = () =>
      idle(() => {
        if (state.profile !== profile) return;
        queryFunctions(profile, options);
        next();
      });
    if (options.sort === "file" || options.sort === "name") {
      void ordered.then(run);
    } else {
      run();
    }
  };
  next();
}

setUp(() => render(appView(state), root), VIEWS);
root.replaceChildren();
root.addEventListener("click", onClick);
document.addEventListener("keydown", onKeyDown);
globalThis.addEventListener("popstate", onPopState);
globalThis.addEventListener("resize", () => activeView().resized());
globalThis.addEventListener("pagehide", () => {
  if (state.phase === "ready") saveHistoryState();
});
void load();
// The first number format (Intl.NumberFormat) takes about 20 ms to make, the
// locale's data being read: made while the profile is on its way rather than
// when the first table is drawn.
setTimeout(() => {
  formatCount(0);
  formatMs(1);
}, 0);
