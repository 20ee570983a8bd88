/// <reference lib="dom" />
/**
 * The groups view's number columns and cells: which columns a level shows,
 * their headers, and each cell's text and share (a group past 100% marked).
 * `ui/group_view.ts` draws the rows with them.
 *
 * @module
 */

import { html, type TemplateResult } from "lit-html";
import { formatCalls, formatCount, formatMs } from "../lib/format.ts";
import {
  type FoldedEdges,
  type GroupNumbers,
  isGroupNode,
  passesTotal,
} from "../lib/group.ts";
import type { Profile } from "../lib/profile.ts";
import type { SortColumn } from "../lib/query.ts";
import { sortBy } from "./navigation.ts";
import {
  NO_NUMBER,
  type NumberCell,
  numberCellView,
  percentCell,
} from "./number_cells.ts";
import type { Route } from "./route.ts";
import { ariaSort, sortButton, sortHeaderCell } from "./sort_header.ts";

/** A number column of the groups view. */
export interface GroupColumn {
  key: string;
  label: string;
  title: string;
  sort: SortColumn | null;
  percent: boolean;
}

/** The number columns of the route's level, or of a function's edges. */
export function groupColumns(p: Profile, r: Route): GroupColumn[] {
  const col = (
    key: string,
    label: string,
    title: string,
    sort: SortColumn | null,
    percent = false,
  ): GroupColumn => ({ key, label, title, sort, percent });
  if (r.fn !== null) {
    return p.sampled
      ? [
        col("calls", "samples", "Samples on these calls", "calls"),
        col("calls-pct", "samples %", "Share of all samples", "calls", true),
      ]
      : [
        col("calls", "calls", "Calls on these edges", "calls"),
        col(
          "internal",
          "internal ms",
          "Internal time of these calls",
          "internal",
        ),
        col(
          "cumulative",
          "cumulative ms",
          "Cumulative time of these calls",
          "cumulative",
        ),
        col(
          "cumulative-pct",
          "cumulative %",
          "Share of the total time",
          "cumulative",
          true,
        ),
      ];
  }
  const grouped = r.by !== "function" && r.by !== "line";
  // Where edges carry no times (the profile module), groups count calls.
  const inCalls = grouped && !p.edgeDetail && !p.sampled;
  const cumulativeTitle = inCalls
    ? `Calls entering the group from functions outside it (this profile's edges carry no times): calls between its own functions are not counted, but a call that leaves the group and comes back in counts again; milliseconds for functions`
    : grouped
    ? `Time entering the group from functions outside it, and in its functions nobody calls: calls between its own functions are not counted again, but time that leaves the group and comes back in through code outside it counts again, so a group can pass 100% (marked *)`
    : "Time in the function and everything it called";
  return [
    ...(grouped
      ? [col("functions", "functions", "Functions in the group", null)]
      : []),
    ...(p.sampled && r.by !== "line"
      ? [col("lines", "lines", "Lines the functions were seen on", null)]
      : []),
    ...(p.sampled
      ? [
        col(
          "direct",
          "direct samples",
          "Samples with the code running",
          "primitive_calls",
        ),
        col(
          "direct-pct",
          "direct %",
          "Share of all samples with the code running",
          "primitive_calls",
          true,
        ),
      ]
      : [
        col(
          "calls",
          "calls",
          "Calls; calls/primitive calls when recursive",
          "calls",
        ),
        col(
          "internal",
          "internal ms",
          "Time in the functions themselves",
          "internal",
        ),
        col(
          "internal-pct",
          "internal %",
          "Internal time as a share of the total",
          "internal",
          true,
        ),
      ]),
    col(
      "cumulative",
      inCalls ? "cumulative" : "cumulative ms",
      cumulativeTitle,
      "cumulative",
    ),
    col(
      "cumulative-pct",
      "cumulative %",
      `${cumulativeTitle}, as a share of the total`,
      "cumulative",
      true,
    ),
  ];
}

const _passing = new WeakMap<GroupNumbers, boolean>();

/** Whether any group of the level passes the total (cached). */
export function anyPassesTotal(numbers: GroupNumbers): boolean {
  let any = _passing.get(numbers);
  if (any === undefined) {
    any = false;
    for (let n = 0; n < numbers.tree.size && !any; n++) {
      if (passesTotal(numbers, n)) any = true;
    }
    _passing.set(numbers, any);
  }
  return any;
}

/** A number column's header, a sort button when it sorts. */
export function headerCellView(r: Route, c: GroupColumn): TemplateResult {
  const cls = `num ${c.key}${c.percent ? " pct" : ""}`;
  if (c.sort === null) {
    return html`
      <th scope="col" class=${cls}
        title=${c.title}><span class="plain">${c.label}</span></th>
    `;
  }
  const column = c.sort;
  return sortHeaderCell(
    { className: cls, label: c.label, title: c.title },
    r.sort === column,
    r.descending,
    () => sortBy(column),
  );
}

/** The name column's header. */
export function nameHeaderView(r: Route): TemplateResult {
  const active = r.sort === "name" || r.sort === "file";
  const label = r.fn !== null
    ? "function"
    : r.by === "function" || r.by === "line"
    ? "location"
    : r.by;
  return html`
    <th
      scope="col"
      class="location"
      aria-sort=${ariaSort(active, r.descending)}
    >
      ${sortButton(
        label,
        active,
        r.descending,
        () => sortBy("name"),
        "Sort by name",
      )}
    </th>
  `;
}

/** A number cell, marked when it is a group's share past the total. */
export interface GroupCell extends NumberCell {
  /** Why the cell is marked (a group past the total), if it is. */
  mark?: string;
}

/** The mark of a group that passes the total, and what it means. */
export const REENTERED_MARK = "*";

export const REENTERED_NOTE =
  "A group over 100% was re-entered through code outside it, whose time it counts again.";

/**
 * A group's (or a function's) cell of a column; a function's too among the
 * columns of its callers or callees.
 */
export function nodeCell(
  numbers: GroupNumbers,
  c: GroupColumn,
  n: number,
): GroupCell {
  const p = numbers.tree.profile;
  const t = p.totals;
  const inCalls = numbers.cumulativeUnit === "calls" &&
    isGroupNode(numbers.tree, n);
  switch (c.key) {
    case "functions":
      return { text: formatCount(numbers.functions[n]!), share: null };
    case "lines":
      return { text: formatCount(numbers.lines[n]!), share: null };
    case "direct":
      return { text: formatCount(numbers.primitiveCalls[n]!), share: null };
    case "direct-pct":
      return percentCell(numbers.primitiveCalls[n]!, t.primitiveCalls);
    case "calls":
      return _callsCell(p, numbers.calls[n]!, numbers.primitiveCalls[n]!);
    case "calls-pct":
      return percentCell(numbers.calls[n]!, t.primitiveCalls);
    case "internal":
      return { text: formatMs(numbers.internalTime[n]!), share: null };
    case "internal-pct":
      return percentCell(numbers.internalTime[n]!, t.time);
    case "cumulative":
      return {
        text: inCalls
          ? `${formatCount(numbers.cumulative[n]!)} call${
            numbers.cumulative[n] === 1 ? "" : "s"
          }`
          : numbers.cumulativeUnit === "calls"
          ? `${formatMs(numbers.cumulative[n]!)} ms`
          : formatMs(numbers.cumulative[n]!),
        share: null,
      };
    default:
      if (inCalls) return percentCell(numbers.cumulative[n]!, t.calls);
      return passesTotal(numbers, n)
        ? {
          ...percentCell(numbers.cumulative[n]!, t.time),
          mark: REENTERED_NOTE,
        }
        : percentCell(numbers.cumulative[n]!, t.time);
  }
}

/** The cell of the `i`th of a function's callers or callees, folded. */
export function edgeCell(
  p: Profile,
  edges: FoldedEdges,
  c: GroupColumn,
  i: number,
): GroupCell {
  const t = p.totals;
  switch (c.key) {
    case "calls":
      return _callsCell(p, edges.calls[i]!, edges.primitiveCalls[i]!);
    case "calls-pct":
      return percentCell(edges.calls[i]!, t.primitiveCalls);
  }
  if (!p.edgeDetail) return NO_NUMBER;
  switch (c.key) {
    case "internal":
      return { text: formatMs(edges.internalTime[i]!), share: null };
    case "cumulative":
      return { text: formatMs(edges.cumulativeTime[i]!), share: null };
    default:
      return percentCell(edges.cumulativeTime[i]!, t.time);
  }
}

/** Calls, or samples when sampled (where primitive calls are direct ones). */
function _callsCell(p: Profile, calls: number, primitive: number): NumberCell {
  return {
    text: p.sampled ? formatCount(calls) : formatCalls(calls, primitive),
    share: null,
  };
}

/** A number cell, a bar behind it when it is a share, marked past 100%. */
export function cellView(c: GroupColumn, cell: GroupCell): TemplateResult {
  return numberCellView(
    c.key,
    cell,
    cell.mark === undefined ? undefined : {
      className: "reentered",
      title: cell.mark,
      after: _REENTERED_AFTER,
    },
  );
}

const _REENTERED_AFTER =
  html`<span class="mark" aria-hidden="true">${REENTERED_MARK}</span><span
  class="sr-only"
> (re-entered: counted again)</span>`;
