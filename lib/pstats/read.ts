/**
 * Reads pstats files: the `marshal` dump of
 * `{(file, line, function): (cc, nc, tt, ct, callers)}` that cProfile
 * (`profiling.tracing`), the pure-Python `profile` module, yappi and Python
 * 3.15's sampling profiler (`profiling.sampling`) write, and merges them into
 * a profile.
 *
 * This is the public entry of `lib/pstats/`: `readPstats()` tries the fast
 * reader (`fast.ts`, with its string cache `ascii_text.ts`) and leaves what
 * it does not take to the general one (`general.ts`); `head.ts` refuses
 * other files at their first bytes, `profiler.ts` tells which profiler wrote
 * a file, `types.ts` holds what both readers give, `stats_table.ts` a file's
 * columns, and `build.ts` merges files into a profile.
 *
 * @module
 */

import { isDataError } from "../data_error.ts";
import type { Profile } from "../profile.ts";
import { type BuildProfileOptions, ProfileBuilder } from "./build.ts";
import {
  type ByteReader,
  readPstatsFast,
  readPstatsFastStream,
  type ReadPstatsStreamOptions,
} from "./fast.ts";
import { readPstatsGeneral } from "./general.ts";
import { checkPstatsHead } from "./head.ts";
import type { PstatsFile, ReadPstatsOptions } from "./types.ts";

export {
  buildProfile,
  type BuildProfileOptions,
  ProfileBuilder,
  type StatsEntry,
  statsFile,
} from "./build.ts";
export type { ByteReader, ReadPstatsStreamOptions } from "./fast.ts";
export { checkPstatsHead } from "./head.ts";
export { type FunctionKey, type StatsFile, StatsTable } from "./stats_table.ts";
export type { PstatsFile, PstatsKind, ReadPstatsOptions } from "./types.ts";

/**
 * Reads the bytes of a pstats file.
 *
 * The variants are told apart by their contents: a `("__sampled__",)` key
 * marks Python 3.15's sampling profiler (its counts are samples: `calls` are
 * cumulative samples and `primitiveCalls` direct samples); callers given as
 * plain counts mark the `profile` module; and a function whose first count
 * exceeds its second marks yappi, which stores `(ncall, nactualcall)` where
 * cProfile stores `(cc, nc)` — those are swapped back so that the numbers
 * mean what their names say.
 *
 * @example
 * ```ts
 * import { readPstats } from "./read.ts";
 * import { assertEquals } from "@std/assert";
 *
 * // marshal.dumps({("app.py", 1, "main"): (1, 1, 0.5, 0.5, {})})
 * const bytes = Uint8Array.from(
 *   atob("e6kD+gZhcHAucHnpAQAAANoEbWFpbikFcgIAAAByAgAAAOcAAAAAAADgP3IEAAAAezAw"),
 *   (c) => c.charCodeAt(0),
 * );
 * const file = readPstats(bytes, { source: "run.pstats" });
 * assertEquals(file.kind, "cprofile");
 * assertEquals(file.functions.name, ["main"]);
 * assertEquals(file.calls[0], 1);
 * ```
 *
 * @param bytes The file's bytes.
 * @param options The file's name and a progress callback.
 * @returns The functions with their numbers and callers.
 * @throws {SyntaxError | RangeError} When the bytes are not a pstats file;
 * the message says why and, where it helps, at which byte.
 */
export function readPstats(
  bytes: Uint8Array,
  options: ReadPstatsOptions = {},
): PstatsFile {
  checkPstatsHead(bytes);
  if (options.fast !== false) {
    const file = readPstatsFast(bytes, options);
    if (file !== undefined) return file;
  }
  return readPstatsGeneral(bytes, options);
}

/**
 * A pstats file read from its start a chunk at a time, as
 * {@linkcode readPstatsStream} reads it.
 */
export interface PstatsStream extends ByteReader {
  /**
   * Reads the whole file again, from its start: called only when the fast
   * reader leaves the file to the general reader.
   */
  readAll(): Promise<Uint8Array>;
}

/**
 * Reads a pstats file as {@linkcode readPstats} does, decoding it as it is
 * read so that the whole file is never held (see `readPstatsFastStream()`).
 * A file the fast reader does not take is read again whole, and the general
 * reader gives exactly what, or fails exactly as, `readPstats()` would.
 *
 * @example
 * ```ts
 * import { readPstatsStream } from "./read.ts";
 * import { assertEquals } from "@std/assert";
 *
 * // marshal.dumps({("app.py", 1, "main"): (1, 1, 0.5, 0.5, {})})
 * const bytes = Uint8Array.from(
 *   atob("e6kD+gZhcHAucHnpAQAAANoEbWFpbikFcgIAAAByAgAAAOcAAAAAAADgP3IEAAAAezAw"),
 *   (c) => c.charCodeAt(0),
 * );
 * let at = 0;
 * const stream = {
 *   size: bytes.length,
 *   read(into: Uint8Array): Promise<number | null> {
 *     const n = Math.min(into.length, bytes.length - at);
 *     into.set(bytes.subarray(at, at + n));
 *     at += n;
 *     return Promise.resolve(n > 0 ? n : null);
 *   },
 *   readAll: () => Promise.resolve(bytes),
 * };
 * const file = await readPstatsStream(stream, { source: "run.pstats" });
 * assertEquals(file.functions.name, ["main"]);
 * ```
 *
 * @param stream The file.
 * @param options The file's name, a progress callback, and the chunk size.
 * @returns The functions with their numbers and callers.
 * @throws {SyntaxError | RangeError} As {@linkcode readPstats}; and what the
 * stream throws, as it is.
 */
export async function readPstatsStream(
  stream: PstatsStream,
  options: ReadPstatsStreamOptions = {},
): Promise<PstatsFile> {
  if (options.fast !== false) {
    const file = await readPstatsFastStream(stream, options);
    if (file !== undefined) return file;
  }
  return readPstats(await stream.readAll(), { ...options, fast: false });
}

/** An input file for {@linkcode loadProfile}. */
export interface ProfileInput {
  /** The file's name. */
  readonly source: string;
  /** The file's bytes. */
  readonly bytes: Uint8Array;
}

/**
 * An input file for {@linkcode loadProfileAsync} that is read as it is
 * decoded (see {@linkcode readPstatsStream}).
 */
export interface StreamedProfileInput {
  /** The file's name. */
  readonly source: string;
  /** The file, read from its start. */
  readonly stream: PstatsStream;
}

/**
 * Reads one or more pstats files and merges them into one profile, as
 * `pstats.Stats(a, b, ...)` does.
 *
 * @example
 * ```ts
 * import { loadProfile } from "./read.ts";
 * import { assertEquals } from "@std/assert";
 *
 * // marshal.dumps({("app.py", 1, "main"): (1, 1, 0.5, 0.5, {})})
 * const bytes = Uint8Array.from(
 *   atob("e6kD+gZhcHAucHnpAQAAANoEbWFpbikFcgIAAAByAgAAAOcAAAAAAADgP3IEAAAAezAw"),
 *   (c) => c.charCodeAt(0),
 * );
 * const profile = loadProfile([
 *   { source: "a.pstats", bytes },
 *   { source: "b.pstats", bytes },
 * ]);
 * assertEquals(profile.totals, { calls: 2, primitiveCalls: 2, time: 1 });
 * ```
 *
 * @param inputs The files' names and bytes.
 * @param options Where paths are shown relative to, and a progress callback.
 * @returns The profile.
 * @throws {DataSyntaxError | DataRangeError | ProfileMismatchError} When a
 * file is not a pstats file, or sampled and traced files are mixed; the message starts with the
 * file's name.
 */
export function loadProfile(
  inputs: Iterable<ProfileInput>,
  options: LoadProfileOptions = {},
): Profile {
  const builder = _builder(options);
  for (const input of inputs) {
    const file = _readInput(input, options);
    if (file !== undefined) builder.add(file);
  }
  return builder.finish();
}

/** Options for {@linkcode loadProfile} and {@linkcode loadProfileAsync}. */
export interface LoadProfileOptions extends BuildProfileOptions {
  /** Called while reading with the file, the functions read and the byte offset reached. */
  onProgress?: (source: string, functions: number, offset: number) => void;
  /**
   * When given, a file that is not a pstats file is left out and reported
   * here (with the error, its message naming the file) instead of thrown.
   */
  onBadFile?: (source: string, error: Error) => void;
  /**
   * Whether an error a stream throws itself (the file system's, say) leaves
   * its file out, as `onBadFile` does for bad data: answers `true` to go on
   * without the file. Without it, or when it answers `false`, the error ends
   * the load as it is.
   */
  skipStreamError?: (source: string, error: unknown) => boolean;
}

/**
 * Like {@linkcode loadProfile}, for files that arrive one at a time: each is
 * read and merged into the profile before the next is asked for, so only the
 * merged profile and one file's bytes need be held at once, or, for a file
 * given as a stream, a window of them. Errors a stream throws are passed on
 * as they are (unless `skipStreamError` leaves the file out).
 *
 * @example
 * ```ts
 * import { loadProfileAsync } from "./read.ts";
 * import { assertEquals } from "@std/assert";
 *
 * // marshal.dumps({("app.py", 1, "main"): (1, 1, 0.5, 0.5, {})})
 * const bytes = Uint8Array.from(
 *   atob("e6kD+gZhcHAucHnpAQAAANoEbWFpbikFcgIAAAByAgAAAOcAAAAAAADgP3IEAAAAezAw"),
 *   (c) => c.charCodeAt(0),
 * );
 * async function* files() {
 *   for (const source of ["a.pstats", "b.pstats", "c.pstats"]) {
 *     yield { source, bytes }; // read from disk here, one file at a time
 *   }
 * }
 * const profile = await loadProfileAsync(files());
 * assertEquals(profile.totals.calls, 3);
 * ```
 *
 * @param inputs The files' names and bytes or streams, in order.
 * @param options Where paths are shown relative to, a progress callback,
 * and what to do with a file that is not a pstats file.
 * @returns The profile.
 * @throws {DataSyntaxError | DataRangeError | ProfileMismatchError} As
 * {@linkcode loadProfile}.
 */
export async function loadProfileAsync(
  inputs:
    | AsyncIterable<ProfileInput | StreamedProfileInput>
    | Iterable<ProfileInput | StreamedProfileInput>,
  options: LoadProfileOptions = {},
): Promise<Profile> {
  const builder = _builder(options);
  for await (const input of inputs) {
    const file = "stream" in input
      ? await _readStreamed(input, options)
      : _readInput(input, options);
    if (file !== undefined) builder.add(file);
  }
  return builder.finish();
}

function _builder(options: LoadProfileOptions): ProfileBuilder {
  const { cwd, onClampedTimes } = options;
  return new ProfileBuilder({
    ...(cwd === undefined ? {} : { cwd }),
    ...(onClampedTimes === undefined ? {} : { onClampedTimes }),
  });
}

function _readInput(
  { source, bytes }: ProfileInput,
  options: LoadProfileOptions,
): PstatsFile | undefined {
  try {
    return readPstats(bytes, _readOptions(source, options));
  } catch (error) {
    return _badFile(source, error, options);
  }
}

async function _readStreamed(
  { source, stream }: StreamedProfileInput,
  options: LoadProfileOptions,
): Promise<PstatsFile | undefined> {
  // The stream's own errors (the file system's) are passed on as they are.
  let failed: unknown;
  const watched: PstatsStream = {
    size: stream.size,
    read: (into) => stream.read(into).catch(fail),
    readAll: () => stream.readAll().catch(fail),
    ...(stream.pause ? { pause: () => stream.pause!() } : {}),
  };
  function fail(error: unknown): never {
    throw (failed = error);
  }
  try {
    return await readPstatsStream(watched, _readOptions(source, options));
  } catch (error) {
    if (error !== failed) return _badFile(source, error, options);
    if (options.skipStreamError?.(source, error)) return undefined;
    throw error;
  }
}

function _readOptions(
  source: string,
  { onProgress }: LoadProfileOptions,
): ReadPstatsOptions {
  return onProgress
    ? { source, onProgress: (n, at) => onProgress(source, n, at) }
    : { source };
}

/** Names the file in a reader's error, and leaves the file out if asked. */
function _badFile(
  source: string,
  error: unknown,
  { onBadFile }: LoadProfileOptions,
): undefined {
  if (error instanceof Error) error.message = `${source}: ${error.message}`;
  if (onBadFile && isDataError(error)) {
    onBadFile(source, error);
    return undefined;
  }
  throw error;
}
