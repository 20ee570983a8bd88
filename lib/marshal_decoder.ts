/**
 * The marshal decoder's engine: {@linkcode MarshalDecoder} reads the bytes
 * of every type code of marshal versions 0 to 6, with the limits that keep a
 * hostile file from taking more than its size suggests
 * ({@linkcode memoryBudget}, {@linkcode MAX_DEPTH}). `lib/marshal.ts` is its
 * public face, `lib/marshal_values.ts` the values it makes and
 * `lib/marshal_text.ts` how it reads text.
 *
 * @module
 */

import { DataRangeError, DataSyntaxError } from "./data_error.ts";
import { cutText } from "./escape.ts";
import { decodeText, latin1Text } from "./marshal_text.ts";
import {
  MarshalCode,
  MarshalComplex,
  MarshalDict,
  MarshalFrozenDict,
  MarshalList,
  MarshalSet,
  MarshalSingleton,
  MarshalSlice,
  type MarshalValue,
} from "./marshal_values.ts";

/**
 * The default memory budget of `decodeMarshal()` for an input of
 * `length` bytes: 64 MiB plus 8 bytes of decoded values per input byte.
 * Real data (a pstats file decoded whole) takes 2 to 4 bytes per byte;
 * a file of empty dicts or tuples would take 20 to 60.
 *
 * @example
 * ```ts
 * import { memoryBudget } from "./marshal_decoder.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(memoryBudget(1024), 64 * 1024 * 1024 + 8192);
 * ```
 *
 * @param length The input's length in bytes.
 * @returns The budget in bytes.
 */
export function memoryBudget(length: number): number {
  return 64 * 1024 * 1024 + 8 * length;
}

/**
 * The deepest nesting decoded, counting the outermost value as the first
 * level: the same limit as CPython's `MAX_MARSHAL_STACK_DEPTH`.
 */
export const MAX_DEPTH = 2000;

/** How many code-object layouts may be tried and abandoned in one decode. */
const _MAX_CODE_RETRIES = 1000;
const _PROGRESS_EVERY = 8192;
const _FLAG_REF = 0x80;
const _NULL: unique symbol = Symbol("NULL");
const _PENDING: unique symbol = Symbol("pending");
/** The type codes of containers, without FLAG_REF: `()[{}<>c:`. */
const _OPENS = new Uint8Array(128);
for (const c of "()[{}<>c:") _OPENS[c.charCodeAt(0)] = 1;
const _RESERVED: unique symbol = Symbol("reserved");
const _ELLIPSIS = new MarshalSingleton("Ellipsis");
const _STOP_ITERATION = new MarshalSingleton("StopIteration");

type _Slot = MarshalValue | typeof _RESERVED;

/**
 * The decoding engine behind `decodeMarshal()` and `MarshalReader`
 * (`lib/marshal.ts`): a cursor over the bytes with the reference table,
 * reading containers with an explicit stack, code objects by trying the
 * layouts of every Python version, and every value against the memory
 * budget.
 *
 * @example
 * ```ts
 * import { MarshalDecoder } from "./marshal_decoder.ts";
 * import { assertEquals } from "@std/assert";
 *
 * // marshal.dumps((1, 2))
 * const decoder = new MarshalDecoder(
 *   Uint8Array.of(0xa9, 2, 0xe9, 1, 0, 0, 0, 0xe9, 2, 0, 0, 0),
 *   undefined,
 * );
 * assertEquals(decoder.top(), [1, 2]);
 * assertEquals(decoder.pos, 12);
 * ```
 */
export class MarshalDecoder {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly onProgress: ((entries: number, offset: number) => void) | undefined;
  pos = 0;
  /** Objects flagged with FLAG_REF, for TYPE_REF ('r'). */
  refs: _Slot[] = [];
  /** Python 2 interned strings, for TYPE_STRINGREF ('R'). */
  strings: string[] = [];
  codeRetries = 0;
  /** The code layout that fitted last, tried first for the next one. */
  layout = 0;
  /** Bytes read again by code objects retried with another layout. */
  reread = 0;
  /** The estimated memory the values decoded so far take, and the limit. */
  memory = 0;
  readonly maxMemory: number;

  /**
   * Starts at the first byte.
   *
   * @param bytes The marshalled data.
   * @param onProgress Called every few thousand entries of the outermost
   * dict with the entries read and the offset reached.
   * @param maxMemory The memory budget, {@linkcode memoryBudget} of the
   * input's length by default.
   */
  constructor(
    bytes: Uint8Array,
    onProgress: ((entries: number, offset: number) => void) | undefined,
    maxMemory?: number,
  ) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.onProgress = onProgress;
    this.maxMemory = maxMemory ?? memoryBudget(bytes.length);
  }

  /**
   * Reads the value at the cursor as the outermost one.
   *
   * @returns The value.
   * @throws {SyntaxError} When it is a NULL object.
   */
  top(): MarshalValue {
    const value = this.readValue(0);
    if (value === _NULL) {
      throw new DataSyntaxError("Unexpected NULL object at byte 0");
    }
    return value;
  }

  /**
   * Reads the value at the cursor, which may be inside a container read by
   * hand (see `MarshalReader.value()`).
   *
   * @returns The value.
   */
  next(): MarshalValue {
    const code = this.bytes[this.pos];
    // Strings, numbers and references need no stack: read them directly.
    if (code !== undefined && _SCALAR[code]) {
      const at = this.pos++;
      const value = this.scalar(at, code);
      if (value === _NULL) {
        throw new DataSyntaxError(`Unexpected NULL object at byte ${at}`);
      }
      return value;
    }
    return this.item(0, this.pos, "data");
  }

  /**
   * The value of a finished reference slot.
   *
   * @param index The slot.
   * @returns Its value.
   * @throws {SyntaxError} When no finished value has that index.
   */
  refAt(index: number): MarshalValue {
    const value = this.refs[index];
    if (value === undefined || value === _RESERVED) {
      throw new DataSyntaxError(
        `Invalid reference at byte ${
          this.pos - 5
        }: ${index} is not among the ${this.refs.length} objects read so far`,
      );
    }
    return value;
  }

  /**
   * Counts the memory a new value takes against the budget: a crafted file
   * of millions of tiny containers must fail here, not exhaust the heap.
   */
  charge(bytes: number): void {
    this.memory += bytes;
    if (this.memory > this.maxMemory) {
      throw _fatal(
        new DataRangeError(
          `Too many objects at byte ${this.pos}: decoding them would take more than ${
            _mib(this.maxMemory)
          } MiB of memory, more than ${
            _mib(this.bytes.length)
          } MiB of real data ever needs`,
        ),
      );
    }
  }

  need(n: number, what: string): void {
    if (this.pos + n > this.bytes.length) {
      throw new DataSyntaxError(
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
      throw new DataRangeError(`Invalid length at byte ${at}: ${what} of ${n}`);
    }
    if (n * bytesPerItem > this.bytes.length - this.pos) {
      throw new DataRangeError(
        `Invalid length at byte ${at}: ${what} of ${n} does not fit in the ${
          this.bytes.length - this.pos
        } bytes that remain`,
      );
    }
    return n;
  }

  text(n: number, ascii: boolean): string {
    this.need(n, "a string");
    this.charge(32 + 2 * n);
    const start = this.pos;
    this.pos += n;
    return ascii
      ? latin1Text(this.bytes, start, start + n)
      : decodeText(this.bytes.subarray(start, start + n));
  }

  textFloat(): number {
    const n = this.u8("the length of a float");
    const s = this.text(n, true);
    const value = _parseFloatText(s);
    if (value === undefined) {
      throw new DataSyntaxError(
        `Invalid float at byte ${this.pos - n}: "${
          cutText(s, 40)
        }" is not a number`,
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

  /**
   * Reads one value, which may be NULL, at `depth` levels of nesting.
   *
   * Containers are read with an explicit stack rather than by recursion, so
   * that nesting up to {@linkcode MAX_DEPTH} cannot overflow the call stack.
   * A code object whose layout guess fails is read again from its start
   * with the next layout (see {@linkcode MarshalDecoder.retry}).
   */
  readValue(depth: number): MarshalValue | typeof _NULL {
    const stack: _Frame[] = [];
    for (;;) {
      try {
        let value = this.begin(depth + stack.length, stack);
        while (value !== _PENDING) {
          const frame = stack[stack.length - 1];
          if (frame === undefined) return value;
          value = this.take(frame, value);
          if (value !== _PENDING) stack.pop();
        }
      } catch (error) {
        this.retry(stack, error);
      }
    }
  }

  /**
   * Reads a type code and either the whole value, or the head of a
   * container, which it pushes on the stack and answers `_PENDING`.
   */
  begin(
    depth: number,
    stack: _Frame[],
  ): MarshalValue | typeof _NULL | typeof _PENDING {
    this.checkDepth(depth);
    const at = this.pos;
    const code = this.u8("a type code");
    const flag = (code & _FLAG_REF) !== 0;
    const type = code & ~_FLAG_REF;
    switch (type) {
      case 0x29: { // ')' small tuple
        const n = this.u8("the length of a tuple");
        return this.sequence(at, type, n, flag, depth, stack);
      }
      case 0x28: { // '(' tuple
        const n = this.size("a tuple", 1);
        return this.sequence(at, type, n, flag, depth, stack);
      }
      case 0x5b: { // '[' list
        const n = this.size("a list", 1);
        return this.sequence(at, type, n, flag, depth, stack);
      }
      case 0x3c: // '<' set
      case 0x3e: { // '>' frozenset
        const n = this.size("a set", 1);
        return this.sequence(at, type, n, flag, depth, stack);
      }
      case 0x7b: { // '{' dict
        this.charge(160);
        const dict = this.ref(this.reserve(flag), new MarshalDict());
        const report = depth === 0 ? this.onProgress : undefined;
        stack.push({ kind: "dict", at, dict, key: _RESERVED, report });
        return _PENDING;
      }
      case 0x7d: { // '}' frozendict (version 6)
        // Like a frozenset, it can be referred to only once it is finished.
        const late = this.reserve(flag);
        const dict = new MarshalFrozenDict();
        stack.push({ kind: "dict", at, dict, key: _RESERVED, late });
        return _PENDING;
      }
      case 0x63: { // 'c' code
        this.charge(96);
        const frame: _CodeFrame = {
          kind: "code",
          at,
          flag,
          start: this.pos,
          refs: this.refs.length,
          strings: this.strings.length,
          order: _LAYOUT_ORDERS[this.layout]!,
          attempt: 0,
          index: -1,
          step: 0,
          name: "",
          filename: "",
          firstLineNo: 0,
          failure: undefined,
        };
        stack.push(frame);
        this.startLayout(frame);
        return _PENDING;
      }
      case 0x3a: // ':' slice (version 5)
        stack.push({ kind: "slice", at, index: this.reserve(flag), parts: [] });
        return _PENDING;
      default:
        return this.scalar(at, code);
    }
  }

  checkDepth(depth: number): void {
    if (depth >= MAX_DEPTH) {
      throw _fatal(
        new DataRangeError(
          `Nesting too deep at byte ${this.pos}: more than ${MAX_DEPTH} levels`,
        ),
      );
    }
  }

  /** Reads a value that is not a container, after its type code. */
  scalar(at: number, code: number): MarshalValue | typeof _NULL {
    const flag = (code & _FLAG_REF) !== 0;
    switch (code & ~_FLAG_REF) {
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
        this.charge(16);
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
          throw new DataSyntaxError(
            `Invalid string reference at byte ${at}: ${n} is not among the ${this.strings.length} interned strings`,
          );
        }
        return s;
      }
      case 0x73: { // 's' bytes (Python 2 str)
        const index = this.reserve(flag);
        const n = this.size("a bytes object", 1);
        this.charge(128 + n);
        const start = this.pos;
        this.pos += n;
        return this.ref(index, this.bytes.slice(start, start + n));
      }
      case 0x72: { // 'r' reference
        const n = this.i32("a reference");
        const value = this.refs[n];
        if (value === undefined || value === _RESERVED) {
          throw new DataSyntaxError(
            `Invalid reference at byte ${at}: ${n} is not among the ${this.refs.length} objects read so far`,
          );
        }
        return value;
      }
      default:
        throw new DataSyntaxError(
          `Invalid marshal data at byte ${at}: unknown type code ${
            _describeByte(code)
          }`,
        );
    }
  }

  /** Starts a tuple, list, set or frozenset of `n` items. */
  sequence(
    at: number,
    type: number,
    n: number,
    flag: boolean,
    depth: number,
    stack: _Frame[],
  ): MarshalValue | typeof _PENDING {
    this.charge(48 + 8 * n);
    const items: MarshalValue[] = new Array(n);
    const index = this.reserve(flag);
    let value: MarshalValue = items;
    let what = "tuple";
    if (type === 0x5b) {
      value = new MarshalList(items);
      what = "list";
    } else if (type === 0x3c || type === 0x3e) {
      value = new MarshalSet(type === 0x3e, items);
      what = "set";
    }
    // Like CPython, a frozenset can be referred to only once it is finished.
    const late = type === 0x3e;
    if (!late) this.ref(index, value);
    if (n === 0) return this.ref(late ? index : -1, value);
    // Items up to the first container are read here, without a frame.
    const filled = this.scalars(items, 0, depth + 1, at, what);
    if (filled === n) return this.ref(late ? index : -1, value);
    const frame: _SequenceFrame = {
      kind: "sequence",
      at,
      depth: depth + 1,
      what,
      items,
      value,
      late,
      index,
      filled,
    };
    stack.push(frame);
    return _PENDING;
  }

  /**
   * Reads items from `filled` on up to the first container, which is left
   * to the main loop (reading it here would recurse), and answers how many
   * items are filled.
   */
  scalars(
    items: MarshalValue[],
    filled: number,
    depth: number,
    at: number,
    what: string,
  ): number {
    while (filled < items.length) {
      const code = this.bytes[this.pos];
      if (code === undefined || _OPENS[code & ~_FLAG_REF] === 1) break;
      this.checkDepth(depth);
      const item = this.scalar(this.pos++, code);
      items[filled++] = this.notNull(item, at, what);
    }
    return filled;
  }

  /**
   * Gives the next value read to the container on top of the stack, and
   * answers the container if it is finished, else `_PENDING`.
   */
  take(
    frame: _Frame,
    value: MarshalValue | typeof _NULL,
  ): MarshalValue | typeof _PENDING {
    if (frame.kind === "dict") {
      const { dict, report } = frame;
      if (frame.key === _RESERVED) {
        if (value !== _NULL) {
          frame.key = value;
          return _PENDING;
        }
        if (report !== undefined) report(dict.keys.length, this.pos);
        return this.ref(frame.late ?? -1, dict);
      }
      if (value === _NULL) {
        // CPython ends the dict at a NULL value too, dropping its key.
        if (report !== undefined) report(dict.keys.length, this.pos);
        return dict;
      }
      this.charge(16);
      dict.keys.push(frame.key);
      dict.values.push(value);
      frame.key = _RESERVED;
      if (report !== undefined && dict.keys.length % _PROGRESS_EVERY === 0) {
        report(dict.keys.length, this.pos);
      }
      return _PENDING;
    }
    if (frame.kind === "sequence") {
      const { items, at, what } = frame;
      items[frame.filled] = this.notNull(value, at, what);
      frame.filled = this.scalars(
        items,
        frame.filled + 1,
        frame.depth,
        at,
        what,
      );
      if (frame.filled < items.length) return _PENDING;
      return this.ref(frame.late ? frame.index : -1, frame.value);
    }
    if (frame.kind === "slice") {
      const { parts } = frame;
      parts.push(this.notNull(value, frame.at, "slice"));
      if (parts.length < 3) return _PENDING;
      return this.ref(
        frame.index,
        new MarshalSlice(parts[0]!, parts[1]!, parts[2]!),
      );
    }
    return this.codeField(frame, this.notNull(value, frame.at, "code object"));
  }

  /** Reads a value that may not be NULL. */
  item(depth: number, at: number, what: string): MarshalValue {
    return this.notNull(this.readValue(depth + 1), at, what);
  }

  notNull(
    value: MarshalValue | typeof _NULL,
    at: number,
    what: string,
  ): MarshalValue {
    if (value === _NULL) {
      throw new DataSyntaxError(
        `Invalid marshal data at byte ${
          this.pos - 1
        }: NULL inside the ${what} at byte ${at}`,
      );
    }
    return value;
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
      throw new DataRangeError(
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
        throw new DataSyntaxError(
          `Invalid long at byte ${at}: digit ${digit} is out of range`,
        );
      }
      digits[i] = digit;
    }
    if (size > 0 && digit === 0) {
      throw new DataSyntaxError(
        `Invalid long at byte ${at}: unnormalized digits`,
      );
    }
    if (size <= 3) {
      let value = 0;
      for (let i = size - 1; i >= 0; i--) value = value * 32768 + digits[i]!;
      return n < 0 ? -value : value;
    }
    this.charge(32 + 2 * size);
    const big = _fromDigits(digits);
    return _narrow(n < 0 ? -big : big);
  }

  /**
   * Reads the fixed fields of a code object with the layout its frame is
   * at. A code object's layout changed with Python versions and the stream
   * does not say which wrote it, so each layout is tried in turn, starting
   * with the one that fitted the last code object.
   */
  startLayout(frame: _CodeFrame): void {
    const layout = _CODE_LAYOUTS[frame.order[frame.attempt]!]!;
    frame.index = this.reserve(frame.flag);
    frame.step = 0;
    for (let i = 0; i < layout.ints; i++) this.i32("a code object field");
  }

  /** Checks a field of a code object and answers it once it is finished. */
  codeField(
    frame: _CodeFrame,
    value: MarshalValue,
  ): MarshalCode | typeof _PENDING {
    const layoutIndex = frame.order[frame.attempt]!;
    const steps = _CODE_LAYOUTS[layoutIndex]!.steps;
    const [what, expect] = steps[frame.step]!;
    if (!_matches(value, expect)) {
      throw new DataSyntaxError(
        `Invalid code object at byte ${frame.at}: ${what} is not ${expect}`,
      );
    }
    if (what === "co_filename") frame.filename = value;
    if (what === "co_name") frame.name = value;
    frame.step++;
    if (steps[frame.step]?.[0] === "co_firstlineno") {
      frame.firstLineNo = this.i32("co_firstlineno");
      frame.step++;
    }
    if (frame.step < steps.length) return _PENDING;
    this.layout = layoutIndex;
    return this.ref(
      frame.index,
      new MarshalCode(
        _str(frame.name),
        _str(frame.filename),
        frame.firstLineNo,
      ),
    );
  }

  /**
   * Recovers from an error by reading the innermost code object on the
   * stack again with its next layout; rethrows when none is left to try.
   */
  retry(stack: _Frame[], error: unknown): void {
    for (;;) {
      if (_FATAL.has(error as object)) throw error;
      const k = stack.findLastIndex((frame) => frame.kind === "code");
      const frame = stack[k];
      if (frame === undefined || frame.kind !== "code") throw error;
      // Every retry reads the code object's bytes again, and nested code
      // objects multiply retries: bound the bytes read again in total so
      // that decoding stays linear in the input's length.
      this.reread += this.pos - frame.start;
      if (this.reread > 4 * this.bytes.length + 65536) {
        throw _fatal(
          new DataSyntaxError(
            `Invalid code object at byte ${frame.at}: no known layout fits (too many nested code objects that fit no layout)`,
          ),
        );
      }
      stack.length = k + 1;
      // Keep the error of the layout that read furthest, as the likeliest.
      if (frame.failure === undefined || this.pos > frame.failure[0]) {
        frame.failure = [this.pos, error];
      }
      this.pos = frame.start;
      this.refs.length = frame.refs;
      this.strings.length = frame.strings;
      if (
        ++frame.attempt < frame.order.length &&
        ++this.codeRetries <= _MAX_CODE_RETRIES
      ) {
        try {
          this.startLayout(frame);
          return;
        } catch (next) {
          error = next;
          continue;
        }
      }
      stack.length = k;
      const reason = frame.failure[1] instanceof Error
        ? frame.failure[1].message
        : String(frame.failure[1]);
      error = new DataSyntaxError(
        `Invalid code object at byte ${frame.at}: no known layout fits (${
          cutText(reason, 200)
        })`,
      );
    }
  }
}

/** A container being read: the state of one level of the explicit stack. */
type _Frame =
  | _SequenceFrame
  | {
    kind: "dict";
    at: number;
    dict: MarshalDict;
    /** The key waiting for its value, or `_RESERVED` when none is. */
    key: MarshalValue | typeof _RESERVED;
    report?: ((entries: number, offset: number) => void) | undefined;
    /** A frozendict's reference slot, set when it is finished. */
    late?: number;
  }
  | { kind: "slice"; at: number; index: number; parts: MarshalValue[] }
  | _CodeFrame;

type _SequenceFrame = {
  kind: "sequence";
  at: number;
  /** The depth of its items. */
  depth: number;
  what: string;
  items: MarshalValue[];
  value: MarshalValue;
  /** Whether the reference is set when finished, not when started. */
  late: boolean;
  index: number;
  filled: number;
};

type _CodeFrame = {
  kind: "code";
  at: number;
  flag: boolean;
  /** Where its fields start, and the tables to restore on a retry. */
  start: number;
  refs: number;
  strings: number;
  /** Layouts to try, as indexes into `_CODE_LAYOUTS`, and which one is on. */
  order: readonly number[];
  attempt: number;
  /** The reference slot of the current attempt. */
  index: number;
  /** The next of the layout's steps to read. */
  step: number;
  name: MarshalValue;
  filename: MarshalValue;
  firstLineNo: number;
  /** The offset reached by the best failed attempt, and its error. */
  failure: [number, unknown] | undefined;
};

type _Expect = "bytes" | "tuple" | "str" | "int";
type _CodeLayout = {
  ints: number;
  /** The fields after the leading ints; `co_firstlineno` is an int32. */
  steps: [string, _Expect][];
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
  ["co_firstlineno", "int"],
];

/** Code object layouts, newest first: 3.11+, 3.8–3.10, 3.0–3.7, 2.x. */
const _CODE_LAYOUTS: _CodeLayout[] = [
  {
    ints: 5,
    steps: [
      ..._COMMON,
      ["co_localsplusnames", "tuple"],
      ["co_localspluskinds", "bytes"],
      ["co_filename", "str"],
      ["co_name", "str"],
      ["co_qualname", "str"],
      ["co_firstlineno", "int"],
      ["co_linetable", "bytes"],
      ["co_exceptiontable", "bytes"],
    ],
  },
  { ints: 6, steps: [..._COMMON, ..._BEFORE_311, ["co_lnotab", "bytes"]] },
  { ints: 5, steps: [..._COMMON, ..._BEFORE_311, ["co_lnotab", "bytes"]] },
  // Python 2 writes co_code and co_lnotab as str, which may be interned
  // (it interns the empty string, so an empty co_lnotab is text).
  {
    ints: 4,
    steps: [
      ["co_code", "str"],
      ["co_consts", "tuple"],
      ["co_names", "tuple"],
      ..._BEFORE_311,
      ["co_lnotab", "str"],
    ],
  },
];

/** For each layout, the order to try: that one first, then the others. */
const _LAYOUT_ORDERS: readonly number[][] = _CODE_LAYOUTS.map((_, first) => [
  first,
  ..._CODE_LAYOUTS.map((_, i) => i).filter((i) => i !== first),
]);

function _matches(value: MarshalValue, expect: _Expect): boolean {
  switch (expect) {
    case "bytes":
      return value instanceof Uint8Array;
    case "tuple":
      return Array.isArray(value);
    case "str":
      return typeof value === "string" || value instanceof Uint8Array;
    case "int":
      return typeof value === "number";
  }
}

function _str(value: MarshalValue): string {
  return value instanceof Uint8Array ? decodeText(value) : String(value);
}

/** Errors that no code-object retry may catch: limits, not layout misfits. */
const _FATAL = new WeakSet<object>();

function _fatal<T extends Error>(error: T): T {
  _FATAL.add(error);
  return error;
}

function _mib(bytes: number): string {
  return (bytes / 1048576).toFixed(0);
}

/**
 * A long's 15-bit digits (least significant first) as a bigint, in linear
 * time: the bits are regrouped into hexadecimal digits and parsed at once
 * (shifting a bigint digit by digit would copy it each time: quadratic).
 */
function _fromDigits(digits: readonly number[]): bigint {
  const hex = "0123456789abcdef";
  const out: string[] = new Array(Math.ceil((digits.length * 15) / 4));
  let k = out.length;
  let bits = 0;
  let count = 0;
  for (const digit of digits) {
    bits |= digit << count;
    count += 15;
    while (count >= 4) {
      out[--k] = hex[bits & 15]!;
      bits >>>= 4;
      count -= 4;
    }
  }
  if (count > 0) out[--k] = hex[bits & 15]!;
  return BigInt("0x" + out.slice(k).join(""));
}

function _narrow(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) &&
      value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value;
}

function _parseFloatText(s: string): number | undefined {
  // CPython parses the text as a C string: it ends at the first NUL.
  const nul = s.indexOf("\0");
  const t = (nul < 0 ? s : s.slice(0, nul)).toLowerCase();
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

/** Type codes (with or without FLAG_REF) that `MarshalDecoder.scalar()` reads. */
const _SCALAR: Uint8Array = (() => {
  const table = new Uint8Array(256);
  for (const c of "NFTS.iIlgfyxzZaAutRsr") {
    table[c.charCodeAt(0)] = 1;
    table[c.charCodeAt(0) | _FLAG_REF] = 1;
  }
  return table;
})();
