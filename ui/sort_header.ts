/// <reference lib="dom" />
/**
 * The sortable column headers the table, compare and groups views share:
 * the header's `aria-sort` and its button, whose arrow shows the direction
 * while the table is sorted by it.
 *
 * @module
 */

import { html, nothing, type TemplateResult } from "lit-html";

/** A header's `aria-sort`: the direction while sorted by it, else none. */
export function ariaSort(
  active: boolean,
  descending: boolean,
): "descending" | "ascending" | typeof nothing {
  return active ? (descending ? "descending" : "ascending") : nothing;
}

/**
 * A header's sort button: the label, then ▼ or ▲ while the table is sorted
 * by it.
 */
export function sortButton(
  label: string,
  active: boolean,
  descending: boolean,
  sort: () => void,
  title?: string,
): TemplateResult {
  return html`
    <button type="button" title=${title ?? nothing} @click=${sort}>
      ${label}<span class="arrow" aria-hidden="true">${active
        ? (descending ? "▼" : "▲")
        : ""}</span>
    </button>
  `;
}

/** What a number column's header shows. */
export interface HeaderText {
  /** Its class (`num calls`, …). */
  className: string;
  /** Its label. */
  label: string;
  /** What it means, as its title. */
  title: string;
}

/** A number column's header: its sort button, and its `aria-sort`. */
export function sortHeaderCell(
  header: HeaderText,
  active: boolean,
  descending: boolean,
  sort: () => void,
): TemplateResult {
  return html`
    <th
      scope="col"
      class=${header.className}
      aria-sort=${ariaSort(active, descending)}
      title=${header.title}
    >
      ${sortButton(header.label, active, descending, sort)}
    </th>
  `;
}

/**
 * The location column's header: buttons that sort by file and line and by
 * function name; `sorted` is the column sorted by.
 */
export function locationHeaderCell(
  sorted: string,
  descending: boolean,
  sort: (column: "file" | "name") => void,
): TemplateResult {
  const button = (column: "file" | "name", label: string, title: string) =>
    sortButton(
      label,
      sorted === column,
      descending,
      () => sort(column),
      title,
    );
  const active = sorted === "file" || sorted === "name";
  return html`
    <th
      scope="col"
      class="location"
      aria-sort=${ariaSort(active, descending)}
    >
      ${button("file", "location", "Sort by file and line")}
      ${button("name", "function", "Sort by function name")}
    </th>
  `;
}
