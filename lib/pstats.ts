/**
 * Reads pstats files: the `marshal` dump of
 * `{(file, line, function): (cc, nc, tt, ct, callers)}` that cProfile
 * (`profiling.tracing`), the pure-Python `profile` module, yappi and Python
 * 3.15's sampling profiler (`profiling.sampling`) write.
 *
 * @module
 */

import { DataRangeError, DataSyntaxError, isDataError } from "./data_error.ts";
import { cutText } from "./escape.ts";
import {
  decodeText,
  MarshalCode,
  MarshalDict,
  MarshalReader,
  type MarshalValue,
} from "./marshal.ts";
import {
  type BuildProfileOptions,
  type Profile,
  ProfileBuilder,
  type StatsFile,
  StatsTable,
} from "./profile.ts";
import {
  type ByteReader,
  readPstatsFast,
  readPstatsFastStream,
  type ReadPstatsStreamOptions,
} from "./pstats_fast.ts";

export type { ByteReader, ReadPstatsStreamOptions };

/** Which profiler wrote a pstats file, as far as its contents tell. */
export type PstatsKind = "cprofile" | "profile" | "yappi" | "sampled";

/** A pstats file's contents with the profiler that wrote it. */
export interface PstatsFile extends StatsFile {
  /** The profiler that wrote it. */
  readonly kind: PstatsKind;
  /** How many functions have an entry (others appear only as callers). */
  readonly entries: number;
}

/** Options for {@linkcode readPstats}. */
export interface ReadPstatsOptions {
  /** The file's name, kept as the source of the data. Defaults to `""`. */
  source?: string;
  /** Called while reading with the functions read and the byte offset reached. */
  onProgress?: (functions: number, offset: number) => void;
  /**
   * Try the fast reader (`readPstatsFast()`) first, which takes the files
   * Python 3 writes every day and gives the same result. Defaults to `true`;
   * `false` reads with the general reader only.
   */
  fast?: boolean;
}

const _UTF8 = new TextDecoder("utf-8");
const _PROGRESS_EVERY = 8192;

// Type codes, without FLAG_REF.
const _INT = 0x69; // 'i'
const _FLOAT = 0x67; // 'g'
const _REF = 0x72; // 'r'
const _SMALL_TUPLE = 0x29; // ')'
const _DICT = 0x7b; // '{'
const _NULL = 0x30; // '0'

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
 * import { readPstats } from "./pstats.ts";
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
  _rejectKnownFormats(bytes);
  if (options.fast !== false) {
    const file = readPstatsFast(bytes, options);
    if (file !== undefined) return file;
  }
  const reader = new _PstatsReader(bytes, options.onProgress);
  const file = reader.read(options.source ?? "");
  if (reader.reader.offset < bytes.length) {
    throw new DataSyntaxError(
      `Unexpected data at byte ${reader.reader.offset}: ${
        bytes.length - reader.reader.offset
      } bytes follow the end of the marshalled value`,
    );
  }
  return file;
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
 * import { readPstatsStream } from "./pstats.ts";
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
 * import { loadProfile } from "./pstats.ts";
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
 * file is not a pstats file, or sampled and traced files are mixed; the
 * message starts with the file's name.
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
 * import { loadProfileAsync } from "./pstats.ts";
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
  const { cwd } = options;
  return new ProfileBuilder(cwd === undefined ? {} : { cwd });
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

/**
 * Checks the first bytes of a file (64 are enough) before the rest is
 * read: a file that is empty, compiled Python, text or any marshalled value
 * but a dict is refused at once, with the message {@linkcode readPstats}
 * would give, so that a huge file of another kind is never read whole.
 *
 * @example
 * ```ts
 * import { checkPstatsHead } from "./pstats.ts";
 * import { assertThrows } from "@std/assert";
 *
 * checkPstatsHead(Uint8Array.of(0xfb, 0x30)); // '{' and the end of a dict
 * assertThrows(
 *   () => checkPstatsHead(new Uint8Array(64)),
 *   SyntaxError,
 *   "Not a pstats file",
 * );
 * ```
 *
 * @param head The file's first bytes, or all of them if it is shorter.
 * @throws {SyntaxError} When the file is certainly not a pstats file.
 */
export function checkPstatsHead(head: Uint8Array): void {
  _rejectKnownFormats(head);
}

function _rejectKnownFormats(bytes: Uint8Array): void {
  if (bytes.length === 0) {
    throw new DataSyntaxError("Not a pstats file: it is empty");
  }
  // .pyc: a 2-byte magic number followed by "\r\n".
  if (bytes.length >= 16 && bytes[2] === 0x0d && bytes[3] === 0x0a) {
    throw new DataSyntaxError(
      "Not a pstats file: it looks like compiled Python bytecode (.pyc)",
    );
  }
  if ((bytes[0]! & 0x7f) !== _DICT) {
    const head = _UTF8.decode(bytes.subarray(0, 64));
    const printable = /^[\t\n\r\x20-\x7e\u00a0-\uffff]*$/.test(head);
    throw new DataSyntaxError(
      printable
        ? "Not a pstats file: it is text, not marshalled data"
        : `Not a pstats file: it holds ${
          _describeType(bytes[0]!)
        } at byte 0, not a dict of functions`,
    );
  }
}

function _describeType(code: number): string {
  const names: Record<number, string> = {
    0x28: "a tuple",
    0x29: "a tuple",
    0x5b: "a list",
    0x3c: "a set",
    0x3e: "a frozenset",
    0x69: "an int",
    0x6c: "an int",
    0x67: "a float",
    0x73: "bytes",
    0x75: "a string",
    0x61: "a string",
    0x7a: "a string",
    0x63: "a code object",
    0x7d: "a frozendict",
    0x4e: "None",
  };
  return names[code & 0x7f] ??
    `marshalled data with type code 0x${code.toString(16).padStart(2, "0")}`;
}

/** A function key: local id, -1 for the sampled marker. */
type _Key = number;

/**
 * Reads a pstats dict straight from the bytes into a {@linkcode StatsTable}.
 * The common shapes (small tuples of ints and floats, references) are read by
 * hand; anything else goes through the generic decoder, so every valid
 * marshal encoding is accepted.
 */
class _PstatsReader {
  readonly reader: MarshalReader;
  readonly table: StatsTable;
  readonly onProgress:
    | ((functions: number, offset: number) => void)
    | undefined;
  /** Function id + 1 of key tuples by their reference index (0: none). */
  refIds: Int32Array<ArrayBuffer> = new Int32Array(1024);
  /** Function id + 1 of the last function whose name has this reference index. */
  nameIds: Int32Array<ArrayBuffer> = new Int32Array(1024);
  /** Per function id: 1 + the first edge of its entry, 0 without one. */
  entryStart: Int32Array<ArrayBuffer> = new Int32Array(1024);
  /** Per function id: the edge after the last one of its entry. */
  entryEnd: Int32Array<ArrayBuffer> = new Int32Array(1024);
  /** Per function id: the callers dict it was last met in, and its edge. */
  seenIn: Int32Array<ArrayBuffer> = new Int32Array(1024);
  seenEdge: Int32Array<ArrayBuffer> = new Int32Array(1024);
  /** The number of the callers dict being read (from 1). */
  dict = 0;
  /** Edges taken from callers dicts that references may repeat. */
  work = 0;
  readonly maxWork: number;
  /** Function ids of key tuples read through the generic decoder. */
  readonly valueIds = new Map<MarshalValue, number>();
  sampled = false;
  countsOnly = false;
  yappi = false;
  entries = 0;

  constructor(
    bytes: Uint8Array,
    onProgress: ((functions: number, offset: number) => void) | undefined,
  ) {
    this.reader = new MarshalReader(bytes);
    // About 40 bytes an edge and 400 a function in typical files.
    this.table = new StatsTable(bytes.length / 400, bytes.length / 40);
    this.onProgress = onProgress;
    // An edge takes at least 10 bytes of a file, unless references repeat a
    // whole callers dict: bound what repeats can multiply.
    this.maxWork = bytes.length + 65536;
  }

  read(source: string): PstatsFile {
    const r = this.reader;
    if (r.peek() & 0x80) {
      // A flagged outer dict can't be referred to before it ends; keep the slot.
      r.reserveRef();
    }
    r.skip(1);
    for (;;) {
      if (r.peek() === _NULL) {
        r.skip(1);
        break;
      }
      const key = this.key(undefined);
      if (r.peek() === _NULL) {
        // CPython ends a dict at a NULL value, dropping the key before it.
        r.skip(1);
        break;
      }
      if (key < 0) {
        r.value(); // The sampled marker's value, True.
        this.sampled = true;
        continue;
      }
      this.entry(key);
      if (this.onProgress && this.entries % _PROGRESS_EVERY === 0) {
        this.onProgress(this.entries, r.offset);
      }
    }
    this.onProgress?.(this.entries, r.offset);
    if (this.sampled) this.yappi = false;
    // yappi stores (ncall, nactualcall): total calls first.
    if (this.yappi) this.table.swapCalls();
    const kind: PstatsKind = this.sampled
      ? "sampled"
      : this.yappi
      ? "yappi"
      : this.countsOnly
      ? "profile"
      : "cprofile";
    return {
      ...this.withoutDropped(
        this.table.finish(source, this.sampled, !this.countsOnly),
      ),
      kind,
      entries: this.entries,
    };
  }

  /**
   * Leaves out functions that are neither an entry nor a caller: keys that
   * Python dropped (a key followed by NULL, the callers of an entry that a
   * later one replaced). Real files have none, and pay one pass.
   */
  withoutDropped(file: StatsFile): StatsFile {
    const n = file.functions.name.length;
    const used = new Uint8Array(n);
    for (let id = 0; id < n && id < this.entryStart.length; id++) {
      if (this.entryStart[id] !== 0) used[id] = 1;
    }
    for (const caller of file.edges.caller) used[caller] = 1;
    if (!used.includes(0)) return file;
    const table = new StatsTable();
    const f = file.functions;
    const ids = new Int32Array(n).fill(-1);
    for (let id = 0; id < n; id++) {
      if (used[id] === 0) continue;
      ids[id] = table.intern(f.file[id]!, f.line[id]!, f.name[id]!);
      table.setNumbers(
        ids[id]!,
        file.calls[id]!,
        file.primitiveCalls[id]!,
        file.internalTime[id]!,
        file.cumulativeTime[id]!,
      );
    }
    const e = file.edges;
    for (let k = 0; k < e.caller.length; k++) {
      table.addEdge(
        ids[e.caller[k]!]!,
        ids[e.callee[k]!]!,
        e.calls[k]!,
        e.primitiveCalls[k]!,
        e.internalTime[k]!,
        e.cumulativeTime[k]!,
      );
    }
    return table.finish(file.source, file.sampled, file.edgeDetail);
  }

  /** Reads a `(file, line, name)` key and returns its id. */
  key(callee: number | undefined): _Key {
    const r = this.reader;
    const at = r.offset;
    const code = r.peek();
    const type = code & 0x7f;
    const length = _tupleLength(r);
    if (
      code >= 0 && type !== _REF && _isWhole(r) &&
      (length === undefined || (length !== 3 && length !== 1))
    ) {
      // Refuse before reading what cannot be a key: it could be huge.
      this.badKey(callee, at, _describeAhead(r));
    }
    if (type === _REF) {
      r.skip(1);
      const index = r.int32();
      const known = index >= 0 && index < this.refIds.length
        ? this.refIds[index]!
        : 0;
      if (known !== 0) return known - 1;
      const id = this.keyOf(r.ref(index), callee, at);
      this.setRefId(index, id);
      return id;
    }
    if (type === _SMALL_TUPLE && r.peek(1) === 3) {
      const index = code & 0x80 ? r.reserveRef() : -1;
      r.skip(2);
      this.expect(_CONTAINER, callee, at);
      const file = r.value();
      this.expect(_CONTAINER, callee, at);
      const line = r.value();
      // The name's reference slot, when it has one, caches the function id.
      const nameCode = r.peek();
      let slot = -1;
      let name: MarshalValue;
      if ((nameCode & 0x7f) === _REF) {
        r.skip(1);
        slot = r.int32();
        name = r.ref(slot);
      } else {
        this.expect(_CONTAINER_NOT_CODE, callee, at);
        if (nameCode & 0x80) slot = r.refCount;
        name = r.value();
      }
      if (
        _isText(file) && typeof line === "number" && _isLine(line) &&
        (_isText(name) || name instanceof MarshalCode)
      ) {
        const text = _text(file);
        let id = slot >= 0 && slot < this.nameIds.length
          ? this.nameIds[slot]! - 1
          : -1;
        if (
          id < 0 || this.table.fileOf(id) !== text ||
          this.table.lineOf(id) !== line
        ) {
          id = this.table.intern(text, line, _text(name));
          if (slot >= 0) this.nameIds = _setSlot(this.nameIds, slot, id);
        }
        if (index >= 0) {
          r.setRef(index, [file, line, name]);
          this.setRefId(index, id);
        }
        return id;
      }
      return this.keyOf([file, line, name], callee, at);
    }
    return this.keyOf(r.value(), callee, at);
  }

  setRefId(index: number, id: number): void {
    if (id >= 0) this.refIds = _setSlot(this.refIds, index, id);
  }

  keyOf(
    value: MarshalValue,
    callee: number | undefined,
    at: number,
  ): _Key {
    const known = this.valueIds.get(value);
    if (known !== undefined) return known;
    if (Array.isArray(value)) {
      if (
        callee === undefined && value.length === 1 &&
        value[0] === "__sampled__"
      ) {
        return -1;
      }
      if (value.length === 3) {
        const [file, line, name] = value;
        if (
          _isText(file) && (_isText(name) || name instanceof MarshalCode)
        ) {
          const number = typeof line === "bigint" ? Number(line) : line;
          if (typeof number === "number" && _isLine(number)) {
            const id = this.table.intern(_text(file), number, _text(name));
            this.valueIds.set(value, id);
            return id;
          }
          if (typeof number === "number") {
            this.badKey(
              callee,
              at,
              `the line number ${
                cutText(String(line), 24)
              }, which is not a whole number that fits in 53 bits`,
            );
          }
        }
      }
    }
    this.badKey(callee, at, _describe(value));
  }

  badKey(callee: number | undefined, at: number, found: string): never {
    const whose = callee === undefined
      ? `function ${this.entries + 1}`
      : `a caller of ${this.label(callee)}`;
    throw new DataSyntaxError(
      `Invalid pstats key at byte ${at} for ${whose}: expected (file, line, function), found ${found}`,
    );
  }

  /**
   * Refuses early a container (type codes in `refused`) where a scalar must
   * be: it would be read whole first, and could be huge.
   */
  expect(
    refused: Uint8Array,
    callee: number | undefined,
    at: number,
  ): void {
    const r = this.reader;
    if (_isWhole(r) && refused[r.peek() & 0x7f] === 1) {
      this.badKey(callee, at, `a tuple holding ${_describeAhead(r)}`);
    }
  }

  /** Reads `(cc, nc, tt, ct, callers)` for a function. */
  entry(id: number): void {
    const r = this.reader;
    const code = r.peek();
    if (this.entryStart[id]) {
      // A key held twice: like a Python dict, keep the last value only.
      this.table.resetNumbers(id);
      this.table.dropEdges(this.entryStart[id]! - 1, this.entryEnd[id]!);
    } else {
      this.entries++;
    }
    const start = this.table.edgeCount;
    this.readEntry(id, code);
    // _setSlot stores value + 1: entryStart holds start + 1 (0: no entry),
    // entryEnd the end itself.
    this.entryStart = _setSlot(this.entryStart, id, start);
    this.entryEnd = _setSlot(this.entryEnd, id, this.table.edgeCount - 1);
  }

  readEntry(id: number, code: number): void {
    const r = this.reader;
    if (_isWhole(r) && (code & 0x7f) !== _REF && _tupleLength(r) !== 5) {
      throw new DataSyntaxError(
        `Invalid pstats entry for ${
          this.label(id)
        }: expected (cc, nc, tt, ct, callers), found ${_describeAhead(r)}`,
      );
    }
    if (code === _SMALL_TUPLE && r.peek(1) === 5) {
      r.skip(2);
      const cc = this.number(id, "cc");
      const nc = this.number(id, "nc");
      const tt = this.number(id, "tt");
      const ct = this.number(id, "ct");
      this.numbers(id, cc, nc, tt, ct);
      if ((r.peek() & 0x7f) === _DICT && !(r.peek() & 0x80)) {
        r.skip(1);
        this.callers(id);
      } else {
        this.callersValue(id, r.value());
      }
      return;
    }
    const value = r.value();
    if (!Array.isArray(value) || value.length !== 5) {
      throw new DataSyntaxError(
        `Invalid pstats entry for ${
          this.label(id)
        }: expected (cc, nc, tt, ct, callers), found ${_describe(value)}`,
      );
    }
    const [cc, nc, tt, ct] = value.map((v, i) =>
      i < 4 ? this.toNumber(v, id, ["cc", "nc", "tt", "ct"][i]!) : 0
    ) as [number, number, number, number];
    this.numbers(id, cc, nc, tt, ct);
    this.callersValue(id, value[4]!);
  }

  numbers(id: number, cc: number, nc: number, tt: number, ct: number): void {
    this.count(cc, id, "cc");
    this.count(nc, id, "nc");
    if (cc > nc) this.yappi = true;
    this.table.setNumbers(id, nc, cc, tt, ct);
  }

  /** Reads a callers dict whose `{` was consumed. */
  callers(callee: number): void {
    const r = this.reader;
    this.dict++;
    for (;;) {
      if (r.peek() === _NULL) {
        r.skip(1);
        return;
      }
      const caller = this.key(callee);
      const code = r.peek();
      if (code === _SMALL_TUPLE && r.peek(1) === 4) {
        r.skip(2);
        const nc = this.number(callee, caller);
        const cc = this.number(callee, caller);
        const tt = this.number(callee, caller);
        const ct = this.number(callee, caller);
        this.addEdge(caller, callee, nc, cc, tt, ct);
      } else if (code === _NULL) {
        // CPython ends a dict at a NULL value, dropping the key before it.
        r.skip(1);
        return;
      } else {
        const type = code & 0x7f;
        const length = _tupleLength(r);
        if (
          _isWhole(r) &&
          (length !== undefined ? length !== 4 : _CONTAINER[type] === 1)
        ) {
          this.badEdge(callee, caller, _describeAhead(r));
        }
        this.edge(callee, caller, r.value());
      }
    }
  }

  /**
   * Adds an edge of the callers dict being read; a caller it holds twice
   * keeps its last numbers, as in a Python dict.
   */
  addEdge(
    caller: number,
    callee: number,
    nc: number,
    cc: number,
    tt: number,
    ct: number,
  ): void {
    this.count(nc, callee, caller);
    this.count(cc, callee, caller);
    if (caller < this.seenIn.length && this.seenIn[caller] === this.dict) {
      this.table.setEdge(this.seenEdge[caller]! - 1, nc, cc, tt, ct);
      return;
    }
    this.seenIn = _setSlot(this.seenIn, caller, this.dict - 1);
    this.seenEdge = _setSlot(this.seenEdge, caller, this.table.edgeCount);
    this.table.addEdge(caller, callee, nc, cc, tt, ct);
  }

  /** Checks that a count is a whole number (JSON and CSV print it as one). */
  count(n: number, id: number, what: string | number): void {
    if (Number.isSafeInteger(n)) return;
    const field = typeof what === "number"
      ? `the calls of its caller ${this.label(what)}`
      : what;
    throw new DataSyntaxError(
      `Invalid pstats entry for ${
        this.label(id)
      }: ${field} should be a whole number of calls, found ${n}`,
    );
  }

  badEdge(callee: number, caller: number, found: string): never {
    throw new DataSyntaxError(
      `Invalid pstats entry for ${this.label(callee)}: its caller ${
        this.label(caller)
      } should have (nc, cc, tt, ct) or a count, found ${found}`,
    );
  }

  /** Takes a callers dict read by the generic decoder. */
  callersValue(callee: number, value: MarshalValue): void {
    if (!(value instanceof MarshalDict)) {
      throw new DataSyntaxError(
        `Invalid pstats entry for ${
          this.label(callee)
        }: callers should be a dict, found ${_describe(value)}`,
      );
    }
    this.work += value.keys.length;
    if (this.work > this.maxWork) {
      throw new DataRangeError(
        `Invalid pstats entry for ${
          this.label(callee)
        }: references repeat callers dicts to more than ${this.maxWork} callers in all, more than a file of this size can hold`,
      );
    }
    this.dict++;
    for (let c = 0; c < value.keys.length; c++) {
      const caller = this.keyOf(value.keys[c]!, callee, -1);
      this.edge(callee, caller, value.values[c]!);
    }
  }

  edge(callee: number, caller: number, value: MarshalValue): void {
    if (typeof value === "number" || typeof value === "bigint") {
      this.countsOnly = true;
      const n = Number(value);
      this.addEdge(caller, callee, n, n, 0, 0);
      return;
    }
    if (Array.isArray(value) && value.length === 4) {
      const [nc, cc, tt, ct] = value.map((v) =>
        this.toNumber(v, callee, caller)
      ) as [number, number, number, number];
      this.addEdge(caller, callee, nc, cc, tt, ct);
      return;
    }
    if (typeof value === "boolean") {
      this.countsOnly = true;
      this.addEdge(caller, callee, +value, +value, 0, 0);
      return;
    }
    this.badEdge(callee, caller, _describe(value));
  }

  /** Reads a number, by hand when it is a plain int, float or reference. */
  /**
   * `what` names the number for messages: a field name, or the id of the
   * caller whose edge it belongs to.
   */
  number(id: number, what: string | number): number {
    const r = this.reader;
    const code = r.peek();
    switch (code) {
      case _INT:
        r.skip(1);
        return r.int32();
      case _FLOAT:
        r.skip(1);
        return r.float64();
      case _INT | 0x80: {
        const index = r.reserveRef();
        r.skip(1);
        const value = r.int32();
        r.setRef(index, value);
        return value;
      }
      case _FLOAT | 0x80: {
        const index = r.reserveRef();
        r.skip(1);
        const value = r.float64();
        r.setRef(index, value);
        return value;
      }
      case _REF: {
        r.skip(1);
        return this.toNumber(r.ref(r.int32()), id, what);
      }
      default:
        return this.toNumber(r.value(), id, what);
    }
  }

  toNumber(value: MarshalValue, id: number, what: string | number): number {
    if (typeof value === "number") return value;
    if (typeof value === "bigint") return Number(value);
    if (typeof value === "boolean") return value ? 1 : 0;
    const field = typeof what === "number"
      ? `its caller ${this.label(what)}`
      : what;
    throw new DataSyntaxError(
      `Invalid pstats entry for ${
        this.label(id)
      }: ${field} should be a number, found ${_describe(value)}`,
    );
  }

  label(id: number): string {
    const f = this.table;
    return f.label(id);
  }
}

/** A line number as Python's `int`, kept exactly: a whole double. */
function _isLine(line: number): boolean {
  return Number.isSafeInteger(line);
}

function _codes(codes: string): Uint8Array {
  const table = new Uint8Array(128);
  for (const c of codes) table[c.charCodeAt(0)] = 1;
  return table;
}

/** Type codes of containers, read whole by the generic decoder. */
const _CONTAINER = _codes("()[{<>c:");
/** The same but code objects, which a function name may be. */
const _CONTAINER_NOT_CODE = _codes("()[{<>:");

/**
 * The length of the tuple at the cursor, without moving it; `undefined`
 * when the next value is not a tuple.
 */
function _tupleLength(r: MarshalReader): number | undefined {
  const type = r.peek() & 0x7f;
  if (type === _SMALL_TUPLE) return r.peek(1);
  if (type !== 0x28) return undefined;
  // Cut short: left to the reader, which says so.
  if (r.offset + 5 > r.length) return undefined;
  const length = r.peek(1) | (r.peek(2) << 8) | (r.peek(3) << 16) |
    (r.peek(4) << 24);
  return length;
}

/**
 * Whether the value at the cursor can be judged by its head: not cut short
 * (the reader reports truncation itself, with the byte offset).
 */
function _isWhole(r: MarshalReader): boolean {
  const type = r.peek() & 0x7f;
  if (r.peek() < 0) return false;
  if (type === _SMALL_TUPLE) return r.offset + 2 <= r.length;
  if (type !== 0x28) return true;
  if (r.offset + 5 > r.length) return false;
  // An absurd length is left to the reader too, which says so.
  const length = _tupleLength(r)!;
  return length >= 0 && length <= r.length - r.offset - 5;
}

/** Describes the value at the cursor from its type code, without reading it. */
function _describeAhead(r: MarshalReader): string {
  const length = _tupleLength(r);
  if (length !== undefined) {
    return `a tuple of ${length < 0 ? "invalid length" : `${length} items`}`;
  }
  const code = r.peek();
  return code < 0 ? "the end of the data" : _describeType(code);
}

/** Stores `id + 1` at `index`, growing the array if needed. */
function _setSlot(
  ids: Int32Array<ArrayBuffer>,
  index: number,
  id: number,
): Int32Array<ArrayBuffer> {
  if (index >= ids.length) {
    const grown = new Int32Array(Math.max(index + 1, ids.length * 2));
    grown.set(ids);
    ids = grown;
  }
  ids[index] = id + 1;
  return ids;
}

function _isText(
  value: MarshalValue | undefined,
): value is string | Uint8Array {
  return typeof value === "string" || value instanceof Uint8Array;
}

function _text(value: string | Uint8Array | MarshalCode): string {
  if (typeof value === "string") return value;
  if (value instanceof MarshalCode) return value.toString();
  return decodeText(value);
}

function _describe(value: MarshalValue): string {
  if (value === null) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number" || typeof value === "bigint") {
    return `the number ${value}`;
  }
  if (typeof value === "string") return `the string "${cutText(value, 40)}"`;
  if (value instanceof Uint8Array) return `bytes of length ${value.length}`;
  if (Array.isArray(value)) return `a tuple of ${value.length} items`;
  if (value instanceof MarshalDict) {
    return `a dict of ${value.keys.length} items`;
  }
  if (value instanceof MarshalCode) return "a code object";
  return `a ${value.constructor.name.replace("Marshal", "").toLowerCase()}`;
}
