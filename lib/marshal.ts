/**
 * A decoder for Python's `marshal` format, versions 0 to 5, as written by
 * Python 2.7 and Python 3.x.
 *
 * Python values map to JavaScript as follows:
 *
 * | Python | JavaScript |
 * | --- | --- |
 * | `None`, `True`, `False` | `null`, `true`, `false` |
 * | `int` | `number`, or `bigint` beyond `Number.MAX_SAFE_INTEGER` |
 * | `float` | `number` |
 * | `str` (and Python 2 `unicode`, interned strings) | `string` |
 * | `bytes` (and Python 2 `str`) | `Uint8Array` |
 * | `tuple` | `MarshalValue[]` |
 * | `list`, `dict`, `set`, `frozenset` | {@linkcode MarshalList}, {@linkcode MarshalDict}, {@linkcode MarshalSet} |
 * | code objects | {@linkcode MarshalCode} |
 * | `complex`, `slice`, `Ellipsis`, `StopIteration` | {@linkcode MarshalComplex}, {@linkcode MarshalSlice}, {@linkcode MarshalSingleton} |
 *
 * @module
 */

/** A Python `list`. */
export class MarshalList {
  /** The items, in order. */
  readonly items: MarshalValue[];
  /** Wraps the items of a list. */
  constructor(items: MarshalValue[]) {
    this.items = items;
  }
}

/**
 * A Python `dict`. Keys may be tuples, so the entries are kept as two
 * parallel arrays in the order they were written rather than in a `Map`.
 */
export class MarshalDict {
  /** The keys, in order. */
  readonly keys: MarshalValue[] = [];
  /** The values, `values[i]` belonging to `keys[i]`. */
  readonly values: MarshalValue[] = [];
}

/** A Python `set` or `frozenset`. */
export class MarshalSet {
  /** Whether it is a `frozenset`. */
  readonly frozen: boolean;
  /** The items, in the order they were written. */
  readonly items: MarshalValue[];
  /** Wraps the items of a set. */
  constructor(frozen: boolean, items: MarshalValue[]) {
    this.frozen = frozen;
    this.items = items;
  }
}

/** A Python `complex` number. */
export class MarshalComplex {
  /** The real part. */
  readonly real: number;
  /** The imaginary part. */
  readonly imag: number;
  /** Makes a complex number. */
  constructor(real: number, imag: number) {
    this.real = real;
    this.imag = imag;
  }
}

/** A Python `slice` (marshal version 5). */
export class MarshalSlice {
  /** `slice.start`. */
  readonly start: MarshalValue;
  /** `slice.stop`. */
  readonly stop: MarshalValue;
  /** `slice.step`. */
  readonly step: MarshalValue;
  /** Makes a slice. */
  constructor(start: MarshalValue, stop: MarshalValue, step: MarshalValue) {
    this.start = start;
    this.stop = stop;
    this.step = step;
  }
}

/** `Ellipsis` or `StopIteration`, which marshal writes as single bytes. */
export class MarshalSingleton {
  /** `"Ellipsis"` or `"StopIteration"`. */
  readonly name: "Ellipsis" | "StopIteration";
  /** Makes the singleton with that name. */
  constructor(name: "Ellipsis" | "StopIteration") {
    this.name = name;
  }
}

/**
 * A Python code object. Only what identifies it is kept: its name, file and
 * first line, which is what Python's `repr()` shows.
 */
export class MarshalCode {
  /** `co_name`. */
  readonly name: string;
  /** `co_filename`. */
  readonly filename: string;
  /** `co_firstlineno`. */
  readonly firstLineNo: number;
  /** Makes a code object. */
  constructor(name: string, filename: string, firstLineNo: number) {
    this.name = name;
    this.filename = filename;
    this.firstLineNo = firstLineNo;
  }
  /**
   * Python's `repr()` of the code object without its memory address, such
   * as `<code object <module>, file "workload.py", line 1>`.
   */
  toString(): string {
    return `<code object ${this.name}, file "${this.filename}", line ${this.firstLineNo}>`;
  }
}

/** Any value that marshal can hold. */
export type MarshalValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | MarshalValue[]
  | MarshalList
  | MarshalDict
  | MarshalSet
  | MarshalCode
  | MarshalComplex
  | MarshalSlice
  | MarshalSingleton;

/** Options for {@linkcode decodeMarshal}. */
export interface DecodeMarshalOptions {
  /**
   * Called every few thousand entries of the outermost dict with the number
   * of entries read so far and the byte offset reached, for progress reports.
   */
  onProgress?: (entries: number, offset: number) => void;
  /** Accept bytes after the end of the value. Defaults to `false`. */
  allowTrailingData?: boolean;
}

/**
 * The deepest nesting decoded, the same limit as CPython's
 * `MAX_MARSHAL_STACK_DEPTH`.
 */
export const MAX_DEPTH = 2000;

/** How many code-object layouts may be tried and abandoned in one decode. */
const _MAX_CODE_RETRIES = 1000;
const _PROGRESS_EVERY = 8192;
const _FLAG_REF = 0x80;
const _NULL: unique symbol = Symbol("NULL");
const _RESERVED: unique symbol = Symbol("reserved");
const _ELLIPSIS = new MarshalSingleton("Ellipsis");
const _STOP_ITERATION = new MarshalSingleton("StopIteration");
const _UTF8 = new TextDecoder("utf-8");
const _LATIN1 = new TextDecoder("latin1");

type _Slot = MarshalValue | typeof _RESERVED;

/**
 * Decodes one marshalled value.
 *
 * Every read is bounds-checked. Malformed input throws a `SyntaxError` (bad
 * structure) or `RangeError` (lengths, depth) whose message gives the byte
 * offset; no input makes it allocate more than the input's size suggests,
 * recurse without bound or loop forever.
 *
 * @example Decode a dict with a tuple key
 * ```ts
 * import { decodeMarshal, MarshalDict } from "./marshal.ts";
 * import { assertEquals } from "@std/assert";
 *
 * // marshal.dumps({("a.py", 1, "f"): 2.5})
 * const bytes = Uint8Array.from(
 *   atob("e6kD+gRhLnB56QEAAADaAWbnAAAAAAAABEAw"),
 *   (c) => c.charCodeAt(0),
 * );
 * const value = decodeMarshal(bytes);
 * if (!(value instanceof MarshalDict)) throw new Error("not a dict");
 * assertEquals(value.keys, [["a.py", 1, "f"]]);
 * assertEquals(value.values, [2.5]);
 * ```
 *
 * @param bytes The marshalled data.
 * @param options Progress reporting and trailing data.
 * @returns The decoded value.
 */
export function decodeMarshal(
  bytes: Uint8Array,
  options: DecodeMarshalOptions = {},
): MarshalValue {
  const decoder = new _Decoder(bytes, options.onProgress);
  const value = decoder.readValue(0);
  if (value === _NULL) {
    throw new SyntaxError("Unexpected NULL object at byte 0");
  }
  if (!options.allowTrailingData && decoder.pos < bytes.length) {
    throw new SyntaxError(
      `Unexpected data at byte ${decoder.pos}: ${
        bytes.length - decoder.pos
      } bytes follow the end of the marshalled value`,
    );
  }
  return value;
}

class _Decoder {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly onProgress: ((entries: number, offset: number) => void) | undefined;
  pos = 0;
  /** Objects flagged with FLAG_REF, for TYPE_REF ('r'). */
  refs: _Slot[] = [];
  /** Python 2 interned strings, for TYPE_STRINGREF ('R'). */
  strings: string[] = [];
  codeRetries = 0;

  constructor(
    bytes: Uint8Array,
    onProgress: ((entries: number, offset: number) => void) | undefined,
  ) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.onProgress = onProgress;
  }

  need(n: number, what: string): void {
    if (this.pos + n > this.bytes.length) {
      throw new SyntaxError(
        `Truncated data at byte ${this.pos}: ${what} needs ${n} bytes, ${
          this.bytes.length - this.pos
        } remain`,
      );
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.bytes[this.pos++]!;
  }

  i32(what: string): number {
    this.need(4, what);
    const value = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return value;
  }

  f64(): number {
    this.need(8, "a binary float");
    const value = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return value;
  }

  /** Reads a length and checks it against the bytes that remain. */
  size(what: string, bytesPerItem: number): number {
    const at = this.pos;
    const n = this.i32(`the length of ${what}`);
    if (n < 0) {
      throw new RangeError(`Invalid length at byte ${at}: ${what} of ${n}`);
    }
    if (n * bytesPerItem > this.bytes.length - this.pos) {
      throw new RangeError(
        `Invalid length at byte ${at}: ${what} of ${n} does not fit in the ${
          this.bytes.length - this.pos
        } bytes that remain`,
      );
    }
    return n;
  }

  text(n: number, ascii: boolean): string {
    this.need(n, "a string");
    const start = this.pos;
    this.pos += n;
    if (ascii && n < 32) {
      let s = "";
      for (let i = start; i < start + n; i++) {
        s += String.fromCharCode(this.bytes[i]!);
      }
      return s;
    }
    const slice = this.bytes.subarray(start, start + n);
    return ascii ? _LATIN1.decode(slice) : _UTF8.decode(slice);
  }

  textFloat(): number {
    const n = this.u8("the length of a float");
    const s = this.text(n, true);
    const value = _parseFloatText(s);
    if (value === undefined) {
      throw new SyntaxError(
        `Invalid float at byte ${this.pos - n}: "${s}" is not a number`,
      );
    }
    return value;
  }

  reserve(flag: boolean): number {
    if (!flag) return -1;
    this.refs.push(_RESERVED);
    return this.refs.length - 1;
  }

  ref<T extends MarshalValue>(index: number, value: T): T {
    if (index >= 0) this.refs[index] = value;
    return value;
  }

  readValue(depth: number): MarshalValue | typeof _NULL {
    if (depth > MAX_DEPTH) {
      throw new RangeError(
        `Nesting too deep at byte ${this.pos}: more than ${MAX_DEPTH} levels`,
      );
    }
    const at = this.pos;
    const code = this.u8("a type code");
    const flag = (code & _FLAG_REF) !== 0;
    const type = code & ~_FLAG_REF;
    switch (type) {
      case 0x30: // '0' NULL
        return _NULL;
      case 0x4e: // 'N'
        return null;
      case 0x46: // 'F'
        return false;
      case 0x54: // 'T'
        return true;
      case 0x53: // 'S'
        return _STOP_ITERATION;
      case 0x2e: // '.'
        return _ELLIPSIS;
      case 0x69: // 'i'
        return this.ref(this.reserve(flag), this.i32("an int"));
      case 0x49: // 'I' int64, written by Python 2 on 64-bit machines
        return this.ref(this.reserve(flag), this.int64());
      case 0x6c: // 'l'
        return this.ref(this.reserve(flag), this.long(at));
      case 0x67: // 'g'
        return this.ref(this.reserve(flag), this.f64());
      case 0x66: // 'f'
        return this.ref(this.reserve(flag), this.textFloat());
      case 0x79: { // 'y'
        const index = this.reserve(flag);
        const real = this.f64();
        return this.ref(index, new MarshalComplex(real, this.f64()));
      }
      case 0x78: { // 'x'
        const index = this.reserve(flag);
        const real = this.textFloat();
        return this.ref(index, new MarshalComplex(real, this.textFloat()));
      }
      case 0x7a: // 'z' short ASCII
      case 0x5a: { // 'Z' short ASCII interned
        const index = this.reserve(flag);
        const n = this.u8("the length of a string");
        return this.ref(index, this.text(n, true));
      }
      case 0x61: // 'a' ASCII
      case 0x41: { // 'A' ASCII interned
        const index = this.reserve(flag);
        const n = this.size("a string", 1);
        return this.ref(index, this.text(n, true));
      }
      case 0x75: { // 'u' unicode
        const index = this.reserve(flag);
        const n = this.size("a string", 1);
        return this.ref(index, this.text(n, false));
      }
      case 0x74: { // 't' interned: UTF-8 in Python 3, bytes in Python 2
        const index = this.reserve(flag);
        const n = this.size("a string", 1);
        const s = this.text(n, false);
        this.strings.push(s);
        return this.ref(index, s);
      }
      case 0x52: { // 'R' Python 2 reference to an interned string
        const n = this.i32("a string reference");
        const s = this.strings[n];
        if (s === undefined) {
          throw new SyntaxError(
            `Invalid string reference at byte ${at}: ${n} is not among the ${this.strings.length} interned strings`,
          );
        }
        return s;
      }
      case 0x73: { // 's' bytes (Python 2 str)
        const index = this.reserve(flag);
        const n = this.size("a bytes object", 1);
        const start = this.pos;
        this.pos += n;
        return this.ref(index, this.bytes.slice(start, start + n));
      }
      case 0x72: { // 'r' reference
        const n = this.i32("a reference");
        const value = this.refs[n];
        if (value === undefined || value === _RESERVED) {
          throw new SyntaxError(
            `Invalid reference at byte ${at}: ${n} is not among the ${this.refs.length} objects read so far`,
          );
        }
        return value;
      }
      case 0x29: { // ')' small tuple
        const n = this.u8("the length of a tuple");
        return this.items(n, flag, depth, at, "tuple");
      }
      case 0x28: { // '(' tuple
        const n = this.size("a tuple", 1);
        return this.items(n, flag, depth, at, "tuple");
      }
      case 0x5b: { // '[' list
        const n = this.size("a list", 1);
        const items: MarshalValue[] = new Array(n);
        const list = this.ref(this.reserve(flag), new MarshalList(items));
        this.fill(items, depth, at, "list");
        return list;
      }
      case 0x3c: // '<' set
      case 0x3e: { // '>' frozenset
        const n = this.size("a set", 1);
        const index = this.reserve(flag);
        const items: MarshalValue[] = new Array(n);
        const set = new MarshalSet(type === 0x3e, items);
        if (type === 0x3c) this.ref(index, set);
        this.fill(items, depth, at, "set");
        return this.ref(index, set);
      }
      case 0x7b: // '{' dict
        return this.dict(flag, depth);
      case 0x63: // 'c' code
        return this.code(flag, depth, at);
      case 0x3a: { // ':' slice (version 5)
        const index = this.reserve(flag);
        const start = this.item(depth, at, "slice");
        const stop = this.item(depth, at, "slice");
        const step = this.item(depth, at, "slice");
        return this.ref(index, new MarshalSlice(start, stop, step));
      }
      default:
        throw new SyntaxError(
          `Invalid marshal data at byte ${at}: unknown type code ${
            _describeByte(code)
          }`,
        );
    }
  }

  /** Reads a value that may not be NULL. */
  item(depth: number, at: number, what: string): MarshalValue {
    const value = this.readValue(depth + 1);
    if (value === _NULL) {
      throw new SyntaxError(
        `Invalid marshal data at byte ${
          this.pos - 1
        }: NULL inside the ${what} at byte ${at}`,
      );
    }
    return value;
  }

  items(
    n: number,
    flag: boolean,
    depth: number,
    at: number,
    what: string,
  ): MarshalValue[] {
    const items: MarshalValue[] = new Array(n);
    this.ref(this.reserve(flag), items);
    this.fill(items, depth, at, what);
    return items;
  }

  fill(items: MarshalValue[], depth: number, at: number, what: string): void {
    for (let i = 0; i < items.length; i++) {
      items[i] = this.item(depth, at, what);
    }
  }

  dict(flag: boolean, depth: number): MarshalDict {
    const at = this.pos - 1;
    const dict = this.ref(this.reserve(flag), new MarshalDict());
    const { keys, values } = dict;
    const report = depth === 0 ? this.onProgress : undefined;
    for (;;) {
      const key = this.readValue(depth + 1);
      if (key === _NULL) break;
      keys.push(key);
      values.push(this.item(depth, at, "dict"));
      if (report !== undefined && keys.length % _PROGRESS_EVERY === 0) {
        report(keys.length, this.pos);
      }
    }
    if (report !== undefined) report(keys.length, this.pos);
    return dict;
  }

  int64(): number | bigint {
    this.need(8, "an int64");
    const value = this.view.getBigInt64(this.pos, true);
    this.pos += 8;
    return _narrow(value);
  }

  long(at: number): number | bigint {
    const n = this.i32("the size of a long");
    const size = Math.abs(n);
    if (size * 2 > this.bytes.length - this.pos) {
      throw new RangeError(
        `Invalid length at byte ${
          at + 1
        }: a long of ${size} digits does not fit in the ${
          this.bytes.length - this.pos
        } bytes that remain`,
      );
    }
    let digit = 0;
    const digits: number[] = new Array(size);
    for (let i = 0; i < size; i++) {
      digit = this.view.getUint16(this.pos, true);
      this.pos += 2;
      if (digit > 0x7fff) {
        throw new SyntaxError(
          `Invalid long at byte ${at}: digit ${digit} is out of range`,
        );
      }
      digits[i] = digit;
    }
    if (size > 0 && digit === 0) {
      throw new SyntaxError(`Invalid long at byte ${at}: unnormalized digits`);
    }
    if (size <= 3) {
      let value = 0;
      for (let i = size - 1; i >= 0; i--) value = value * 32768 + digits[i]!;
      return n < 0 ? -value : value;
    }
    let big = 0n;
    for (let i = size - 1; i >= 0; i--) {
      big = (big << 15n) | BigInt(digits[i]!);
    }
    return _narrow(n < 0 ? -big : big);
  }

  /**
   * Reads a code object. Its layout changed with Python versions and the
   * stream does not say which wrote it, so each layout is tried in turn.
   */
  code(flag: boolean, depth: number, at: number): MarshalCode {
    const start = this.pos;
    const refs = this.refs.length;
    const strings = this.strings.length;
    let first: unknown;
    for (const layout of _CODE_LAYOUTS) {
      const index = this.reserve(flag);
      try {
        return this.ref(index, this.codeBody(layout, depth, at));
      } catch (error) {
        if (
          error instanceof RangeError && error.message.startsWith("Nesting")
        ) {
          throw error;
        }
        first ??= error;
        this.pos = start;
        this.refs.length = refs;
        this.strings.length = strings;
        if (++this.codeRetries > _MAX_CODE_RETRIES) break;
      }
    }
    const reason = first instanceof Error ? first.message : String(first);
    throw new SyntaxError(
      `Invalid code object at byte ${at}: no known layout fits (${reason})`,
    );
  }

  codeBody(layout: _CodeLayout, depth: number, at: number): MarshalCode {
    for (let i = 0; i < layout.ints; i++) this.i32("a code object field");
    const field = (expect: _Expect, what: string): MarshalValue => {
      const value = this.item(depth, at, "code object");
      if (!_matches(value, expect)) {
        throw new SyntaxError(
          `Invalid code object at byte ${at}: ${what} is not ${expect}`,
        );
      }
      return value;
    };
    let filename: MarshalValue = "";
    let name: MarshalValue = "";
    for (const [what, expect] of layout.before) {
      const value = field(expect, what);
      if (what === "co_filename") filename = value;
      if (what === "co_name") name = value;
    }
    const firstLineNo = this.i32("co_firstlineno");
    for (const [what, expect] of layout.after) field(expect, what);
    return new MarshalCode(_str(name), _str(filename), firstLineNo);
  }
}

type _Expect = "bytes" | "tuple" | "str" | "any";
type _CodeLayout = {
  ints: number;
  before: [string, _Expect][];
  after: [string, _Expect][];
};

const _COMMON: [string, _Expect][] = [
  ["co_code", "bytes"],
  ["co_consts", "tuple"],
  ["co_names", "tuple"],
];
const _BEFORE_311: [string, _Expect][] = [
  ["co_varnames", "tuple"],
  ["co_freevars", "tuple"],
  ["co_cellvars", "tuple"],
  ["co_filename", "str"],
  ["co_name", "str"],
];

/** Code object layouts, newest first: 3.11+, 3.8–3.10, 3.0–3.7, 2.x. */
const _CODE_LAYOUTS: _CodeLayout[] = [
  {
    ints: 5,
    before: [
      ..._COMMON,
      ["co_localsplusnames", "tuple"],
      ["co_localspluskinds", "bytes"],
      ["co_filename", "str"],
      ["co_name", "str"],
      ["co_qualname", "str"],
    ],
    after: [["co_linetable", "bytes"], ["co_exceptiontable", "bytes"]],
  },
  {
    ints: 6,
    before: [..._COMMON, ..._BEFORE_311],
    after: [["co_lnotab", "bytes"]],
  },
  {
    ints: 5,
    before: [..._COMMON, ..._BEFORE_311],
    after: [["co_lnotab", "bytes"]],
  },
  // Python 2 writes co_code and co_lnotab as str, which may be interned.
  {
    ints: 4,
    before: [
      ["co_code", "str"],
      ["co_consts", "tuple"],
      ["co_names", "tuple"],
      ..._BEFORE_311,
    ],
    after: [["co_lnotab", "str"]],
  },
];

function _matches(value: MarshalValue, expect: _Expect): boolean {
  switch (expect) {
    case "bytes":
      return value instanceof Uint8Array;
    case "tuple":
      return Array.isArray(value);
    case "str":
      return typeof value === "string" || value instanceof Uint8Array;
    case "any":
      return true;
  }
}

function _str(value: MarshalValue): string {
  return value instanceof Uint8Array ? _UTF8.decode(value) : String(value);
}

function _narrow(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) &&
      value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value;
}

function _parseFloatText(s: string): number | undefined {
  const t = s.trim().toLowerCase();
  if (/^[+-]?inf(inity)?$/.test(t)) {
    return t.startsWith("-") ? -Infinity : Infinity;
  }
  if (/^[+-]?nan$/.test(t)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) return undefined;
  return Number(t);
}

function _describeByte(code: number): string {
  const hex = `0x${code.toString(16).padStart(2, "0")}`;
  return code >= 0x20 && code < 0x7f
    ? `'${String.fromCharCode(code)}' (${hex})`
    : hex;
}
