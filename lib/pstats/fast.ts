/**
 * A fast reader for the pstats files that Python 3 writes with marshal
 * versions 2 and later: the ones cProfile (`profiling.tracing`), yappi and
 * Python 3.15's sampling profiler (`profiling.sampling`) produce every day.
 *
 * It reads the bytes once, straight into the final typed columns: marshal
 * references live in typed arrays, strings are interned once into ids,
 * functions are found through an integer hash table over
 * `(file id, line, name id)`, no object is made per marshal value, and its
 * working tables are given back as soon as it is done. It produces exactly
 * what the general reader (`general.ts`, which `readPstats()` with
 * `fast: false` uses) produces, and answers `undefined` for anything it does
 * not take, so that the general reader reads it (and explains what is wrong,
 * when something is).
 *
 * It can also read a file as it comes, a chunk at a time
 * (`readPstatsFastStream()`), so that a large file is never held whole.
 *
 * @module
 */

import { countsSwapped, ProfilerSigns, SAMPLED_MARKER } from "./profiler.ts";
import type { PstatsFile, ReadPstatsOptions } from "./types.ts";
import { ByteStrings, NOT_TEXT } from "./byte_strings.ts";

const _PROGRESS_EVERY = 8192;

/** Thrown inside the reader when the input needs the general reader. */
class _Unsupported {}
const _UNSUPPORTED = new _Unsupported();
/**
 * Thrown inside the reader when a value runs past the bytes it holds: the
 * end of the file (then the general reader explains), or of a window of it
 * (then the entry is read again once more bytes have come).
 */
class _Short {}
const _SHORT = new _Short();

// A reference slot's record in `refs`: four ints.
const _R_VALUE = 0; // its value (see `_REF_*`)
const _R_KIND = 1; // what it holds (`_REF_*`), plus 8 × (function id + 1):
// for an int, the function whose line it last was (0: none), whose file and
// name follow, so that a key met again is known without looking it up
const _R_FILE = 2;
const _R_NAME = 3;
/** Function ids from this on are not remembered in `_R_KIND`. */
const _R_MOST = (1 << 28) - 1;

// What a reference slot holds (`_R_KIND & 7`), and so what its value is.
const _REF_OTHER = 0; // reserved, or a value this reader does not keep
const _REF_INT = 1; // the int
const _REF_FLOAT = 2; // the float's index in refFloats
const _REF_STRING = 3; // the string's id
const _REF_KEY = 4; // the function's id
const _REF_SAMPLED = 5; // the ("__sampled__",) marker

// A function's record in `fn`: four ints.
const _FN_FILE = 0; // the file's string id
const _FN_LINE = 1;
const _FN_NAME = 2; // the name's string id
const _FN_CALLEE = 3; // callee id + 1 of the callers dict that last named it
/** Up to how many callers a dict is checked for repeats by looking back. */
const _SCAN = 32;

// A hash slot in `table`: function id + 1 (0: empty) and its key.
const _SLOT_ID = 0;
const _SLOT_FILE = 1;
const _SLOT_LINE = 2;
const _SLOT_NAME = 3;

/**
 * Reads a pstats file fast, or answers `undefined` when it holds something
 * this reader does not take; `readPstats()` then reads it with the general
 * reader, which is what it calls this from.
 *
 * It takes a dict of `(file, line, name)` keys whose parts are strings
 * (`str`, in any of marshal's string types, as valid UTF-8) and an `int`
 * line, with `(cc, nc, tt, ct, callers)` values; the callers are a dict of
 * the same keys to `(nc, cc, tt, ct)` tuples or to counts; counts and times
 * are finite `int`s (32-bit) or binary `float`s, counts whole numbers; and
 * any of these may be marshal references. It also takes the sampling
 * profiler's `("__sampled__",): True` marker.
 *
 * It leaves to the general reader: code objects as names (the `profile`
 * module's `<module>` entries), long ints and text floats (marshal versions 0
 * and 1), `bytes` and Python 2's strings, non-finite numbers, counts that are
 * not whole, keys met twice, and every malformed input.
 *
 * @example
 * ```ts
 * import { readPstatsFast } from "./fast.ts";
 * import { assertEquals } from "@std/assert";
 *
 * // marshal.dumps({("app.py", 1, "main"): (1, 1, 0.5, 0.5, {})})
 * const bytes = Uint8Array.from(
 *   atob("e6kD+gZhcHAucHnpAQAAANoEbWFpbikFcgIAAAByAgAAAOcAAAAAAADgP3IEAAAAezAw"),
 *   (c) => c.charCodeAt(0),
 * );
 * const file = readPstatsFast(bytes, { source: "run.pstats" });
 * assertEquals(file?.functions.name, ["main"]);
 * assertEquals(file?.cumulativeTime[0], 0.5);
 *
 * // A long int (marshal's 'l') as a line number: left to the general reader.
 * assertEquals(readPstatsFast(Uint8Array.of(0x7b, 0x29, 3, 0x6c)), undefined);
 * ```
 *
 * @param bytes The file's bytes.
 * @param options The file's name and a progress callback.
 * @returns The functions with their numbers and callers, or `undefined`.
 */
export function readPstatsFast(
  bytes: Uint8Array,
  options: ReadPstatsOptions = {},
): PstatsFile | undefined {
  let reader: _FastReader;
  try {
    reader = new _FastReader(
      bytes,
      bytes.length,
      bytes.length,
      options.onProgress,
      true,
    );
  } catch (error) {
    // Where the system refuses to promise the room, the general reader,
    // which grows its tables as it goes, may still manage.
    if (error instanceof RangeError) return undefined;
    throw error;
  }
  try {
    return reader.read(options.source ?? "");
  } catch (error) {
    if (error === _UNSUPPORTED) return undefined;
    throw error;
  } finally {
    reader.release();
  }
}

/**
 * A file read from its start, a chunk at a time: what
 * {@linkcode readPstatsFastStream} reads. A `Deno.FsFile` is one, given its
 * size.
 */
export interface ByteReader {
  /**
   * The file's size as known before it is read. The reader's tables are
   * made for it; a file that turns out longer is left to the general reader.
   */
  readonly size: number;
  /**
   * Reads the next bytes of the file into `into`: answers how many (at least
   * one), or `null` at the end of the file, as `Deno.FsFile.read()` does.
   */
  read(into: Uint8Array): Promise<number | null>;
  /**
   * When given, awaited after each chunk is decoded, to let other tasks run
   * (say, a server answering while a large file loads: a read already done
   * resumes decoding at once, so connections would wait for the whole file).
   * Waiting for a timer does it, at a few milliseconds a chunk.
   */
  pause?(): Promise<void>;
}

/** Options for {@linkcode readPstatsFastStream}. */
export interface ReadPstatsStreamOptions extends ReadPstatsOptions {
  /** How many bytes to read at a time. Defaults to 4 MiB. */
  chunkSize?: number;
}

/** How many bytes `readPstatsFastStream()` reads at a time by default. */
const _CHUNK = 4 << 20;

/**
 * Reads a pstats file as {@linkcode readPstatsFast} does, but a chunk at a
 * time while it decodes, so that the whole file is never held: memory holds
 * what was read from it and a window of a few megabytes. The next chunk is
 * read while the one before is decoded; with `input.pause()`, other tasks
 * get their turn between chunks. It answers `undefined` for whatever the fast reader does
 * not take, the end of a file cut short included; the general reader then
 * needs the whole file, read again from its start.
 *
 * @example
 * ```ts
 * import { readPstatsFastStream } from "./fast.ts";
 * import { assertEquals } from "@std/assert";
 *
 * // marshal.dumps({("app.py", 1, "main"): (1, 1, 0.5, 0.5, {})})
 * const bytes = Uint8Array.from(
 *   atob("e6kD+gZhcHAucHnpAQAAANoEbWFpbikFcgIAAAByAgAAAOcAAAAAAADgP3IEAAAAezAw"),
 *   (c) => c.charCodeAt(0),
 * );
 * // A reader that gives the file 8 bytes at a time.
 * let at = 0;
 * const reader = {
 *   size: bytes.length,
 *   read(into: Uint8Array): Promise<number | null> {
 *     const n = Math.min(into.length, 8, bytes.length - at);
 *     into.set(bytes.subarray(at, at + n));
 *     at += n;
 *     return Promise.resolve(n > 0 ? n : null);
 *   },
 * };
 * const file = await readPstatsFastStream(reader, { chunkSize: 8 });
 * assertEquals(file?.functions.name, ["main"]);
 * assertEquals(file?.cumulativeTime[0], 0.5);
 * ```
 *
 * @param input The file, read from its start.
 * @param options The file's name, a progress callback, and the chunk size.
 * @returns The functions with their numbers and callers, or `undefined`.
 * @throws What `input.read()` throws, as it is.
 */
export async function readPstatsFastStream(
  input: ByteReader,
  options: ReadPstatsStreamOptions = {},
): Promise<PstatsFile | undefined> {
  const chunk = Math.max(1, Math.floor(options.chunkSize ?? _CHUNK));
  // The window: what an entry read in part needs, then the bytes read since.
  let window = new Uint8Array(2 * chunk);
  let end = 0;
  // The next chunk is read here while the window is decoded.
  const spare = new Uint8Array(chunk);
  let reader: _FastReader;
  try {
    reader = new _FastReader(window, 0, input.size, options.onProgress);
  } catch (error) {
    if (error instanceof RangeError) return undefined; // as readPstatsFast()
    throw error;
  }
  let pending: Promise<number | null> | undefined = input.read(spare);
  /** Adds the chunk read to the window and starts the next read; false at the end. */
  const take = async (): Promise<boolean> => {
    if (pending === undefined) return false;
    const n = await pending;
    pending = undefined;
    if (n === null || n <= 0) return false;
    if (end + n > window.length) {
      const grown = new Uint8Array(Math.max(2 * window.length, end + n));
      grown.set(window.subarray(0, end));
      window = grown;
    }
    window.set(spare.subarray(0, n), end);
    end += n;
    pending = input.read(spare);
    return true;
  };
  try {
    let more = await take();
    reader.slide(window, end, more);
    while (!reader.decode()) {
      if (input.pause) await input.pause();
      // Keep the entry read in part and read on: a chunk, or, for an entry
      // longer than one, as much again as it has so far.
      const from = reader.pos;
      window.copyWithin(0, from, end);
      end -= from;
      const want = end >= chunk ? 2 * end : end + 1;
      do more = await take(); while (more && end < want);
      reader.slide(window, end, more);
    }
    if (reader.pos !== end || (more && await take())) return undefined;
    reader.onProgress?.(reader.entries, reader.base + reader.pos);
    return reader.finish(options.source ?? "");
  } catch (error) {
    if (error === _UNSUPPORTED) return undefined;
    throw error;
  } finally {
    reader.release();
    // A read still in flight must not outlive this (its error, if any,
    // comes again when the file is read for the general reader).
    await pending?.catch(() => {});
  }
}

/** The tables a reader writes, as its fields: see {@linkcode _tables}. */
type _Tables = Pick<
  _FastReader,
  | "refs"
  | "fn"
  | "calls"
  | "primitiveCalls"
  | "internalTime"
  | "cumulativeTime"
  | "entered"
  | "eCaller"
  | "eCallee"
  | "eCalls"
  | "ePrimitive"
  | "eInternal"
  | "eCumulative"
>;

/**
 * Tables with room for as many rows as a file of `size` bytes could hold, so
 * that no table ever grows: a new function takes at least 11 bytes, an edge
 * 10, a value with a reference slot 2. The memory of a typed array is only
 * taken from the system as it is written to, so the room never used costs
 * nothing, and the columns are handed over as they are, without a copy.
 */
function _tables(size: number): _Tables {
  const functions = 1 + Math.ceil(size / 11);
  const edges = 1 + Math.ceil(size / 10);
  return {
    // Grown as they come, from room for a slot in 64 bytes: what most files
    // need (the memory of a typed array is only taken as it is written to).
    refs: new Int32Array(
      4 * Math.min(_refSlots(size), (1 << 16) + Math.ceil(size / 64)),
    ),
    fn: new Int32Array(functions * 4),
    calls: new Float64Array(functions),
    primitiveCalls: new Float64Array(functions),
    internalTime: new Float64Array(functions),
    cumulativeTime: new Float64Array(functions),
    entered: new Uint8Array(functions),
    eCaller: new Uint32Array(edges),
    eCallee: new Uint32Array(edges),
    eCalls: new Float64Array(edges),
    ePrimitive: new Float64Array(edges),
    eInternal: new Float64Array(edges),
    eCumulative: new Float64Array(edges),
  };
}

/**
 * Files up to this size are read with the tables of {@linkcode _pool}:
 * thousands of small files merged one after another would otherwise make
 * (and zero) a dozen tables each, which took about a third of their reading.
 */
const _POOLED_SIZE = 256 * 1024;

/**
 * Tables kept from one small file to the next (by the whole-file reader,
 * which runs to its end without a pause, so one reader holds them at a
 * time); `undefined` while one does, or before the first.
 */
let _pool: _Tables | undefined;

class _FastReader extends ProfilerSigns {
  /** The bytes read so far that are still needed: the file, or a window of it. */
  bytes: Uint8Array;
  view: DataView;
  /** Where the bytes held end (the window may be longer). */
  end: number;
  /** Whether more of the file may follow `end` (when reading a window). */
  more = false;
  /** The offset in the file of `bytes[0]`. */
  base = 0;
  readonly onProgress:
    | ((functions: number, offset: number) => void)
    | undefined;
  pos = 0;
  /** Whether the outer dict's type code was read. */
  started = false;
  /** Whether the tables are the pool's (see {@linkcode _POOLED_SIZE}). */
  readonly pooled: boolean;
  /** The tables below, as they were made or taken from the pool. */
  readonly tables: _Tables;
  sampledMarker = false;

  /**
   * The reference slots' records (see `_R_*`), in the order marshal numbers
   * them; grown as slots are taken, up to `refMost` slots.
   */
  refs: Int32Array;
  readonly refMost: number;
  refCount = 0;
  /** The reference slot of the line `line()` last read, or -1. */
  lineSlot = -1;
  /** The floats that references hold. */
  refFloats: Float64Array = new Float64Array(64);
  refFloatCount = 0;

  /** Strings by id, found by their bytes. */
  readonly stringTable: ByteStrings;
  readonly strings: string[];

  /** Functions' records (see `_FN_*`), four ints each. */
  fn: Int32Array;
  fnCount = 0;
  /** The hash table of functions by key (see `_SLOT_*`), four ints a slot. */
  table: Int32Array;
  /** The number of slots minus one. */
  mask: number;
  calls: Float64Array;
  primitiveCalls: Float64Array;
  internalTime: Float64Array;
  cumulativeTime: Float64Array;
  /** 1 once a function's entry was read. */
  entered: Uint8Array;

  // Edges.
  eCaller: Uint32Array;
  eCallee: Uint32Array;
  eCalls: Float64Array;
  ePrimitive: Float64Array;
  eInternal: Float64Array;
  eCumulative: Float64Array;
  eCount = 0;

  entries = 0;

  /**
   * @param bytes The file, or the first window of it.
   * @param end Where the bytes held end.
   * @param size The file's size, which the tables are made for.
   */
  constructor(
    bytes: Uint8Array,
    end: number,
    size: number,
    onProgress: ((functions: number, offset: number) => void) | undefined,
    whole = false,
  ) {
    super();
    this.bytes = bytes;
    this.view = _view(bytes);
    this.end = end;
    this.onProgress = onProgress;
    this.pooled = whole && size <= _POOLED_SIZE;
    let tables: _Tables;
    if (this.pooled) {
      tables = _pool ?? _tables(_POOLED_SIZE);
      _pool = undefined;
    } else tables = _tables(size);
    this.tables = tables;
    this.refs = tables.refs;
    this.refMost = _refSlots(size);
    this.fn = tables.fn;
    this.calls = tables.calls;
    this.primitiveCalls = tables.primitiveCalls;
    this.internalTime = tables.internalTime;
    this.cumulativeTime = tables.cumulativeTime;
    this.entered = tables.entered;
    this.eCaller = tables.eCaller;
    this.eCallee = tables.eCallee;
    this.eCalls = tables.eCalls;
    this.ePrimitive = tables.ePrimitive;
    this.eInternal = tables.eInternal;
    this.eCumulative = tables.eCumulative;
    this.stringTable = new ByteStrings(size, whole ? bytes : undefined);
    this.strings = this.stringTable.strings;
    // The hash table is filled all over, so it starts small and grows.
    let slots = 64;
    while (slots < size / 512) slots *= 2;
    this.table = new Int32Array(slots * 4);
    this.mask = slots - 1;
  }

  /**
   * Gives the memory of the working tables back at once (a detached buffer
   * frees its memory without waiting for the garbage collector), so that
   * what comes next, the general reader or building the profile, does not
   * add to it. Pooled tables go back to the pool instead, zeroed where they
   * were written.
   */
  release(): void {
    this.stringTable.release();
    for (const array of [this.refFloats, this.table]) {
      (array.buffer as ArrayBuffer).transfer(0);
    }
    if (this.pooled) {
      this.tables.refs = this.refs; // as grown
      const n = this.fnCount;
      this.fn.fill(0, 0, 4 * n);
      this.entered.fill(0, 0, n);
      for (
        const column of [
          this.calls,
          this.primitiveCalls,
          this.internalTime,
          this.cumulativeTime,
        ]
      ) {
        column.fill(0, 0, n);
      }
      _pool = this.tables;
      return;
    }
    for (
      const array of [this.refs, this.fn, this.entered]
    ) {
      (array.buffer as ArrayBuffer).transfer(0);
    }
  }

  /** Reads a whole file (no more bytes follow `end`). */
  read(source: string): PstatsFile {
    this.decode();
    if (this.pos !== this.end) throw _UNSUPPORTED;
    this.onProgress?.(this.entries, this.pos);
    return this.finish(source);
  }

  /**
   * Reads the entries the bytes hold, from `pos` on. Answers `true` once the
   * outer dict has ended, and `false` when an entry runs past `end` while
   * more of the file may follow: that entry is then undone, `pos` is left at
   * its start, and it is read again once more bytes have come.
   */
  decode(): boolean {
    const b = this.bytes;
    if (!this.started) {
      if (this.end < 2) {
        if (this.more) return false;
        throw _UNSUPPORTED;
      }
      if ((b[0]! & 0x7f) !== 0x7b) throw _UNSUPPORTED;
      if (b[0]! & 0x80) this.reserve(); // the outer dict's own slot
      this.pos = 1;
      this.started = true;
    }
    for (;;) {
      // What undoing an entry takes back: functions and strings it added
      // may stay, as reading it again meets them in the same order.
      const at = this.pos;
      const refs = this.refCount;
      const floats = this.refFloatCount;
      const edges = this.eCount;
      let id = -1;
      try {
        if (this.pos >= this.end) throw _SHORT;
        if (b[this.pos] === 0x30) { // '0' ends the dict
          this.pos++;
          break;
        }
        id = this.key();
        if (id < 0) {
          // The sampled marker, whose value is True ('T').
          if (this.pos >= this.end) throw _SHORT;
          if (this.sampledMarker || b[this.pos] !== 0x54) throw _UNSUPPORTED;
          this.pos++;
          this.sampledMarker = true;
          this.sampled = true;
          continue;
        }
        this.entry(id);
      } catch (error) {
        if (error !== _SHORT) throw error;
        if (!this.more) throw _UNSUPPORTED; // cut short: the general reader explains
        this.undo(at, refs, floats, edges, id);
        return false;
      }
      this.entries++;
      if (this.onProgress && this.entries % _PROGRESS_EVERY === 0) {
        this.onProgress(this.entries, this.base + this.pos);
      }
    }
    return true;
  }

  /** Takes back an entry read in part (see `decode()`). */
  undo(at: number, refs: number, floats: number, edges: number, id: number) {
    this.pos = at;
    this.refCount = refs;
    this.refFloatCount = floats;
    // The marks of the callers dict read in part, up to the edge being read
    // (0 is safe for any function: a mark only counts in its own dict).
    const last = Math.min(this.eCount, this.eCaller.length - 1);
    for (let k = edges; k <= last; k++) {
      this.fn[this.eCaller[k]! * 4 + _FN_CALLEE] = 0;
    }
    this.eCount = edges;
    if (id >= 0) this.entered[id] = 0;
  }

  /**
   * Moves on to the next window of the file: `bytes` holds, from 0 to
   * `end`, what followed `pos` in the last one and the bytes read since.
   */
  slide(bytes: Uint8Array, end: number, more: boolean): void {
    this.base += this.pos;
    this.pos = 0;
    if (bytes !== this.bytes) {
      this.bytes = bytes;
      this.view = _view(bytes);
    }
    this.end = end;
    this.more = more;
  }

  /** Takes a reference slot for a value whose type code has FLAG_REF. */
  reserve(): number {
    const index = this.refCount;
    if (4 * index === this.refs.length) {
      if (index >= this.refMost) throw _UNSUPPORTED; // can't be
      const grown = new Int32Array(4 * Math.min(2 * index, this.refMost));
      grown.set(this.refs);
      this.refs = grown;
    }
    this.refs[4 * index + _R_KIND] = _REF_OTHER;
    this.refCount = index + 1;
    return index;
  }

  /** Fills a reserved reference slot. */
  setRef(index: number, kind: number, value: number): void {
    this.refs[4 * index + _R_KIND] = kind;
    this.refs[4 * index + _R_VALUE] = value;
  }

  /** Reads a 32-bit little-endian int at `at`, checking the bounds. */
  int32(at: number): number {
    if (at + 4 > this.end) throw _SHORT;
    const b = this.bytes;
    return b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24);
  }

  /** Reads a reference and answers its index (its slot). */
  ref(): number {
    const index = this.int32(this.pos + 1);
    if (index < 0 || index >= this.refCount) throw _UNSUPPORTED;
    this.pos += 5;
    return index;
  }

  /**
   * Reads a finite int or float, or a reference to one, into `to[i]`.
   * (Storing it rather than answering it keeps floats unboxed.)
   */
  numberTo(to: Float64Array, i: number): void {
    const at = this.pos;
    if (at >= this.end) throw _SHORT;
    switch (this.bytes[at]) {
      case 0x69: // 'i'
        to[i] = this.int32(at + 1);
        this.pos = at + 5;
        return;
      case 0x67: // 'g'
        to[i] = this.float64(at + 1);
        this.pos = at + 9;
        return;
      case 0x72: { // 'r'
        const at = 4 * this.ref();
        const kind = this.refs[at + _R_KIND]! & 7;
        if (kind === _REF_INT) to[i] = this.refs[at + _R_VALUE]!;
        else if (kind === _REF_FLOAT) {
          to[i] = this.refFloats[this.refs[at + _R_VALUE]!]!;
        } else throw _UNSUPPORTED;
        return;
      }
      case 0xe9: { // 'i' with FLAG_REF
        const index = this.reserve();
        const value = this.int32(at + 1);
        this.pos = at + 5;
        to[i] = value;
        this.setRef(index, _REF_INT, value);
        return;
      }
      case 0xe7: { // 'g' with FLAG_REF
        const index = this.reserve();
        const k = this.refFloatCount++;
        if (k === this.refFloats.length) {
          this.refFloats = _growFloats(this.refFloats, k * 2);
        }
        this.refFloats[k] = to[i] = this.float64(at + 1);
        this.pos = at + 9;
        this.setRef(index, _REF_FLOAT, k);
        return;
      }
      default:
        throw _UNSUPPORTED;
    }
  }

  /**
   * Reads a count into `to[i]`: a whole number (the general reader refuses
   * others, so that JSON and CSV print every count as one).
   */
  countTo(to: Float64Array, i: number): void {
    if (this.pos < this.end && this.bytes[this.pos] === 0x69) {
      to[i] = this.int32(this.pos + 1); // 'i', the usual case
      this.pos += 5;
      return;
    }
    this.numberTo(to, i);
    if (!Number.isSafeInteger(to[i])) throw _UNSUPPORTED;
  }

  /** Reads a finite binary float at `at`. */
  float64(at: number): number {
    if (at + 8 > this.end) throw _SHORT;
    const value = this.view.getFloat64(at, true);
    if (value - value !== 0) throw _UNSUPPORTED; // NaN or infinite
    return value;
  }

  /** Reads a line number: an int, or a reference to an int. */
  line(): number {
    const at = this.pos;
    if (at >= this.end) throw _SHORT;
    const code = this.bytes[at];
    if (code === 0x72) {
      const slot = this.ref();
      if ((this.refs[4 * slot + _R_KIND]! & 7) !== _REF_INT) {
        throw _UNSUPPORTED;
      }
      this.lineSlot = slot;
      return this.refs[4 * slot + _R_VALUE]!;
    }
    if ((code! & 0x7f) !== 0x69) throw _UNSUPPORTED;
    const index = code! & 0x80 ? this.reserve() : -1;
    const value = this.int32(at + 1);
    this.pos = at + 5;
    if (index >= 0) this.setRef(index, _REF_INT, value);
    this.lineSlot = index;
    return value;
  }

  /** Reads a string, or a reference to one, and answers its id. */
  string(): number {
    const at = this.pos;
    if (at >= this.end) throw _SHORT;
    const b = this.bytes;
    const code = b[at]!;
    if (code === 0x72) {
      const at = 4 * this.ref();
      if (this.refs[at + _R_KIND] !== _REF_STRING) throw _UNSUPPORTED;
      return this.refs[at + _R_VALUE]!;
    }
    const index = code & 0x80 ? this.reserve() : -1;
    let start: number;
    let n: number;
    let ascii: boolean;
    switch (code & 0x7f) {
      case 0x7a: // 'z' short ASCII
      case 0x5a: // 'Z' short ASCII, interned
        if (at + 2 > this.end) throw _SHORT;
        n = b[at + 1]!;
        start = at + 2;
        ascii = true;
        break;
      case 0x61: // 'a' ASCII
      case 0x41: // 'A' ASCII, interned
        n = this.int32(at + 1);
        start = at + 5;
        ascii = true;
        break;
      case 0x75: // 'u' UTF-8
      case 0x74: // 't' UTF-8, interned
        n = this.int32(at + 1);
        start = at + 5;
        ascii = false;
        break;
      default:
        throw _UNSUPPORTED;
    }
    if (n < 0) throw _UNSUPPORTED;
    if (start + n > this.end) throw _SHORT;
    this.pos = start + n;
    // CPython writes the ASCII types only for ASCII text; the rest must be
    // UTF-8 without lone surrogates.
    const id = this.stringTable.id(b, this.view, start, n, ascii);
    if (id === NOT_TEXT) throw _UNSUPPORTED;
    if (index >= 0) this.setRef(index, _REF_STRING, id);
    return id;
  }

  /** Reads a tuple's type code and length. */
  tuple(): number {
    const at = this.pos;
    if (at + 2 > this.end) throw _SHORT;
    const code = this.bytes[at]! & 0x7f;
    if (code === 0x29) { // ')' small tuple
      this.pos = at + 2;
      return this.bytes[at + 1]!;
    }
    if (code === 0x28) { // '(' tuple
      const n = this.int32(at + 1);
      this.pos = at + 5;
      return n;
    }
    throw _UNSUPPORTED;
  }

  /** Reads a `(file, line, name)` key and answers its function's id, or -1 for the sampled marker. */
  key(): number {
    const at = this.pos;
    if (at >= this.end) throw _SHORT;
    const code = this.bytes[at]!;
    if (code === 0x72) { // 'r'
      const slot = this.ref();
      const kind = this.refs[4 * slot + _R_KIND];
      if (kind === _REF_KEY) return this.refs[4 * slot + _R_VALUE]!;
      if (kind === _REF_SAMPLED) return -1;
      throw _UNSUPPORTED;
    }
    const index = code & 0x80 ? this.reserve() : -1;
    const n = this.tuple();
    if (n === 3) {
      let id = this.knownKey();
      if (id < 0) {
        const file = this.string();
        const line = this.line();
        const slot = this.lineSlot;
        const name = this.string();
        id = this.intern(file, line, name);
        if (slot >= 0 && id < _R_MOST) {
          const at = 4 * slot;
          this.refs[at + _R_KIND] = _REF_INT + 8 * (id + 1);
          this.refs[at + _R_FILE] = file;
          this.refs[at + _R_NAME] = name;
        }
      }
      if (index >= 0) this.setRef(index, _REF_KEY, id);
      return id;
    }
    if (n === 1 && this.stringTable.text(this.string()) === SAMPLED_MARKER) {
      if (index >= 0) this.setRef(index, _REF_SAMPLED, 0);
      return -1;
    }
    throw _UNSUPPORTED;
  }

  /**
   * The function of the `(file, line, name)` at `pos` when it is the one its
   * line's reference slot remembers (see `_R_KIND`), moving past it; else -1,
   * leaving `pos` where it is. Keys written in full again and again (yappi
   * writes every file name in full) are found so without hashing their
   * file's bytes or looking the function up: the file's bytes are compared
   * with the remembered file's, and the line and name must be references.
   */
  knownKey(): number {
    const b = this.bytes;
    const end = this.end;
    const refs = this.refs;
    let at = this.pos;
    if (at + 5 > end) return -1;
    const code = b[at]!;
    let file = -1;
    let start = 0;
    let n = 0;
    let ascii = true;
    switch (code) {
      case 0x72: { // 'r'
        const slot = _int32(b, at + 1);
        if (slot < 0 || slot >= this.refCount) return -1;
        if (refs[4 * slot + _R_KIND] !== _REF_STRING) return -1;
        file = refs[4 * slot + _R_VALUE]!;
        at += 5;
        break;
      }
      case 0x7a: // 'z' short ASCII (written with FLAG_REF, it is left)
      case 0x5a: // 'Z'
        n = b[at + 1]!;
        start = at + 2;
        break;
      case 0x75: // 'u' UTF-8
      case 0x74: // 't'
        ascii = false;
        // falls through
      case 0x61: // 'a' ASCII
      case 0x41: // 'A'
        n = _int32(b, at + 1);
        start = at + 5;
        break;
      default:
        return -1;
    }
    if (file < 0) {
      if (n < 0 || start + n > end) return -1;
      at = start + n;
    }
    // The line, a reference to an int that remembers a function.
    if (at + 10 > end || b[at] !== 0x72 || b[at + 5] !== 0x72) return -1;
    const line = 4 * _int32(b, at + 1);
    const name = _int32(b, at + 6);
    if (line < 0 || line >= 4 * this.refCount) return -1;
    if (name < 0 || name >= this.refCount) return -1;
    const known = refs[line + _R_KIND]!;
    if ((known & 7) !== _REF_INT || known < 8) return -1;
    if (refs[4 * name + _R_KIND] !== _REF_STRING) return -1;
    if (refs[4 * name + _R_VALUE] !== refs[line + _R_NAME]) return -1;
    const knownFile = refs[line + _R_FILE]!;
    if (file < 0) {
      if (
        !this.stringTable.matches(knownFile, b, this.view, start, n, ascii)
      ) return -1;
    } else if (file !== knownFile) return -1;
    this.pos = at + 10;
    return (known >>> 3) - 1;
  }

  /** The id of a function, adding it if it is new. */
  intern(file: number, line: number, name: number): number {
    const table = this.table;
    const mask = this.mask;
    let slot = _hash(file, line, name) & mask;
    for (;; slot = (slot + 1) & mask) {
      const at = slot * 4;
      const known = table[at + _SLOT_ID]!;
      if (known === 0) break;
      if (
        table[at + _SLOT_NAME] === name && table[at + _SLOT_LINE] === line &&
        table[at + _SLOT_FILE] === file
      ) {
        return known - 1;
      }
    }
    const id = this.fnCount;
    if (id === this.entered.length) throw _UNSUPPORTED; // can't be
    const at = id * 4;
    this.fn[at + _FN_FILE] = file;
    this.fn[at + _FN_LINE] = line;
    this.fn[at + _FN_NAME] = name;
    this.fnCount = id + 1;
    _place(table, slot * 4, id, file, line, name);
    // Filled up to four fifths: a probe rarely leaves its cache line, and a
    // smaller table misses the cache less than a sparser one.
    if (this.fnCount * 5 > (mask + 1) * 4) this.rehash((mask + 1) * 2);
    return id;
  }

  rehash(slots: number): void {
    const table = new Int32Array(slots * 4);
    const mask = slots - 1;
    const fn = this.fn;
    for (let id = 0; id < this.fnCount; id++) {
      const file = fn[id * 4 + _FN_FILE]!;
      const line = fn[id * 4 + _FN_LINE]!;
      const name = fn[id * 4 + _FN_NAME]!;
      let slot = _hash(file, line, name) & mask;
      while (table[slot * 4 + _SLOT_ID] !== 0) slot = (slot + 1) & mask;
      _place(table, slot * 4, id, file, line, name);
    }
    this.table = table;
    this.mask = mask;
  }

  /** Reads `(cc, nc, tt, ct, callers)` for a function. */
  entry(id: number): void {
    if (this.entered[id]) throw _UNSUPPORTED; // a key met twice
    this.entered[id] = 1;
    if (this.pos < this.end && this.bytes[this.pos]! & 0x80) this.reserve();
    if (this.tuple() !== 5) throw _UNSUPPORTED;
    this.countTo(this.primitiveCalls, id); // cc
    this.countTo(this.calls, id); // nc
    this.numberTo(this.internalTime, id);
    this.numberTo(this.cumulativeTime, id);
    if (countsSwapped(this.primitiveCalls[id]!, this.calls[id]!)) {
      this.yappi = true;
    }
    // Added to zero, as the general reader does (which turns -0 into 0).
    this.calls[id]! += 0;
    this.primitiveCalls[id]! += 0;
    this.internalTime[id]! += 0;
    this.cumulativeTime[id]! += 0;
    const b = this.bytes;
    const at = this.pos;
    if (at >= this.end) throw _SHORT;
    if ((b[at]! & 0x7f) !== 0x7b) throw _UNSUPPORTED;
    if (b[at]! & 0x80) this.reserve();
    this.pos = at + 1;
    const mark = id + 1;
    const first = this.eCount;
    for (;;) {
      if (this.pos >= this.end) throw _SHORT;
      if (b[this.pos] === 0x30) {
        this.pos++;
        return;
      }
      const caller = this.key();
      if (caller < 0) throw _UNSUPPORTED;
      // A caller met twice in one dict: found by looking back over the
      // dict's edges while it is small, then by marks on the functions.
      const e = this.eCount;
      if (e - first < _SCAN) {
        for (let k = first; k < e; k++) {
          if (this.eCaller[k] === caller) throw _UNSUPPORTED;
        }
      } else {
        if (e - first === _SCAN) {
          for (let k = first; k < e; k++) {
            this.fn[this.eCaller[k]! * 4 + _FN_CALLEE] = mark;
          }
        }
        if (this.fn[caller * 4 + _FN_CALLEE] === mark) throw _UNSUPPORTED;
        this.fn[caller * 4 + _FN_CALLEE] = mark;
      }
      if (e === this.eCaller.length) throw _UNSUPPORTED; // can't be
      this.eCaller[e] = caller;
      this.eCallee[e] = id;
      if (this.pos >= this.end) throw _SHORT;
      const code = b[this.pos]!;
      const type = code & 0x7f;
      if (type === 0x29 || type === 0x28) { // (nc, cc, tt, ct)
        if (code & 0x80) this.reserve();
        if (this.tuple() !== 4) throw _UNSUPPORTED;
        this.countTo(this.eCalls, e);
        this.countTo(this.ePrimitive, e);
        this.numberTo(this.eInternal, e);
        this.numberTo(this.eCumulative, e);
      } else {
        // A plain count: the profile module, or the sampling profiler.
        this.countsOnly = true;
        this.countTo(this.eCalls, e);
        this.ePrimitive[e] = this.eCalls[e]!;
        this.eInternal[e] = 0;
        this.eCumulative[e] = 0;
      }
      this.eCount = e + 1;
    }
  }

  finish(source: string): PstatsFile {
    const n = this.fnCount;
    const strings = this.stringTable.finish();
    const file: string[] = new Array(n);
    const name: string[] = new Array(n);
    const line: number[] = new Array(n);
    const fn = this.fn;
    for (let i = 0; i < n; i++) {
      file[i] = strings[fn[i * 4 + _FN_FILE]!]!;
      line[i] = fn[i * 4 + _FN_LINE]!;
      name[i] = strings[fn[i * 4 + _FN_NAME]!]!;
    }
    const kind = this.profiler();
    // Views, not copies: the room never written to takes no memory. The
    // pool's tables are for the next file: copies of them.
    const m = this.eCount;
    const take = <T extends Float64Array | Uint32Array>(column: T, k: number) =>
      (this.pooled ? column.slice(0, k) : column.subarray(0, k)) as T;
    let calls = take(this.calls, n);
    let primitiveCalls = take(this.primitiveCalls, n);
    // yappi stores (ncall, nactualcall): total calls first.
    if (kind === "yappi") [calls, primitiveCalls] = [primitiveCalls, calls];
    return {
      source,
      sampled: this.sampled,
      edgeDetail: !this.countsOnly,
      functions: { file, line, name },
      calls,
      primitiveCalls,
      internalTime: take(this.internalTime, n),
      cumulativeTime: take(this.cumulativeTime, n),
      edges: {
        caller: take(this.eCaller, m),
        callee: take(this.eCallee, m),
        calls: take(this.eCalls, m),
        primitiveCalls: take(this.ePrimitive, m),
        internalTime: take(this.eInternal, m),
        cumulativeTime: take(this.eCumulative, m),
      },
      kind,
      entries: this.entries,
    };
  }
}

/** A hash of a function's key. */
function _hash(file: number, line: number, name: number): number {
  let h = Math.imul(file, 0x9e3779b1) ^ Math.imul(line, 0x85ebca77) ^
    Math.imul(name, 0xc2b2ae3d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return h ^ (h >>> 13);
}

function _place(
  table: Int32Array,
  at: number,
  id: number,
  file: number,
  line: number,
  name: number,
): void {
  table[at + _SLOT_ID] = id + 1;
  table[at + _SLOT_FILE] = file;
  table[at + _SLOT_LINE] = line;
  table[at + _SLOT_NAME] = name;
}

/** At most how many reference slots a file of `size` bytes can need. */
function _refSlots(size: number): number {
  return 1 + Math.ceil(size / 2);
}

/** The 32-bit little-endian int at `at` (the caller checks the bounds). */
function _int32(b: Uint8Array, at: number): number {
  return b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24);
}

function _view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function _growFloats(array: Float64Array, n: number): Float64Array {
  const grown = new Float64Array(n);
  grown.set(array);
  return grown;
}
