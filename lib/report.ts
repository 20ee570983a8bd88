/**
 * Reports of a profile as text: an aligned table for the terminal, and JSON
 * and CSV for scripts. Each report is produced as a sequence of chunks so a
 * large profile streams to its destination instead of being built in memory.
 * The table's columns and lines are laid out by `text_table.ts`, which the
 * group and compare tables share; JSON and CSV fields by `report_fields.ts`.
 *
 * @module
 */

import { formatCalls, formatCount, formatMs, formatPercent } from "./format.ts";
import { escapeControls, safeJson, shownText } from "./escape.ts";
import { functionLabel } from "./location.ts";
import type { Profile } from "./profile.ts";
import type { SortColumn } from "./query.ts";
import { csvField, jsonNumber } from "./report_fields.ts";
import {
  fitToWidth,
  moreRowsLine,
  numberColumns,
  plural,
  selectionText,
  sortColumnName,
  totalsLine,
} from "./text_table.ts";

export { fitToWidth } from "./text_table.ts";

/**
 * The JSON report of the given functions. Its shape is a stable interface:
 *
 * ```
 * {"files": [...], "sampled": bool, "total_calls": int, "primitive_calls": int,
 *  "total_time": float, "functions": [{"file", "line", "name", "calls",
 *  "primitive_calls", "internal_time", "cumulative_time", "callers": [{"file",
 *  "line", "name", "calls", and where the file has them "primitive_calls",
 *  "internal_time", "cumulative_time"}]}]}
 * ```
 *
 * Times are in seconds as stored (always finite: the reader reads a time that
 * is not a finite number as 0, `boundTimes()`); counts are whole
 * numbers (the reader refuses others); files and names exactly as stored
 * (cut to 4,096 characters, `shownText()`, when longer than any real one),
 * with DEL, C1 and bidirectional controls written as `\uXXXX` escapes so
 * the text is safe on a terminal. For a sampled profile `calls` is cumulative samples and `primitive_calls` direct
 * samples.
 *
 * @example
 * ```ts
 * import { jsonReport } from "./report.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const profile = buildProfile([statsFile("run.pstats", [{
 *     key: ["app.py", 1, "main"],
 *     calls: 1,
 *     primitiveCalls: 1,
 *     internalTime: 0.5,
 *     cumulativeTime: 0.5,
 *   }])]);
 * const report = JSON.parse([...jsonReport(profile, [0])].join(""));
 * assertEquals(report.total_calls, 1);
 * assertEquals(report.functions[0].name, "main");
 * ```
 *
 * @param profile The profile.
 * @param ids The function ids to include, in order.
 * @returns The report's text in chunks.
 */
export function* jsonReport(
  profile: Profile,
  ids: Iterable<number>,
): Generator<string> {
  const t = profile.totals;
  yield `{"files":${safeJson(profile.sources)},"sampled":${profile.sampled},` +
    `"total_calls":${t.calls},"primitive_calls":${t.primitiveCalls},` +
    `"total_time":${jsonNumber(t.time)},"functions":[`;
  const f = profile.functions;
  const e = profile.edges;
  let first = true;
  for (const id of ids) {
    const callers: string[] = [];
    const start = profile.callerStart[id]!;
    const end = profile.callerStart[id + 1]!;
    for (let k = start; k < end; k++) {
      const edge = profile.callerEdges[k]!;
      const caller = e.caller[edge]!;
      callers.push(
        `{${_identity(profile, caller)},"calls":${e.calls[edge]}` +
          (profile.edgeDetail
            ? `,"primitive_calls":${e.primitiveCalls[edge]},` +
              `"internal_time":${jsonNumber(e.internalTime[edge]!)},` +
              `"cumulative_time":${jsonNumber(e.cumulativeTime[edge]!)}`
            : "") +
          "}",
      );
    }
    yield `${first ? "" : ","}\n{${_identity(profile, id)},` +
      `"calls":${f.calls[id]},"primitive_calls":${f.primitiveCalls[id]},` +
      `"internal_time":${jsonNumber(f.internalTime[id]!)},` +
      `"cumulative_time":${jsonNumber(f.cumulativeTime[id]!)},` +
      `"callers":[${callers.join(",")}]}`;
    first = false;
  }
  yield "\n]}\n";
}

function _identity(profile: Profile, id: number): string {
  const f = profile.functions;
  return `"file":${safeJson(shownText(f.file[id]!))},"line":${f.line[id]},` +
    `"name":${safeJson(shownText(f.name[id]!))}`;
}

/**
 * The CSV report of the given functions (RFC 4180, with a header row): file,
 * line, name, the two counts and the two times in seconds. A sampled profile's
 * count columns are named `cumulative_samples` and `direct_samples`.
 *
 * @example
 * ```ts
 * import { csvReport } from "./report.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const profile = buildProfile([statsFile("run.pstats", [{
 *     key: ["my app.py", 1, "main, again"],
 *     calls: 2,
 *     primitiveCalls: 1,
 *     internalTime: 0.5,
 *     cumulativeTime: 0.75,
 *   }])]);
 * assertEquals([...csvReport(profile, [0])].join(""), [
 *   "file,line,name,calls,primitive_calls,internal_time,cumulative_time\r\n",
 *   'my app.py,1,"main, again",2,1,0.5,0.75\r\n',
 * ].join(""));
 * ```
 *
 * @param profile The profile.
 * @param ids The function ids to include, in order.
 * @returns The report's text in chunks, one per row.
 */
export function* csvReport(
  profile: Profile,
  ids: Iterable<number>,
  options: CsvReportOptions = {},
): Generator<string> {
  const text = options.escapeControls ? escapeControls : (s: string) => s;
  const counts = profile.sampled
    ? "cumulative_samples,direct_samples"
    : "calls,primitive_calls";
  yield `file,line,name,${counts},internal_time,cumulative_time\r\n`;
  const f = profile.functions;
  for (const id of ids) {
    yield [
      csvField(text(shownText(f.file[id]!))),
      f.line[id],
      csvField(text(shownText(f.name[id]!))),
      f.calls[id],
      f.primitiveCalls[id],
      _csvFloat(f.internalTime[id]!),
      _csvFloat(f.cumulativeTime[id]!),
    ].join(",") + "\r\n";
  }
}

/** Options for {@linkcode csvReport}. */
export interface CsvReportOptions {
  /**
   * Show control characters in files and names as escapes (`\x1b`), for
   * a report written to a terminal. Defaults to `false`: exact text.
   */
  escapeControls?: boolean;
}

/** A time that is not finite is an empty field, as JSON's `null`. */
function _csvFloat(n: number): string {
  return Number.isFinite(n) ? String(n) : "";
}

/** Options for {@linkcode tableReport}. */
export interface TableReportOptions {
  /**
   * The terminal's width in columns: per-call and percentage columns are
   * dropped when it is narrow, and long locations cut from the left to fit.
   */
  width?: number;
  /** How many functions matched before the limit, for the summary line. */
  total?: number;
  /** The filter used, for the summary line. */
  filter?: string;
  /** The sort column used, for the summary line. */
  sort?: SortColumn;
  /** Whether the sort was reversed from its natural direction. */
  reversed?: boolean;
}

/**
 * A readable, aligned table for the terminal, in the spirit of pstats'
 * `print_stats()` but with times in milliseconds, like the web page. A
 * sampled profile shows samples instead of calls.
 *
 * @example
 * ```ts
 * import { tableReport } from "./report.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertStringIncludes } from "@std/assert";
 *
 * const profile = buildProfile([statsFile("run.pstats", [{
 *     key: ["app.py", 1, "main"],
 *     calls: 1,
 *     primitiveCalls: 1,
 *     internalTime: 0.5,
 *     cumulativeTime: 0.5,
 *   }])]);
 * const table = [...tableReport(profile, [0])].join("");
 * assertStringIncludes(table, "1 function call in 500.000 ms");
 * assertStringIncludes(table, "app.py:1(main)");
 * ```
 *
 * @param profile The profile.
 * @param ids The function ids to show, in order.
 * @param options Width and what to say about the selection.
 * @returns The table's lines.
 */
export function* tableReport(
  profile: Profile,
  ids: ArrayLike<number>,
  options: TableReportOptions = {},
): Generator<string> {
  const f = profile.functions;
  const t = profile.totals;
  const sources = profile.sources.map((source) => escapeControls(source));
  // A folder of thousands of files: name a few and count them.
  yield sources.length > 4
    ? `${sources.slice(0, 3).join(", ")} and ${
      formatCount(sources.length - 3)
    } more (${plural(sources.length, "file")})\n`
    : `${sources.join(", ")}\n`;
  yield totalsLine(t, profile.sampled);
  const total = options.total ?? ids.length;
  yield `Sorted by ${
    selectionText({
      sortName: sortColumnName(options.sort ?? "cumulative"),
      reversed: options.reversed,
      shown: ids.length,
      total,
      noun: "function",
      matching: options.filter?.trim()
        ? ` matching "${escapeControls(options.filter.trim())}"`
        : "",
    })
  }\n\n`;

  const headers = profile.sampled
    ? ["samples", "direct", "direct %", "cumul %", "direct ms", "cumul ms"]
    : ["calls", "internal ms", "per call", "cumul ms", "per call", "cumul %"];
  const samples = t.primitiveCalls;
  const rows: string[][] = [];
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    const nc = f.calls[id]!;
    const cc = f.primitiveCalls[id]!;
    const tt = f.internalTime[id]!;
    const ct = f.cumulativeTime[id]!;
    rows.push(
      profile.sampled
        ? [
          formatCount(nc),
          formatCount(cc),
          formatPercent(cc, samples),
          formatPercent(nc, samples),
          formatMs(tt),
          formatMs(ct),
        ]
        : [
          formatCalls(nc, cc),
          formatMs(tt),
          formatMs(nc > 0 ? tt / nc : 0),
          formatMs(ct),
          formatMs(cc > 0 ? ct / cc : 0),
          formatPercent(ct, t.time),
        ],
    );
  }
  // On a narrow terminal, drop the least needed columns before cutting the
  // location below a readable width.
  const columns = numberColumns(headers, rows, {
    width: options.width,
    dropOrder: profile.sampled ? [3, 2] : [4, 2, 5],
  });
  yield `${columns.line(headers)}  location\n`;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    const location = escapeControls(
      functionLabel(
        shownText(f.shortFile[id]!),
        f.line[id]!,
        shownText(f.name[id]!),
      ),
    );
    yield `${columns.line(rows[i]!)}  ${fitToWidth(location, columns.room)}\n`;
  }
  yield moreRowsLine(ids.length, total, "function");
}
