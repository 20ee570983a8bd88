/**
 * The fast reader's strings (`fast.ts`), found by their bytes: a file's
 * names are written again and again (a writer that does not share its
 * strings, such as yappi, writes a file name in full in every key that
 * names it), and making a JavaScript string of each, to look it up in a
 * `Map`, took over half the reading of such a file. Here the bytes are
 * found in a {@linkcode ByteTable}; a string is made only for bytes met for
 * the first time.
 *
 * @module
 */

import { asciiText } from "./ascii_text.ts";
import { ByteTable, GAVE_UP } from "./byte_table.ts";

const _UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
/** One character a byte (ASCII as it is). */
const _BYTES = new TextDecoder("latin1");

/** From this many bytes on, a string is found in the table of long ones. */
const _LONG = 32;

/** What {@linkcode ByteStrings.id} answers for bytes it does not take. */
export const NOT_TEXT = -1;

/**
 * Strings by their UTF-8 bytes, each given an id (0, 1, 2… in the order
 * first met); `strings[id]` is the string, once {@linkcode finish} has made
 * them all (or {@linkcode text} that one).
 *
 * @example
 * ```ts
 * import { ByteStrings, NOT_TEXT } from "./byte_strings.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const long = "/srv/app/src/service/handlers/api.py"; // 36 bytes
 * const bytes = new TextEncoder().encode(
 *   `app.py|lib.py|app.py|café|${long}|${long}`,
 * );
 * const view = new DataView(bytes.buffer);
 * const table = new ByteStrings(bytes.length);
 * assertEquals(table.id(bytes, view, 0, 6, true), 0);
 * assertEquals(table.id(bytes, view, 7, 6, true), 1);
 * assertEquals(table.id(bytes, view, 14, 6, false), 0); // met before
 * assertEquals(table.id(bytes, view, 21, 5, false), 2);
 * assertEquals(table.id(bytes, view, 21, 5, true), NOT_TEXT); // not ASCII
 * assertEquals(table.id(bytes, view, 27, 36, true), 3);
 * assertEquals(table.id(bytes, view, 64, 36, true), 3); // met before
 * assertEquals(table.finish(), ["app.py", "lib.py", "café", long]);
 * // Known to be "app.py" (id 0), or not.
 * assertEquals(table.matches(0, bytes, view, 14, 6, true), true);
 * assertEquals(table.matches(0, bytes, view, 7, 6, true), false);
 * ```
 */
export class ByteStrings {
  /** The strings, by id. */
  readonly strings: string[] = [];
  /**
   * Each string's id times two, plus one if it is all ASCII, by its bytes:
   * short ones (names, mostly) in one table, long ones (paths, mostly) in
   * another. A file's names are many and each is met in full about once,
   * while its paths are few and met again and again: kept apart, the paths'
   * table stays small enough to be found in the cache.
   */
  readonly #short: ByteTable;
  readonly #long: ByteTable;
  /**
   * Where each string's bytes are kept in its table, by id, two ints each:
   * the offset, and the length (its complement when not all ASCII).
   */
  #where = new Int32Array(256);
  /**
   * Whether ASCII strings are made at the end ({@linkcode finish}), from all
   * their bytes decoded at once, rather than one at a time as met: far
   * quicker for a large file's tens of thousands of names and paths. Until
   * then such a string is `""` in `strings`.
   */
  readonly #later: boolean;
  #pending = false;

  /**
   * @param size The size of the file whose strings these are.
   * @param file The whole file, when every string will be found in it (see
   * {@linkcode ByteTable}).
   */
  constructor(size: number, file?: Uint8Array) {
    // Names: in a large file, one in a few functions' has its own; a small
    // file's are most of its strings, some one in 40 bytes (room made at
    // once: thousands of small files each growing their tables twice or
    // three times took a tenth of their reading).
    this.#short = new ByteTable(
      size,
      Infinity,
      file,
      Math.max(size / 2048, Math.min(size / 48, 512)),
    );
    this.#long = new ByteTable(size, Infinity, file);
    // With the whole file, strings are found in it and not copied: each is
    // made as it comes (and small files' strings remembered, see asciiText).
    this.#later = file === undefined;
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
    const table = n < _LONG ? this.#short : this.#long;
    const h = table.hash(view, bytes, start, n);
    const found = table.find(bytes, view, start, n, h);
    if (found >= 0) {
      // CPython writes the ASCII types only for ASCII text.
      return ascii && (found & 1) === 0 ? NOT_TEXT : found >> 1;
    }
    if (found === GAVE_UP) return NOT_TEXT;
    let text: string | undefined;
    let isAscii: boolean;
    if (this.#later) {
      isAscii = _ascii(bytes, view, start, n);
      if (isAscii) {
        text = "";
        if (n > 0) this.#pending = true;
      }
    } else {
      text = asciiText(bytes, start, start + n);
      isAscii = text !== undefined;
    }
    if (text === undefined) {
      if (ascii) return NOT_TEXT;
      try {
        text = _UTF8.decode(bytes.subarray(start, start + n));
      } catch {
        return NOT_TEXT; // lone surrogates or bytes that are not UTF-8
      }
    }
    const id = this.strings.length;
    this.strings.push(text);
    const from = table.add(bytes, start, n, h, 2 * id + (isAscii ? 1 : 0));
    if (2 * id + 2 > this.#where.length) {
      const grown = new Int32Array(2 * this.#where.length);
      grown.set(this.#where);
      this.#where = grown;
    }
    this.#where[2 * id] = from;
    this.#where[2 * id + 1] = isAscii ? n : ~n;
    return id;
  }

  /**
   * Whether `bytes[start, start + n)` are the bytes of the string `id`, as
   * {@linkcode id} would find them: a quicker answer than it gives when
   * which string to expect is known (answering `false` for bytes that are
   * not ASCII where `ascii` says they are).
   *
   * @param id A string's id.
   * @param bytes The bytes.
   * @param view A `DataView` of exactly `bytes`.
   * @param start Where the bytes start.
   * @param n How many there are.
   * @param ascii Whether they must all be ASCII.
   */
  matches(
    id: number,
    bytes: Uint8Array,
    view: DataView,
    start: number,
    n: number,
    ascii: boolean,
  ): boolean {
    const from = this.#where[2 * id]!;
    const length = this.#where[2 * id + 1]!;
    if (length !== n && (ascii || length !== ~n)) return false;
    if (from < 0) return false;
    const table = n < _LONG ? this.#short : this.#long;
    return table.same(bytes, view, start, n, from);
  }

  /**
   * The string `id`, made now if it was left for {@linkcode finish}.
   *
   * @param id A string's id.
   */
  text(id: number): string {
    const text = this.strings[id]!;
    const n = this.#where[2 * id + 1]!;
    if (text !== "" || n <= 0) return text;
    const kept = (n < _LONG ? this.#short : this.#long).kept();
    const from = this.#where[2 * id]!;
    return this.strings[id] = _BYTES.decode(kept.subarray(from, from + n));
  }

  /**
   * Makes the strings left until now and answers them all, by id: each
   * table's bytes decoded at once, each string a part of them.
   */
  finish(): string[] {
    if (!this.#pending) return this.strings;
    this.#pending = false;
    const strings = this.strings;
    const where = this.#where;
    let short: string | undefined;
    let long: string | undefined;
    for (let id = 0; id < strings.length; id++) {
      const n = where[2 * id + 1]!;
      if (n <= 0 || strings[id] !== "") continue;
      const from = where[2 * id]!;
      if (n < _LONG) {
        short ??= _BYTES.decode(this.#short.kept());
        strings[id] = short.substring(from, from + n);
      } else {
        long ??= _BYTES.decode(this.#long.kept());
        strings[id] = long.substring(from, from + n);
      }
    }
    return strings;
  }

  /** Gives the memory of the working table back at once (the strings stay). */
  release(): void {
    this.#short.release();
    this.#long.release();
  }
}

/** Whether the `n` bytes at `start` are all ASCII. */
function _ascii(
  bytes: Uint8Array,
  view: DataView,
  start: number,
  n: number,
): boolean {
  let i = start;
  const end = start + n;
  for (; i + 4 <= end; i += 4) {
    if (view.getInt32(i, true) & 0x80808080) return false;
  }
  for (; i < end; i++) if (bytes[i]! >= 0x80) return false;
  return true;
}
