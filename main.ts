/**
 * The `profiling-explorer` command: explore Python pstats profiles in the
 * browser, or print them as a table, JSON or CSV.
 *
 * @module
 */

import { parseArgs } from "@std/cli/parse-args";
import denoJson from "./deno.json" with { type: "json" };
import { cutText, escapeControls } from "./lib/escape.ts";
import { formatCount } from "./lib/format.ts";
import type { Profile } from "./lib/profile.ts";
import {
  checkPstatsHead,
  loadProfile,
  type ProfileInput,
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
  /** Files larger than this many bytes are refused (`Infinity`: no limit). */
  maxSize: number;
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
  const parsed = parseArgs(args, {
    string: ["format", "sort", "limit", "filter", "host", "port", "max-size"],
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
  const filter = text("filter") ?? "";
  const filterProblem = checkFilter(filter);
  if (filterProblem !== undefined) {
    throw new UsageError(`Invalid --filter: ${filterProblem}`);
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
    filter,
    host,
    port,
    open: parsed.open !== false,
    maxSize,
  };
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
                       space-separated term (case-insensitive; at most 32)

Input options:
      --max-size SIZE  Refuse files larger than SIZE (default 1G, far more
                       than any real profile; 0 for no limit)

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

  async start(): Promise<void> {
    if (this.#worker !== undefined) return;
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
  }
}

async function _readInputs(
  paths: string[],
  maxSize: number,
  progress: ((line: string) => void) | undefined,
  guard: _InterruptGuard,
): Promise<ProfileInput[]> {
  const inputs: ProfileInput[] = [];
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
    if (info.size > maxSize) throw new InputError(path, _tooLarge(maxSize));
    if (progress !== undefined && info.size >= _PROGRESS_BYTES) {
      await guard.start();
    }
    let bytes: Uint8Array;
    try {
      bytes = await _readFile(path, info.size, maxSize, progress, guard);
    } catch (error) {
      if (error instanceof _Interrupted) throw error;
      if (error instanceof SyntaxError) {
        throw new InputError(path, error.message);
      }
      throw new InputError(path, _fsReason(error));
    }
    inputs.push({ source: path, bytes });
  }
  return inputs;
}

function _tooLarge(maxSize: number): string {
  return `Too large: over ${
    _megabytes(maxSize)
  } MB, more than any real pstats file (use --max-size to read it anyway)`;
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
  using file = await Deno.open(path);
  const head = new Uint8Array(64);
  let at = 0;
  while (at < head.length) {
    const n = await file.read(head.subarray(at));
    if (n === null) break;
    at += n;
  }
  checkPstatsHead(head.subarray(0, at));
  if (at < head.length) return head.subarray(0, at);
  const show = progress !== undefined && size >= _PROGRESS_BYTES
    ? progress
    : undefined;
  let bytes = new Uint8Array(Math.max(size, head.length) + 1);
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
  if (error instanceof _TooLargeError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

function _load(
  inputs: ProfileInput[],
  progress: ((line: string) => void) | undefined,
  guard: _InterruptGuard,
): Profile {
  return loadProfile(inputs, {
    cwd: Deno.cwd(),
    ...(progress && inputs.some((i) => i.bytes.length >= _PROGRESS_BYTES)
      ? {
        onProgress: (source: string, functions: number, offset: number) => {
          guard.check();
          progress(
            `Reading ${escapeControls(source)}: ${
              formatCount(functions)
            } functions (${_megabytes(offset)} MB)`,
          );
        },
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
      return csvReport(profile, ids, {
        escapeControls: Deno.stdout.isTerminal(),
      });
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
  console.log("Stopped.");
  return 0;
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
  let profile: Profile;
  const guard = new _InterruptGuard();
  try {
    const inputs = await _readInputs(
      options.files,
      options.maxSize,
      progress,
      guard,
    );
    profile = _load(inputs, progress, guard);
    guard.check();
    if (progress && inputs.some((i) => i.bytes.length >= _PROGRESS_BYTES)) {
      progress(`Loaded ${formatCount(profile.size)} functions\n`);
    }
  } catch (error) {
    if (progress) progress("");
    if (error instanceof _Interrupted) {
      // Ctrl+C: the progress line is cleared; end as a shell expects.
      _fail("Interrupted");
      return 130;
    }
    if (
      error instanceof InputError || error instanceof SyntaxError ||
      error instanceof RangeError || error instanceof TypeError
    ) {
      _fail(error.message);
      return 1;
    }
    throw error;
  } finally {
    guard.stop();
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
