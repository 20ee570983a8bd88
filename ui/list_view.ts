/// <reference lib="dom" />
/**
 * What the three list views (`ui/table_view.ts`, `ui/compare_view.ts`,
 * `ui/group_view.ts`) share beside their virtualised rows
 * (`ui/virtual_list.ts`) and sortable headers (`ui/sort_header.ts`): the
 * members of their `PageView` that the rows answer (history's scroll
 * position and highlight, a resized window, the keys), the row that says
 * what a focal function's list holds, the row of an empty list, and the
 * links and tabs to a function's callers and callees.
 *
 * @module
 */

import { html, nothing, type TemplateResult } from "lit-html";
import { navigate } from "./navigation.ts";
import type { Route } from "./route.ts";
import { type KeyContext, type PageView, state } from "./state.ts";
import type { VirtualRows } from "./virtual_list.ts";

/** A function's callers or its callees, as a list view shows them. */
export type EdgeView = "callers" | "callees";

/** Both, in the order the views show them. */
export const EDGE_VIEWS: readonly EdgeView[] = ["callers", "callees"];

/** The arrow of callers (up the call graph) or of callees (down). */
export function edgeArrow(view: string): string {
  return view === "callers" ? "↑" : "↓";
}

/**
 * The members of a list view's `PageView` that its rows answer: showing a
 * history entry's scroll position and highlight, what to remember of them,
 * and following a resized window. (The groups view's own keys open groups.)
 */
export function listMembers(
  list: VirtualRows,
): Pick<PageView, "show" | "saved" | "resized"> {
  return {
    show: ({ scrollTop, highlight }) => list.show(scrollTop, highlight),
    saved: () => ({ scrollTop: list.scrollTop, highlight: list.highlight }),
    resized: () => list.sync(),
  };
}

/**
 * The members of the `PageView` of a list of functions, or of a focal
 * function's callers or callees (the table and compare views), that its rows
 * answer: those of {@linkcode listMembers}, the filter box's placeholder, and
 * the keys, those that move the highlight and Enter (with Shift) that opens
 * the callees (callers) of the highlighted row, the route `edgeRoute` makes
 * of what `highlighted` says the row holds.
 */
export function edgeListMembers(
  list: VirtualRows,
  highlighted: () => number | undefined,
  edgeRoute: (r: Route, id: number, view: EdgeView) => Route,
): Pick<PageView, "show" | "saved" | "resized" | "key" | "placeholder"> {
  const open = (view: EdgeView) => {
    const id = highlighted();
    if (id !== undefined) navigate(edgeRoute(state.route, id, view), "push");
  };
  return {
    ...listMembers(list),
    placeholder: () => `Filter ${state.route.view} by name, path or line`,
    key: (context: KeyContext) =>
      list.moveByKey(context) ?? list.openByEnter(context, open) ?? false,
  };
}

/** The row under a focal function that says what the list below holds. */
export function captionRow(
  view: string,
  caption: string,
  span: number,
): TemplateResult {
  return html`
    <tr class="caption" aria-hidden="true">
      <td colspan=${span}>
        <span class="caption-icon">${edgeArrow(view)}</span> ${caption}
      </td>
    </tr>
  `;
}

/** The one row of a list with nothing to show, saying why. */
export function emptyRow(message: string, span: number): TemplateResult {
  return html`
    <tr class="empty">
      <td colspan=${span}>${message}</td>
    </tr>
  `;
}

/** What a link to callers or callees has beside the word and the arrow. */
export interface EdgeLinkOptions {
  /** Its title and accessible name (by default the word). */
  label?: string;
  /** Its class, if any. */
  className?: string;
  /** What follows the arrow (a count). */
  after?: TemplateResult;
}

/**
 * A link to a function's callers or callees: the word, or in a narrow
 * window its arrow.
 */
export function edgeLinkView(
  view: EdgeView,
  url: string,
  options: EdgeLinkOptions = {},
): TemplateResult {
  const label = options.label ?? view;
  return html`
    <a
      href=${url}
      class=${options.className ?? nothing}
      title=${label}
      aria-label=${label}
    ><span class="word">${view}&nbsp;</span><span class="icon" aria-hidden="true">${edgeArrow(
      view,
    )}</span>${options.after ?? nothing}</a>
  `;
}

/**
 * The links cell of a row: its function's callers and callees, as `link`
 * draws each; empty without `link` (a row that is no function).
 */
export function edgeLinksCell(
  link?: (view: EdgeView) => TemplateResult,
): TemplateResult {
  return html`<td class="links">${
    link === undefined ? nothing : html`${link("callers")} ${link("callees")}`
  }</td>`;
}

/**
 * The tabs of a focal function's callers and callees, the one `shown`
 * current; with `count`, each tab's count after its word.
 */
export function edgeTabsView(
  shown: string,
  url: (view: EdgeView) => string,
  count?: (view: EdgeView) => string,
): TemplateResult[] {
  return EDGE_VIEWS.map((view) =>
    html`
      <a
        class="tab"
        href=${url(view)}
        aria-current=${shown === view ? "page" : nothing}
      >${view}${count === undefined ? nothing : html`
        <span class="count">${count(view)}</span>
      `}</a>
    `
  );
}
