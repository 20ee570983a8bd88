/**
 * A compact binary form of a {@linkcode Profile}, for sending it to the
 * browser (or embedding it in a page) and rebuilding it there with the same
 * model and query code.
 *
 * Layout: the 4 bytes `PXP1`, a little-endian u32 header length, a UTF-8
 * JSON header (facts and string tables), zero padding to a multiple of 8,
 * then the columns back to back, each padded to 8 bytes: per function the
 * file and name string indexes and short file indexes (u32), lines (i32),
 * calls, primitive calls, internal and cumulative time (f64); per edge the
 * caller and callee ids (u32) and the four numbers (f64).
 *
 * @module
 */

import { createProfile, type Profile } from "./profile.ts";

const _MAGIC = [0x50, 0x58, 0x50, 0x31]; // "PXP1"

interface _Header {
  sources: string[];
  sampled: boolean;
  edgeDetail: boolean;
  strings: string[];
  functions: number;
  edges: number;
}

/**
 * Encodes a profile into bytes that {@linkcode decodeProfile} reads back.
 *
 * @example Round trip
 * ```ts
 * import { decodeProfile, encodeProfile } from "./wire.ts";
 * import { buildProfile, statsFile } from "./profile.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const profile = buildProfile([statsFile("run.pstats", [{
 *     key: ["app.py", 1, "main"],
 *     calls: 2,
 *     primitiveCalls: 1,
 *     internalTime: 0.5,
 *     cumulativeTime: 0.75,
 *   }])]);
 * const copy = decodeProfile(encodeProfile(profile));
 * assertEquals(copy.functions.name, ["main"]);
 * assertEquals(copy.totals, profile.totals);
 * ```
 *
 * @param profile The profile.
 * @returns Its bytes.
 */
export function encodeProfile(profile: Profile): Uint8Array {
  const f = profile.functions;
  const e = profile.edges;
  const strings: string[] = [];
  const index = new Map<string, number>();
  const intern = (s: string): number => {
    let i = index.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      index.set(s, i);
    }
    return i;
  };
  const n = profile.size;
  const fileIndex = new Uint32Array(n);
  const shortIndex = new Uint32Array(n);
  const nameIndex = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    fileIndex[i] = intern(f.file[i]!);
    shortIndex[i] = intern(f.shortFile[i]!);
    nameIndex[i] = intern(f.name[i]!);
  }
  const header: _Header = {
    sources: [...profile.sources],
    sampled: profile.sampled,
    edgeDetail: profile.edgeDetail,
    strings,
    functions: n,
    edges: e.caller.length,
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const columns: ArrayBufferView[] = [
    fileIndex,
    shortIndex,
    nameIndex,
    f.line,
    f.calls,
    f.primitiveCalls,
    f.internalTime,
    f.cumulativeTime,
    e.caller,
    e.callee,
    e.calls,
    e.primitiveCalls,
    e.internalTime,
    e.cumulativeTime,
  ];
  let size = _pad(8 + headerBytes.length);
  for (const column of columns) size += _pad(column.byteLength);
  const out = new Uint8Array(size);
  out.set(_MAGIC, 0);
  new DataView(out.buffer).setUint32(4, headerBytes.length, true);
  out.set(headerBytes, 8);
  let at = _pad(8 + headerBytes.length);
  for (const column of columns) {
    out.set(
      new Uint8Array(column.buffer, column.byteOffset, column.byteLength),
      at,
    );
    at += _pad(column.byteLength);
  }
  return out;
}

/**
 * Decodes bytes made by {@linkcode encodeProfile} into a profile.
 *
 * @param bytes The encoded profile.
 * @returns The profile.
 * @throws {SyntaxError} When the bytes are not an encoded profile.
 */
export function decodeProfile(bytes: Uint8Array): Profile {
  if (bytes.length < 8 || _MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new SyntaxError("Not an encoded profile: missing PXP1 header");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(4, true);
  if (8 + headerLength > bytes.length) {
    throw new SyntaxError("Not an encoded profile: truncated header");
  }
  const header = JSON.parse(
    new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)),
  ) as _Header;
  // Columns are read from an 8-byte aligned copy so typed arrays can view it.
  const body = bytes.slice(_pad(8 + headerLength));
  const buffer = body.buffer;
  let at = 0;
  const take = <T>(
    make: new (buffer: ArrayBuffer, offset: number, length: number) => T,
    length: number,
    bytesPer: number,
  ): T => {
    if (at + length * bytesPer > body.length) {
      throw new SyntaxError("Not an encoded profile: truncated columns");
    }
    const column = new make(buffer, at, length);
    at += _pad(length * bytesPer);
    return column;
  };
  const n = header.functions;
  const m = header.edges;
  const fileIndex = take(Uint32Array, n, 4);
  const shortIndex = take(Uint32Array, n, 4);
  const nameIndex = take(Uint32Array, n, 4);
  const line = take(Int32Array, n, 4);
  const calls = take(Float64Array, n, 8);
  const primitiveCalls = take(Float64Array, n, 8);
  const internalTime = take(Float64Array, n, 8);
  const cumulativeTime = take(Float64Array, n, 8);
  const s = header.strings;
  const strings = (ix: Uint32Array) => Array.from(ix, (i) => s[i] ?? "");
  return createProfile({
    sources: header.sources,
    sampled: header.sampled,
    edgeDetail: header.edgeDetail,
    functions: {
      file: strings(fileIndex),
      shortFile: strings(shortIndex),
      name: strings(nameIndex),
      line,
      calls,
      primitiveCalls,
      internalTime,
      cumulativeTime,
    },
    edges: {
      caller: take(Uint32Array, m, 4),
      callee: take(Uint32Array, m, 4),
      calls: take(Float64Array, m, 8),
      primitiveCalls: take(Float64Array, m, 8),
      internalTime: take(Float64Array, m, 8),
      cumulativeTime: take(Float64Array, m, 8),
    },
  });
}

function _pad(n: number): number {
  return Math.ceil(n / 8) * 8;
}
