/**
 * The fast reader's strings (`fast.ts`), found by their bytes: a file's
 * names are written again and again (a writer that does not share its
 * strings, such as yappi, writes a file name in full in every key that
 * names it), and making a JavaScript string of each, to look it up in a
 * `Map`, took over half the reading of such a file. Here the bytes are
 * hashed four at a time where they lie and compared in place with the bytes
 * of the strings already met; a string is made only for bytes met for the
 * first time.
 *
 * @module
 */

import { asciiText } from "./ascii_text.ts";

const _UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * The hash's seed, random in each process: a file cannot be made so that
 * its strings fall into one slot, which would make looking them up take
 * time in the square of their number.
 */
const _SEED = crypto.getRandomValues(new Int32Array(1))[0]!;

/** What {@linkcode ByteStrings.id} answers for bytes it does not take. */
export const NOT_TEXT = -1;

/**
 * Strings by their UTF-8 bytes, each given an id (0, 1, 2… in the order
 * first met); `strings[id]` is the string.
 *
 * @example
 * ```ts
 * import { ByteStrings, NOT_TEXT } from "./byte_strings.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const bytes = new TextEncoder().encode("app.py|lib.py|app.py|café");
 * const view = new DataView(bytes.buffer);
 * const table = new ByteStrings(bytes.length);
 * assertEquals(table.id(bytes, view, 0, 6, true), 0);
 * assertEquals(table.id(bytes, view, 7, 6, true), 1);
 * assertEquals(table.id(bytes, view, 14, 6, false), 0); // met before
 * assertEquals(table.id(bytes, view, 21, 5, false), 2);
 * assertEquals(table.id(bytes, view, 21, 5, true), NOT_TEXT); // not ASCII
 * assertEquals(table.strings, ["app.py", "lib.py", "café"]);
 * ```
 */
export class ByteStrings {
  /** The strings, by id. */
  readonly strings: string[] = [];
  /** The bytes of every string met, back to back. */
  #bytes: Uint8Array;
  #view: DataView;
  #end = 0;
  /** Where each string's bytes start in `#bytes`, by id. */
  #start: Int32Array;
  /** Each string's hash, by id (for growing the table). */
  #hash: Int32Array;
  /** Slots of two ints: the id + 1 (0: empty) and its hash. */
  #table: Int32Array;
  #mask: number;
  /**
   * How many more bytes may be compared for strings whose hash matched but
   * whose bytes did not: such matches are rare, unless a file was made to
   * bring them about, and then {@linkcode id} gives up (answers
   * {@linkcode NOT_TEXT}) rather than take time in the square of the file.
   */
  #misses: number;

  /** @param size The size of the file whose strings these are. */
  constructor(size: number) {
    let slots = 1024;
    while (slots < size / 256) slots *= 2;
    this.#table = new Int32Array(slots * 2);
    this.#mask = slots - 1;
    const ids = slots >> 1;
    this.#start = new Int32Array(ids + 1);
    this.#hash = new Int32Array(ids);
    this.#bytes = new Uint8Array(Math.max(4096, Math.min(size, slots * 16)));
    this.#view = new DataView(this.#bytes.buffer);
    this.#misses = size + (1 << 20);
  }

  /**
   * The id of the string whose UTF-8 bytes are `bytes[start, start + n)`,
   * made if new. {@linkcode NOT_TEXT} when they are not UTF-8 (lone
   * surrogates included), or not ASCII where `ascii` says they are (marshal's
   * ASCII string types), or when too many strings' hashes matched by chance.
   *
   * @param bytes The bytes.
   * @param view A `DataView` of exactly `bytes`.
   * @param start Where the string's bytes start.
   * @param n How many there are.
   * @param ascii Whether they must all be ASCII.
   */
  id(
    bytes: Uint8Array,
    view: DataView,
    start: number,
    n: number,
    ascii: boolean,
  ): number {
    // Four bytes at a time, then the last few; `high` gathers their top
    // bits, which are all clear in ASCII.
    let h = _SEED ^ n;
    let high = 0;
    let i = start;
    const words = start + (n & ~3);
    // MurmurHash3's steps: every bit of a word changes about half of the
    // hash's, so that texts alike (paths) are no likelier to meet than any.
    for (; i < words; i += 4) {
      const w = view.getInt32(i, true);
      high |= w;
      const k = Math.imul(w, 0xcc9e2d51);
      h ^= Math.imul(k << 15 | k >>> 17, 0x1b873593);
      h = Math.imul(h << 13 | h >>> 19, 5) + 0xe6546b64 | 0;
    }
    if (i < start + n) {
      let w = bytes[i]!;
      if (i + 1 < start + n) w |= bytes[i + 1]! << 8;
      if (i + 2 < start + n) w |= bytes[i + 2]! << 16;
      high |= w;
      const k = Math.imul(w, 0xcc9e2d51);
      h ^= Math.imul(k << 15 | k >>> 17, 0x1b873593);
    }
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    const isAscii = (high & 0x80808080) === 0;
    if (ascii && !isAscii) return NOT_TEXT; // CPython writes these for ASCII only
    const table = this.#table;
    const mask = this.#mask;
    let slot = h & mask;
    for (;; slot = (slot + 1) & mask) {
      const known = table[slot * 2]!;
      if (known === 0) break;
      if (table[slot * 2 + 1] !== h) continue;
      const id = known - 1;
      const from = this.#start[id]!;
      if (this.#start[id + 1]! - from !== n) continue;
      const same = this.#same(bytes, view, start, from, n);
      if (same === n) return id;
      this.#misses -= same + 1;
      if (this.#misses < 0) return NOT_TEXT;
    }
    return this.#add(bytes, start, n, h, isAscii, slot);
  }

  /** How many of the `n` bytes at `start` and at `from` in `#bytes` agree before the first that does not. */
  #same(
    bytes: Uint8Array,
    view: DataView,
    start: number,
    from: number,
    n: number,
  ): number {
    const known = this.#view;
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      if (view.getInt32(start + i, true) !== known.getInt32(from + i, true)) {
        break;
      }
    }
    const stored = this.#bytes;
    while (i < n && bytes[start + i] === stored[from + i]) i++;
    return i;
  }

  /** Adds a new string in `slot`, and answers its id (or NOT_TEXT). */
  #add(
    bytes: Uint8Array,
    start: number,
    n: number,
    h: number,
    isAscii: boolean,
    slot: number,
  ): number {
    let text: string;
    if (isAscii) text = asciiText(bytes, start, start + n)!;
    else {
      try {
        text = _UTF8.decode(bytes.subarray(start, start + n));
      } catch {
        return NOT_TEXT; // lone surrogates or bytes that are not UTF-8
      }
    }
    const id = this.strings.length;
    if (id === this.#hash.length) {
      this.#grow();
      slot = h & this.#mask;
      while (this.#table[slot * 2] !== 0) slot = (slot + 1) & this.#mask;
    }
    if (this.#end + n > this.#bytes.length) {
      const grown = new Uint8Array(
        Math.max(2 * this.#bytes.length, this.#end + n),
      );
      grown.set(this.#bytes.subarray(0, this.#end));
      this.#bytes = grown;
      this.#view = new DataView(grown.buffer);
    }
    this.#bytes.set(bytes.subarray(start, start + n), this.#end);
    this.#end += n;
    this.#start[id + 1] = this.#end;
    this.#hash[id] = h;
    this.strings.push(text);
    this.#table[slot * 2] = id + 1;
    this.#table[slot * 2 + 1] = h;
    return id;
  }

  /** Doubles the table and the room for ids (the table stays at most half full). */
  #grow(): void {
    const ids = this.#hash.length * 2;
    const start = new Int32Array(ids + 1);
    start.set(this.#start);
    this.#start = start;
    const hash = new Int32Array(ids);
    hash.set(this.#hash);
    this.#hash = hash;
    const slots = ids * 2;
    const table = new Int32Array(slots * 2);
    const mask = slots - 1;
    for (let id = 0; id < this.strings.length; id++) {
      let slot = hash[id]! & mask;
      while (table[slot * 2] !== 0) slot = (slot + 1) & mask;
      table[slot * 2] = id + 1;
      table[slot * 2 + 1] = hash[id]!;
    }
    this.#table = table;
    this.#mask = mask;
  }

  /** Gives the memory of the working tables back at once (the strings stay). */
  release(): void {
    for (const array of [this.#bytes, this.#start, this.#hash, this.#table]) {
      (array.buffer as ArrayBuffer).transfer(0);
    }
  }
}
