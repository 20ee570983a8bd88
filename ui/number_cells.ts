/// <reference lib="dom" />
/**
 * The number cells the table and groups views share: a number, or a share
 * of the total drawn over a bar as wide as the share (`--share` in
 * ui/styles/table.css), and how a share's cell is worked out.
 *
 * @module
 */

import { html, nothing, type TemplateResult } from "lit-html";
import { formatPercent, share } from "../lib/format.ts";
import { styleProperties } from "./directives.ts";

/** A number cell: its text, and its share when drawn over a bar. */
export interface NumberCell {
  text: string;
  share: number | null;
}

/** The cell of a number the profile does not have. */
export const NO_NUMBER: NumberCell = { text: "—", share: null };

/** The cell of `part` as a share of `total`, over its bar. */
export function percentCell(part: number, total: number): NumberCell {
  return { text: formatPercent(part, total), share: share(part, total) };
}

/** How a share's cell is marked: a class, a title, and what follows it. */
export interface CellMark {
  className: string;
  title: string;
  after: TemplateResult;
}

/**
 * A number cell of the column `key`: the text alone, or over a bar as wide
 * as its share; `mark` marks a share's cell.
 */
export function numberCellView(
  key: string,
  cell: NumberCell,
  mark?: CellMark,
): TemplateResult {
  if (cell.share === null) {
    return html`<td class=${`num ${key}`}>${cell.text}</td>`;
  }
  const width = `${Math.min(100, Math.max(0, cell.share * 100)).toFixed(2)}%`;
  return html`
    <td
      class=${`num pct ${key}${mark === undefined ? "" : ` ${mark.className}`}`}
      title=${mark?.title ?? nothing}
      style=${styleProperties({ "--share": width })}
    >${cell.text}${mark?.after ?? nothing}</td>
  `;
}
