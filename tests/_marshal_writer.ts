/**
 * A tiny marshal writer for building hostile pstats files in code, so that
 * no huge or odd file needs to be committed. Each helper returns the bytes
 * of one value, as CPython's `marshal.dumps()` would write it (version 2
 * type codes, no references unless asked).
 *
 * @module
 */

import { concatBytes } from "../lib/bytes.ts";

const _encoder = new TextEncoder();

/**
 * Concatenates byte arrays, arrays of bytes, single bytes and strings (as
 * Latin-1: type codes).
 */
export function concat(
  ...parts: (Uint8Array | string | number[] | number)[]
): Uint8Array {
  const arrays = parts.map((p) =>
    typeof p === "string"
      ? Uint8Array.from(p, (c) => c.charCodeAt(0))
      : typeof p === "number"
      ? Uint8Array.of(p)
      : p instanceof Uint8Array
      ? p
      : Uint8Array.from(p)
  );
  return concatBytes(arrays);
}

/** A little-endian int32. */
export function i32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setInt32(0, n, true);
  return out;
}

/** `int` that fits 32 bits (`i`). */
export function int(n: number): Uint8Array {
  return concat("i", i32(n));
}

/** `int` of any size, as marshal's 15-bit digits (`l`). */
export function long(n: bigint): Uint8Array {
  const digits: number[] = [];
  let m = n < 0n ? -n : n;
  while (m > 0n) {
    digits.push(Number(m & 0x7fffn));
    m >>= 15n;
  }
  const out = new Uint8Array(digits.length * 2);
  digits.forEach((d, i) => new DataView(out.buffer).setUint16(i * 2, d, true));
  return concat("l", i32(n < 0n ? -digits.length : digits.length), out);
}

/** `float` (`g`). */
export function float(x: number): Uint8Array {
  const out = new Uint8Array(9);
  out[0] = 0x67;
  new DataView(out.buffer).setFloat64(1, x, true);
  return out;
}

/** Python 3 `str` (`u`), UTF-8, lone surrogates written as CPython does. */
export function str(s: string): Uint8Array {
  const bytes = !/[^\x20-\x7e]/.test(s)
    ? _encoder.encode(s)
    : _utf8SurrogatePass(s);
  return concat("u", i32(bytes.length), bytes);
}

/**
 * A value marshal stores for later references (its type code with
 * `FLAG_REF`): the n-th such value in the file is reference n.
 */
export function stored(value: Uint8Array): Uint8Array {
  const out = value.slice();
  out[0] = out[0]! | 0x80;
  return out;
}

/** A reference back to the n-th stored value (`r`). */
export function ref(n: number): Uint8Array {
  return concat("r", i32(n));
}

/** Python 2 `str` / Python 3 `bytes` (`s`). */
export function bytes(b: Uint8Array | number[]): Uint8Array {
  const data = Uint8Array.from(b);
  return concat("s", i32(data.length), data);
}

/** A tuple (`)` for fewer than 256 items, else `(`). */
export function tuple(...items: Uint8Array[]): Uint8Array {
  return items.length < 256
    ? concat(")", [items.length], ...items)
    : concat("(", i32(items.length), ...items);
}

/** A dict of key/value pairs, ended by NULL (`0`). */
export function dict(...pairs: [Uint8Array, Uint8Array][]): Uint8Array {
  return concat("{", ...pairs.flat(), "0");
}

/** A `(file, line, name)` key. */
export function key(file: string, line: number, name: string): Uint8Array {
  return tuple(str(file), int(line), str(name));
}

/** A cProfile entry `(cc, nc, tt, ct, callers)`. */
export function entry(
  cc: Uint8Array | number,
  nc: Uint8Array | number,
  tt: number,
  ct: number,
  callers: Uint8Array = dict(),
): Uint8Array {
  const n = (x: Uint8Array | number) => typeof x === "number" ? int(x) : x;
  return tuple(n(cc), n(nc), float(tt), float(ct), callers);
}

/** A caller's `(nc, cc, tt, ct)`. */
export function edge(
  nc: number,
  cc: number,
  tt: number,
  ct: number,
): Uint8Array {
  return tuple(int(nc), int(cc), float(tt), float(ct));
}

function _utf8SurrogatePass(s: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const next = s.charCodeAt(i + 1);
    if (c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out.push(..._encoder.encode(s.slice(i, i + 2)));
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    } else {
      out.push(..._encoder.encode(s[i]!));
    }
  }
  return Uint8Array.from(out);
}
