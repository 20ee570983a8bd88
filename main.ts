/**
 * The `profiling-explorer` command: explore Python pstats profiles in the
 * browser, or print them as a table, JSON or CSV.
 *
 * @module
 */

import { parseArgs } from "@std/cli/parse-args";
import denoJson from "./deno.json" with { type: "json" };
import { formatCount } from "./lib/format.ts";
import type { Profile } from "./lib/profile.ts";
import { loadProfileAsync, type ProfileInput } from "./lib/pstats.ts";
import {
  isDescendingByDefault,
  isSortColumn,
  queryFunctions,
  SORT_COLUMNS,
  type SortColumn,
} from "./lib/query.ts";
import { csvReport, jsonReport, tableReport } from "./lib/report.ts";
import { allowedHosts, createHandler } from "./lib/server.ts";

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
  command: "help" | "version" | "report" | "serve";
  /** The pstats files. */
  files: string[];
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
    string: ["format", "sort", "limit", "filter", "host", "port"],
    boolean: ["help", "version", "reverse", "open"],
    negatable: ["open"],
    alias: { h: "help", V: "version", f: "format", s: "sort", n: "limit" },
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
  const command = parsed.help
    ? "help"
    : parsed.version
    ? "version"
    : formatText !== undefined
    ? "report"
    : "serve";
  if ((command === "report" || command === "serve") && files.length === 0) {
    throw new UsageError("No pstats file given");
  }
  return {
    command,
    files,
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

With no --format, serves a web page where you sort, filter and walk every
function of the profile, and opens it in your browser. Several files are
merged, as pstats.Stats(a, b) does.

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

/**
 * Checks that every file can be read (so that a mistyped last name fails at
 * once), then reads them one at a time, each only when the profile asks for
 * it: the profile merges each file before the next is read.
 */
async function _inputs(
  paths: string[],
  progress: ((line: string) => void) | undefined,
): Promise<{ files: AsyncIterable<ProfileInput>; large: boolean }> {
  const sizes: number[] = [];
  for (const path of paths) {
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
    sizes.push(info.size);
  }
  async function* files(): AsyncGenerator<ProfileInput> {
    for (const [i, path] of paths.entries()) {
      let bytes: Uint8Array;
      try {
        bytes = await _readWithProgress(path, sizes[i]!, progress);
      } catch (error) {
        throw new InputError(path, _fsReason(error));
      }
      yield { source: path, bytes };
    }
  }
  return {
    files: files(),
    large: sizes.some((size) => size >= _PROGRESS_BYTES),
  };
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
  constructor(path: string, reason: string) {
    super(`${path}: ${reason}`);
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

async function _load(
  paths: string[],
  progress: ((line: string) => void) | undefined,
): Promise<Profile> {
  const { files, large } = await _inputs(paths, progress);
  const profile = await loadProfileAsync(files, {
    cwd: Deno.cwd(),
    ...(progress && large
      ? {
        onProgress: (source: string, functions: number, offset: number) =>
          progress(
            `Reading ${source}: ${formatCount(functions)} functions (${
              _megabytes(offset)
            } MB)`,
          ),
      }
      : {}),
  });
  if (progress && large) {
    progress(`Loaded ${formatCount(profile.size)} functions\n`);
  }
  return profile;
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
  try {
    profile = await _load(options.files, progress);
  } catch (error) {
    if (progress) progress("");
    if (
      error instanceof InputError || error instanceof SyntaxError ||
      error instanceof RangeError || error instanceof TypeError
    ) {
      _fail(error.message);
      return 1;
    }
    throw error;
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
