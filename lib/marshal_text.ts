/**
 * How marshal's stored text becomes JavaScript strings: UTF-8 with
 * surrogates let through and bytes that are not UTF-8 escaped, as Python
 * reads file names (Python 3 strings, Python 2 `str`), and Latin-1 for
 * the ASCII string types.
 *
 * @module
 */

// ignoreBOM keeps a leading U+FEFF, which is part of the string.
const _UTF8 = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * Reads the ASCII string types byte for byte as Latin-1, as CPython does.
 * (`TextDecoder("latin1")` would be windows-1252.)
 *
 * @example
 * ```ts
 * import { latin1Text } from "./marshal_text.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(latin1Text(Uint8Array.of(0x41, 0x80, 0xe9), 0, 3), "A\x80é");
 * ```
 *
 * @param bytes The bytes.
 * @param start Where the text starts.
 * @param end Where it ends.
 * @returns The text.
 */
export function latin1Text(
  bytes: Uint8Array,
  start: number,
  end: number,
): string {
  let s = "";
  if (end - start >= 32) {
    let ascii = true;
    for (let i = start; i < end && ascii; i++) ascii = bytes[i]! < 0x80;
    if (ascii) return _UTF8.decode(bytes.subarray(start, end));
    for (let i = start; i < end; i += 0x1000) {
      s += String.fromCharCode(...bytes.subarray(i, Math.min(end, i + 0x1000)));
    }
    return s;
  }
  for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

/**
 * Decodes text that marshal stored as UTF-8 (Python 3 strings) or as bytes
 * (Python 2 `str`, such as file names), keeping every string distinct and
 * visible:
 *
 * - lone surrogates written with `surrogatepass` (Python 3 file names that
 *   are not UTF-8 hold them, from `surrogateescape`) are kept as such;
 * - a byte that is not part of valid UTF-8 becomes the lone surrogate
 *   U+DC80 to U+DCFF, as Python 3's `os.fsdecode()` (`surrogateescape`)
 *   reads the same bytes from a file name.
 *
 * So a Python 2 name with byte 0xFF and a Python 3 name of the same file
 * read the same, and no two different byte strings read the same (a
 * replacement character U+FFFD would merge them).
 *
 * @example
 * ```ts
 * import { decodeText } from "./marshal_text.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(decodeText(Uint8Array.of(0x61, 0xff)), "a\udcff");
 * assertEquals(decodeText(Uint8Array.of(0x61, 0xfe)), "a\udcfe");
 * assertEquals(decodeText(Uint8Array.of(0xed, 0xb3, 0xbf)), "\udcff");
 * ```
 *
 * @param bytes The stored bytes.
 * @returns The text.
 */
export function decodeText(bytes: Uint8Array): string {
  return _utf8(bytes);
}

/**
 * Decodes UTF-8 as CPython's marshal does, with `surrogatepass`, and escapes
 * bytes that are not UTF-8 as `surrogateescape` does (see `decodeText()`).
 */
function _utf8(bytes: Uint8Array): string {
  const s = _UTF8.decode(bytes);
  // U+FFFD marks bytes that are not UTF-8, surrogates among them.
  return s.includes("\ufffd") ? _utf8Lenient(bytes) : s;
}

/**
 * UTF-8 that lets surrogates through and turns each byte that is not part
 * of a valid sequence into U+DC80..U+DCFF (`surrogateescape`).
 */
function _utf8Lenient(bytes: Uint8Array): string {
  const units: number[] = [];
  let s = "";
  for (let i = 0; i < bytes.length;) {
    const lead = bytes[i]!;
    let need = 0;
    let cp = lead;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) {
      need = 1;
      cp = lead & 0x1f;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      need = 2;
      cp = lead & 0x0f;
      if (lead === 0xe0) low = 0xa0;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      need = 3;
      cp = lead & 0x07;
      if (lead === 0xf0) low = 0x90;
      if (lead === 0xf4) high = 0x8f;
    } else if (lead >= 0x80) {
      cp = 0xdc00 | lead;
    }
    let used = 1;
    while (used <= need) {
      const next = bytes[i + used];
      if (next === undefined || next < low || next > high) break;
      cp = (cp << 6) | (next & 0x3f);
      low = 0x80;
      high = 0xbf;
      used++;
    }
    if (used <= need) {
      // An invalid sequence: escape its lead byte, read on from the next.
      cp = 0xdc00 | lead;
      used = 1;
    }
    i += used;
    if (cp > 0xffff) {
      cp -= 0x10000;
      units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
    } else {
      units.push(cp);
    }
    if (units.length >= 0x1000) {
      s += String.fromCharCode(...units);
      units.length = 0;
    }
  }
  return s + String.fromCharCode(...units);
}
