/**
 * The general pstats reader: takes every valid marshal encoding of a pstats
 * dict, from any Python, and explains in one line what is wrong with a file
 * that is not one. `readPstats()` (`read.ts`) calls it for whatever the fast
 * reader (`fast.ts`) leaves.
 *
 * @module
 */

import { DataRangeError, DataSyntaxError } from "../data_error.ts";
import { cutText } from "../escape.ts";
import {
  decodeText,
  MarshalCode,
  MarshalDict,
  MarshalReader,
  type MarshalValue,
} from "../marshal.ts";
import { checkPstatsHead, describeTypeCode } from "./head.ts";
import { countsSwapped, ProfilerSigns, SAMPLED_MARKER } from "./profiler.ts";
import { type StatsFile, StatsTable } from "./stats_table.ts";
import type { PstatsFile, ReadPstatsOptions } from "./types.ts";

const _PROGRESS_EVERY = 8192;

// Type codes, without FLAG_REF.
const _INT = 0x69; // 'i'
const _FLOAT = 0x67; // 'g'
const _REF = 0x72; // 'r'
const _SMALL_TUPLE = 0x29; // ')'
const _DICT = 0x7b; // '{'
const _NULL = 0x30; // '0'

/**
 * Reads the bytes of a pstats file with the general reader: as
 * `readPstats()` with `fast: false`.
 *
 * @example
 * ```ts
 * import { readPstatsGeneral } from "./general.ts";
 * import { assertEquals, assertThrows } from "@std/assert";
 *
 * // marshal.dumps({("app.py", 1, "main"): (1, 1, 0.5, 0.5, {})})
 * const bytes = Uint8Array.from(
 *   atob("e6kD+gZhcHAucHnpAQAAANoEbWFpbikFcgIAAAByAgAAAOcAAAAAAADgP3IEAAAAezAw"),
 *   (c) => c.charCodeAt(0),
 * );
 * assertEquals(readPstatsGeneral(bytes).functions.name, ["main"]);
 * assertThrows(
 *   () => readPstatsGeneral(bytes.subarray(0, 20)),
 *   SyntaxError,
 *   "Truncated data at byte 18",
 * );
 * ```
 *
 * @param bytes The file's bytes.
 * @param options The file's name and a progress callback (`fast` is not
 * looked at).
 * @returns The functions with their numbers and callers.
 * @throws {SyntaxError | RangeError} When the bytes are not a pstats file;
 * the message says why and, where it helps, at which byte.
 */
export function readPstatsGeneral(
  bytes: Uint8Array,
  options: ReadPstatsOptions = {},
): PstatsFile {
  checkPstatsHead(bytes);
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

/** A function key: local id, -1 for the sampled marker. */
type _Key = number;

/**
 * Reads a pstats dict straight from the bytes into a {@linkcode StatsTable}.
 * The common shapes (small tuples of ints and floats, references) are read by
 * hand; anything else goes through the generic decoder, so every valid
 * marshal encoding is accepted.
 */
class _PstatsReader extends ProfilerSigns {
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
  entries = 0;

  constructor(
    bytes: Uint8Array,
    onProgress: ((functions: number, offset: number) => void) | undefined,
  ) {
    super();
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
    const kind = this.profiler();
    // yappi stores (ncall, nactualcall): total calls first.
    if (kind === "yappi") this.table.swapCalls();
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
    table.addFile(file, false, used);
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
        value[0] === SAMPLED_MARKER
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
    if (countsSwapped(cc, nc)) this.yappi = true;
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
      case _INT | 0x80:
      case _FLOAT | 0x80: {
        const index = r.reserveRef();
        r.skip(1);
        const value = code === (_INT | 0x80) ? r.int32() : r.float64();
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
  return code < 0 ? "the end of the data" : describeTypeCode(code);
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
