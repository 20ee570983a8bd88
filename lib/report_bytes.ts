/**
 * How the HTML report (`html_report.ts`) carries bytes in its page, and how
 * the page (`ui/source.ts`) gets them back:
 *
 * 1. An encoded profile (`wire.ts`) has its columns' bytes regrouped by
 *    their place in each value ({@linkcode ColumnPacker}): the high bytes of
 *    a column of times or counts, alike from one value to the next, come
 *    together, where compression finds them.
 * 2. The bytes are gzip-compressed.
 * 3. They are written into the page as they are, one byte a character, in a
 *    page whose encoding is windows-1252, in which each of the 256 bytes is
 *    a character of its own: only the four bytes that the HTML parser would
 *    change or read as markup inside a `<script>` element (NUL, CR, `<`) and
 *    the escape byte itself are written as two ({@linkcode escapeBytes}).
 *    Base64 took four characters for three bytes.
 *
 * @module
 */

import { type ProfileColumn, profileColumns } from "./wire.ts";

/** The escape byte (ESC): it and the next byte, XOR 0x40, stand for one byte. */
const _ESCAPE = 0x1b;

/** Whether a byte is written escaped: NUL, CR, `<` and ESC. */
function _special(byte: number): boolean {
  return byte === 0x00 || byte === 0x0d || byte === 0x3c || byte === _ESCAPE;
}

/**
 * The bytes to write between `<script>` and `</script>` in a windows-1252
 * page for `bytes`: each byte as it is, but NUL, CR, `<` and ESC, written as
 * ESC and the byte XOR 0x40. {@linkcode EmbeddedTextReader} reads them back
 * from the element's text.
 *
 * @example
 * ```ts
 * import { escapeBytes } from "./report_bytes.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(
 *   [...escapeBytes(Uint8Array.of(0x41, 0x3c, 0x00, 0xff))],
 *   [0x41, 0x1b, 0x7c, 0x1b, 0x40, 0xff],
 * );
 * ```
 *
 * @param bytes The bytes.
 * @returns The bytes to write.
 */
export function escapeBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  let extra = 0;
  for (let i = 0; i < bytes.length; i++) if (_special(bytes[i]!)) extra++;
  const out = new Uint8Array(bytes.length + extra);
  if (extra === 0) {
    out.set(bytes);
    return out;
  }
  let at = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (_special(byte)) {
      out[at++] = _ESCAPE;
      out[at++] = byte ^ 0x40;
    } else out[at++] = byte;
  }
  return out;
}

/** Each windows-1252 character's byte, by its code (-1: not one). */
let _bytesOf: Int16Array | undefined;

function _windows1252(): Int16Array {
  if (_bytesOf === undefined) {
    const text = new TextDecoder("windows-1252").decode(
      Uint8Array.from({ length: 256 }, (_, i) => i),
    );
    let most = 0;
    for (let i = 0; i < 256; i++) most = Math.max(most, text.charCodeAt(i));
    _bytesOf = new Int16Array(most + 1).fill(-1);
    for (let i = 0; i < 256; i++) _bytesOf[text.charCodeAt(i)] = i;
  }
  return _bytesOf;
}

/**
 * Reads back, a slice at a time, the bytes that {@linkcode escapeBytes}
 * wrote into a windows-1252 page, from the text of their element.
 *
 * @example
 * ```ts
 * import { EmbeddedTextReader, escapeBytes } from "./report_bytes.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const bytes = Uint8Array.from({ length: 256 }, (_, i) => 255 - i);
 * // What the browser makes of the written bytes in a windows-1252 page.
 * const text = new TextDecoder("windows-1252").decode(escapeBytes(bytes));
 * const reader = new EmbeddedTextReader(text);
 * const back: number[] = [];
 * for (let slice; (slice = reader.next(100)) !== undefined;) back.push(...slice);
 * assertEquals(back, [...bytes]);
 * ```
 */
export class EmbeddedTextReader {
  readonly #text: string;
  #at = 0;

  /** @param text The element's text. */
  constructor(text: string) {
    this.#text = text;
  }

  /** How much of the text is left to read. */
  get remaining(): number {
    return this.#text.length - this.#at;
  }

  /**
   * The bytes of the next `size` characters or so (an escape is never cut
   * in two), or `undefined` at the end.
   *
   * @param size About how many characters to read.
   * @throws {SyntaxError} When a character is not one that the writer
   * writes.
   */
  next(size: number): Uint8Array<ArrayBuffer> | undefined {
    const text = this.#text;
    if (this.#at >= text.length) return undefined;
    const bytesOf = _windows1252();
    let end = Math.min(text.length, this.#at + Math.max(1, size));
    if (end < text.length && text.charCodeAt(end - 1) === _ESCAPE) end++;
    const out = new Uint8Array(end - this.#at);
    let n = 0;
    for (let i = this.#at; i < end; i++) {
      const code = text.charCodeAt(i);
      let byte = code < bytesOf.length ? bytesOf[code]! : -1;
      if (byte === _ESCAPE) {
        const next = text.charCodeAt(++i);
        byte = next < 0x80 ? next ^ 0x40 : -1;
        if (!_special(byte)) byte = -1;
      } else if (byte >= 0 && _special(byte)) byte = -1;
      if (byte < 0) {
        throw new SyntaxError(
          `Not the bytes of a report: character ${
            JSON.stringify(text[i] ?? "")
          } at ${i}`,
        );
      }
      out[n++] = byte;
    }
    this.#at = end;
    return out.subarray(0, n);
  }
}

/** About how many bytes each part that {@linkcode ColumnPacker} gives has. */
const _PART = 1 << 20;

/**
 * Regroups the bytes of an encoded profile's columns (see
 * {@linkcode profileColumns}) for compression, or back: packed, a column of
 * values `w` bytes wide holds first the first byte of every value, then
 * every second byte, and so on; the header is left as it is. Bytes that do
 * not start like an encoded profile pass through unchanged. It takes the
 * bytes in chunks of any size, and gives its output in parts of about a
 * megabyte, each made only when it is taken, so that a column is never
 * regrouped all at once.
 *
 * @example
 * ```ts
 * import { ColumnPacker } from "./report_bytes.ts";
 * import { encodeProfile } from "./wire.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals, assertNotEquals } from "@std/assert";
 *
 * const bytes = encodeProfile(buildProfile([statsFile(
 *   "run.pstats",
 *   ["main", "helper"].map((name, i) => ({
 *     key: ["app.py", i + 1, name],
 *     calls: 3,
 *     primitiveCalls: 3,
 *     internalTime: 0.5 + i,
 *     cumulativeTime: 0.75 + i,
 *   })),
 * )]));
 * const run = (packer: ColumnPacker, input: Uint8Array) => {
 *   const out: number[] = [];
 *   for (let at = 0; at < input.length; at += 7) {
 *     for (const part of packer.push(input.slice(at, at + 7))) out.push(...part);
 *   }
 *   for (const part of packer.end()) out.push(...part);
 *   return Uint8Array.from(out);
 * };
 * const packed = run(new ColumnPacker("pack"), bytes);
 * assertNotEquals(packed, bytes);
 * assertEquals(run(new ColumnPacker("unpack"), packed), bytes);
 * ```
 */
export class ColumnPacker {
  readonly #unpack: boolean;
  /** The columns; `null` when the bytes are not an encoded profile. */
  #columns: ProfileColumn[] | null | undefined;
  /** The bytes held until the columns are known. */
  #start: Uint8Array<ArrayBuffer> = new Uint8Array(0);
  #column = 0;
  /** The bytes of the current column had so far, when it came in pieces. */
  #buffer: Uint8Array<ArrayBuffer> | undefined;
  #filled = 0;

  /** @param direction Whether to pack the bytes or unpack them. */
  constructor(direction: "pack" | "unpack") {
    this.#unpack = direction === "unpack";
  }

  /**
   * Takes the next bytes of the input, and gives the output they complete.
   * The parts may be views of `chunk`, and, packing, of a buffer used again
   * for the next part: use each before taking the next, take them all, in
   * order, before the next call and before `chunk` changes. Unpacking,
   * regrouped parts are each of their own buffer.
   */
  *push(
    chunk: Uint8Array<ArrayBuffer>,
  ): Generator<Uint8Array<ArrayBuffer>, void, undefined> {
    if (this.#columns === undefined) {
      const start = new Uint8Array(this.#start.length + chunk.length);
      start.set(this.#start);
      start.set(chunk, this.#start.length);
      this.#start = start;
      this.#columns = profileColumns(start);
      if (this.#columns === undefined) {
        // The magic and the counts come in the first 168 bytes.
        if (start.length < 168 && _couldBeProfile(start)) return;
        this.#columns = null;
      }
      this.#start = new Uint8Array(0);
      chunk = start;
    }
    yield* this.#take(chunk);
  }

  /**
   * Gives the rest of the output once the input is all in (a column cut
   * short is given as it is).
   */
  *end(): Generator<Uint8Array<ArrayBuffer>, void, undefined> {
    const start = this.#start;
    const rest = this.#buffer?.subarray(0, this.#filled);
    this.#start = new Uint8Array(0);
    this.#buffer = undefined;
    this.#filled = 0;
    if (start.length > 0) yield start;
    if (rest !== undefined && rest.length > 0) yield rest;
  }

  *#take(
    chunk: Uint8Array<ArrayBuffer>,
  ): Generator<Uint8Array<ArrayBuffer>, void, undefined> {
    const columns = this.#columns;
    let at = 0;
    while (at < chunk.length) {
      const column = columns?.[this.#column];
      if (column === undefined) { // not a profile, or past its end
        yield* _parts(chunk.subarray(at));
        return;
      }
      const n = Math.min(column.length - this.#filled, chunk.length - at);
      let whole: Uint8Array<ArrayBuffer> | undefined;
      if (column.width === 1) {
        yield* _parts(chunk.subarray(at, at + n));
      } else if (n === column.length) {
        whole = chunk.subarray(at, at + n); // regrouped where it lies
      } else {
        this.#buffer ??= new Uint8Array(column.length);
        this.#buffer.set(chunk.subarray(at, at + n), this.#filled);
        if (this.#filled + n === column.length) whole = this.#buffer;
      }
      this.#filled += n;
      at += n;
      if (this.#filled === column.length) {
        this.#buffer = undefined;
        this.#filled = 0;
        this.#column++;
        if (whole !== undefined) {
          yield* _regrouped(whole, column.width, this.#unpack);
        }
      }
    }
  }
}

/** Bytes in parts of at most {@linkcode _PART}, as views. */
function* _parts(
  bytes: Uint8Array<ArrayBuffer>,
): Generator<Uint8Array<ArrayBuffer>, void, undefined> {
  for (let at = 0; at < bytes.length; at += _PART) {
    yield bytes.subarray(at, at + _PART);
  }
}

/** Whether bytes so far are the start of `PXP4`, or have it. */
function _couldBeProfile(bytes: Uint8Array): boolean {
  const magic = [0x50, 0x58, 0x50, 0x34];
  for (let i = 0; i < Math.min(4, bytes.length); i++) {
    if (bytes[i] !== magic[i]) return false;
  }
  return true;
}

/**
 * The bytes of a column of `width`-byte values regrouped by their place in
 * each value (`back`: the other way), a part at a time.
 */
function* _regrouped(
  bytes: Uint8Array<ArrayBuffer>,
  width: number,
  back: boolean,
): Generator<Uint8Array<ArrayBuffer>, void, undefined> {
  const n = bytes.length / width;
  if (back) {
    // Parts of whole values: each takes its share of every plane.
    const step = Math.max(1, Math.floor(_PART / width));
    for (let first = 0; first < n; first += step) {
      const count = Math.min(step, n - first);
      const out = new Uint8Array(count * width);
      for (let k = 0; k < width; k++) {
        const plane = k * n + first;
        for (let i = 0, to = k; i < count; i++, to += width) {
          out[to] = bytes[plane + i]!;
        }
      }
      yield out;
    }
    return;
  }
  // Packing, the parts are taken (compressed) one by one: one buffer does.
  const scratch = new Uint8Array(Math.min(_PART, n));
  for (let k = 0; k < width; k++) {
    for (let first = 0; first < n; first += _PART) {
      const count = Math.min(_PART, n - first);
      const out = scratch.subarray(0, count);
      for (let i = 0, from = first * width + k; i < count; i++, from += width) {
        out[i] = bytes[from]!;
      }
      yield out;
    }
  }
}
