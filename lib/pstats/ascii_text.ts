/**
 * ASCII text decoded once: the fast reader's strings (`fast.ts`), which
 * thousands of small files repeat, made from their bytes and remembered.
 *
 * @module
 */

const _UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** How many texts {@linkcode asciiText} remembers (a power of two). */
const _TEXT_SLOTS = 1 << 16;
/** The texts it has made, by a hash of their bytes, and those hashes. */
const _texts: (string | undefined)[] = new Array(_TEXT_SLOTS);
const _textHashes = new Int32Array(_TEXT_SLOTS);

/**
 * Decodes bytes that are all ASCII; `undefined` if one is not.
 *
 * The texts made are remembered by a hash of their bytes, so that the same
 * bytes met again give the same string without making it: each of thousands
 * of small files names mostly the same files and functions, and making a
 * string (or asking the runtime's `TextDecoder`) costs more than hashing its
 * bytes and comparing them.
 *
 * @example
 * ```ts
 * import { asciiText } from "./ascii_text.ts";
 * import { assertEquals, assertStrictEquals } from "@std/assert";
 *
 * const bytes = new TextEncoder().encode("app.py app.py café");
 * assertEquals(asciiText(bytes, 0, 6), "app.py");
 * assertStrictEquals(asciiText(bytes, 7, 13), asciiText(bytes, 0, 6));
 * assertEquals(asciiText(bytes, 14, bytes.length), undefined);
 * ```
 *
 * @param bytes The bytes.
 * @param start Where the text starts.
 * @param end Where it ends.
 * @returns The text, or `undefined` when a byte is not ASCII.
 */
export function asciiText(
  bytes: Uint8Array,
  start: number,
  end: number,
): string | undefined {
  const n = end - start;
  let h = 0x811c9dc5 ^ n;
  for (let i = start; i < end; i++) {
    const c = bytes[i]!;
    if (c >= 0x80) return undefined;
    h = Math.imul(h ^ c, 0x01000193);
  }
  const slot = (h ^ (h >>> 16)) & (_TEXT_SLOTS - 1);
  const known = _texts[slot];
  if (known !== undefined && _textHashes[slot] === h && known.length === n) {
    let same = true;
    for (let i = 0; i < n && same; i++) {
      same = known.charCodeAt(i) === bytes[start + i];
    }
    if (same) return known;
  }
  const text = n > 256
    ? _UTF8.decode(bytes.subarray(start, end))
    : String.fromCharCode.apply(
      null,
      bytes.subarray(start, end) as unknown as number[],
    );
  _texts[slot] = text;
  _textHashes[slot] = h;
  return text;
}
