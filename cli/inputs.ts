/**
 * The inputs: the files and folders given, found ({@linkcode gatherInputs})
 * and read ({@linkcode readInputs}), small files whole, large ones as a
 * stream; `--max-size`; and the {@linkcode InputError} that names a file the
 * program cannot read.
 *
 * @module
 */

import { isDataError } from "../lib/data_error.ts";
import { escapeControls } from "../lib/escape.ts";
import { findProfiles, pytestCombined } from "../lib/folder.ts";
import { formatCount } from "../lib/format.ts";
import { resolve } from "../lib/path.ts";
import {
  checkPstatsHead,
  type ProfileInput,
  type PstatsStream,
} from "../lib/pstats/read.ts";
import { DEFAULT_MAX_SIZE } from "./options.ts";
import { Interrupted, type InterruptGuard } from "./interrupt.ts";
import { megabytes, type Progress } from "./terminal.ts";

/** From this size on, a file's reading shows a progress line. */
export const PROGRESS_BYTES = 16 * 1024 * 1024;
/** From this size on, a file is decoded as it is read, never held whole. */
const _STREAM_BYTES = 16 * 1024 * 1024;
/** From how many files on, reading them shows a progress line. */
export const PROGRESS_FILES = 200;
/** How many files are read at once. */
const _READ_AT_ONCE = 16;

/** Files smaller than this are read in one go, not a head first. */
const _WHOLE_READ_BYTES = 1024 * 1024;

/** The files to read, from the files and folders given. */
export interface Gathered {
  /** The files, in the order given (a folder's sorted). */
  paths: string[];
  /** Lines for the terminal: how many were found, what was left out. */
  notes: string[];
}

/**
 * Finds the files to read in the files and folders given. A file is one
 * file however it is reached (`dir/./a.prof`, a link, a hard link: the same
 * device and inode): a folder does not bring in again a file named or
 * brought in already, nor a file named after its folder. A file named twice
 * counts twice, as in `pstats.Stats(a, a)`. Below a folder, what cannot be
 * reached (a path longer than the system allows, a folder that cannot be
 * listed) is left out and said in one line.
 */
export async function gatherInputs(
  args: string[],
  recursive: boolean,
): Promise<Gathered> {
  const paths: string[] = [];
  const notes: string[] = [];
  const seen = new Set<string>();
  const fromFolders = new Set<string>();
  for (const arg of args) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(arg);
    } catch (error) {
      throw new InputError(arg, fsReason(error));
    }
    if (!info.isDirectory) {
      // A file named twice counts twice, as in pstats.Stats(a, a), but a
      // file a folder given already brought in is read once.
      const id = _identity(arg, info);
      if (!fromFolders.has(id)) paths.push(arg), seen.add(id);
      continue;
    }
    const unreached: { path: string; error: unknown }[] = [];
    let found: string[];
    try {
      found = await findProfiles(arg, {
        recursive,
        onUnlisted: (path, error) => unreached.push({ path, error }),
      });
    } catch (error) {
      const where = (error as { path?: string }).path ?? arg;
      throw new InputError(where, fsReason(error));
    }
    const ids = await _identities(found);
    const idOf = new Map<string, string>();
    // A file whose path is too long to open is as unreachable.
    found = found.filter((path, k) => {
      const id = ids[k]!;
      if (typeof id !== "string") {
        unreached.push({ path, error: id.error });
        return false;
      }
      idOf.set(path, id);
      return true;
    });
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
    if (found.length === 0 && unreached.length === 0) {
      throw new InputError(
        arg,
        `No .prof or .pstats files in this folder${
          recursive ? " or below" : " (--recursive looks in folders below)"
        }`,
      );
    }
    let again = 0;
    for (const path of found) {
      const id = idOf.get(path)!;
      if (!seen.has(id)) {
        paths.push(path), seen.add(id), fromFolders.add(id);
      } else again++;
    }
    notes.push(
      `Found ${formatCount(found.length)} profile${
        found.length === 1 ? "" : "s"
      } in ${arg}${recursive ? " and the folders below" : ""}${
        again === 0
          ? ""
          : ` (${formatCount(again)} of them ${
            again === 1 ? "is a file" : "are files"
          } already read by another path or link: read once)`
      }`,
    );
    if (unreached.length > 0) notes.push(_unreachedNote(arg, unreached));
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

/**
 * What tells a file from another: its device and inode, or where they are
 * not known (Windows), its absolute path.
 */
function _identity(path: string, info: Deno.FileInfo): string {
  return info.dev !== null && info.ino !== null
    ? `${info.dev}:${info.ino}`
    : `path:${resolve(path)}`;
}

/** How many files are looked at at once. */
const _STAT_AT_ONCE = 64;

/**
 * Each path's identity, or, for one that cannot be reached because its
 * path is too long, the error. A path that cannot be looked at otherwise (a
 * broken link) is its own identity: reading it will say what is wrong.
 */
async function _identities(
  paths: readonly string[],
): Promise<(string | { error: unknown })[]> {
  const ids: (string | { error: unknown })[] = new Array(paths.length);
  for (let start = 0; start < paths.length; start += _STAT_AT_ONCE) {
    await Promise.all(
      paths.slice(start, start + _STAT_AT_ONCE).map(async (path, k) => {
        try {
          ids[start + k] = _identity(path, await Deno.stat(path));
        } catch (error) {
          ids[start + k] = _isNameTooLong(error)
            ? { error }
            : `path:${resolve(path)}`;
        }
      }),
    );
  }
  return ids;
}

/** Whether an error is the system's "file name too long". */
function _isNameTooLong(error: unknown): boolean {
  return (error as { code?: unknown })?.code === "ENAMETOOLONG";
}

/** One line for what could not be reached below a folder. */
function _unreachedNote(
  folder: string,
  unreached: readonly { path: string; error: unknown }[],
): string {
  const { path, error } = unreached[0]!;
  return `Skipped ${formatCount(unreached.length)} path${
    unreached.length === 1 ? "" : "s"
  } below ${folder} that cannot be reached (the first: ${shownPath(path)}: ${
    fsReason(error)
  })`;
}

/**
 * A path for a message: as it is, or when over 200 characters, its first
 * and last 96 around `…` (a path deeper than the system allows is
 * thousands).
 *
 * @param path The path.
 * @returns The path, cut if long.
 */
export function shownPath(path: string): string {
  return path.length <= 200
    ? path
    : `${path.slice(0, 96)}…${path.slice(path.length - 96)}`;
}

/** A file left out with --skip-bad, and why. */
export interface Skipped {
  /** The file. */
  path: string;
  /** What is wrong with it. */
  reason: string;
}

/** What `readInputs()` has given so far. */
export interface Read {
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
export async function* readInputs(
  paths: string[],
  maxSize: number,
  progress: Progress | undefined,
  skipped: Skipped[] | undefined,
  guard: InterruptGuard,
  serving: boolean,
  read: Read,
): AsyncGenerator<Input> {
  const many = paths.length >= PROGRESS_FILES;
  const report = (done: number) =>
    progress?.(
      `Reading profiles: ${formatCount(done)} of ${
        formatCount(paths.length)
      } files`,
    );
  if (many) report(0);
  const ahead: Promise<Input | InputError>[] = [];
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
      if (read.size >= PROGRESS_BYTES) read.large = true;
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
export type Input = ProfileInput | { source: string; stream: _FileStream };

/**
 * Gives back what an input holds once it is merged (the profile keeps no
 * view of the bytes): their memory at once rather than when the garbage
 * collector runs, or the open file.
 */
function _release(input: Input): void {
  if ("bytes" in input) (input.bytes.buffer as ArrayBuffer).transfer(0);
  else input.stream.close();
}

async function _readInput(
  path: string,
  maxSize: number,
  progress: Progress | undefined,
  guard: InterruptGuard,
  serving: boolean,
): Promise<Input> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    throw new InputError(path, fsReason(error));
  }
  if (info.isDirectory) {
    throw new InputError(path, "Is a directory, not a pstats file");
  }
  if (!info.isFile) throw new InputError(path, "Not a regular file");
  if (info.size > maxSize) throw new InputError(path, _tooLarge(maxSize));
  if (progress !== undefined && info.size >= PROGRESS_BYTES) {
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

/**
 * An error met reading a file, as an `InputError` naming it: the file
 * system's, or the first bytes' check. The engine's own errors are a bug's
 * and pass as they are.
 */
function _inputError(path: string, error: unknown): unknown {
  if (error instanceof Interrupted || error instanceof InputError) {
    return error;
  }
  if (isDataError(error)) return new InputError(path, error.message);
  if (_isEngineError(error)) return error;
  return new InputError(path, fsReason(error));
}

/** Whether JavaScript itself threw the error: a bug, not the file. */
function _isEngineError(error: unknown): boolean {
  return error instanceof TypeError || error instanceof RangeError ||
    error instanceof SyntaxError || error instanceof ReferenceError;
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
  readonly #guard: InterruptGuard;
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
    guard: InterruptGuard,
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
    guard: InterruptGuard,
    readAll: () => Promise<Uint8Array>,
  ): Promise<_FileStream> {
    const file = await Deno.open(path);
    try {
      checkPstatsHead(await readHead(file));
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
export async function readHead(file: Deno.FsFile): Promise<Uint8Array> {
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
  progress: Progress | undefined,
  guard: InterruptGuard,
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
  const head = await readHead(file);
  checkPstatsHead(head);
  let at = head.length;
  if (at < 64) return head;
  const show = progress !== undefined && size >= PROGRESS_BYTES
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
      `Reading ${escapeControls(path)}: ${megabytes(at)} of ${
        megabytes(size)
      } MB`,
    );
  }
  if (at > maxSize) throw new _TooLargeError(_tooLarge(maxSize));
  return bytes.subarray(0, at);
}

/** A problem with an input file: the message names the file. */
export class InputError extends Error {
  /** The problem, without the file's name. */
  readonly reason: string;
  /** Makes the error of a file and its problem. */
  constructor(path: string, reason: string) {
    super(`${path}: ${reason}`);
    this.name = "InputError";
    this.reason = reason;
  }
}

/** Why a file system call failed, in words. */
export function fsReason(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "No such file";
  if (_isNameTooLong(error)) {
    return "Its path is longer than the system allows";
  }
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
