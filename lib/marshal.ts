/**
 * A decoder for Python's `marshal` format, versions 0 to 6, as written by
 * Python 2.7 and Python 3.x (version 6, Python 3.15, adds `frozendict`).
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
 * | `frozendict` (Python 3.15) | {@linkcode MarshalFrozenDict} |
 * | code objects | {@linkcode MarshalCode} |
 * | `complex`, `slice`, `Ellipsis`, `StopIteration` | {@linkcode MarshalComplex}, {@linkcode MarshalSlice}, {@linkcode MarshalSingleton} |
 *
 * This is the public face: {@linkcode decodeMarshal} for a whole value and
 * {@linkcode MarshalReader} for readers that walk the bytes themselves. The
 * engine behind both, with its limits, is `lib/marshal_decoder.ts`; the
 * value classes are `lib/marshal_values.ts`, text decoding
 * `lib/marshal_text.ts`.
 *
 * @module
 */

import { DataSyntaxError } from "./data_error.ts";
import { MarshalDecoder } from "./marshal_decoder.ts";
import type { MarshalValue } from "./marshal_values.ts";

export { DataRangeError, DataSyntaxError, isDataError } from "./data_error.ts";
export { MAX_DEPTH, memoryBudget } from "./marshal_decoder.ts";
export { decodeText } from "./marshal_text.ts";
export * from "./marshal_values.ts";

/** Options for {@linkcode decodeMarshal}. */
export interface DecodeMarshalOptions {
  /**
   * Called every few thousand entries of the outermost dict with the number
   * of entries read so far and the byte offset reached, for progress reports.
   */
  onProgress?: (entries: number, offset: number) => void;
  /** Accept bytes after the end of the value. Defaults to `false`. */
  allowTrailingData?: boolean;
  /**
   * The most memory, in bytes, that the decoded values may take (an
   * estimate). Defaults to `memoryBudget()` of the input's length:
   * far more than real data needs, far less than a crafted file of millions
   * of empty containers would take.
   */
  maxMemory?: number;
}

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
  const decoder = new MarshalDecoder(
    bytes,
    options.onProgress,
    options.maxMemory,
  );
  const value = decoder.top();
  if (!options.allowTrailingData && decoder.pos < bytes.length) {
    throw new DataSyntaxError(
      `Unexpected data at byte ${decoder.pos}: ${
        bytes.length - decoder.pos
      } bytes follow the end of the marshalled value`,
    );
  }
  return value;
}

/**
 * A cursor over marshalled data, for readers that know the structure they
 * expect and want to read it without building every intermediate value (the
 * pstats reader reads numbers and tuples straight from the bytes this way).
 * It shares references with {@linkcode MarshalReader.value}, so the two can
 * be mixed freely; every read is bounds-checked like {@linkcode decodeMarshal}.
 *
 * @example Read a tuple of two ints by hand
 * ```ts
 * import { MarshalReader } from "./marshal.ts";
 * import { assertEquals } from "@std/assert";
 *
 * // marshal.dumps((1, 2))
 * const reader = new MarshalReader(
 *   Uint8Array.of(0xa9, 2, 0xe9, 1, 0, 0, 0, 0xe9, 2, 0, 0, 0),
 * );
 * assertEquals(reader.peek() & 0x7f, 0x29); // ')' small tuple
 * reader.skip(2);
 * assertEquals([reader.value(), reader.value()], [1, 2]);
 * assertEquals(reader.offset, reader.length);
 * ```
 */
export class MarshalReader {
  #decoder: MarshalDecoder;

  /**
   * Starts reading at the first byte.
   *
   * @param bytes The marshalled data.
   */
  constructor(bytes: Uint8Array) {
    this.#decoder = new MarshalDecoder(bytes, undefined);
  }

  /** The offset of the next byte to read. */
  get offset(): number {
    return this.#decoder.pos;
  }

  /** The length of the data. */
  get length(): number {
    return this.#decoder.bytes.length;
  }

  /**
   * How many reference slots exist: the index the next value flagged with
   * `FLAG_REF` will get.
   */
  get refCount(): number {
    return this.#decoder.refs.length;
  }

  /**
   * The byte `ahead` bytes from the cursor, without moving it; -1 past the
   * end.
   *
   * @param ahead How far ahead to look. Defaults to 0.
   * @returns The byte, or -1.
   */
  peek(ahead = 0): number {
    const bytes = this.#decoder.bytes;
    const at = this.#decoder.pos + ahead;
    return at < bytes.length ? bytes[at]! : -1;
  }

  /**
   * Moves the cursor forward.
   *
   * @param n How many bytes to skip.
   */
  skip(n: number): void {
    this.#decoder.need(n, "the data");
    this.#decoder.pos += n;
  }

  /**
   * Reads a little-endian 32-bit signed integer (the payload of an `i`).
   *
   * @returns The integer.
   */
  int32(): number {
    return this.#decoder.i32("an int");
  }

  /**
   * Reads a little-endian 64-bit float (the payload of a `g`).
   *
   * @returns The float.
   */
  float64(): number {
    return this.#decoder.f64();
  }

  /**
   * Reads one whole value of any type.
   *
   * @returns The value.
   */
  value(): MarshalValue {
    return this.#decoder.next();
  }

  /**
   * Reserves a reference slot, for a value read by hand whose type byte had
   * `FLAG_REF` (0x80) set. Fill it with {@linkcode MarshalReader.setRef}.
   *
   * @returns The slot's index.
   */
  reserveRef(): number {
    return this.#decoder.reserve(true);
  }

  /**
   * Fills a reserved reference slot.
   *
   * @param index The slot, from {@linkcode MarshalReader.reserveRef}.
   * @param value The value read by hand.
   */
  setRef(index: number, value: MarshalValue): void {
    this.#decoder.refs[index] = value;
  }

  /**
   * The value of a reference (the payload of an `r`).
   *
   * @param index The reference's index.
   * @returns The value it refers to.
   * @throws {SyntaxError} When no finished value has that index.
   */
  ref(index: number): MarshalValue {
    return this.#decoder.refAt(index);
  }
}
