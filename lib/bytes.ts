/**
 * Joining byte arrays: the one copy the HTTP messages, the wire format and
 * the tests make of parts written separately.
 *
 * @module
 */

/**
 * The bytes of several arrays, one after another, in one new array.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { concatBytes } from "./bytes.ts";
 *
 * const bytes = concatBytes([Uint8Array.of(1, 2), Uint8Array.of(), Uint8Array.of(3)]);
 * assertEquals([...bytes], [1, 2, 3]);
 * ```
 *
 * @param parts The arrays, in order.
 * @returns A new array holding their bytes.
 */
export function concatBytes(
  parts: readonly Uint8Array[],
): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
