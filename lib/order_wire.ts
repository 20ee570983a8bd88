/**
 * The binary form of a profile's {@linkcode TextOrder} (what the sorts by
 * name and by file compare), which the server works out once and the page
 * reads, so that the page never sorts the texts itself.
 *
 * Layout, every number a little-endian u32: the 4 bytes `PXO1`, the number
 * of functions `n`, the number of distinct shown names, the number of
 * distinct short files; then `n` name codes and `n` file codes. 16 + 8n
 * bytes in all.
 *
 * @module
 */

import type { TextOrder } from "./query.ts";

const _MAGIC = [0x50, 0x58, 0x4f, 0x31]; // "PXO1"
const _HEADER = 16;

/**
 * Encodes a text order into bytes that {@linkcode decodeTextOrder} reads
 * back.
 *
 * @example Round trip
 * ```ts
 * import { decodeTextOrder, encodeTextOrder } from "./order_wire.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const order = {
 *   names: Uint32Array.of(1, 0, 1),
 *   nameCount: 2,
 *   files: Uint32Array.of(0, 0, 0),
 *   fileCount: 1,
 * };
 * const bytes = encodeTextOrder(order);
 * assertEquals(bytes.length, 16 + 8 * 3);
 * assertEquals(decodeTextOrder(bytes), order);
 * ```
 *
 * @param order The codes of a profile's functions.
 * @returns Its bytes.
 * @throws {RangeError} When the two columns differ in length.
 */
export function encodeTextOrder(order: TextOrder): Uint8Array<ArrayBuffer> {
  const n = order.names.length;
  if (order.files.length !== n) {
    throw new RangeError(
      `Cannot encode ${n} name codes with ${order.files.length} file codes`,
    );
  }
  const words = new Uint32Array(_HEADER / 4 + 2 * n);
  const bytes = new Uint8Array(words.buffer);
  bytes.set(_MAGIC, 0);
  const view = new DataView(words.buffer);
  view.setUint32(4, n, true);
  view.setUint32(8, order.nameCount, true);
  view.setUint32(12, order.fileCount, true);
  if (_LITTLE_ENDIAN) {
    words.set(order.names, _HEADER / 4);
    words.set(order.files, _HEADER / 4 + n);
  } else {
    for (let i = 0; i < n; i++) {
      view.setUint32(_HEADER + 4 * i, order.names[i]!, true);
      view.setUint32(_HEADER + 4 * (n + i), order.files[i]!, true);
    }
  }
  return bytes;
}

/**
 * Decodes bytes made by {@linkcode encodeTextOrder}. The codes view the
 * bytes in place when they are 4-byte aligned (as a fetched body is).
 *
 * @param bytes The encoded text order.
 * @returns The text order.
 * @throws {SyntaxError} When the bytes are not an encoded text order, or
 * a code is not below its count.
 */
export function decodeTextOrder(bytes: Uint8Array): TextOrder {
  if (bytes.length < _HEADER || _MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new SyntaxError("Not an encoded text order: missing PXO1 header");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(4, true);
  const nameCount = view.getUint32(8, true);
  const fileCount = view.getUint32(12, true);
  const expected = _HEADER + 8 * n;
  if (bytes.length !== expected) {
    throw new SyntaxError(
      `Not an encoded text order: ${bytes.length} bytes for ${n} functions: expected ${expected}`,
    );
  }
  const column = (at: number, count: number, what: string): Uint32Array => {
    let codes: Uint32Array;
    if (_LITTLE_ENDIAN && (bytes.byteOffset + at) % 4 === 0) {
      codes = new Uint32Array(bytes.buffer, bytes.byteOffset + at, n);
    } else {
      codes = new Uint32Array(n);
      for (let i = 0; i < n; i++) codes[i] = view.getUint32(at + 4 * i, true);
    }
    for (let i = 0; i < n; i++) {
      if (codes[i]! >= count) {
        throw new SyntaxError(
          `Not an encoded text order: ${what} code "${codes[i]}" at byte ${
            at + 4 * i
          }: expected below ${count}`,
        );
      }
    }
    return codes;
  };
  return {
    names: column(_HEADER, nameCount, "name"),
    nameCount,
    files: column(_HEADER + 4 * n, fileCount, "file"),
    fileCount,
  };
}

const _LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;
