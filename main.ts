/**
 * The `profiling-explorer` command: explore Python pstats profiles in the
 * browser, or print them as a table, JSON or CSV.
 *
 * @module
 */

import { parseArgs } from "@std/cli/parse-args";
import denoJson from "./deno.json" with { type: "json" };
import {
  buildCallTree,
  collapsedStacks,
  DEFAULT_MIN_SHARE,
  pathsThrough,
} from "./lib/call_tree.ts";
import { findProfiles, pytestCombined } from "./lib/folder.ts";
import { cutText, escapeControls, escapeTerminalText } from "./lib/escape.ts";
import { formatCount } from "./lib/format.ts";
import type { Profile } from "./lib/profile.ts";
import {
  checkPstatsHead,
  loadProfileAsync,
  type ProfileInput,
  type PstatsStream,
} from "./lib/pstats.ts";
import {
  checkFilter,
  isDescendingByDefault,
  isSortColumn,
  queryFunctions,
  SORT_COLUMNS,
  type SortColumn,
} from "./lib/query.ts";
import { csvReport, jsonReport, tableReport } from "./lib/report.ts";
import {
  CHANGE_KINDS,
  type ChangeKind,
  COMPARE_SORT_COLUMNS,
  compareProfiles,
  type CompareSortColumn,
  type Comparison,
  isCompareDescendingByDefault,
  isCompareSortColumn,
  queryComparison,
} from "./lib/compare.ts";
import {
  compareCsvReport,
  compareJsonReport,
  compareTableReport,
} from "./lib/compare_report.ts";
import {
  GROUP_LEVELS,
  type GroupLevel,
  isGroupLevel,
  queryGroups,
} from "./lib/group.ts";
import {
  groupCsvReport,
  groupJsonReport,
  groupTableReport,
} from "./lib/group_report.ts";
import { htmlReport, REPORT_GENERATOR } from "./lib/html_report.ts";
import { allowedHosts, createHandler, PAGE_DATA_PATHS } from "./lib/server.ts";
import { newSecret } from "./lib/source_routes.ts";
import {
  embedSources,
  pageSourceMeta,
  parseSourceOptions,
  type SourceOptions,
  sourceServing,
} from "./cli/source.ts";
import { UI_ASSETS } from "./ui/bundle.gen.ts";
import { basename, dirname, join, resolve } from "@std/path";
import { serveWithTimeouts, type TimeoutServer } from "./lib/timeout_front.ts";

export type { SortColumn };

/** The program's version, from deno.json. */
export const VERSION: string = denoJson.version;

const _NAME = "profiling-explorer";
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
  /** The address to listen on, for `serve`. */
  host: string;
  /** The port to listen on, for `serve`. */
  port: number;
  /** Whether to open a browser, for `serve`. */
  open: boolean;
  /** Files larger than this many bytes are refused (`Infinity`: no limit). */
  maxSize: number;
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
  const parsed = parseArgs(_joinNegativeValues(args), {
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
    }, (name) => {
      try {
        return Deno.env.get(name);
      } catch {
        return undefined;
      }
    });
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
    recursive: parsed.recursive === true,
    skipBad: parsed["skip-bad"] === true,
    format: (formatText ?? "table") as ReportFormat,
    sort,
    reverse: parsed.reverse === true,
    limit,
    filter,
    minShare,
    by: byText,
    host,
    port,
    open: parsed.open !== false,
    maxSize,
    source,
    htmlSource,
  };
}

/** The options whose value is a number, by every name they have. */
const _NUMBER_OPTIONS: Record<string, string> = {
  "-n": "--limit",
  "--limit": "--limit",
  "--port": "--port",
  "--min-share": "--min-share",
  "--max-size": "--max-size",
};

/**
 * `--limit -1` as `--limit=-1`: parseArgs takes a value that starts with `-`
 * for an option, so the user would hear of an unknown option `-1` instead of
 * a bad limit.
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

/** Words wrapped to 80 columns, each line indented as the help's text. */
function _wrapWords(text: string): string {
  const indent = " ".repeat(23);
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && indent.length + line.length + 1 + word.length > 79) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines.map((l) => indent + l).join("\n");
}

/** The `--help` text. */
export const HELP = `${_NAME} ${VERSION}
Explore Python profiling data (pstats files) in your browser, or print it.

Usage:
  ${_NAME} [OPTIONS] FILE.pstats...
  ${_NAME} [OPTIONS] FOLDER...
  ${_NAME} [OPTIONS] --base BEFORE.pstats AFTER.pstats...

With no --format, serves a web page where you sort, filter and walk every
function of the profile, and opens it in your browser. Several files are
merged, as pstats.Stats(a, b) does. A folder means every *.prof and *.pstats
file in it (pytest-profiling's combined.prof is left out when the files it
sums are there; name it to read it). --filter, --sort, --reverse, --by and
--only choose the view the page (or the --html report) opens on.

Input options:
  -r, --recursive      Read the folders below a folder too
      --skip-bad       Go on past files that are not profiles, listing them

Compare two runs:
  -b, --base FILE      Compare the profile before a change (FILE; repeat
                       --base to merge several) with the FILEs after it.
${_wrapWords(`Sort columns then: ${COMPARE_SORT_COLUMNS.join(", ")}`)}
                       (default cumulative_change: largest regression first)
      --only KINDS     Only functions that got slower, faster, stayed the
                       same (unchanged), or were added or removed: one or
                       more of these, separated by commas

Report options (print to stdout instead of serving):
  -f, --format FORMAT  table, json, csv, or collapsed: the estimated call
                       tree as folded stacks for flamegraph.pl, inferno,
                       speedscope (weights in microseconds, or samples)
  -s, --sort COLUMN    ${_wrapWords(SORT_COLUMNS.join(", ")).trimStart()}
                       (pstats names work too: tottime, cumtime, ncalls, ...)
                       Default: cumulative. Numbers sort largest first.
      --reverse        Reverse the sort
  -n, --limit N        Show at most N functions (table default: 40;
                       json and csv print every function)
      --filter TERMS   Only functions whose location or name contains every
                       space-separated term (case-insensitive); collapsed:
                       only paths through such functions (at most 32 terms)
      --min-share PCT  collapsed: cut branches under PCT% of the total into
                       [other] frames or their caller's own time (default
                       ${DEFAULT_MIN_SHARE * 100}; 0 keeps every branch)
      --by LEVEL       Group: ${GROUP_LEVELS.join(", ")}.
                       Each group shows its functions, calls and times;
                       cumulative time is counted once (time entering the
                       group). A sampled profile's table folds its lines
                       into functions unless given --by line. Without
                       --format, opens the explorer's groups view at that
                       level
      --max-size SIZE  Refuse files larger than SIZE (default 1G, far more
                       than any real profile; 0 for no limit)

HTML report (one file that opens in a browser without a server):
      --html FILE      Write the explorer, with the profile (and --base), to
                       FILE
      --html-source    Also carry the Python source files the profile names
                       (by the source view's rules, up to 16 MiB; listed as
                       they are embedded): the report shows them offline

Explorer options:
      --host HOST      Address to listen on (default 127.0.0.1)
      --port PORT      Port to listen on (default 8099; 0 picks a free port)
      --no-open        Don't open a web browser

Source view and editor:
      --map-path FROM=TO  Find the files a profile names under FROM in TO
                       (repeatable; the longest FROM wins; . for relative
                       paths)
      --editor CMD     Open files in CMD (default: $PROFILING_EXPLORER_EDITOR,
                       $VISUAL, $EDITOR); knows code, cursor, pycharm, subl,
                       zed, vim, emacs, …; or give {file} and {line}
      --editor-url URL Open files by following URL instead, such as
                       vscode://file/{path}:{line}

  -h, --help           Show this help
  -V, --version        Show the version

Make a pstats file with:  python -m cProfile -o out.pstats script.py
`;

const _TABLE_LIMIT = 40;
const _PROGRESS_BYTES = 16 * 1024 * 1024;
/** From this size on, a file is decoded as it is read, never held whole. */
const _STREAM_BYTES = 16 * 1024 * 1024;
/** From how many files on, reading them shows a progress line. */
const _PROGRESS_FILES = 200;
/** How many files are read at once. */
const _READ_AT_ONCE = 16;

/** Files smaller than this are read in one go, not a head first. */
const _WHOLE_READ_BYTES = 1024 * 1024;

/** The files to read, from the files and folders given. */
interface _Gathered {
  paths: string[];
  /** Lines for the terminal: how many were found, what was left out. */
  notes: string[];
}

async function _gatherInputs(
  args: string[],
  recursive: boolean,
): Promise<_Gathered> {
  const paths: string[] = [];
  const notes: string[] = [];
  const seen = new Set<string>();
  const fromFolders = new Set<string>();
  const add = (path: string) => {
    if (!seen.has(path)) {
      paths.push(path), seen.add(path), fromFolders.add(path);
    }
  };
  for (const arg of args) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(arg);
    } catch (error) {
      throw new InputError(arg, _fsReason(error));
    }
    if (!info.isDirectory) {
      // A file named twice counts twice, as in pstats.Stats(a, a), but a
      // file a folder given already brought in is read once.
      if (!fromFolders.has(arg)) paths.push(arg), seen.add(arg);
      continue;
    }
    let found: string[];
    try {
      found = await findProfiles(arg, { recursive });
    } catch (error) {
      const where = (error as { path?: string }).path ?? arg;
      throw new InputError(where, _fsReason(error));
    }
    // An explicitly named combined.prof still wins, but with its folder the
    // files it sums count twice: say so.
    const sums = pytestCombined(found);
    const twice: string[] = [];
    for (const { path, sums: n } of sums) {
      if (!args.includes(path)) continue;
      twice.push(
        `Warning: ${path} is named with its folder ${arg}: it is pytest-profiling's sum of the ${
          formatCount(n)
        } .prof files read from there, so they count twice (give one or the other)`,
      );
    }
    const combined = sums.filter(({ path }) => !args.includes(path));
    const left = new Set(combined.map(({ path }) => path));
    found = found.filter((path) => !left.has(path));
    if (found.length === 0) {
      throw new InputError(
        arg,
        `No .prof or .pstats files in this folder${
          recursive ? " or below" : " (--recursive looks in folders below)"
        }`,
      );
    }
    for (const path of found) add(path);
    notes.push(
      `Found ${formatCount(found.length)} profile${
        found.length === 1 ? "" : "s"
      } in ${arg}${recursive ? " and the folders below" : ""}`,
    );
    notes.push(...twice);
    for (const { path, sums } of combined) {
      notes.push(
        `${path} left out: pytest-profiling's sum of the ${
          formatCount(sums)
        } .prof files beside it, it would count them twice (name it to read it alone)`,
      );
    }
  }
  return { paths, notes };
}

/** A file left out with --skip-bad, and why. */
interface _Skipped {
  path: string;
  reason: string;
}

/** Ctrl+C was pressed while loading. */
class _Interrupted extends Error {}

/**
 * Lets Ctrl+C stop a long load cleanly. Parsing a large file is one
 * synchronous run that a signal listener on this thread could not
 * interrupt; a worker's listener can, and sets a shared flag that the
 * load checks at every progress step, so the progress line is ended and
 * the program exits 130 at once. Started only for a large file on a
 * terminal; elsewhere Ctrl+C keeps its default (the process just ends).
 */
class _InterruptGuard {
  #flag = new Int32Array(new SharedArrayBuffer(4));
  #worker: Worker | undefined;
  #started: Promise<void> | undefined;

  /** Listens for Ctrl+C from now on (every caller waits until it does). */
  start(): Promise<void> {
    return this.#started ??= this.#start();
  }

  async #start(): Promise<void> {
    const code = `self.onmessage = (event) => {
      const flag = event.data;
      Deno.addSignalListener("SIGINT", () => Atomics.store(flag, 0, 1));
      self.postMessage("ready");
    };`;
    const url = URL.createObjectURL(
      new Blob([code], { type: "text/javascript" }),
    );
    const worker = new Worker(url, { type: "module" });
    this.#worker = worker;
    const ready = new Promise((resolve) => (worker.onmessage = resolve));
    worker.postMessage(this.#flag);
    await ready;
    URL.revokeObjectURL(url);
  }

  /** Throws `_Interrupted` once Ctrl+C has been pressed. */
  check(): void {
    if (Atomics.load(this.#flag, 0) === 1) throw new _Interrupted();
  }

  stop(): void {
    this.#worker?.terminate();
    this.#worker = undefined;
    this.#started = undefined;
  }
}

/** What `_readInputs()` has given so far. */
interface _Read {
  /** The size of the file it gave last, the one being merged. */
  size: number;
  /** Whether it gave a large file. */
  large: boolean;
  /** How many files there are to read. */
  total: number;
}

/**
 * Reads the files in order, a few ahead of the one being merged (thousands
 * of small files read much faster so), and gives each as the profile asks
 * for it: the profile merges each file before the next is taken, so memory
 * holds the merged profile and a few files, however many there are.
 */
async function* _readInputs(
  paths: string[],
  maxSize: number,
  progress: ((line: string) => void) | undefined,
  skipped: _Skipped[] | undefined,
  guard: _InterruptGuard,
  serving: boolean,
  read: _Read,
): AsyncGenerator<_Input> {
  const many = paths.length >= _PROGRESS_FILES;
  const report = (done: number) =>
    progress?.(
      `Reading profiles: ${formatCount(done)} of ${
        formatCount(paths.length)
      } files`,
    );
  if (many) report(0);
  const ahead: Promise<_Input | InputError>[] = [];
  let next = 0;
  let done = 0;
  const readNext = () => {
    const path = paths[next++]!;
    const result = _readInput(path, maxSize, progress, guard, serving).then(
      (input) => input,
      (error) => {
        if (error instanceof InputError) return error;
        throw error;
      },
    ).finally(() => {
      if (many && ++done % 25 === 0) report(done);
    });
    result.catch(() => {}); // awaited below, unless an earlier file failed
    ahead.push(result);
  };
  while (next < paths.length && ahead.length < _READ_AT_ONCE) readNext();
  try {
    for (const path of paths) {
      const result = await ahead.shift()!;
      if (next < paths.length) readNext();
      if (result instanceof InputError) {
        if (skipped === undefined) throw result;
        skipped.push({ path, reason: result.reason });
        continue;
      }
      read.size = "bytes" in result ? result.bytes.length : result.stream.size;
      if (read.size >= _PROGRESS_BYTES) read.large = true;
      try {
        yield result;
      } finally {
        _release(result);
      }
    }
  } finally {
    // Stopped early (a bad file): close the files opened ahead.
    for (const result of ahead) {
      result.then((input) => input instanceof InputError || _release(input))
        .catch(() => {});
    }
  }
}

/** An input as `_readInput()` gives it: a file's bytes, or the file open. */
type _Input = ProfileInput | { source: string; stream: _FileStream };

/**
 * Gives back what an input holds once it is merged (the profile keeps no
 * view of the bytes): their memory at once rather than when the garbage
 * collector runs, or the open file.
 */
function _release(input: _Input): void {
  if ("bytes" in input) (input.bytes.buffer as ArrayBuffer).transfer(0);
  else input.stream.close();
}

async function _readInput(
  path: string,
  maxSize: number,
  progress: ((line: string) => void) | undefined,
  guard: _InterruptGuard,
  serving: boolean,
): Promise<_Input> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    throw new InputError(path, _fsReason(error));
  }
  if (info.isDirectory) {
    throw new InputError(path, "Is a directory, not a pstats file");
  }
  if (!info.isFile) throw new InputError(path, "Not a regular file");
  if (info.size > maxSize) throw new InputError(path, _tooLarge(maxSize));
  if (progress !== undefined && info.size >= _PROGRESS_BYTES) {
    await guard.start();
  }
  try {
    if (info.size >= _STREAM_BYTES) {
      const readAll = () =>
        _readFile(path, info.size, maxSize, progress, guard).catch((error) => {
          throw _inputError(path, error);
        });
      const stream = await _FileStream.open(
        path,
        info.size,
        maxSize,
        guard,
        readAll,
      );
      // The page is served meanwhile: its requests get a turn now and then.
      if (serving) stream.pause = _pauser();
      return { source: path, stream };
    }
    return {
      source: path,
      bytes: await _readFile(path, info.size, maxSize, progress, guard),
    };
  } catch (error) {
    throw _inputError(path, error);
  }
}

/** An error met reading a file, as an `InputError` naming it. */
function _inputError(path: string, error: unknown): unknown {
  if (error instanceof _Interrupted || error instanceof InputError) {
    return error;
  }
  if (error instanceof SyntaxError) return new InputError(path, error.message);
  return new InputError(path, _fsReason(error));
}

/**
 * A large file, decoded as it is read (see `readPstatsStream()`), so that
 * it is never held whole. Its first bytes are checked as soon as it is
 * opened, as `_readFile()` does; its errors name it.
 */
class _FileStream implements PstatsStream {
  readonly #path: string;
  readonly #file: Deno.FsFile;
  readonly #maxSize: number;
  readonly #guard: _InterruptGuard;
  #read = 0;
  readonly size: number;
  /** Reads the whole file again, for the general reader. */
  readonly readAll: () => Promise<Uint8Array>;
  /** Lets other tasks run between chunks (see `ByteReader`). */
  pause?: () => Promise<void>;

  private constructor(
    path: string,
    file: Deno.FsFile,
    size: number,
    maxSize: number,
    guard: _InterruptGuard,
    readAll: () => Promise<Uint8Array>,
  ) {
    this.#path = path;
    this.#file = file;
    this.size = size;
    this.#maxSize = maxSize;
    this.#guard = guard;
    this.readAll = readAll;
  }

  static async open(
    path: string,
    size: number,
    maxSize: number,
    guard: _InterruptGuard,
    readAll: () => Promise<Uint8Array>,
  ): Promise<_FileStream> {
    const file = await Deno.open(path);
    try {
      checkPstatsHead(await _readHead(file));
      await file.seek(0, Deno.SeekMode.Start);
    } catch (error) {
      file.close();
      throw error;
    }
    return new _FileStream(path, file, size, maxSize, guard, readAll);
  }

  async read(into: Uint8Array): Promise<number | null> {
    let n: number | null;
    try {
      n = await this.#file.read(into);
    } catch (error) {
      throw _inputError(this.#path, error);
    }
    this.#read += n ?? 0;
    if (this.#read > this.#maxSize) {
      throw new InputError(this.#path, _tooLarge(this.#maxSize));
    }
    this.#guard.check();
    return n;
  }

  close(): void {
    this.#file.close();
  }
}

/** Waits for a timer: the runtime serves connections meanwhile. */
/**
 * Lets the runtime serve connections, at most every {@linkcode _PAUSE_EVERY}
 * ms of decoding: only a timer gives it a turn at them, and a timer costs a
 * couple of milliseconds, too much to spend on every chunk.
 */
function _pauser(): () => Promise<void> {
  let last = performance.now();
  return () => {
    if (performance.now() - last < _PAUSE_EVERY) return Promise.resolve();
    return new Promise((resolve) =>
      setTimeout(() => {
        last = performance.now();
        resolve();
      }, 0)
    );
  };
}

/** How long a large file decodes, in ms, before the server gets a turn. */
const _PAUSE_EVERY = 30;

/** Reads a file's first 64 bytes (all of it, if it is shorter). */
async function _readHead(file: Deno.FsFile): Promise<Uint8Array> {
  const head = new Uint8Array(64);
  let at = 0;
  while (at < head.length) {
    const n = await file.read(head.subarray(at));
    if (n === null) break;
    at += n;
  }
  return head.subarray(0, at);
}

function _tooLarge(maxSize: number): string {
  return maxSize === DEFAULT_MAX_SIZE
    ? `Too large: over ${
      _size(maxSize)
    }, more than any real pstats file (use --max-size to read it anyway)`
    : `Too large: over --max-size ${_size(maxSize)}`;
}

/** A size as --max-size takes it: `1 GB`, `500 MB`, `1.5 KB`, `100 bytes`. */
function _size(n: number): string {
  for (const [unit, bytes] of [["GB", 1024 ** 3], ["MB", 1024 ** 2]] as const) {
    if (n >= bytes) return `${+(n / bytes).toFixed(1)} ${unit}`;
  }
  return n >= 1024 ? `${+(n / 1024).toFixed(1)} KB` : `${n} bytes`;
}

/** Thrown when a file grows past the limit while it is read. */
class _TooLargeError extends Error {}

/**
 * Reads a file: its first bytes first, which must look like a pstats file
 * (so a huge file of another kind is never read whole), then the rest, at
 * most `maxSize` bytes, showing progress for a large one.
 */
async function _readFile(
  path: string,
  size: number,
  maxSize: number,
  progress: ((line: string) => void) | undefined,
  guard: _InterruptGuard,
): Promise<Uint8Array> {
  if (size < _WHOLE_READ_BYTES) {
    // Small: read in one go (thousands of small files read far faster so),
    // checked all the same.
    const bytes = await Deno.readFile(path);
    checkPstatsHead(bytes.subarray(0, 64));
    if (bytes.length > maxSize) throw new _TooLargeError(_tooLarge(maxSize));
    return bytes;
  }
  using file = await Deno.open(path);
  const head = await _readHead(file);
  checkPstatsHead(head);
  let at = head.length;
  if (at < 64) return head;
  const show = progress !== undefined && size >= _PROGRESS_BYTES
    ? progress
    : undefined;
  let bytes = new Uint8Array(Math.max(size, at) + 1);
  bytes.set(head);
  for (;;) {
    if (at === bytes.length) {
      if (at > maxSize) throw new _TooLargeError(_tooLarge(maxSize));
      const grown = new Uint8Array(Math.min(bytes.length * 2, maxSize + 1));
      grown.set(bytes);
      bytes = grown;
    }
    const n = await file.read(
      bytes.subarray(at, Math.min(bytes.length, at + (4 << 20))),
    );
    if (n === null) break;
    at += n;
    guard.check();
    show?.(
      `Reading ${escapeControls(path)}: ${_megabytes(at)} of ${
        _megabytes(size)
      } MB`,
    );
  }
  if (at > maxSize) throw new _TooLargeError(_tooLarge(maxSize));
  return bytes.subarray(0, at);
}

function _megabytes(n: number): string {
  return (n / 1e6).toFixed(1);
}

/** A problem with an input file: the message names the file. */
class InputError extends Error {
  readonly reason: string;
  constructor(path: string, reason: string) {
    super(`${path}: ${reason}`);
    this.reason = reason;
  }
}

function _fsReason(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "No such file";
  if (error instanceof Deno.errors.NotADirectory) {
    return "No such file: a part of its path is a file, not a folder";
  }
  if (error instanceof Deno.errors.PermissionDenied) return "Permission denied";
  if (error instanceof Deno.errors.IsADirectory) {
    return "Is a directory, not a pstats file";
  }
  if (error instanceof _TooLargeError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

/** Every file of a side was bad (with --skip-bad). */
class _NothingRead extends Error {}

/** Reads and merges one side's files, printing what was found and skipped. */
async function _loadSide(
  { paths, notes }: _Gathered,
  maxSize: number,
  progress: ((line: string) => void) | undefined,
  skipped: _Skipped[] | undefined,
  guard: _InterruptGuard,
  serving: boolean,
  side = "",
): Promise<Profile> {
  const skippedBefore = skipped?.length ?? 0;
  const read: _Read = { size: 0, large: false, total: paths.length };
  const profile = await _load(
    _readInputs(paths, maxSize, progress, skipped, guard, serving, read),
    progress,
    skipped,
    guard,
    read,
  );
  if (progress && read.large) {
    progress(`Loaded ${formatCount(profile.size)} functions\n`);
  } else if (progress && paths.length >= _PROGRESS_FILES) progress("");
  for (const note of notes) console.error(escapeControls(note));
  const left = skipped?.slice(skippedBefore) ?? [];
  if (left.length > 0) {
    console.error(
      `Skipped ${formatCount(left.length)} bad file${
        left.length === 1 ? "" : "s"
      } of ${formatCount(paths.length)}:`,
    );
    for (const { path, reason } of left) {
      console.error(escapeControls(`  ${path}: ${reason}`));
    }
    if (left.length === paths.length) {
      throw new _NothingRead(
        `No profile could be read${side}: every file was bad`,
      );
    }
  }
  return profile;
}

function _load(
  inputs: AsyncIterable<_Input>,
  progress: ((line: string) => void) | undefined,
  skipped: _Skipped[] | undefined,
  guard: _InterruptGuard,
  read: _Read,
): Promise<Profile> {
  const many = read.total >= _PROGRESS_FILES;
  let files = 0;
  let last = "";
  return loadProfileAsync(inputs, {
    cwd: Deno.cwd(),
    ...(progress
      ? {
        onProgress: (source: string, functions: number, offset: number) => {
          guard.check();
          if (source !== last) files++, last = source;
          // A large file shows how far its reading is; many files, how many
          // were merged (and _readInputs how many were read).
          if (read.size < _PROGRESS_BYTES) {
            if (many && files % 25 === 0) {
              progress(
                `Merging profiles: ${formatCount(files)} of ${
                  formatCount(read.total)
                } files`,
              );
            }
            return;
          }
          progress(
            `Reading ${escapeControls(source)}: ${
              formatCount(functions)
            } functions (${_megabytes(offset)} of ${_megabytes(read.size)} MB)`,
          );
        },
      }
      : {}),
    ...(skipped
      ? {
        onBadFile: (source: string, error: Error) =>
          skipped.push({
            path: source,
            reason: error.message.slice(source.length + 2),
          }),
        // A large file that cannot be read to its end (or grows past
        // --max-size while it is) is skipped like one that cannot be read.
        skipStreamError: (source: string, error: unknown) =>
          error instanceof InputError &&
          skipped.push({ path: source, reason: error.reason }) > 0,
      }
      : {}),
  });
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

function _report(profile: Profile, options: Options): Iterable<string> {
  if (options.format === "collapsed") {
    const tree = buildCallTree(profile, { minShare: options.minShare });
    if (options.filter.trim() === "") return collapsedStacks(profile, tree);
    const { ids } = queryFunctions(profile, { filter: options.filter });
    const keep = pathsThrough(tree, ids).marked;
    return collapsedStacks(profile, tree, { keep });
  }
  const descending = isDescendingByDefault(options.sort) !== options.reverse;
  const limit = options.limit ??
    (options.format === "table" ? _TABLE_LIMIT : undefined);
  // The table folds a sampled profile's lines into functions; JSON and CSV
  // keep the stored rows unless asked to group.
  const by = options.by ??
    (options.format === "table" && profile.sampled ? "function" : undefined);
  if (by !== undefined) return _groupReport(profile, options, by, limit);
  const { total, ids } = queryFunctions(profile, {
    filter: options.filter,
    sort: options.sort,
    descending,
    ...(limit === undefined ? {} : { limit }),
  });
  switch (options.format) {
    case "json":
      return jsonReport(profile, ids);
    case "csv":
      return csvReport(profile, ids, {
        escapeControls: Deno.stdout.isTerminal(),
      });
    case "table":
      return tableReport(profile, ids, {
        ..._tableSummary(options, total),
        sort: options.sort,
      });
  }
}

function _compareReport(
  comparison: Comparison,
  options: Options,
): Iterable<string> {
  const sort = options.compareSort;
  const descending = isCompareDescendingByDefault(sort) !== options.reverse;
  const limit = options.limit ??
    (options.format === "table" ? _TABLE_LIMIT : undefined);
  const { total, rows } = queryComparison(comparison, {
    filter: options.filter,
    changes: options.only,
    sort,
    descending,
    ...(limit === undefined ? {} : { limit }),
  });
  switch (options.format) {
    case "json":
      return compareJsonReport(comparison, rows);
    case "csv":
      return compareCsvReport(comparison, rows);
    case "table":
      return compareTableReport(comparison, rows, {
        ..._tableSummary(options, total),
        only: options.only,
        sort,
      });
    case "collapsed":
      throw new UsageError("--format collapsed does not compare");
  }
}

function _groupReport(
  profile: Profile,
  options: Options,
  by: GroupLevel,
  limit: number | undefined,
): Iterable<string> {
  const descending = isDescendingByDefault(options.sort) !== options.reverse;
  const { numbers, total, ids } = queryGroups(profile, by, {
    filter: options.filter,
    sort: options.sort,
    descending,
    ...(limit === undefined ? {} : { limit }),
  });
  switch (options.format) {
    case "json":
      return groupJsonReport(numbers, ids);
    case "csv":
      return groupCsvReport(numbers, ids);
    case "table":
      return groupTableReport(numbers, ids, {
        ..._tableSummary(options, total),
        sort: options.sort,
      });
    case "collapsed":
      throw new UsageError("--by does not apply to --format collapsed");
  }
}

/**
 * What the summary line of every table report says (how many matched, the
 * filter, a reversed sort), and the terminal's width when printing to one.
 */
function _tableSummary(options: Options, total: number): {
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

function _browserCommand(url: string): [string, string[]] {
  switch (Deno.build.os) {
    case "darwin":
      return ["open", [url]];
    case "windows":
      return ["cmd", ["/c", "start", "", url]];
    default:
      return ["xdg-open", [url]];
  }
}

function _isWildcard(host: string): boolean {
  return host === "0.0.0.0" || host === "::" || host === "[::]";
}

function _hostForUrl(host: string): string {
  const bare = host.replace(/^\[|\]$/g, "");
  if (_isWildcard(host)) return "127.0.0.1";
  return bare.includes(":") ? `[${bare}]` : bare;
}

/**
 * Serves the explorer until Ctrl+C. `loading` may still be on its way: the
 * page is served meanwhile, and a failed load ends the server with its
 * error (the answer of `failed`).
 */
async function _serve(
  loading: Promise<_Loaded>,
  options: Options,
  search: string,
  failed: (error: unknown) => number,
): Promise<number> {
  const controller = new AbortController();
  let server: TimeoutServer;
  const hostname = options.host.replace(/^\[|\]$/g, "");
  // The allowed Host headers depend on the port, known once listening.
  let isAllowedHost = allowedHosts(hostname, options.port);
  // Settled before the server stops: a failed load is said once, by main.
  let failure: number | undefined;
  let loaded = false;
  const settled = loading.then(
    () => {
      loaded = true;
    },
    (error) => {
      try {
        failure = failed(error);
      } finally {
        controller.abort();
      }
    },
  );
  const secret = newSecret();
  const sources = loading.then((loaded) =>
    sourceServing(
      loaded.comparison === undefined
        ? [loaded.profile]
        : [loaded.profile, loaded.comparison.base],
      options.source,
      secret,
    )
  );
  // A profile that fails to load is reported once, by main.
  sources.catch(() => {});
  const handler = createHandler({
    profile: loading.then((loaded) => loaded.profile),
    base: loading.then((loaded) => loaded.comparison?.base),
    sources,
    page: pageSourceMeta(options.source, secret),
    isAllowedHost: (host) => isAllowedHost(host),
    onError: (error) =>
      _fail(
        `Internal error while answering a request: ${
          error instanceof Error ? error.message : error
        }`,
      ),
  });
  try {
    // Deno.serve behind a front that drops clients slow to send their
    // request head, or idle (see lib/timeout_front.ts).
    server = serveWithTimeouts({
      hostname,
      port: options.port,
      signal: controller.signal,
      onError: () => new Response("Internal server error", { status: 500 }),
    }, handler);
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      _fail(
        `Port ${options.port} is already in use on ${options.host}: choose another with --port (or --port 0 for any free port)`,
      );
      return 1;
    }
    if (
      error instanceof Deno.errors.AddrNotAvailable ||
      error instanceof Deno.errors.PermissionDenied
    ) {
      _fail(
        `Cannot listen on ${options.host}:${options.port}: ${
          (error as Error).message
        }`,
      );
      return 1;
    }
    _fail(
      `Cannot listen on ${options.host}:${options.port}: ${
        error instanceof Error ? error.message : error
      }`,
    );
    return 1;
  }
  const port = server.addr.port;
  const stop = () => {
    if (!loaded && failure === undefined) {
      // Ctrl+C while a large profile is still being read: nothing to wait for.
      Deno.exit(failed(new _Interrupted()));
    }
    controller.abort();
  };
  Deno.addSignalListener("SIGINT", stop);
  if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", stop);
  isAllowedHost = allowedHosts(hostname, port);
  // With --by, --filter, --sort..., the page opens on that view.
  const url = `http://${_hostForUrl(options.host)}:${port}/${search}`;
  console.log(`${_NAME} running at ${escapeControls(url)}`);
  if (_isWildcard(options.host)) {
    console.error(
      `Warning: listening on ${options.host}: anyone who can reach this machine on port ${port} can read the profile.`,
    );
  }
  console.log("Press CTRL+C to quit.");
  if (options.open) {
    console.log("Opening in web browser…");
    const [command, args] = _browserCommand(url);
    try {
      const child = new Deno.Command(command, {
        args,
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
      child.status.then((status) => {
        if (!status.success) {
          console.error(
            `Could not open a web browser (${command} failed); open ${url} yourself.`,
          );
        }
      });
      child.unref();
    } catch {
      console.error(
        `Could not open a web browser (no ${command}); open ${url} yourself.`,
      );
    }
  }
  await server.finished;
  Deno.removeSignalListener("SIGINT", stop);
  if (Deno.build.os !== "windows") Deno.removeSignalListener("SIGTERM", stop);
  await settled;
  if (failure !== undefined) return failure;
  console.log("Stopped.");
  return 0;
}

/**
 * The page's query string for what the command line asked for: the groups
 * view with `--by`, the filter, the sort and its direction, and `--only`;
 * `""` when nothing was asked.
 */
function _startSearch(options: Options, sampled: boolean): string {
  const params = new URLSearchParams();
  if (options.by !== undefined) {
    params.set("tab", "groups");
    params.set("by", options.by);
  }
  if (options.filter.trim() !== "") params.set("q", options.filter);
  const comparing = options.base.length > 0;
  const sort = comparing ? options.compareSort : options.sort;
  if (sort !== (comparing ? "cumulative_change" : "cumulative")) {
    params.set("sort", sort);
  }
  if (options.reverse) {
    const natural = comparing
      ? isCompareDescendingByDefault(options.compareSort)
      : isDescendingByDefault(options.sort);
    if (comparing || sort !== "cumulative") params.set("sort", sort);
    params.set("desc", natural ? "0" : "1");
  }
  if (options.only.length > 0) params.set("only", options.only.join(","));
  // A comparison opens on its own tab, and a sampled profile on its lines
  // folded into functions, only from a bare URL: say it.
  if (comparing && params.size > 0) params.set("tab", "compare");
  else if (sampled && params.size > 0 && options.by === undefined) {
    params.set("tab", "groups");
    params.set("by", "function");
  }
  const search = params.toString();
  return search === "" ? "" : `?${search}`;
}

/**
 * Writes the HTML report atomically (a temporary file in the same folder,
 * then renamed), never over an input, and only over a file that is itself
 * a report.
 */
async function _writeHtml(
  profile: Profile,
  base: Profile | undefined,
  start: string,
  out: string,
  inputs: string[],
  progress: ((line: string) => void) | undefined,
  sources?: { json: string; editorUrl: string | null },
): Promise<number> {
  const target = resolve(out);
  const real = async (path: string) => {
    try {
      return await Deno.realPath(path);
    } catch {
      return resolve(path);
    }
  };
  const targetReal = await real(target);
  for (const input of inputs) {
    if (await real(input) === targetReal) {
      _fail(`${out}: Won't write the report over an input file`);
      return 2;
    }
  }
  try {
    const info = await Deno.stat(target);
    if (info.isDirectory) {
      _fail(`${out}: Is a directory: give the report's file name`);
      return 1;
    }
    if (!await _isReport(target)) {
      _fail(
        `${out}: Exists and is not a profiling-explorer report: choose another name or remove it`,
      );
      return 1;
    }
  } catch (error) {
    if (
      !(error instanceof Deno.errors.NotFound) &&
      !(error instanceof Deno.errors.NotADirectory)
    ) {
      _fail(`${out}: ${_fsReason(error)}`);
      return 1;
    }
  }
  try {
    if (!(await Deno.stat(dirname(target))).isDirectory) throw new Error();
  } catch {
    _fail(`${out}: No such folder to write the report in`);
    return 1;
  }
  // The page's data exactly as the server would send it.
  const handler = createHandler({
    profile,
    ...(base === undefined ? {} : { base }),
    isAllowedHost: () => true,
  });
  const data = new Map<string, Uint8Array>();
  for (const path of PAGE_DATA_PATHS) {
    const response = await handler(new Request(`http://report${path}`));
    // Nothing there (no base when not comparing): nothing to embed.
    if (response.status === 404 || response.status === 204) {
      await response.body?.cancel();
      continue;
    }
    if (!response.ok) throw new Error(`${path} answered ${response.status}`);
    data.set(path, new Uint8Array(await response.arrayBuffer()));
  }
  const big = [...data.values()].some((b) => b.length >= _PROGRESS_BYTES);
  const parts = await htmlReport({
    assets: UI_ASSETS,
    data,
    // With --by, --filter, --sort..., the report opens on that view, as the
    // server's page.
    ...(start === "" ? {} : { start }),
    ...(sources === undefined ? {} : { sources }),
    title: `${
      profile.sources.length === 1
        ? escapeControls(basename(profile.sources[0]!))
        : `${formatCount(profile.sources.length)} profiles`
    } · profiling-explorer`,
    ...(progress && big
      ? {
        onProgress: (done: number, total: number) =>
          progress(
            `Writing ${escapeControls(out)}: compressing ${
              _megabytes(done)
            } of ${_megabytes(total)} MB`,
          ),
      }
      : {}),
  });
  if (progress && big) progress("");
  const temp = join(
    dirname(target),
    `.${basename(target)}.${crypto.randomUUID().slice(0, 8)}.tmp`,
  );
  try {
    {
      using file = await Deno.open(temp, { write: true, createNew: true });
      for (const part of parts) {
        for (let at = 0; at < part.length;) {
          at += await file.write(part.subarray(at));
        }
      }
    }
    await Deno.rename(temp, target);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    _fail(`${out}: ${_fsReason(error)}`);
    return 1;
  }
  const size = parts.reduce((n, part) => n + part.length, 0);
  console.log(
    `Wrote ${escapeControls(out)} (${
      _megabytes(size)
    } MB): open it in a browser, no server needed`,
  );
  return 0;
}

/** Whether the file starts like a report this program wrote. */
async function _isReport(path: string): Promise<boolean> {
  using file = await Deno.open(path);
  const head = new Uint8Array(2048);
  const n = await file.read(head);
  return new TextDecoder().decode(head.subarray(0, n ?? 0)).includes(
    `<meta name="generator" content="${REPORT_GENERATOR}">`,
  );
}

/**
 * Prints one line on stderr. Messages quote file names and file content:
 * control characters are shown escaped, never sent to the terminal.
 */
function _fail(message: string): void {
  console.error(`${_NAME}: ${escapeControls(message)}`);
}

/**
 * Runs the program with the given arguments.
 *
 * @param args The command line, without the program name.
 * @returns The exit code.
 */
export async function run(args: string[]): Promise<number> {
  let options: Options;
  try {
    options = parseOptions(args);
  } catch (error) {
    if (error instanceof UsageError) {
      _fail(`${error.message} (see --help)`);
      return 2;
    }
    throw error;
  }
  if (options.command === "help") {
    console.log(HELP.trimEnd());
    return 0;
  }
  if (options.command === "version") {
    console.log(`${_NAME} ${VERSION}`);
    return 0;
  }
  const progress = Deno.stderr.isTerminal()
    ? (line: string) => {
      Deno.stderr.writeSync(new TextEncoder().encode(`\r\x1b[K${line}`));
    }
    : undefined;
  const skipped: _Skipped[] | undefined = options.skipBad ? [] : undefined;
  const guard = new _InterruptGuard();
  let sides: _Sides;
  try {
    sides = await _gatherSides(options);
  } catch (error) {
    return _loadFailed(error, false, options, progress);
  }
  const failed = (error: unknown) =>
    _loadFailed(error, sides.several, options, progress);
  if (options.command === "serve" && await _servesEarly(sides, options)) {
    // A large profile takes a while: the browser starts meanwhile.
    const loading = _loadSides(sides, options, progress, skipped, guard);
    return await _serve(loading, options, _startSearch(options, false), failed);
  }
  let loaded: _Loaded;
  try {
    loaded = await _loadSides(sides, options, progress, skipped, guard);
  } catch (error) {
    return failed(error);
  }
  const { profile, comparison } = loaded;
  if (options.command === "html") {
    let sources: { json: string; editorUrl: string | null } | undefined;
    if (options.htmlSource) {
      const embedded = await embedSources(
        comparison === undefined ? [profile] : [profile, comparison.base],
        options.source,
      );
      const kib = embedded.embedded.reduce((n, e) => n + e.bytes, 0) / 1024;
      console.log(
        `Embedding ${formatCount(embedded.embedded.length)} source file${
          embedded.embedded.length === 1 ? "" : "s"
        } (${kib.toFixed(0)} KiB) in the report:`,
      );
      for (const e of embedded.embedded) {
        console.log(`  ${escapeControls(e.name)}`);
      }
      for (const e of embedded.skipped) {
        console.log(`  not embedded: ${escapeControls(e.reason)}`);
      }
      sources = { json: embedded.json, editorUrl: options.source.editorUrl };
    }
    return await _writeHtml(
      profile,
      comparison?.base,
      _startSearch(options, profile.sampled),
      options.html!,
      sides.inputs,
      progress,
      sources,
    );
  }
  if (options.command === "report") {
    try {
      await _write(
        comparison === undefined
          ? _report(profile, options)
          : _compareReport(comparison, options),
      );
    } catch (error) {
      if (error instanceof Deno.errors.BrokenPipe) return 0;
      throw error;
    }
    return 0;
  }
  return await _serve(
    Promise.resolve(loaded),
    options,
    _startSearch(options, profile.sampled),
    failed,
  );
}

/** The files of both sides, found (and folders listed) but not read. */
interface _Sides {
  base: _Gathered | undefined;
  files: _Gathered;
  /** Every input path, the base run's first. */
  inputs: string[];
  /** Whether there is more than one file. */
  several: boolean;
}

/** What the inputs load into. */
interface _Loaded {
  profile: Profile;
  comparison: Comparison | undefined;
}

async function _gatherSides(options: Options): Promise<_Sides> {
  const base = options.base.length > 0
    ? await _gatherInputs(options.base, options.recursive)
    : undefined;
  const files = await _gatherInputs(options.files, options.recursive);
  const inputs = [...(base?.paths ?? []), ...files.paths];
  return { base, files, inputs, several: inputs.length > 1 };
}

/** Reads and merges both sides' files, and compares them when asked. */
async function _loadSides(
  { base: baseFiles, files }: _Sides,
  options: Options,
  progress: ((line: string) => void) | undefined,
  skipped: _Skipped[] | undefined,
  guard: _InterruptGuard,
): Promise<_Loaded> {
  try {
    const comparing = baseFiles !== undefined;
    const base = baseFiles &&
      await _loadSide(
        baseFiles,
        options.maxSize,
        progress,
        skipped,
        guard,
        options.command === "serve",
        " for --base (the run before)",
      );
    const profile = await _loadSide(
      files,
      options.maxSize,
      progress,
      skipped,
      guard,
      options.command === "serve",
      comparing ? " for the run after" : "",
    );
    const comparison = base && compareProfiles(base, profile);
    guard.check();
    return { profile, comparison };
  } finally {
    guard.stop();
  }
}

/** Says why the inputs could not be loaded; answers the exit code. */
function _loadFailed(
  error: unknown,
  several: boolean,
  options: Options,
  progress: ((line: string) => void) | undefined,
): number {
  if (progress) progress("");
  if (error instanceof _Interrupted) {
    // Ctrl+C: the progress line is cleared; end as a shell expects.
    _fail("Interrupted");
    return 130;
  }
  if (
    error instanceof InputError || error instanceof _NothingRead ||
    error instanceof SyntaxError ||
    error instanceof RangeError || error instanceof TypeError
  ) {
    const hint = several && !options.skipBad && !(error instanceof TypeError)
      ? " (--skip-bad reads the others)"
      : "";
    _fail(error.message + hint);
    return 1;
  }
  throw error;
}

/**
 * Whether to serve the page before the profile is loaded: when loading takes
 * a while (a large file, or many), so that the browser starts meanwhile,
 * and the page's address does not depend on what the files hold. The large
 * files' first bytes are checked first, so that a file that is plainly not
 * a profile fails before a browser opens.
 */
async function _servesEarly(sides: _Sides, options: Options): Promise<boolean> {
  if (_startSearch(options, false) !== _startSearch(options, true)) {
    return false;
  }
  // Looked at all at once: thousands of files one after another take long.
  const sizes = await Promise.all(
    sides.inputs.map((path) =>
      Deno.stat(path).then((info) => info.size, () => 0)
    ),
  );
  const total = sizes.reduce((sum, size) => sum + size, 0);
  const large = sides.inputs.filter((_, i) =>
    sizes[i]! >= _PROGRESS_BYTES && sizes[i]! <= options.maxSize
  );
  if (total < _PROGRESS_BYTES && sides.inputs.length < _PROGRESS_FILES) {
    return false;
  }
  for (const path of large) {
    if (!(await _looksLikePstats(path))) return false;
  }
  return true;
}

/**
 * Whether a file's first bytes pass `checkPstatsHead()`; a file that cannot
 * be read or fails is left to the load, which says why.
 */
async function _looksLikePstats(path: string): Promise<boolean> {
  try {
    using file = await Deno.open(path);
    checkPstatsHead(await _readHead(file));
    return true;
  } catch {
    return false;
  }
}

if (import.meta.main) {
  try {
    Deno.exit(await run(Deno.args));
  } catch (error) {
    _fail(
      `Unexpected error: ${error instanceof Error ? error.message : error}`,
    );
    Deno.exit(70);
  }
}
