/**
 * The `profiling-explorer` command: explore Python pstats profiles in the
 * browser, or print them as a table, JSON or CSV.
 *
 * @module
 */

import { parseArgs } from "@std/cli/parse-args";
import denoJson from "./deno.json" with { type: "json" };
import { findProfiles, pytestCombined } from "./lib/folder.ts";
import { formatCount } from "./lib/format.ts";
import type { Profile } from "./lib/profile.ts";
import { loadProfile, type ProfileInput } from "./lib/pstats.ts";
import {
  isDescendingByDefault,
  isSortColumn,
  queryFunctions,
  SORT_COLUMNS,
  type SortColumn,
} from "./lib/query.ts";
import { csvReport, jsonReport, tableReport } from "./lib/report.ts";
import { htmlReport, REPORT_GENERATOR } from "./lib/html_report.ts";
import { allowedHosts, createHandler, PAGE_DATA_PATHS } from "./lib/server.ts";
import { UI_ASSETS } from "./ui/bundle.gen.ts";
import { basename, dirname, join, resolve } from "@std/path";

export type { SortColumn };

/** The program's version, from deno.json. */
export const VERSION: string = denoJson.version;

const _NAME = "profiling-explorer";
/** A report format: `table`, `json` or `csv`. */
export type ReportFormat = "table" | "json" | "csv";
const _FORMATS: readonly ReportFormat[] = ["table", "json", "csv"];

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

/** The command line, parsed. */
export interface Options {
  /** What to do. */
  command: "help" | "version" | "report" | "html" | "serve";
  /** The pstats files and folders of them. */
  files: string[];
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
  /** The address to listen on, for `serve`. */
  host: string;
  /** The port to listen on, for `serve`. */
  port: number;
  /** Whether to open a browser, for `serve`. */
  open: boolean;
}

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
  const parsed = parseArgs(args, {
    string: ["format", "sort", "limit", "filter", "host", "port", "html"],
    boolean: ["help", "version", "reverse", "open", "recursive", "skip-bad"],
    negatable: ["open"],
    alias: {
      h: "help",
      V: "version",
      f: "format",
      s: "sort",
      n: "limit",
      r: "recursive",
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
  const formatText = text("format");
  if (
    formatText !== undefined &&
    !(_FORMATS as readonly string[]).includes(formatText)
  ) {
    throw new UsageError(
      `Invalid --format "${formatText}": use table, json or csv`,
    );
  }
  const sortText = text("sort")?.toLowerCase().replaceAll("-", "_");
  let sort: SortColumn = "cumulative";
  if (sortText !== undefined) {
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
  const host = text("host") ?? "127.0.0.1";
  if (host.trim() === "") throw new UsageError("Invalid --host: it is empty");
  const html = text("html");
  if (html !== undefined && html.trim() === "") {
    throw new UsageError("Invalid --html: give the file to write");
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
    throw new UsageError("No pstats file given");
  }
  return {
    command,
    files,
    html,
    recursive: parsed.recursive === true,
    skipBad: parsed["skip-bad"] === true,
    format: (formatText ?? "table") as ReportFormat,
    sort,
    reverse: parsed.reverse === true,
    limit,
    filter: text("filter") ?? "",
    host,
    port,
    open: parsed.open !== false,
  };
}

/** The `--help` text. */
export const HELP = `${_NAME} ${VERSION}
Explore Python profiling data (pstats files) in your browser, or print it.

Usage:
  ${_NAME} [OPTIONS] FILE.pstats...
  ${_NAME} [OPTIONS] FOLDER...

With no --format, serves a web page where you sort, filter and walk every
function of the profile, and opens it in your browser. Several files are
merged, as pstats.Stats(a, b) does. A folder means every *.prof and *.pstats
file in it (pytest-profiling's combined.prof is left out when the files it
sums are there; name it to read it).

Input options:
  -r, --recursive      Read the folders below a folder too
      --skip-bad       Go on past files that are not profiles, listing them

Report options (print to stdout instead of serving):
  -f, --format FORMAT  table, json or csv
  -s, --sort COLUMN    ${SORT_COLUMNS.join(", ")}
                       (pstats names work too: tottime, cumtime, ncalls, ...)
                       Default: cumulative. Numbers sort largest first.
      --reverse        Reverse the sort
  -n, --limit N        Show at most N functions (table default: 40;
                       json and csv print every function)
      --filter TERMS   Only functions whose location or name contains every
                       space-separated term (case-insensitive)

HTML report (one file that opens in a browser without a server):
      --html FILE      Write the explorer, with the profile in it, to FILE

Explorer options:
      --host HOST      Address to listen on (default 127.0.0.1)
      --port PORT      Port to listen on (default 8099; 0 picks a free port)
      --no-open        Don't open a web browser

  -h, --help           Show this help
  -V, --version        Show the version

Make a pstats file with:  python -m cProfile -o out.pstats script.py
`;

const _TABLE_LIMIT = 40;
const _PROGRESS_BYTES = 16 * 1024 * 1024;
/** From how many files on, reading them shows a progress line. */
const _PROGRESS_FILES = 200;

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
  const add = (path: string) => {
    if (!seen.has(path)) paths.push(path), seen.add(path);
  };
  for (const arg of args) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(arg);
    } catch (error) {
      throw new InputError(arg, _fsReason(error));
    }
    if (!info.isDirectory) {
      add(arg);
      continue;
    }
    let found: string[];
    try {
      found = await findProfiles(arg, { recursive });
    } catch (error) {
      const where = (error as { path?: string }).path ?? arg;
      throw new InputError(where, _fsReason(error));
    }
    // An explicitly named combined.prof still wins.
    const combined = pytestCombined(found).filter(({ path }) =>
      !args.includes(path)
    );
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

async function _readInputs(
  paths: string[],
  progress: ((line: string) => void) | undefined,
  skipped: _Skipped[] | undefined,
): Promise<ProfileInput[]> {
  const inputs: ProfileInput[] = [];
  const many = paths.length >= _PROGRESS_FILES;
  for (const [i, path] of paths.entries()) {
    if (progress && many && i % 25 === 0) {
      progress(
        `Reading profiles: ${formatCount(i)} of ${
          formatCount(paths.length)
        } files`,
      );
    }
    try {
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
      try {
        inputs.push({
          source: path,
          bytes: await _readWithProgress(path, info.size, progress),
        });
      } catch (error) {
        throw new InputError(path, _fsReason(error));
      }
    } catch (error) {
      if (skipped === undefined || !(error instanceof InputError)) throw error;
      skipped.push({ path, reason: error.reason });
    }
  }
  return inputs;
}

async function _readWithProgress(
  path: string,
  size: number,
  progress: ((line: string) => void) | undefined,
): Promise<Uint8Array> {
  if (progress === undefined || size < _PROGRESS_BYTES) {
    return await Deno.readFile(path);
  }
  using file = await Deno.open(path);
  let bytes = new Uint8Array(size);
  let at = 0;
  for (;;) {
    if (at === bytes.length) {
      const grown = new Uint8Array(bytes.length * 2 + 1024);
      grown.set(bytes);
      bytes = grown;
    }
    const n = await file.read(
      bytes.subarray(at, Math.min(bytes.length, at + (4 << 20))),
    );
    if (n === null) break;
    at += n;
    progress(`Reading ${path}: ${_megabytes(at)} of ${_megabytes(size)} MB`);
  }
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
  if (error instanceof Deno.errors.PermissionDenied) return "Permission denied";
  if (error instanceof Deno.errors.IsADirectory) {
    return "Is a directory, not a pstats file";
  }
  return error instanceof Error ? error.message : String(error);
}

function _load(
  inputs: ProfileInput[],
  progress: ((line: string) => void) | undefined,
  skipped: _Skipped[] | undefined,
): Profile {
  const big = inputs.some((i) => i.bytes.length >= _PROGRESS_BYTES);
  const many = inputs.length >= _PROGRESS_FILES;
  let files = 0;
  let last = "";
  return loadProfile(inputs, {
    cwd: Deno.cwd(),
    ...(progress && (big || many)
      ? {
        onProgress: (source: string, functions: number, offset: number) => {
          if (source !== last) files++, last = source;
          if (big) {
            progress(
              `Reading ${source}: ${formatCount(functions)} functions (${
                _megabytes(offset)
              } MB)`,
            );
          } else if (files % 25 === 0) {
            progress(
              `Merging profiles: ${formatCount(files)} of ${
                formatCount(inputs.length)
              } files`,
            );
          }
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
      }
      : {}),
  });
}

async function _write(chunks: Iterable<string>): Promise<void> {
  const encoder = new TextEncoder();
  const writer = Deno.stdout.writable.getWriter();
  let buffer = "";
  try {
    for (const chunk of chunks) {
      buffer += chunk;
      if (buffer.length >= 1 << 16) {
        await writer.write(encoder.encode(buffer));
        buffer = "";
      }
    }
    if (buffer) await writer.write(encoder.encode(buffer));
  } finally {
    writer.releaseLock();
  }
}

function _report(profile: Profile, options: Options): Iterable<string> {
  const descending = isDescendingByDefault(options.sort) !== options.reverse;
  const limit = options.limit ??
    (options.format === "table" ? _TABLE_LIMIT : undefined);
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
      return csvReport(profile, ids);
    case "table":
      return tableReport(profile, ids, {
        total,
        filter: options.filter,
        sort: options.sort,
        reversed: options.reverse,
        ...(Deno.stdout.isTerminal() ? { width: _terminalWidth() } : {}),
      });
  }
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

async function _serve(profile: Profile, options: Options): Promise<number> {
  const controller = new AbortController();
  let server: Deno.HttpServer<Deno.NetAddr>;
  let ready: (port: number) => void;
  const listening = new Promise<number>((resolve) => (ready = resolve));
  const hostname = options.host.replace(/^\[|\]$/g, "");
  // The allowed Host headers depend on the port, known once listening.
  let isAllowedHost = allowedHosts(hostname, options.port);
  const handler = createHandler({
    profile,
    isAllowedHost: (host) => isAllowedHost(host),
    onError: (error) =>
      _fail(
        `Internal error while answering a request: ${
          error instanceof Error ? error.message : error
        }`,
      ),
  });
  try {
    server = Deno.serve({
      hostname,
      port: options.port,
      signal: controller.signal,
      onListen: ({ port }) => ready(port),
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
  const port = await listening;
  const stop = () => controller.abort();
  Deno.addSignalListener("SIGINT", stop);
  if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", stop);
  isAllowedHost = allowedHosts(hostname, port);
  const url = `http://${_hostForUrl(options.host)}:${port}/`;
  console.log(`${_NAME} running at ${url}`);
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
  console.log("Stopped.");
  return 0;
}

/**
 * Writes the HTML report atomically (a temporary file in the same folder,
 * then renamed), never over an input, and only over a file that is itself
 * a report.
 */
async function _writeHtml(
  profile: Profile,
  out: string,
  inputs: string[],
  progress: ((line: string) => void) | undefined,
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
    if (!(error instanceof Deno.errors.NotFound)) {
      _fail(`${out}: ${_fsReason(error)}`);
      return 1;
    }
  }
  const handler = createHandler({ profile, isAllowedHost: () => true });
  const data = new Map<string, Uint8Array>();
  for (const path of PAGE_DATA_PATHS) {
    const response = await handler(new Request(`http://report${path}`));
    if (response.status === 404) continue;
    if (!response.ok) throw new Error(`${path} answered ${response.status}`);
    data.set(path, new Uint8Array(await response.arrayBuffer()));
  }
  const big = [...data.values()].some((b) => b.length >= _PROGRESS_BYTES);
  const parts = await htmlReport({
    assets: UI_ASSETS,
    data,
    title: `${
      profile.sources.length === 1
        ? basename(profile.sources[0]!)
        : `${formatCount(profile.sources.length)} profiles`
    } · profiling-explorer`,
    ...(progress && big
      ? {
        onProgress: (done: number, total: number) =>
          progress(
            `Writing ${out}: compressing ${_megabytes(done)} of ${
              _megabytes(total)
            } MB`,
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
    `Wrote ${out} (${
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

function _fail(message: string): void {
  console.error(`${_NAME}: ${message}`);
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
  let profile: Profile;
  const skipped: _Skipped[] | undefined = options.skipBad ? [] : undefined;
  let several = false;
  let paths: string[] = [];
  let notes: string[];
  try {
    ({ paths, notes } = await _gatherInputs(
      options.files,
      options.recursive,
    ));
    several = paths.length > 1;
    const inputs = await _readInputs(paths, progress, skipped);
    profile = _load(inputs, progress, skipped);
    if (progress && inputs.some((i) => i.bytes.length >= _PROGRESS_BYTES)) {
      progress(`Loaded ${formatCount(profile.size)} functions\n`);
    } else if (progress && inputs.length >= _PROGRESS_FILES) progress("");
    for (const note of notes) console.error(note);
    if (skipped?.length) {
      console.error(
        `Skipped ${formatCount(skipped.length)} bad file${
          skipped.length === 1 ? "" : "s"
        } of ${formatCount(paths.length)}:`,
      );
      for (const { path, reason } of skipped) {
        console.error(`  ${path}: ${reason}`);
      }
      if (skipped.length === paths.length) {
        _fail("No profile could be read: every file was bad");
        return 1;
      }
    }
  } catch (error) {
    if (progress) progress("");
    if (
      error instanceof InputError || error instanceof SyntaxError ||
      error instanceof RangeError || error instanceof TypeError
    ) {
      const hint = several && !(error instanceof TypeError)
        ? " (--skip-bad reads the others)"
        : "";
      _fail(error.message + hint);
      return 1;
    }
    throw error;
  }
  if (options.command === "html") {
    return await _writeHtml(profile, options.html!, paths, progress);
  }
  if (options.command === "report") {
    try {
      await _write(_report(profile, options));
    } catch (error) {
      if (error instanceof Deno.errors.BrokenPipe) return 0;
      throw error;
    }
    return 0;
  }
  return await _serve(profile, options);
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
