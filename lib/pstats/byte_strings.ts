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
  /** The whole file, when its strings are compared where they lie. */
  readonly #file: Uint8Array | undefined;
  /** The file, or the bytes of every string met, back to back. */
  #bytes: Uint8Array;
  #view: DataView;
  #end = 0;
  /**
   * The hash table: slots of four ints, the id + 1 (0: empty), the hash,
   * where the string's bytes start in `#bytes` and how many there are; all
   * that finding a string takes but its bytes, in one place in memory.
   */
  #table: Int32Array;
  #mask: number;
  /**
   * How many more bytes may be compared for strings whose hash matched but
   * whose bytes did not: such matches are rare, unless a file was made to
   * bring them about, and then {@linkcode id} gives up (answers
   * {@linkcode NOT_TEXT}) rather than take time in the square of the file.
   */
  #misses: number;

  /**
   * @param size The size of the file whose strings these are.
   * @param file The whole file, when every string will be found in it (then
   * a string's bytes are compared where they were first met, and not
   * copied); without it, the bytes given to {@linkcode id} may change
   * after it returns (a window of a file read a chunk at a time).
   */
  constructor(size: number, file?: Uint8Array) {
    // Grown as strings come: most of a large file repeats a few.
    let slots = 256;
    while (slots < 8192 && slots < size / 512) slots *= 2;
    this.#table = new Int32Array(slots * 4);
    this.#mask = slots - 1;
    this.#file = file;
    this.#bytes = file ?? new Uint8Array(Math.min(size + 8, slots * 32));
    this.#view = new DataView(
      this.#bytes.buffer,
      this.#bytes.byteOffset,
      this.#bytes.byteLength,
    );
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
      const at = slot * 4;
      const known = table[at]!;
      if (known === 0) break;
      if (table[at + 1] !== h || table[at + 3] !== n) continue;
      const same = this.#same(bytes, view, start, table[at + 2]!, n);
      if (same === n) return known - 1;
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
    let from = start;
    if (this.#file === undefined) {
      from = this.#end;
      if (from + n > this.#bytes.length) {
        const grown = new Uint8Array(
          Math.max(2 * this.#bytes.length, from + n),
        );
        grown.set(this.#bytes.subarray(0, from));
        this.#bytes = grown;
        this.#view = new DataView(grown.buffer);
      }
      this.#bytes.set(bytes.subarray(start, start + n), from);
      this.#end = from + n;
    }
    const at = slot * 4;
    this.#table[at] = id + 1;
    this.#table[at + 1] = h;
    this.#table[at + 2] = from;
    this.#table[at + 3] = n;
    this.strings.push(text);
    // At most half full, so that a search seldom goes far.
    if (2 * (id + 1) > this.#mask + 1) this.#grow();
    return id;
  }

  /** Doubles the table. */
  #grow(): void {
    const old = this.#table;
    const slots = 2 * (this.#mask + 1);
    const table = new Int32Array(slots * 4);
    const mask = slots - 1;
    for (let from = 0; from < old.length; from += 4) {
      if (old[from] === 0) continue;
      let slot = old[from + 1]! & mask;
      while (table[slot * 4] !== 0) slot = (slot + 1) & mask;
      table.set(old.subarray(from, from + 4), slot * 4);
    }
    this.#table = table;
    this.#mask = mask;
  }

  /** Gives the memory of the working tables back at once (the strings stay). */
  release(): void {
    (this.#table.buffer as ArrayBuffer).transfer(0);
    if (this.#file === undefined) {
      (this.#bytes.buffer as ArrayBuffer).transfer(0);
    }
  }
}
