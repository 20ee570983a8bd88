/**
 * The reports printed to stdout (`--format`): the list reports from one
 * table, format to writer, for each subject (functions, groups with `--by`,
 * two runs compared with `--base`), and the folded stacks of `collapsed`.
 *
 * @module
 */

import {
  buildCallTree,
  type CallTree,
  pathsThrough,
  treeNotes,
} from "../lib/call_tree.ts";
import { transformCallTree } from "../lib/call_transform.ts";
import { sandwichSource } from "../lib/call_sandwich.ts";
import { parseTarget, targetFunctions } from "../lib/transform_target.ts";
import { cutText, escapeControls, escapeTerminalText } from "../lib/escape.ts";
import { collapsedStacks, DEFAULT_FOLDED_BYTES } from "../lib/folded_stacks.ts";
import type { Profile } from "../lib/profile.ts";
import { isDescendingByDefault, queryFunctions } from "../lib/query.ts";
import { csvReport, jsonReport, tableReport } from "../lib/report.ts";
import {
  type Comparison,
  isCompareDescendingByDefault,
  queryComparison,
} from "../lib/compare.ts";
import {
  compareCsvReport,
  compareJsonReport,
  compareTableReport,
} from "../lib/compare_report.ts";
import type { GroupNumbers } from "../lib/group.ts";
import { queryGroups } from "../lib/group_rows.ts";
import {
  groupCsvReport,
  groupJsonReport,
  groupTableReport,
} from "../lib/group_report.ts";
import type { Loaded } from "./load.ts";
import { type Options, type ReportFormat, UsageError } from "./options.ts";

/**
 * Prints the report the options ask for to stdout.
 *
 * @returns The exit code: 0, also when the reader of a pipe stopped early
 * (`| head`).
 */
export async function printReport(
  loaded: Loaded,
  options: Options,
): Promise<number> {
  try {
    await _write(_report(loaded, options));
  } catch (error) {
    if (error instanceof Deno.errors.BrokenPipe) return 0;
    throw error;
  }
  return 0;
}

/** What a list report's writer is given besides its rows. */
interface _Context {
  readonly options: Options;
  /** How many rows matched, before the limit. */
  readonly total: number;
}

/** The writers of one list format, one per subject. */
interface _Writers {
  /** How many rows it shows without `--limit` (`undefined`: every one). */
  readonly limit: number | undefined;
  /** Whether it folds a sampled profile's lines into functions. */
  readonly foldsLines: boolean;
  functions(profile: Profile, ids: Uint32Array, c: _Context): Iterable<string>;
  groups(
    numbers: GroupNumbers,
    ids: Uint32Array,
    c: _Context,
  ): Iterable<string>;
  comparison(
    comparison: Comparison,
    rows: Uint32Array,
    c: _Context,
  ): Iterable<string>;
}

/**
 * Every list format's writers. The table folds a sampled profile's lines
 * into functions; JSON and CSV keep the stored rows unless asked to group.
 */
const _WRITERS: Record<Exclude<ReportFormat, "collapsed">, _Writers> = {
  table: {
    limit: 40,
    foldsLines: true,
    functions: (profile, ids, c) =>
      tableReport(profile, ids, { ..._tableSummary(c), sort: c.options.sort }),
    groups: (numbers, ids, c) =>
      groupTableReport(numbers, ids, {
        ..._tableSummary(c),
        sort: c.options.sort,
      }),
    comparison: (comparison, rows, c) =>
      compareTableReport(comparison, rows, {
        ..._tableSummary(c),
        only: c.options.only,
        sort: c.options.compareSort,
        threshold: c.options.threshold,
      }),
  },
  json: {
    limit: undefined,
    foldsLines: false,
    functions: (profile, ids) => jsonReport(profile, ids),
    groups: (numbers, ids) => groupJsonReport(numbers, ids),
    comparison: (comparison, rows, c) =>
      compareJsonReport(comparison, rows, { threshold: c.options.threshold }),
  },
  csv: {
    limit: undefined,
    foldsLines: false,
    functions: (profile, ids) =>
      csvReport(profile, ids, { escapeControls: Deno.stdout.isTerminal() }),
    groups: (numbers, ids) => groupCsvReport(numbers, ids),
    comparison: (comparison, rows, c) =>
      compareCsvReport(comparison, rows, { threshold: c.options.threshold }),
  },
};

function _report(
  { profile, comparison }: Loaded,
  options: Options,
): Iterable<string> {
  if (options.format === "collapsed") return _collapsed(profile, options);
  const writers = _WRITERS[options.format];
  const limit = options.limit ?? writers.limit;
  const paging = limit === undefined ? {} : { limit };
  if (comparison !== undefined) {
    const sort = options.compareSort;
    const { total, rows } = queryComparison(comparison, {
      filter: options.filter,
      changes: options.only,
      threshold: options.threshold,
      sort,
      descending: isCompareDescendingByDefault(sort, options.only) !==
        options.reverse,
      ...paging,
    });
    return writers.comparison(comparison, rows, { options, total });
  }
  const query = {
    filter: options.filter,
    sort: options.sort,
    descending: isDescendingByDefault(options.sort) !== options.reverse,
    ...paging,
  };
  const by = options.by ??
    (writers.foldsLines && profile.sampled ? "function" : undefined);
  if (by !== undefined) {
    const { numbers, total, ids } = queryGroups(profile, by, query);
    return writers.groups(numbers, ids, { options, total });
  }
  const { total, ids } = queryFunctions(profile, query);
  return writers.functions(profile, ids, { options, total });
}

/**
 * The estimated call tree as folded stacks, transformed, through matches
 * if filtered.
 */
function _collapsed(profile: Profile, options: Options): Iterable<string> {
  const tree = _tree(profile, options);
  for (const note of treeNotes(tree)) {
    console.error(escapeControls(`Call tree: ${note}`));
  }
  const onCut = (value: number) => {
    const share = Number((value / tree.total * 100).toPrecision(2));
    console.error(
      `Call tree: the folded stacks would pass ${
        DEFAULT_FOLDED_BYTES / 1024 / 1024
      } MiB: frames under ${share}% of the total are together in [other] frames`,
    );
  };
  if (options.filter.trim() === "") return collapsedStacks(tree, { onCut });
  const { ids } = queryFunctions(tree.profile, { filter: options.filter });
  const keep = pathsThrough(tree, ids).marked;
  return collapsedStacks(tree, { keep, onCut });
}

/**
 * The call tree `collapsed` prints: with transforms, the tree the page
 * transforms (every branch, up to 100,000 frames: `sandwichSource()`),
 * transformed, then cut by `--min-share` of what is left.
 *
 * @throws {UsageError} When a `--focus` names no function of the profile.
 */
function _tree(profile: Profile, options: Options): CallTree {
  const { transforms, minShare } = options;
  if (transforms.length === 0) return buildCallTree(profile, { minShare });
  const whole = sandwichSource(profile);
  for (const t of transforms) {
    if (t.kind !== "focus") continue;
    if (!targetFunctions(whole.profile, parseTarget(t.target)).includes(1)) {
      throw new UsageError(
        `Invalid --focus "${
          cutText(t.target, 60)
        }": it names no function of the profile`,
      );
    }
  }
  return transformCallTree(whole, transforms, { minShare });
}

/**
 * Writes a report to stdout. On a terminal, control characters from the
 * profile (in any format: table, CSV, collapsed stacks, JSON's C1 and bidi
 * characters) are shown escaped; piped to a file, the text is exact.
 */
async function _write(chunks: Iterable<string>): Promise<void> {
  const encoder = new TextEncoder();
  const writer = Deno.stdout.writable.getWriter();
  const safe = Deno.stdout.isTerminal()
    ? escapeTerminalText
    : (text: string) => text;
  let buffer = "";
  try {
    for (const chunk of chunks) {
      buffer += chunk;
      if (buffer.length >= 1 << 16) {
        await writer.write(encoder.encode(safe(buffer)));
        buffer = "";
      }
    }
    if (buffer) await writer.write(encoder.encode(safe(buffer)));
  } finally {
    writer.releaseLock();
  }
}

/**
 * What the summary line of every table report says (how many matched, the
 * filter, a reversed sort), and the terminal's width when printing to one.
 */
function _tableSummary({ options, total }: _Context): {
  total: number;
  filter: string;
  reversed: boolean;
  width?: number;
} {
  return {
    total,
    filter: options.filter,
    reversed: options.reverse,
    ...(Deno.stdout.isTerminal() ? { width: _terminalWidth() } : {}),
  };
}

function _terminalWidth(): number {
  try {
    return Deno.consoleSize().columns;
  } catch {
    return 100;
  }
}
