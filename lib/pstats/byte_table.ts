/**
 * A hash table keyed by runs of bytes, for the fast reader (`fast.ts`): a
 * run is hashed four bytes at a time where it lies and compared in place
 * with the runs already met, so that bytes met again are recognised without
 * making anything of them. It finds strings by their bytes
 * (`byte_strings.ts`).
 *
 * @module
 */

/**
 * The hash's seed, random in each process: a file cannot be made so that
 * its runs fall into one slot, which would make looking them up take time in
 * the square of their number.
 */
const _SEED = crypto.getRandomValues(new Int32Array(1))[0]!;

/** What {@linkcode ByteTable.find} answers for bytes not met before. */
export const NOT_FOUND = -1;
/**
 * What {@linkcode ByteTable.find} answers when too many runs' hashes have
 * matched by chance (a file made to bring that about): the caller should
 * give up rather than take time in the square of the file.
 */
export const GAVE_UP = -2;

/**
 * Values (non-negative ints) by runs of bytes.
 *
 * @example
 * ```ts
 * import { ByteTable, NOT_FOUND } from "./byte_table.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const bytes = new TextEncoder().encode("app.py|lib.py|app.py");
 * const view = new DataView(bytes.buffer);
 * const table = new ByteTable(bytes.length, 1 << 20);
 * for (const [start, value] of [[0, 10], [7, 20]] as const) {
 *   const h = table.hash(view, bytes, start, 6);
 *   assertEquals(table.find(bytes, view, start, 6, h), NOT_FOUND);
 *   table.add(bytes, start, 6, h, value);
 * }
 * const h = table.hash(view, bytes, 14, 6);
 * assertEquals(table.find(bytes, view, 14, 6, h), 10);
 * ```
 */
export class ByteTable {
  /** The whole file, when runs are compared where they lie in it. */
  readonly #file: Uint8Array | undefined;
  /** The file, or the bytes of every run added, back to back. */
  #bytes: Uint8Array;
  #view: DataView;
  #end = 0;
  /**
   * Slots of four ints: the value + 1 (0: empty), the hash, where the run's
   * bytes start in `#bytes` and how many there are; all that finding a run
   * takes but its bytes, in one place in memory.
   */
  #table: Int32Array;
  #mask: number;
  #count = 0;
  /** At most how many runs are added; later ones are not. */
  readonly #most: number;
  /** Where {@linkcode find} stopped: the empty slot a new run goes in. */
  #free = 0;
  /**
   * How many more bytes may be compared for runs whose hash matched but
   * whose bytes did not: such matches are rare, unless a file was made to
   * bring them about, and then {@linkcode find} gives up.
   */
  #misses: number;

  /**
   * @param size The size of the file whose runs these are.
   * @param most At most how many runs to add (each takes 32 bytes).
   * @param file The whole file, when every run will be found in it (then a
   * run's bytes are compared where they were first met, and not copied);
   * without it, the bytes given may change after a call returns (a window
   * of a file read a chunk at a time).
   * @param expected How many runs to make room for at first (the table
   * grows as they come): by default, up to 4,096, fewer in a small file.
   */
  constructor(
    size: number,
    most: number,
    file?: Uint8Array,
    expected = Math.min(4096, size / 1024),
  ) {
    let slots = 256;
    while (slots < 2 * expected) slots *= 2;
    this.#table = new Int32Array(slots * 4);
    this.#mask = slots - 1;
    this.#most = most;
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
   * The hash of the `n` bytes at `start`: MurmurHash3's steps, in which
   * every bit of a word changes about half of the hash's, so that runs alike
   * (paths) are no likelier to meet than any.
   *
   * @param view A `DataView` of exactly `bytes`.
   * @param bytes The bytes.
   * @param start Where the run starts.
   * @param n How many bytes it has.
   */
  hash(view: DataView, bytes: Uint8Array, start: number, n: number): number {
    let h = _SEED ^ n;
    let i = start;
    const words = start + (n & ~3);
    for (; i < words; i += 4) {
      const k = Math.imul(view.getInt32(i, true), 0xcc9e2d51);
      h ^= Math.imul(k << 15 | k >>> 17, 0x1b873593);
      h = Math.imul(h << 13 | h >>> 19, 5) + 0xe6546b64 | 0;
    }
    if (i < start + n) {
      let w = bytes[i]!;
      if (i + 1 < start + n) w |= bytes[i + 1]! << 8;
      if (i + 2 < start + n) w |= bytes[i + 2]! << 16;
      const k = Math.imul(w, 0xcc9e2d51);
      h ^= Math.imul(k << 15 | k >>> 17, 0x1b873593);
    }
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    return h ^ (h >>> 16);
  }

  /**
   * The value of the run of `n` bytes at `start`, whose hash is `h`;
   * {@linkcode NOT_FOUND} if it was never added (then {@linkcode add} may
   * add it, if the table is not changed in between), or
   * {@linkcode GAVE_UP}.
   *
   * @param bytes The bytes.
   * @param view A `DataView` of exactly `bytes`.
   * @param start Where the run starts.
   * @param n How many bytes it has.
   * @param h Its hash, from {@linkcode hash}.
   */
  find(
    bytes: Uint8Array,
    view: DataView,
    start: number,
    n: number,
    h: number,
  ): number {
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
      if (this.#misses < 0) return GAVE_UP;
    }
    this.#free = slot;
    return NOT_FOUND;
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

  /**
   * Whether the `n` bytes at `start` are the `n` bytes kept at `from` (where
   * {@linkcode add} said it keeps a run).
   *
   * @param bytes The bytes.
   * @param view A `DataView` of exactly `bytes`.
   * @param start Where the run starts.
   * @param n How many bytes it has.
   * @param from Where the run to compare with is kept.
   */
  same(
    bytes: Uint8Array,
    view: DataView,
    start: number,
    n: number,
    from: number,
  ): boolean {
    return this.#same(bytes, view, start, from, n) === n;
  }

  /**
   * Adds the run that {@linkcode find} just did not find, with its value
   * (unless the table holds as many as it may), and answers where its bytes
   * are kept (for {@linkcode same}), or -1 when it was not added.
   *
   * @param bytes The bytes.
   * @param start Where the run starts.
   * @param n How many bytes it has.
   * @param h Its hash.
   * @param value Its value, 0 or more.
   */
  add(
    bytes: Uint8Array,
    start: number,
    n: number,
    h: number,
    value: number,
  ): number {
    if (this.#count === this.#most) return -1;
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
    const at = this.#free * 4;
    this.#table[at] = value + 1;
    this.#table[at + 1] = h;
    this.#table[at + 2] = from;
    this.#table[at + 3] = n;
    // At most half full, so that a search seldom goes far.
    if (2 * ++this.#count > this.#mask + 1) this.#grow();
    return from;
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

  /**
   * The bytes of the runs added, back to back in the order added (where
   * {@linkcode add} said it keeps each); the file itself when the table
   * was given one.
   */
  kept(): Uint8Array {
    return this.#file ?? this.#bytes.subarray(0, this.#end);
  }

  /** Gives the table's memory back at once. */
  release(): void {
    (this.#table.buffer as ArrayBuffer).transfer(0);
    if (this.#file === undefined) {
      (this.#bytes.buffer as ArrayBuffer).transfer(0);
    }
  }
}
