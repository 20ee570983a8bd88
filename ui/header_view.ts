/// <reference lib="dom" />
/**
 * The page's frame around every view: the header (files, totals, tabs) and
 * the toolbar (where the view is, the filter box, status and key hints).
 *
 * @module
 */

import { html, nothing, type TemplateResult } from "lit-html";
import { live } from "lit-html/directives/live.js";
import { formatCount, formatMs } from "../lib/format.ts";
import { groupTree } from "../lib/group.ts";
import type { Profile } from "../lib/profile.ts";
import { basename, isolated, shown } from "./labels.ts";
import { homeRoute, href, navigate } from "./navigation.ts";
import type { Route } from "./route.ts";
import { canOpenEditor } from "./source_files.ts";
import { activeView, allViews, type State, state } from "./state.ts";

/** Whether the route names a function the profile lacks. */
export function isMissing(s: State, p: Profile): boolean {
  return s.route.fn !== null && s.route.fn >= p.size;
}

/**
 * The icon, from the page's `<link rel="icon">`: the server's
 * `/favicon.svg`, or the `data:` URL an HTML report carries.
 */
const _ICON = document.querySelector<HTMLLinkElement>('link[rel="icon"]')
  ?.href ?? "/favicon.svg";

/** The header: name, files, totals and the tabs of the views. */
export function headerView(s: State, p: Profile): TemplateResult {
  return html`
    <header class="bar">
      <img class="logo" src=${_ICON} alt="" width="20" height="20">
      <h1><a href=${href(homeRoute(s.route))}>profiling-explorer</a></h1>
      <span class="sources" title=${p.sources.map(isolated).join("\n")}>${p
        .sources.map((source) => shown(basename(source))).join(", ")}</span>
      ${tabsView(s)}
      ${clampedView(s, p)}
      ${activeView().totals?.(p) ?? totalsView(p)}
    </header>
  `;
}

/**
 * Says once that times the files held were not finite numbers of seconds
 * and were read as 0 (`boundTimes()` in `lib/pstats/build.ts`).
 */
function clampedView(s: State, p: Profile): TemplateResult | typeof nothing {
  const count = (p.clampedTimes ?? 0) + (s.base?.clampedTimes ?? 0);
  if (count === 0) return nothing;
  const what = count === 1 ? "time" : "times";
  return html`
    <p
      class="notice"
      role="note"
      title=${`The profile held ${formatCount(count)} ${what} that ${
        count === 1 ? "was not a finite number" : "were not finite numbers"
      } of seconds (NaN, infinite or beyond 10^15 s): each is read as 0`}
    >${formatCount(count)} bad ${what} read as 0</p>
  `;
}

/** The profile's totals. */
function totalsView(p: Profile): TemplateResult {
  const t = p.totals;
  const totals: [string, string][] = p.sampled
    ? [
      ["samples", formatCount(t.primitiveCalls)],
      ["sampled ms", formatMs(t.time)],
      ["functions", formatCount(groupTree(p, "function").roots.length)],
      ["lines", formatCount(p.size)],
    ]
    : [
      ["calls", formatCount(t.calls)],
      ...(t.primitiveCalls === t.calls
        ? []
        : [["primitive", formatCount(t.primitiveCalls)] as [string, string]]),
      ["total ms", formatMs(t.time)],
      ["functions", formatCount(p.size)],
    ];
  return html`
    <dl class="totals">
      ${totals.map(([term, value]) =>
        html`
          <div>
            <dt>${term}</dt>
            <dd>${value}</dd>
          </div>
        `
      )}
    </dl>
  `;
}

/** Links to the views, when there is more than one. */
function tabsView(s: State): TemplateResult | typeof nothing {
  const views = allViews();
  if (views.length < 2) return nothing;
  return html`
    <nav class="views tabs" aria-label="Views">
      ${views.map((v) =>
        html`
          <a
            class="tab"
            href=${href(_tabRoute(s, v.tab))}
            aria-current=${s.route.tab === v.tab ? "page" : nothing}
          >${v.label}</a>
        `
      )}
    </nav>
  `;
}

/**
 * The route of a tab: the same, and for the source tab the function in
 * focus or highlighted, whose file it shows.
 */
function _tabRoute(s: State, tab: Route["tab"]): Route {
  if (tab !== "source" || s.route.tab === "source") return { ...s.route, tab };
  const fn = s.route.fn ?? activeView().highlightedFunction() ?? null;
  return fn === null
    ? { ...s.route, tab, line: null }
    : { ...s.route, tab, fn, view: "callees", line: null };
}

/** The toolbar: where the view is, the filter box, status, key hints. */
export function toolbarView(s: State, p: Profile): TemplateResult {
  const view = activeView();
  const missing = isMissing(s, p);
  return html`
    <div class="toolbar">
      <nav class="crumbs" aria-label="Location in the call graph">
        ${view.crumbs(p)}
      </nav>
      ${missing ? nothing : html`
        <div class="filter">
          <label for="filter">Filter</label>
          <input
            id="filter"
            type="search"
            autocomplete="off"
            spellcheck="false"
            placeholder=${view.placeholder()}
            aria-describedby="filter-hint"
            .value=${live(s.route.q)}
            @input=${onFilterInput}
          >
          <kbd id="filter-hint" title="Press / or Ctrl+K to filter">/</kbd>
        </div>
      `}
      <p class="status" aria-live="polite">${missing ? "" : view.status(p)}</p>
      <p class="keys" aria-hidden="true">${view.keyHints()}${view.tab !==
            "source" && canOpenEditor()
        ? html`
          <kbd>o</kbd> editor
        `
        : nothing}</p>
    </div>
  `;
}

function onFilterInput(event: Event): void {
  const q = (event.target as HTMLInputElement).value;
  navigate({ ...state.route, q }, "replace");
}
