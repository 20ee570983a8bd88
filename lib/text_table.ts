/**
 * What the three terminal tables share (functions in `report.ts`, groups in
 * `group_report.ts`, a comparison in `compare_report.ts`): right-aligned
 * number columns beside a location cut to fit the terminal, columns dropped
 * on a narrow one, and the lines around the rows that say what was read and
 * what is shown.
 *
 * @module
 */

import { formatCount, formatMs } from "./format.ts";
import type { ProfileTotals } from "./profile.ts";
import type { SortColumn } from "./query.ts";

/**
 * Terminal columns a string takes: East Asian wide characters and emoji take
 * two, combining marks none. (std's unicodeWidth would do, but its npm build
 * lacks the data file it needs.)
 *
 * @example
 * ```ts
 * import { textWidth } from "./text_table.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(textWidth("app.py"), 6);
 * assertEquals(textWidth("処理.py"), 7);
 * assertEquals(textWidth("e\u0301"), 1); // e and a combining accent
 * ```
 *
 * @param text The text.
 * @returns Its width in columns.
 */
export function textWidth(text: string): number {
  let width = 0;
  for (const char of text) {
    const c = char.codePointAt(0)!;
    if (
      (c >= 0x300 && c <= 0x36f) || c === 0x200d || (c >= 0xfe00 && c <= 0xfe0f)
    ) {
      continue;
    }
    width += (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) ||
        (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
        (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
        (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1faff) ||
        (c >= 0x20000 && c <= 0x3fffd)
      ? 2
      : 1;
  }
  return width;
}

/**
 * Cuts text from the left to fit a terminal width, keeping its end (the file
 * and function name) behind an ellipsis; wide characters take two columns.
 *
 * @example
 * ```ts
 * import { fitToWidth } from "./text_table.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(fitToWidth("django/db/models/query.py", 12), "…ls/query.py");
 * assertEquals(fitToWidth("app.py", 12), "app.py");
 * ```
 *
 * @param text The text.
 * @param width The columns it may take.
 * @returns The text, cut if needed.
 */
export function fitToWidth(text: string, width: number): string {
  if (textWidth(text) <= width) return text;
  const chars = [...text];
  let kept = "";
  let used = 1;
  for (let i = chars.length - 1; i >= 0; i--) {
    const w = textWidth(chars[i]!);
    if (used + w > width) break;
    kept = chars[i] + kept;
    used += w;
  }
  return `…${kept}`;
}

/**
 * A count with its noun: `1 function`, `1,234 functions`, `2 directories`.
 *
 * @example
 * ```ts
 * import { plural } from "./text_table.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(plural(1, "function call"), "1 function call");
 * assertEquals(plural(1234, "sample"), "1,234 samples");
 * assertEquals(plural(2, "directory"), "2 directories");
 * ```
 *
 * @param n The count.
 * @param noun The noun for one.
 * @returns The count and the noun, plural unless `n` is 1.
 */
export function plural(n: number, noun: string): string {
  const many = /[^aeiou]y$/.test(noun) ? `${noun.slice(0, -1)}ies` : `${noun}s`;
  return `${formatCount(n)} ${n === 1 ? noun : many}`;
}

/**
 * The line under a profile's files that sums it up: its samples and their
 * time, or its calls (and primitive calls where they differ) and time.
 *
 * @example
 * ```ts
 * import { totalsLine } from "./text_table.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const totals = { calls: 12, primitiveCalls: 10, time: 0.5 };
 * assertEquals(totalsLine(totals, false), "12 function calls (10 primitive) in 500.000 ms\n");
 * assertEquals(totalsLine(totals, true), "10 samples (500.000 ms)\n");
 * ```
 *
 * @param totals The profile's totals.
 * @param sampled Whether it holds samples.
 * @returns The line, with its line break.
 */
export function totalsLine(totals: ProfileTotals, sampled: boolean): string {
  if (sampled) {
    return `${plural(totals.primitiveCalls, "sample")} (${
      formatMs(totals.time)
    } ms)\n`;
  }
  const primitive = totals.primitiveCalls !== totals.calls
    ? ` (${formatCount(totals.primitiveCalls)} primitive)`
    : "";
  return `${plural(totals.calls, "function call")}${primitive} in ${
    formatMs(totals.time)
  } ms\n`;
}

const _SORT_NAMES: Record<SortColumn, string> = {
  calls: "calls",
  primitive_calls: "primitive calls",
  internal: "internal time",
  internal_per_call: "internal time per call",
  cumulative: "cumulative time",
  cumulative_per_call: "cumulative time per call",
  name: "function name",
  file: "file name",
};

/**
 * A sort column as the tables name it in their summary line.
 *
 * @example
 * ```ts
 * import { sortColumnName } from "./text_table.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(sortColumnName("cumulative_per_call"), "cumulative time per call");
 * ```
 *
 * @param column The column.
 * @returns Its name.
 */
export function sortColumnName(column: SortColumn): string {
  return _SORT_NAMES[column];
}

/** What a table shows, for {@linkcode selectionText}. */
export interface Selection {
  /** The sort column's name. */
  readonly sortName: string;
  /** Whether the sort was reversed from its natural direction. */
  readonly reversed?: boolean | undefined;
  /** How many rows are shown. */
  readonly shown: number;
  /** How many matched, before the limit. */
  readonly total: number;
  /** What a row is: `function`, `package`, … */
  readonly noun: string;
  /** What the rows match, as ` matching "x"`; `""` for all. */
  readonly matching: string;
}

/**
 * The summary line's end, after "Sorted by ": the sort, and how many of how
 * many rows are shown, matching what.
 *
 * @example
 * ```ts
 * import { selectionText } from "./text_table.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(
 *   selectionText({
 *     sortName: "calls",
 *     reversed: true,
 *     shown: 10,
 *     total: 1234,
 *     noun: "function",
 *     matching: ' matching "db"',
 *   }),
 *   'calls, reversed; showing 10 of 1,234 functions matching "db"',
 * );
 * ```
 *
 * @param selection The sort, the counts and the filter.
 * @returns The text.
 */
export function selectionText(selection: Selection): string {
  const { shown, total } = selection;
  return `${selection.sortName}${selection.reversed ? ", reversed" : ""}; ${
    shown < total ? `showing ${formatCount(shown)} of ` : ""
  }${plural(total, selection.noun)}${selection.matching}`;
}

/**
 * The line after the rows when the limit left some out, with the blank
 * line before it; `""` when every row is shown.
 *
 * @example
 * ```ts
 * import { moreRowsLine } from "./text_table.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(
 *   moreRowsLine(10, 12, "function"),
 *   "\n… 2 more functions (use --limit to see more)\n",
 * );
 * assertEquals(moreRowsLine(12, 12, "function"), "");
 * ```
 *
 * @param shown How many rows are shown.
 * @param total How many matched.
 * @param noun What a row is.
 * @returns The line.
 */
export function moreRowsLine(
  shown: number,
  total: number,
  noun: string,
): string {
  return shown < total
    ? `\n… ${plural(total - shown, `more ${noun}`)} (use --limit to see more)\n`
    : "";
}

/** Options for {@linkcode numberColumns}. */
export interface ColumnLayoutOptions {
  /**
   * The terminal's width in columns; without it, nothing is dropped or cut.
   */
  readonly width?: number | undefined;
  /** Columns left out whatever the width. */
  readonly hidden?: readonly number[];
  /**
   * Columns dropped, in this order, while the text after the numbers would
   * have fewer than 40 columns.
   */
  readonly dropOrder?: readonly number[];
  /**
   * Columns that other text takes between the numbers and the last column
   * (the compare table's status), taken from the last column's room.
   */
  readonly between?: number;
}

/** Number columns laid out by {@linkcode numberColumns}. */
export interface ColumnLayout {
  /**
   * A row's cells (or the headers), those shown right-aligned to their
   * column's width, two spaces apart.
   */
  line(cells: readonly string[]): string;
  /** The columns left for the text after them (`Infinity` without a width). */
  readonly room: number;
}

/** The narrowest the text column gets before number columns are dropped. */
const _MIN_TEXT = 40;

/**
 * Lays out the number columns of a table whose last column is text (a
 * location, a key): each as wide as its widest cell or header; on a
 * narrow terminal the least needed ones dropped until the text keeps 40
 * columns, and what is left for the text (at least 20).
 *
 * @example
 * ```ts
 * import { numberColumns } from "./text_table.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const headers = ["calls", "internal ms", "cumul %"];
 * const rows = [["12", "1.500", "80.0%"], ["1,024", "0.250", "5.0%"]];
 * const wide = numberColumns(headers, rows);
 * assertEquals(wide.line(rows[0]!), "   12        1.500    80.0%");
 * const narrow = numberColumns(headers, rows, { width: 60, dropOrder: [1] });
 * assertEquals(narrow.line(rows[0]!), "   12    80.0%");
 * assertEquals(narrow.room, 44);
 * ```
 *
 * @param headers The columns' headers.
 * @param rows Each row's cells, one per header.
 * @param options The terminal's width and which columns to leave out.
 * @returns The layout.
 */
export function numberColumns(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  options: ColumnLayoutOptions = {},
): ColumnLayout {
  const widths = headers.map((h, c) =>
    rows.reduce((w, row) => Math.max(w, row[c]!.length), h.length)
  );
  const hidden = options.hidden ?? [];
  const shown = headers.map((_, c) => c).filter((c) => !hidden.includes(c));
  const dropOrder = [...(options.dropOrder ?? [])];
  const numbersWidth = () => shown.reduce((a, c) => a + widths[c]! + 2, 0);
  const width = options.width;
  while (
    width !== undefined && dropOrder.length > 0 &&
    width - numbersWidth() < _MIN_TEXT
  ) {
    shown.splice(shown.indexOf(dropOrder.shift()!), 1);
  }
  return {
    line: (cells) =>
      shown.map((c) => cells[c]!.padStart(widths[c]!)).join("  "),
    room: width === undefined
      ? Infinity
      : Math.max(20, width - numbersWidth() - (options.between ?? 0)),
  };
}
