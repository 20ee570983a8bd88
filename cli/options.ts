/**
 * The command line's options: what each one takes, how they are parsed and
 * checked ({@linkcode parseOptions}), and the {@linkcode UsageError} a
 * command line the program cannot act on ends with (exit code 2).
 *
 * @module
 */

import { parseArgs } from "@std/cli/parse-args";
import {
  grantedEnv,
  parseSourceOptions,
  type SourceOptions,
} from "./source.ts";
import { DEFAULT_MIN_SHARE } from "../lib/call_tree.ts";
import {
  checkTransform,
  MAX_TRANSFORMS,
  type Transform,
  TRANSFORM_KINDS,
  type TransformKind,
  transformText,
} from "../lib/call_transform.ts";
import { cutText } from "../lib/escape.ts";
import {
  checkFilter,
  isDescendingByDefault,
  isSortColumn,
  SORT_COLUMNS,
  type SortColumn,
} from "../lib/query.ts";
import {
  CHANGE_KINDS,
  type ChangeKind,
  COMPARE_SORT_COLUMNS,
  type CompareSortColumn,
  DEFAULT_THRESHOLD,
  isCompareDescendingByDefault,
  isCompareSortColumn,
  type NoiseThreshold,
  parseThreshold,
  thresholdText,
} from "../lib/compare.ts";
import { GROUP_LEVELS, type GroupLevel, isGroupLevel } from "../lib/group.ts";

/** A report format: `table`, `json`, `csv` or `collapsed` (folded stacks). */
export type ReportFormat = "table" | "json" | "csv" | "collapsed";
const _FORMATS: readonly ReportFormat[] = ["table", "json", "csv", "collapsed"];

/** Aliases for sort columns, including pstats' own names. */
const _SORT_ALIASES: Record<string, SortColumn> = {
  ncalls: "calls",
  pcalls: "primitive_calls",
  tottime: "internal",
  time: "internal",
  cumtime: "cumulative",
  filename: "file",
  module: "file",
  function: "name",
};

/** More sort names when comparing (`--sort change` and the like). */
const _COMPARE_SORT_ALIASES: Record<string, CompareSortColumn> = {
  change: "cumulative_change",
  change_percent: "cumulative_change_percent",
  before: "cumulative_before",
  after: "cumulative",
  cumtime_change: "cumulative_change",
  tottime_change: "internal_change",
  ncalls_change: "calls_change",
};

/** The command line, parsed. */
export interface Options {
  /** What to do. */
  command: "help" | "version" | "report" | "html" | "serve";
  /** The pstats files and folders of them (the "after" side when comparing). */
  files: string[];
  /** The "before" pstats files and folders to compare with (`--base`); empty when not comparing. */
  base: string[];
  /** The sort column when comparing. */
  compareSort: CompareSortColumn;
  /** The kinds of change to show when comparing (`--only`); all when empty. */
  only: ChangeKind[];
  /** What counts as a change when comparing (`--threshold`). */
  threshold: NoiseThreshold;
  /** Whether to read the folders below a folder given. */
  recursive: boolean;
  /** Whether to go on past bad files, listing them. */
  skipBad: boolean;
  /** Where to write the HTML report, for `html`. */
  html: string | undefined;
  /** The report format, for `report`. */
  format: ReportFormat;
  /** The sort column. */
  sort: SortColumn;
  /** Whether to flip the sort's natural direction. */
  reverse: boolean;
  /** At most this many functions, if given. */
  limit: number | undefined;
  /** Filter terms. */
  filter: string;
  /** For `collapsed`: cut branches under this share of the total, 0 to 1. */
  minShare: number;
  /** The level to group by, if given. */
  by: GroupLevel | undefined;
  /**
   * Transforms of the call tree (`--merge`, `--collapse`, `--focus`,
   * `--drop`), in the order given: for `collapsed`, `--html` and the page.
   */
  transforms: Transform[];
  /** The address to listen on, for `serve`. */
  host: string;
  /** The port to listen on, for `serve`. */
  port: number;
  /** Whether to open a browser, for `serve`. */
  open: boolean;
  /** Files larger than this many bytes are refused (`Infinity`: no limit). */
  maxSize: number;
  /** Whether an internal error (a bug) shows its stack trace. */
  debug: boolean;
  /** `--map-path`, `--editor`, `--editor-url` (see `cli/source.ts`). */
  source: SourceOptions;
  /** Whether the HTML report carries the profile's sources (`--html-source`). */
  htmlSource: boolean;
}

/** The default `--max-size`: larger than any real pstats file. */
export const DEFAULT_MAX_SIZE = 1024 ** 3;

/** A command line the program cannot act on; exit code 2. */
export class UsageError extends Error {
  /** Makes the error with its message. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * Parses the command line into {@linkcode Options}.
 *
 * @param args The arguments, without the program name.
 * @returns The options.
 * @throws {UsageError} When the arguments are not usable.
 */
export function parseOptions(args: string[]): Options {
  const unknown: string[] = [];
  const { rest, transforms } = _transforms(args);
  const parsed = parseArgs(_joinNegativeValues(rest), {
    string: [
      "format",
      "sort",
      "limit",
      "filter",
      "host",
      "port",
      "min-share",
      "base",
      "only",
      "threshold",
      "by",
      "max-size",
      "html",
      "map-path",
      "editor",
      "editor-url",
    ],
    collect: ["base", "map-path"],
    boolean: [
      "help",
      "version",
      "reverse",
      "open",
      "recursive",
      "skip-bad",
      "debug",
      "html-source",
    ],
    negatable: ["open"],
    alias: {
      h: "help",
      V: "version",
      f: "format",
      s: "sort",
      n: "limit",
      r: "recursive",
      b: "base",
    },
    default: { open: true },
    unknown: (arg: string) => {
      if (arg.startsWith("-") && arg !== "-") unknown.push(arg);
      return !arg.startsWith("-") || arg === "-";
    },
  }) as Record<string, unknown> & { _: (string | number)[] };
  if (unknown.length > 0) {
    throw new UsageError(`Unknown option ${unknown[0]!.split("=")[0]}`);
  }
  const text = (name: string): string | undefined => {
    const value = parsed[name];
    if (Array.isArray(value)) {
      throw new UsageError(`--${name} was given more than once`);
    }
    return typeof value === "string" ? value : undefined;
  };
  const files = parsed._.map(String);
  const base = (parsed.base as string[] | undefined ?? []).filter((b) =>
    typeof b === "string"
  );
  if (base.some((b) => b === "")) {
    throw new UsageError("--base needs a pstats file");
  }
  if (files.includes("-")) {
    throw new UsageError(
      "Can't read a profile from standard input (-): give its file name (./- for a file named -)",
    );
  }
  const onlyText = text("only");
  const only = (onlyText ?? "").split(",").map((k) => k.trim()).filter((k) =>
    k !== ""
  );
  if (onlyText !== undefined && base.length === 0) {
    throw new UsageError("--only applies when comparing with --base");
  }
  const badKind = only.find((k) =>
    !(CHANGE_KINDS as readonly string[]).includes(k)
  );
  if (badKind !== undefined || (onlyText !== undefined && only.length === 0)) {
    throw new UsageError(
      `Invalid --only "${onlyText}": use one or more of ${
        CHANGE_KINDS.join(", ")
      }, separated by commas`,
    );
  }
  const thresholdArg = text("threshold");
  if (thresholdArg !== undefined && base.length === 0) {
    throw new UsageError("--threshold applies when comparing with --base");
  }
  const threshold = thresholdArg === undefined
    ? DEFAULT_THRESHOLD
    : parseThreshold(thresholdArg);
  if (threshold === undefined) {
    throw new UsageError(
      `Invalid --threshold "${
        cutText(thresholdArg!, 40)
      }": use percentages of the total and of a function's own time, such as 0.5,5, or 0 to count every change`,
    );
  }
  const formatText = text("format");
  if (
    formatText !== undefined &&
    !(_FORMATS as readonly string[]).includes(formatText)
  ) {
    throw new UsageError(
      `Invalid --format "${formatText}": use table, json, csv or collapsed`,
    );
  }
  const sortText = text("sort")?.toLowerCase().replaceAll("-", "_");
  let sort: SortColumn = "cumulative";
  let compareSort: CompareSortColumn = "cumulative_change";
  if (sortText !== undefined && base.length > 0) {
    const column = _COMPARE_SORT_ALIASES[sortText] ??
      _SORT_ALIASES[sortText] ?? sortText;
    if (!isCompareSortColumn(column)) {
      throw new UsageError(
        `Invalid --sort "${text("sort")}" when comparing: use one of ${
          COMPARE_SORT_COLUMNS.join(", ")
        }`,
      );
    }
    compareSort = column;
  } else if (sortText !== undefined) {
    const column = _SORT_ALIASES[sortText] ?? sortText;
    if (!isSortColumn(column)) {
      throw new UsageError(
        `Invalid --sort "${text("sort")}": use one of ${
          SORT_COLUMNS.join(", ")
        }`,
      );
    }
    sort = column;
  }
  const limitText = text("limit");
  let limit: number | undefined;
  if (limitText !== undefined) {
    limit = Number(limitText);
    if (!/^\d+$/.test(limitText.trim()) || !Number.isSafeInteger(limit)) {
      throw new UsageError(
        `Invalid --limit "${limitText}": use a whole number of 0 or more`,
      );
    }
  }
  const minShare = _minShare(text("min-share"), formatText);
  if (formatText === "collapsed") {
    const given = ["sort", "limit"].find((name) => text(name) !== undefined) ??
      (parsed.reverse === true ? "reverse" : undefined);
    if (given !== undefined) {
      throw new UsageError(
        `--${given} does not apply to --format collapsed, which prints paths, not a list of functions`,
      );
    }
    if (base.length > 0) {
      throw new UsageError(
        "--format collapsed prints one profile's paths and does not compare: drop --base",
      );
    }
  }
  const byText = text("by");
  if (byText !== undefined && !isGroupLevel(byText)) {
    throw new UsageError(
      `Invalid --by "${byText}": use one of ${GROUP_LEVELS.join(", ")}`,
    );
  }
  if (byText !== undefined && formatText === "collapsed") {
    throw new UsageError(
      "--by does not apply to --format collapsed, which prints paths of functions",
    );
  }
  if (byText !== undefined && base.length > 0) {
    throw new UsageError(
      "--by does not apply when comparing with --base: functions are compared",
    );
  }
  const portText = text("port");
  let port = 8099;
  if (portText !== undefined) {
    port = Number(portText);
    if (!/^\d+$/.test(portText.trim()) || port > 65535) {
      throw new UsageError(
        `Invalid --port "${portText}": use a number from 0 to 65535`,
      );
    }
  }
  const filter = text("filter") ?? "";
  const filterProblem = checkFilter(filter);
  if (filterProblem !== undefined) {
    throw new UsageError(`Invalid --filter: ${filterProblem}`);
  }
  let source: SourceOptions;
  try {
    source = parseSourceOptions({
      mapPath: (parsed["map-path"] as string[] | undefined ?? []).map(String),
      editor: text("editor"),
      editorUrl: text("editor-url"),
    }, grantedEnv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const maxSizeText = text("max-size");
  let maxSize = DEFAULT_MAX_SIZE;
  if (maxSizeText !== undefined) {
    const size = _parseSize(maxSizeText);
    if (size === undefined) {
      throw new UsageError(
        `Invalid --max-size "${
          cutText(maxSizeText, 40)
        }": use a size such as 2G, 500M or 0 for no limit`,
      );
    }
    maxSize = size;
  }
  const host = text("host") ?? "127.0.0.1";
  if (host.trim() === "") throw new UsageError("Invalid --host: it is empty");
  const html = text("html");
  if (html !== undefined && html.trim() === "") {
    throw new UsageError("Invalid --html: give the file to write");
  }
  const htmlSource = parsed["html-source"] === true;
  if (htmlSource && html === undefined) {
    throw new UsageError("--html-source applies to an --html report");
  }
  if (html !== undefined && formatText !== undefined) {
    throw new UsageError("--html and --format can't be used together");
  }
  const command = parsed.help
    ? "help"
    : parsed.version
    ? "version"
    : formatText !== undefined
    ? "report"
    : html !== undefined
    ? "html"
    : "serve";
  if (transforms.length > 0) {
    const flag = `--${transforms[0]!.kind}`;
    if (formatText !== undefined && formatText !== "collapsed") {
      throw new UsageError(
        `${flag} applies to --format collapsed, --html and the explorer's flame graph, not to --format ${formatText}`,
      );
    }
    if (byText !== undefined) {
      throw new UsageError(
        `${flag} opens the flame graph and --by the groups view: drop one of them`,
      );
    }
  }
  if (command !== "help" && command !== "version" && files.length === 0) {
    throw new UsageError(
      base.length > 0
        ? "No pstats file to compare with the --base file: give the AFTER files too"
        : "No pstats file given",
    );
  }
  return {
    command,
    files,
    html,
    base,
    compareSort,
    only: CHANGE_KINDS.filter((k) => only.includes(k)),
    threshold,
    recursive: parsed.recursive === true,
    skipBad: parsed["skip-bad"] === true,
    format: (formatText ?? "table") as ReportFormat,
    sort,
    reverse: parsed.reverse === true,
    limit,
    filter,
    minShare,
    by: byText,
    transforms,
    host,
    port,
    open: parsed.open !== false,
    maxSize,
    debug: parsed.debug === true,
    source,
    htmlSource,
  };
}

/**
 * Takes the transforms (`--merge T`, `--collapse=T`, …) out of the
 * arguments, in the order given, each value as it is (a target may start
 * with `-`: `--drop "-x"` is not an option).
 */
function _transforms(
  args: string[],
): { rest: string[]; transforms: Transform[] } {
  const rest: string[] = [];
  const transforms: Transform[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      rest.push(...args.slice(i));
      break;
    }
    const match = /^--([a-z]+)(?:=(.*))?$/s.exec(arg);
    const kind = match?.[1];
    if (
      match === null || kind === undefined ||
      !(TRANSFORM_KINDS as readonly string[]).includes(kind)
    ) {
      rest.push(arg);
      continue;
    }
    let target = match[2];
    if (target === undefined) {
      if (i + 1 >= args.length) {
        throw new UsageError(
          `--${kind} needs ${_TARGETS[kind as TransformKind]}`,
        );
      }
      target = args[++i]!;
    }
    const transform = { kind: kind as TransformKind, target: target.trim() };
    const problem = checkTransform(transform);
    if (problem !== undefined) {
      throw new UsageError(
        `Invalid --${kind} "${cutText(target, 60)}": ${problem}`,
      );
    }
    transforms.push(transform);
  }
  if (transforms.length > MAX_TRANSFORMS) {
    throw new UsageError(
      `${transforms.length} transforms given; at most ${MAX_TRANSFORMS} are allowed`,
    );
  }
  return { rest, transforms };
}

/** What each transform's option takes, for its error. */
const _TARGETS: Record<TransformKind, string> = {
  merge: "a location, terms, stdlib, site-packages or builtins",
  collapse: "stdlib, site-packages, builtins or a path",
  focus: "a location, terms, stdlib, site-packages or builtins",
  drop: "a location, terms, stdlib, site-packages or builtins",
};

/** The options whose value is a number, by every name they have. */
const _NUMBER_OPTIONS: Record<string, string> = {
  "-n": "--limit",
  "--limit": "--limit",
  "--port": "--port",
  "--min-share": "--min-share",
  "--max-size": "--max-size",
};

/**
 * `--limit -1` as `--limit=-1`, and `--filter -x` as `--filter=-x`:
 * parseArgs takes a value that starts with `-` for an option, so the user
 * would hear of an unknown option `-1` instead of a bad limit, and could
 * not start a filter with an excluded term.
 */
function _joinNegativeValues(args: string[]): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") return [...joined, ...args.slice(i)];
    const long = _NUMBER_OPTIONS[arg];
    const next = args[i + 1];
    if (long !== undefined && next !== undefined && /^-[\d.]/.test(next)) {
      joined.push(`${long}=${next}`);
      i++;
    } else if (arg === "--filter" && next !== undefined) {
      // A filter may start with an excluded term: --filter -test.
      joined.push(`--filter=${next}`);
      i++;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}

/** `--min-share PERCENT`: a share from 0 to 1. */
function _minShare(
  value: string | undefined,
  format: string | undefined,
): number {
  if (value === undefined) return DEFAULT_MIN_SHARE;
  if (format !== "collapsed") {
    throw new UsageError("--min-share only applies to --format collapsed");
  }
  const percent = Number(value.trim().replace(/%$/, ""));
  if (value.trim() === "" || !(percent >= 0 && percent <= 100)) {
    throw new UsageError(
      `Invalid --min-share "${value}": use a percentage from 0 to 100`,
    );
  }
  return percent / 100;
}

/** Reads `2G`, `500M`, `64K` or a number of bytes; `0` means no limit. */
function _parseSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(text.trim());
  if (match === null) return undefined;
  const unit = "bkmgt".indexOf(match[2]!.toLowerCase() || "b");
  const size = Math.round(Number(match[1]) * 1024 ** unit);
  if (!Number.isFinite(size)) return undefined;
  return size === 0 ? Infinity : size;
}

/**
 * The page's query string for what the command line asked for: the groups
 * view with `--by`, the flame graph with its transforms (`--merge`, …),
 * the filter, the sort and its direction, `--only` and `--threshold`; `""`
 * when nothing was asked.
 */
export function startSearch(options: Options, sampled: boolean): string {
  const params = new URLSearchParams();
  if (options.by !== undefined) {
    params.set("tab", "groups");
    params.set("by", options.by);
  }
  if (options.transforms.length > 0) {
    params.set("tab", "flame");
    for (const t of options.transforms) params.append("t", transformText(t));
  }
  if (options.filter.trim() !== "") params.set("q", options.filter);
  const comparing = options.base.length > 0;
  const sort = comparing ? options.compareSort : options.sort;
  if (sort !== (comparing ? "cumulative_change" : "cumulative")) {
    params.set("sort", sort);
  }
  if (options.reverse) {
    const natural = comparing
      ? isCompareDescendingByDefault(options.compareSort, options.only)
      : isDescendingByDefault(options.sort);
    if (comparing || sort !== "cumulative") params.set("sort", sort);
    params.set("desc", natural ? "0" : "1");
  }
  if (options.only.length > 0) params.set("only", options.only.join(","));
  const threshold = thresholdText(options.threshold);
  if (comparing && threshold !== thresholdText(DEFAULT_THRESHOLD)) {
    params.set("threshold", threshold);
  }
  // A comparison opens on its own tab, and a sampled profile on its lines
  // folded into functions, only from a bare URL: say it.
  const flame = options.transforms.length > 0;
  if (comparing && params.size > 0 && !flame) params.set("tab", "compare");
  else if (
    sampled && params.size > 0 && options.by === undefined && !flame
  ) {
    params.set("tab", "groups");
    params.set("by", "function");
  }
  const search = params.toString();
  return search === "" ? "" : `?${search}`;
}
