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
