/**
 * Reports of a profile's groups (see `group.ts`): JSON and CSV for scripts,
 * an aligned table for the terminal. Each is produced in chunks, like the
 * function reports of `report.ts`, and laid out, like them, by
 * `text_table.ts` and `report_fields.ts`.
 *
 * @module
 */

import { formatCalls, formatCount, formatMs, formatPercent } from "./format.ts";
import {
  type GroupLevel,
  type GroupNumbers,
  isGroupNode,
  nodeKey,
  passesTotal,
} from "./group.ts";
import { escapeControls } from "./escape.ts";
import type { SortColumn } from "./query.ts";
import { csvField, jsonNumber } from "./report_fields.ts";
import {
  fitToWidth,
  moreRowsLine,
  numberColumns,
  selectionText,
  sortColumnName,
  totalsLine,
} from "./text_table.ts";

/**
 * Whether a node's cumulative number counts calls rather than seconds: a
 * group's, in a profile whose edges carry no times.
 */
function _inCalls(numbers: GroupNumbers, node: number): boolean {
  return numbers.cumulativeUnit === "calls" && isGroupNode(numbers.tree, node);
}

/** Whether a level's groups count calls rather than time (see `_inCalls`). */
function _levelInCalls(numbers: GroupNumbers): boolean {
  const level = numbers.tree.level;
  return numbers.cumulativeUnit === "calls" && level !== "line" &&
    level !== "function";
}

/**
 * The JSON report of groups. Its shape is a stable interface:
 *
 * ```
 * {"files": [...], "sampled": bool, "total_calls": int, "primitive_calls": int,
 *  "total_time": float, "by": "line|function|file|directory|package",
 *  "groups": [{"key": str, "functions": int, "lines": int (sampled only),
 *  "calls": int, "primitive_calls": int, "internal_time": float,
 *  "cumulative_time": float}]}
 * ```
 *
 * `key` is the group's shortened path (directories end in `/`) or name, or
 * a function's `file:line(name)` (a sampled function, which spans lines:
 * `file(name)`). Times are in seconds. A group's `cumulative_time` is the
 * time entering it (see `group.ts`: a group re-entered through code outside
 * it counts that time again); where the profile's edges carry no times (the
 * `profile` module) groups of files, directories and packages give
 * `"cumulative_time": null` and `"cumulative_calls"`, the calls entering the
 * group, instead. For a sampled profile `calls` is cumulative samples and
 * `primitive_calls` direct samples.
 *
 * @example
 * ```ts
 * import { groupJsonReport } from "./group_report.ts";
 * import { queryGroups } from "./group_rows.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const profile = buildProfile([statsFile("run.pstats", [{
 *   key: ["app/main.py", 1, "main"],
 *   calls: 1,
 *   primitiveCalls: 1,
 *   internalTime: 0.5,
 *   cumulativeTime: 0.5,
 * }])]);
 * const { numbers, ids } = queryGroups(profile, "package");
 * const report = JSON.parse([...groupJsonReport(numbers, ids)].join(""));
 * assertEquals(report.by, "package");
 * assertEquals(report.groups[0].key, "app");
 * assertEquals(report.groups[0].cumulative_time, 0.5);
 * ```
 *
 * @param numbers The groups' numbers.
 * @param ids The nodes to include, in order.
 * @returns The report's text in chunks.
 */
export function* groupJsonReport(
  numbers: GroupNumbers,
  ids: Iterable<number>,
): Generator<string> {
  const tree = numbers.tree;
  const profile = tree.profile;
  const t = profile.totals;
  yield `{"files":${
    JSON.stringify(profile.sources)
  },"sampled":${profile.sampled},` +
    `"total_calls":${t.calls},"primitive_calls":${t.primitiveCalls},` +
    `"total_time":${jsonNumber(t.time)},"by":"${tree.level}","groups":[`;
  let first = true;
  for (const n of ids) {
    const cumulative = _inCalls(numbers, n)
      ? `"cumulative_time":null,"cumulative_calls":${numbers.cumulative[n]}`
      : `"cumulative_time":${jsonNumber(numbers.cumulative[n]!)}`;
    yield `${first ? "" : ","}\n{"key":${JSON.stringify(nodeKey(tree, n))},` +
      `"functions":${numbers.functions[n]},` +
      (profile.sampled ? `"lines":${numbers.lines[n]},` : "") +
      `"calls":${numbers.calls[n]},` +
      `"primitive_calls":${numbers.primitiveCalls[n]},` +
      `"internal_time":${jsonNumber(numbers.internalTime[n]!)},${cumulative}}`;
    first = false;
  }
  yield "\n]}\n";
}

/**
 * The CSV report of groups (RFC 4180, with a header row): `key, functions,
 * calls, primitive_calls, internal_time, cumulative_time`. A sampled profile
 * adds `lines` after `functions` and names its counts `cumulative_samples,
 * direct_samples`; groups of a profile whose edges carry no times have
 * `cumulative_calls` in place of `cumulative_time`.
 *
 * @example
 * ```ts
 * import { groupCsvReport } from "./group_report.ts";
 * import { queryGroups } from "./group_rows.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const profile = buildProfile([statsFile("run.pstats", [{
 *   key: ["app/main.py", 1, "main"],
 *   calls: 2,
 *   primitiveCalls: 1,
 *   internalTime: 0.5,
 *   cumulativeTime: 0.75,
 * }])]);
 * const { numbers, ids } = queryGroups(profile, "file");
 * assertEquals([...groupCsvReport(numbers, ids)].join(""), [
 *   "key,functions,calls,primitive_calls,internal_time,cumulative_time\r\n",
 *   "app/main.py,1,2,1,0.5,0.75\r\n",
 * ].join(""));
 * ```
 *
 * @param numbers The groups' numbers.
 * @param ids The nodes to include, in order.
 * @returns The report's text in chunks, one per row.
 */
export function* groupCsvReport(
  numbers: GroupNumbers,
  ids: Iterable<number>,
): Generator<string> {
  const tree = numbers.tree;
  const sampled = tree.profile.sampled;
  const counts = sampled
    ? "lines,cumulative_samples,direct_samples"
    : "calls,primitive_calls";
  const cumulative = _levelInCalls(numbers)
    ? "cumulative_calls"
    : "cumulative_time";
  yield `key,functions,${counts},internal_time,${cumulative}\r\n`;
  for (const n of ids) {
    yield [
      csvField(nodeKey(tree, n)),
      numbers.functions[n],
      ...(sampled ? [numbers.lines[n]] : []),
      numbers.calls[n],
      numbers.primitiveCalls[n],
      numbers.internalTime[n],
      numbers.cumulative[n],
    ].join(",") + "\r\n";
  }
}

/** Options for {@linkcode groupTableReport}. */
export interface GroupTableOptions {
  /** The terminal's width in columns: keys are cut from the left to fit. */
  width?: number;
  /** How many groups matched before the limit, for the summary line. */
  total?: number;
  /** The filter used, for the summary line. */
  filter?: string;
  /** The sort column used, for the summary line. */
  sort?: SortColumn;
  /** Whether the sort was reversed from its natural direction. */
  reversed?: boolean;
}

const _NOUNS: Record<GroupLevel, string> = {
  line: "line",
  function: "function",
  file: "file",
  directory: "directory",
  package: "package",
};

/**
 * An aligned terminal table of groups, with times in milliseconds and
 * percentages of the total. A sampled profile shows functions, lines, direct
 * samples and times; groups of a profile whose edges carry no times show the
 * calls entering them (`cumul calls`) instead of a cumulative time.
 *
 * @example
 * ```ts
 * import { groupTableReport } from "./group_report.ts";
 * import { queryGroups } from "./group_rows.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertStringIncludes } from "@std/assert";
 *
 * const profile = buildProfile([statsFile("run.pstats", [{
 *   key: ["app/main.py", 1, "main"],
 *   calls: 1,
 *   primitiveCalls: 1,
 *   internalTime: 0.5,
 *   cumulativeTime: 0.5,
 * }])]);
 * const { numbers, ids } = queryGroups(profile, "package");
 * const table = [...groupTableReport(numbers, ids)].join("");
 * assertStringIncludes(table, "Grouped by package");
 * assertStringIncludes(table, "100.0%  app\n");
 * ```
 *
 * @param numbers The groups' numbers.
 * @param ids The nodes to show, in order.
 * @param options Width and what to say about the selection.
 * @returns The table's lines.
 */
export function* groupTableReport(
  numbers: GroupNumbers,
  ids: ArrayLike<number>,
  options: GroupTableOptions = {},
): Generator<string> {
  const tree = numbers.tree;
  const profile = tree.profile;
  const t = profile.totals;
  const level = tree.level;
  yield `${profile.sources.map((s) => escapeControls(s)).join(", ")}\n`;
  yield totalsLine(t, profile.sampled);
  const total = options.total ?? ids.length;
  const sort = options.sort ?? "cumulative";
  const folded = profile.sampled && level === "function"
    ? " (lines folded into functions)"
    : "";
  yield `Grouped by ${level}${folded}; sorted by ${
    selectionText({
      // Groups sort by their key for either.
      sortName: sort === "name" || sort === "file"
        ? "name"
        : sortColumnName(sort),
      reversed: options.reversed,
      shown: ids.length,
      total,
      noun: _NOUNS[level],
      matching: options.filter?.trim()
        ? ` holding functions matching "${
          escapeControls(options.filter.trim())
        }"`
        : "",
    })
  }\n\n`;

  const inCalls = _levelInCalls(numbers);
  const headers = profile.sampled
    ? [
      "functions",
      "lines",
      "direct",
      "direct %",
      "direct ms",
      "cumul ms",
      "cumul %",
    ]
    : inCalls
    ? ["functions", "calls", "internal ms", "internal %", "cumul calls"]
    : [
      "functions",
      "calls",
      "internal ms",
      "internal %",
      "cumul ms",
      "cumul %",
    ];
  const rows: string[][] = [];
  for (let i = 0; i < ids.length; i++) {
    const n = ids[i]!;
    const cc = numbers.primitiveCalls[n]!;
    const tt = numbers.internalTime[n]!;
    const ct = numbers.cumulative[n]!;
    const fns = formatCount(numbers.functions[n]!);
    rows.push(
      profile.sampled
        ? [
          fns,
          formatCount(numbers.lines[n]!),
          formatCount(cc),
          formatPercent(cc, t.primitiveCalls),
          formatMs(tt),
          formatMs(ct),
          formatPercent(ct, t.time),
        ]
        : [
          fns,
          formatCalls(numbers.calls[n]!, cc),
          formatMs(tt),
          formatPercent(tt, t.time),
          ...(inCalls ? [formatCount(ct)] : [
            formatMs(ct),
            formatPercent(ct, t.time),
          ]),
        ],
    );
  }
  // A function is one function, and a line one line: no column for that.
  const drop = level === "function"
    ? ["functions"]
    : level === "line"
    ? ["functions", "lines"]
    : [];
  const columns = numberColumns(headers, rows, {
    width: options.width,
    hidden: headers.map((_, c) => c).filter((c) => drop.includes(headers[c]!)),
  });
  const keyHeader = level === "line" || level === "function"
    ? "location"
    : level;
  yield `${columns.line(headers)}  ${keyHeader}\n`;
  for (let i = 0; i < ids.length; i++) {
    yield `${columns.line(rows[i]!)}  ${
      fitToWidth(escapeControls(nodeKey(tree, ids[i]!)), columns.room)
    }\n`;
  }
  yield moreRowsLine(ids.length, total, _NOUNS[level]);
  let reentered = false;
  for (let i = 0; i < ids.length; i++) {
    if (passesTotal(numbers, ids[i]!)) reentered = true;
  }
  if (reentered) {
    yield `\nA group over 100% was re-entered through code outside it, whose time it counts again.\n`;
  }
}
