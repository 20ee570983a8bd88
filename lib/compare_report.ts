/**
 * Reports of a {@linkcode Comparison} as text: an aligned table for the
 * terminal, and JSON and CSV for scripts and CI gates; plus the formatting
 * of changes that the table and the web page share. Each report is a
 * sequence of chunks, so a large comparison streams to its destination.
 * The table is laid out by `text_table.ts`, as the other two tables are.
 *
 * @module
 */

import {
  type ChangeKind,
  type CompareSortColumn,
  compareTotals,
  type Comparison,
  DEFAULT_THRESHOLD,
  describeThreshold,
  type NoiseThreshold,
  type Numbers,
  relativeChange,
  rowChange,
  rowFunction,
  rowNumbers,
  rowStatus,
} from "./compare.ts";
import { matchFileForms } from "./compare_match.ts";
import { formatCount, formatMs } from "./format.ts";
import { functionLabel } from "./location.ts";
import { escapeControls, shownText } from "./escape.ts";
import type { Profile } from "./profile.ts";
import { csvField, jsonNumber } from "./report_fields.ts";
import {
  fitToWidth,
  moreRowsLine,
  numberColumns,
  selectionText,
} from "./text_table.ts";

/** The minus sign used in changes (U+2212), as wide as `+`. */
export const MINUS = "\u2212";

/**
 * A change in seconds as signed milliseconds: `+1.500`, `−0.250`, `0`.
 *
 * @example
 * ```ts
 * import { formatChangeMs } from "./compare_report.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(formatChangeMs(0.0015), "+1.500");
 * assertEquals(formatChangeMs(-0.00025), "\u22120.250");
 * assertEquals(formatChangeMs(0), "0");
 * ```
 *
 * @param seconds The change in seconds.
 * @returns The signed milliseconds, without a unit.
 */
export function formatChangeMs(seconds: number): string {
  if (seconds === 0) return "0";
  const text = formatMs(Math.abs(seconds));
  return `${seconds > 0 ? "+" : MINUS}${text}`;
}

/**
 * A change in a count, signed: `+12`, `−1,219`, `0`.
 *
 * @param delta The change.
 * @returns The signed count.
 */
export function formatChangeCount(delta: number): string {
  if (delta === 0) return "0";
  return `${delta > 0 ? "+" : MINUS}${formatCount(Math.abs(delta))}`;
}

/**
 * The relative change from `before` to `after` as a signed percentage with
 * one decimal: `+12.5%`, `−35.4%`, `0%`; `new` when there was nothing
 * before.
 *
 * @example
 * ```ts
 * import { formatChangePercent } from "./compare_report.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(formatChangePercent(0.4757, 0.3075), "\u221235.4%");
 * assertEquals(formatChangePercent(2, 3), "+50.0%");
 * assertEquals(formatChangePercent(0, 3), "new");
 * assertEquals(formatChangePercent(3, 3), "0%");
 * ```
 *
 * @param before The value before.
 * @param after The value after.
 * @returns The percentage.
 */
export function formatChangePercent(before: number, after: number): string {
  const change = relativeChange(before, after);
  if (change === 0) return "0%";
  if (!Number.isFinite(change)) return before === 0 ? "new" : "?";
  const percent = Math.abs(change * 100);
  const text = percent < 0.05 ? "<0.1" : percent.toFixed(1);
  return `${change > 0 ? "+" : MINUS}${text}%`;
}

/**
 * A time before and after with the change, as in a comparison's header:
 * `475.700 ms → 307.500 ms (−35.4%)`.
 *
 * @example
 * ```ts
 * import { formatTimeChange } from "./compare_report.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(
 *   formatTimeChange(0.4757, 0.3075),
 *   "475.700 ms \u2192 307.500 ms (\u221235.4%)",
 * );
 * ```
 *
 * @param before Seconds before.
 * @param after Seconds after.
 * @returns The text.
 */
export function formatTimeChange(before: number, after: number): string {
  return `${formatMs(before)} ms \u2192 ${formatMs(after)} ms (${
    formatChangePercent(before, after)
  })`;
}

/**
 * A count before and after with the change: `5,319 → 4,100 (−1,219)`.
 *
 * @param before The count before.
 * @param after The count after.
 * @returns The text.
 */
export function formatCountChange(before: number, after: number): string {
  return `${formatCount(before)} \u2192 ${formatCount(after)} (${
    formatChangeCount(after - before)
  })`;
}

/** Options of the JSON and CSV reports of a comparison. */
export interface CompareReportOptions {
  /** What counts as a change (`DEFAULT_THRESHOLD` when absent). */
  readonly threshold?: NoiseThreshold;
}

/**
 * The JSON report of a comparison. Its shape is a stable interface:
 *
 * ```
 * {"base": {"files": [...], "total_calls": int, "primitive_calls": int, "total_time": float},
 *  "current": {same keys},
 *  "sampled": bool,
 *  "threshold": {"of_total": float, "of_own": float},
 *  "functions": [{"file": str, "line": int, "name": str,
 *                 "base_line": int | null,
 *                 "status": "matched" | "added" | "removed",
 *                 "change": "slower" | "faster" | "unchanged" | "added" | "removed",
 *                 "base": {"calls", "primitive_calls", "internal_time", "cumulative_time"} | null,
 *                 "current": {same} | null,
 *                 "delta": {same keys: current minus base, a missing side counting as 0}}]}
 * ```
 *
 * `file`, `line` and `name` are the current run's, or the base run's when
 * the function was removed; `base_line` is the base run's line. Times are
 * in seconds as stored, files and names exactly as stored. `threshold` is
 * the noise threshold `change` was judged by (`NoiseThreshold`, as
 * fractions: 0.005 is 0.5% of the base run's total time, 0.05 is 5% of the
 * function's own time before).
 *
 * @example
 * ```ts
 * import { compareJsonReport } from "./compare_report.ts";
 * import { compareProfiles } from "./compare.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const run = (line: number, time: number) =>
 *   buildProfile([statsFile("run.pstats", [{
 *     key: ["app.py", line, "main"],
 *     calls: 1,
 *     primitiveCalls: 1,
 *     internalTime: time,
 *     cumulativeTime: time,
 *   }])]);
 * const comparison = compareProfiles(run(1, 0.5), run(3, 0.25));
 * const report = JSON.parse([...compareJsonReport(comparison, [0])].join(""));
 * assertEquals(report.functions[0].line, 3);
 * assertEquals(report.functions[0].base_line, 1);
 * assertEquals(report.functions[0].delta.cumulative_time, -0.25);
 * ```
 *
 * @param comparison The comparison.
 * @param rows The rows to include, in order.
 * @param options The noise threshold (the default when left out).
 * @returns The report's text in chunks.
 */
export function* compareJsonReport(
  comparison: Comparison,
  rows: Iterable<number>,
  options: CompareReportOptions = {},
): Generator<string> {
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const side = (profile: Profile) =>
    `{"files":${
      JSON.stringify(profile.sources)
    },"total_calls":${profile.totals.calls},` +
    `"primitive_calls":${profile.totals.primitiveCalls},"total_time":${
      jsonNumber(profile.totals.time)
    }}`;
  yield `{"base":${side(comparison.base)},"current":${
    side(comparison.current)
  },"sampled":${comparison.sampled},"threshold":{"of_total":${
    jsonNumber(threshold.ofTotal)
  },"of_own":${jsonNumber(threshold.ofOwn)}},"functions":[`;
  let first = true;
  for (const row of rows) {
    const { profile, id } = rowFunction(comparison, row);
    const f = profile.functions;
    const b = comparison.baseIds[row]!;
    const n = rowNumbers(comparison, row);
    yield `${first ? "" : ","}\n{"file":${
      JSON.stringify(shownText(f.file[id]!))
    },"line":${f.line[id]},"name":${JSON.stringify(shownText(f.name[id]!))},` +
      `"base_line":${b >= 0 ? comparison.base.functions.line[b] : "null"},` +
      `"status":"${rowStatus(comparison, row)}",` +
      `"change":"${rowChange(comparison, row, threshold)}",` +
      `"base":${_jsonNumbers(n.base)},"current":${_jsonNumbers(n.current)},` +
      `"delta":${_jsonNumbers(n.delta)}}`;
    first = false;
  }
  yield "\n]}\n";
}

function _jsonNumbers(n: Numbers | null): string {
  if (n === null) return "null";
  return `{"calls":${n.calls},"primitive_calls":${n.primitiveCalls},` +
    `"internal_time":${jsonNumber(n.internalTime)},"cumulative_time":${
      jsonNumber(n.cumulativeTime)
    }}`;
}

/**
 * The CSV report of a comparison (RFC 4180, with a header row): the JSON
 * report's fields flattened, one row per function: `file, line, name,
 * base_line, status`, then `base_`, `current_` and `delta_` each followed by
 * `calls, primitive_calls, internal_time, cumulative_time` (for sampled
 * profiles `cumulative_samples, direct_samples` instead of the calls), then
 * `change` (slower, faster, unchanged, added, removed) and the noise
 * threshold it was judged by, the same on every row: `threshold_of_total`
 * and `threshold_of_own` as fractions. A missing side's cells are empty.
 *
 * @example
 * ```ts
 * import { compareCsvReport } from "./compare_report.ts";
 * import { compareProfiles } from "./compare.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const run = (name: string) =>
 *   buildProfile([statsFile("run.pstats", [{
 *     key: ["app.py", 1, name],
 *     calls: 2,
 *     primitiveCalls: 2,
 *     internalTime: 0.5,
 *     cumulativeTime: 0.5,
 *   }])]);
 * const comparison = compareProfiles(run("old"), run("new, better"));
 * const lines = [...compareCsvReport(comparison, [0, 1])].join("").split("\r\n");
 * assertEquals(
 *   lines[1],
 *   'app.py,1,"new, better",,added,,,,,2,2,0.5,0.5,2,2,0.5,0.5,added,0.005,0.05',
 * );
 * assertEquals(
 *   lines[2],
 *   "app.py,1,old,1,removed,2,2,0.5,0.5,,,,,-2,-2,-0.5,-0.5,removed,0.005,0.05",
 * );
 * ```
 *
 * @param comparison The comparison.
 * @param rows The rows to include, in order.
 * @param options The noise threshold (the default when left out).
 * @returns The report's text in chunks, one per row.
 */
export function* compareCsvReport(
  comparison: Comparison,
  rows: Iterable<number>,
  options: CompareReportOptions = {},
): Generator<string> {
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const thresholdCells = [
    jsonNumber(threshold.ofTotal),
    jsonNumber(threshold.ofOwn),
  ];
  const counts = comparison.sampled
    ? ["cumulative_samples", "direct_samples"]
    : ["calls", "primitive_calls"];
  const fields = [...counts, "internal_time", "cumulative_time"];
  yield [
    "file",
    "line",
    "name",
    "base_line",
    "status",
    ...["base", "current", "delta"].flatMap((side) =>
      fields.map((field) => `${side}_${field}`)
    ),
    "change",
    "threshold_of_total",
    "threshold_of_own",
  ].join(",") + "\r\n";
  const cells = (n: Numbers | null) =>
    n === null
      ? ["", "", "", ""]
      : [n.calls, n.primitiveCalls, n.internalTime, n.cumulativeTime];
  for (const row of rows) {
    const { profile, id } = rowFunction(comparison, row);
    const f = profile.functions;
    const b = comparison.baseIds[row]!;
    const n = rowNumbers(comparison, row);
    yield [
      csvField(shownText(f.file[id]!)),
      f.line[id],
      csvField(shownText(f.name[id]!)),
      b >= 0 ? comparison.base.functions.line[b] : "",
      rowStatus(comparison, row),
      ...cells(n.base),
      ...cells(n.current),
      ...cells(n.delta),
      rowChange(comparison, row, threshold),
      ...thresholdCells,
    ].join(",") + "\r\n";
  }
}

/** Options for {@linkcode compareTableReport}. */
export interface CompareTableOptions {
  /** The terminal's width: columns are dropped and locations cut to fit. */
  width?: number;
  /** How many rows matched before the limit, for the summary line. */
  total?: number;
  /** The filter used, for the summary line. */
  filter?: string;
  /** The kinds of change shown, for the summary line; all when empty. */
  only?: readonly ChangeKind[];
  /** The sort column used, for the summary line. */
  sort?: CompareSortColumn;
  /** Whether the sort was reversed from its natural direction. */
  reversed?: boolean;
  /** What counts as a change (`DEFAULT_THRESHOLD` when absent). */
  threshold?: NoiseThreshold;
}

const _SORT_NAMES: Record<CompareSortColumn, string> = {
  cumulative_change: "cumulative time change",
  cumulative_change_percent: "cumulative time change %",
  cumulative_before: "cumulative time before",
  cumulative: "cumulative time after",
  internal_change: "internal time change",
  internal_change_percent: "internal time change %",
  internal_before: "internal time before",
  internal: "internal time after",
  calls_change: "calls change",
  calls_change_percent: "calls change %",
  calls_before: "calls before",
  calls: "calls after",
  name: "function name",
  file: "file name",
};

/**
 * A readable, aligned table of a comparison for the terminal: the totals
 * before → after, then per function its cumulative time before and after,
 * the change in milliseconds and percent, the change of internal time, the
 * calls before → after, what happened (slower, faster, added, removed) and
 * where it is, with the old line when it moved. Files show in the form the
 * runs were matched by (see `matchFileForms()`).
 *
 * @example
 * ```ts
 * import { compareTableReport } from "./compare_report.ts";
 * import { compareProfiles } from "./compare.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertMatch, assertStringIncludes } from "@std/assert";
 *
 * const run = (source: string, line: number, time: number) =>
 *   buildProfile([statsFile(source, [{
 *     key: ["app.py", line, "main"],
 *     calls: 1,
 *     primitiveCalls: 1,
 *     internalTime: time,
 *     cumulativeTime: time,
 *   }])]);
 * const comparison = compareProfiles(run("a.pstats", 1, 0.4757), run("b.pstats", 4, 0.3075));
 * const table = [...compareTableReport(comparison, [0])].join("");
 * assertStringIncludes(table, "475.700 ms \u2192 307.500 ms (\u221235.4%)");
 * assertMatch(table, /faster +app\.py:4\(main\), was line 1/);
 * ```
 *
 * @param comparison The comparison.
 * @param rows The rows to show, in order.
 * @param options Width and what to say about the selection.
 * @returns The table's lines.
 */
export function* compareTableReport(
  comparison: Comparison,
  rows: ArrayLike<number>,
  options: CompareTableOptions = {},
): Generator<string> {
  const t = compareTotals(comparison);
  const sampled = comparison.sampled;
  const names = (p: Profile) =>
    p.sources.map((s) => escapeControls(s)).join(", ");
  yield `before: ${names(comparison.base)}\n`;
  yield `after:  ${names(comparison.current)}\n`;
  yield `total time  ${formatTimeChange(t.base.time, t.current.time)}\n`;
  yield sampled
    ? `samples     ${
      formatCountChange(t.base.primitiveCalls, t.current.primitiveCalls)
    }\n`
    : `calls       ${formatCountChange(t.base.calls, t.current.calls)}\n`;
  const c = comparison.counts;
  yield `functions   ${formatCount(c.matched)} in both${
    c.moved > 0 ? ` (${formatCount(c.moved)} moved)` : ""
  }, ${formatCount(c.added)} added, ${formatCount(c.removed)} removed\n`;
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  yield `threshold   ${describeThreshold(threshold)} (--threshold)\n`;
  const total = options.total ?? rows.length;
  const only = options.only?.length ? ` (${options.only.join(", ")})` : "";
  yield `Sorted by ${
    selectionText({
      sortName: _SORT_NAMES[options.sort ?? "cumulative_change"],
      reversed: options.reversed,
      shown: rows.length,
      total,
      noun: "function",
      matching: (options.filter?.trim()
        ? ` matching "${escapeControls(options.filter.trim())}"`
        : "") + only,
    })
  }\n\n`;

  const headers = [
    "cumul before",
    "cumul after",
    "change ms",
    "change",
    "internal chg",
    sampled ? "samples" : "calls",
  ];
  const cells: string[][] = [];
  const forms = {
    base: matchFileForms(comparison.base),
    current: matchFileForms(comparison.current),
  };
  const statuses: string[] = [];
  const labels: string[] = [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const n = rowNumbers(comparison, row);
    const before = n.base?.cumulativeTime ?? 0;
    const after = n.current?.cumulativeTime ?? 0;
    cells.push([
      n.base ? formatMs(before) : "-",
      n.current ? formatMs(after) : "-",
      formatChangeMs(n.delta.cumulativeTime),
      // As the page shows them: "new" for an added function, "gone" for a
      // removed one.
      n.base === null
        ? "new"
        : n.current === null
        ? "gone"
        : formatChangePercent(before, after),
      formatChangeMs(n.delta.internalTime),
      `${n.base ? formatCount(n.base.calls) : "-"} \u2192 ${
        n.current ? formatCount(n.current.calls) : "-"
      }`,
    ]);
    const { profile, id } = rowFunction(comparison, row);
    const f = profile.functions;
    // Files in the form the runs are matched by (two checkouts' paths
    // without the directory that holds each).
    const file =
      (profile === comparison.base ? forms.base : forms.current)[id]!;
    const label = functionLabel(
      shownText(file === "~" ? f.file[id]! : file),
      f.line[id]!,
      shownText(f.name[id]!),
    );
    const b = comparison.baseIds[row]!;
    const moved = b >= 0 && comparison.currentIds[row]! >= 0 &&
        comparison.base.functions.line[b] !== f.line[id]
      ? `, was line ${comparison.base.functions.line[b]}`
      : "";
    statuses.push(rowChange(comparison, row, threshold).padEnd(9));
    labels.push(escapeControls(`${label}${moved}`));
  }
  // The status column (9 and two spaces) stands between the numbers and
  // the location.
  const columns = numberColumns(headers, cells, {
    width: options.width,
    dropOrder: [4, 5, 0],
    between: 11,
  });
  yield `${columns.line(headers)}  ${"status".padEnd(9)}  location\n`;
  for (let i = 0; i < rows.length; i++) {
    yield `${columns.line(cells[i]!)}  ${statuses[i]}  ${
      fitToWidth(labels[i]!, columns.room)
    }\n`;
  }
  yield moreRowsLine(rows.length, total, "function");
}
