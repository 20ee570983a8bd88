/**
 * A compact binary form of a {@linkcode Profile}, for sending it to the
 * browser (or embedding it in a page) and rebuilding it there with the same
 * model and query code.
 *
 * Layout: the 4 bytes `PXP4`, a little-endian u32 header length, a UTF-8
 * JSON header (facts, the functions' names in order, and the distinct files
 * with their short forms), zero padding to a multiple of 8, then the columns
 * back to back, each padded to 8 bytes: per function the index of its file
 * in that table (u32), lines (f64: Python's line numbers may exceed 32
 * bits), calls, primitive calls, internal and cumulative time (f64); per edge
 * the caller and callee ids (u32) and the four numbers (f64). Names are
 * nearly all distinct, so they go as they are, without an index, except
 * that a long name (over 64 characters) held by an earlier function goes as
 * that function's id: a crafted file can give one long name to thousands of
 * functions, and it is sent once. Files are few, and shared (the table
 * comes from `fileTable()`, which building a profile fills for free).
 *
 * Edges are most of the bytes, and their counts are nearly always whole
 * numbers with primitive calls equal to calls. When every edge's counts are
 * whole numbers below 2^32 (header `edgeCounts: "u32"`), calls are sent as
 * u32, and primitive calls only where they differ from calls: the header's
 * `primitiveExceptions` edge ids (u32), then their values (u32), after the
 * calls. Such an edge takes 28 bytes instead of 40; the numbers are the same.
 *
 * @module
 */

import { concatBytes } from "./bytes.ts";
import { createProfile, fileTable, type Profile } from "./profile.ts";

const _MAGIC = [0x50, 0x58, 0x50, 0x34]; // "PXP4"

interface _Header {
  sources: string[];
  sampled: boolean;
  edgeDetail: boolean;
  /** The distinct files, which the file column indexes. */
  files: string[];
  /** The short form of each of `files`. */
  shortFiles: string[];
  /**
   * Each function's name, or for a long name that an earlier function
   * has, the id of the first function that has it.
   */
  names: (string | number)[];
  functions: number;
  edges: number;
  /** The profile's `clampedTimes`, when it has some. */
  clampedTimes?: number;
  /** How edge counts are sent: `"u32"` as described above, else f64. */
  edgeCounts?: "u32";
  /** With `"u32"` counts: how many edges have primitive calls ≠ calls. */
  primitiveExceptions?: number;
}

/**
 * Encodes a profile into bytes that {@linkcode decodeProfile} reads back.
 *
 * @example Round trip
 * ```ts
 * import { decodeProfile, encodeProfile } from "./wire.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
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
  return concatBytes(encodeProfileParts(profile));
}

/**
 * The bytes of {@linkcode encodeProfile} as a list of parts, most of them
 * views of the profile's own columns (nothing is copied), the functions
 * before the edges: for streaming the profile to a browser.
 *
 * @param profile The profile.
 * @returns The parts, to be sent in order.
 */
export function encodeProfileParts(
  profile: Profile,
): Uint8Array<ArrayBuffer>[] {
  const f = profile.functions;
  const e = profile.edges;
  const files = fileTable(profile);
  const n = profile.size;
  const counts = _compactCounts(e.calls, e.primitiveCalls);
  // The number of functions first: `functionsLength()` reads only that.
  const header: _Header = {
    functions: n,
    edges: e.caller.length,
    ...(counts
      ? { edgeCounts: "u32", primitiveExceptions: counts.exceptions.length }
      : {}),
    sources: [...profile.sources],
    sampled: profile.sampled,
    edgeDetail: profile.edgeDetail,
    ...(profile.clampedTimes ? { clampedTimes: profile.clampedTimes } : {}),
    files: files.files as string[],
    shortFiles: files.shortFiles as string[],
    names: _namesOnce(f.name),
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const head = new Uint8Array(_pad(8 + headerBytes.length));
  head.set(_MAGIC, 0);
  new DataView(head.buffer).setUint32(4, headerBytes.length, true);
  head.set(headerBytes, 8);
  const parts: Uint8Array<ArrayBuffer>[] = [head];
  const columns: ArrayBufferView[] = [
    files.codes,
    f.line instanceof Float64Array ? f.line : Float64Array.from(f.line),
    f.calls,
    f.primitiveCalls,
    f.internalTime,
    f.cumulativeTime,
    e.caller,
    e.callee,
    ...(counts
      ? [counts.calls, counts.exceptions, counts.values]
      : [e.calls, e.primitiveCalls]),
    e.internalTime,
    e.cumulativeTime,
  ];
  for (const column of columns) {
    const view = new Uint8Array(
      column.buffer as ArrayBuffer,
      column.byteOffset,
      column.byteLength,
    );
    parts.push(view);
    const padding = _pad(view.length) - view.length;
    if (padding > 0) parts.push(new Uint8Array(padding));
  }
  return parts;
}

/**
 * How many leading bytes of an encoded profile hold everything but the
 * edges: once that many have arrived, `decodeProfile(bytes, { edges: false })`
 * can show the functions while the edges are still on their way.
 *
 * @example
 * ```ts
 * import { decodeProfile, encodeProfile, functionsLength } from "./wire.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const bytes = encodeProfile(buildProfile([statsFile("run.pstats", [{
 *   key: ["app.py", 1, "main"],
 *   calls: 1,
 *   primitiveCalls: 1,
 *   internalTime: 0.5,
 *   cumulativeTime: 0.5,
 * }])]));
 * assertEquals(functionsLength(bytes.subarray(0, 6)), undefined);
 * const prefix = bytes.subarray(0, functionsLength(bytes));
 * assertEquals(decodeProfile(prefix, { edges: false }).functions.name, ["main"]);
 * ```
 *
 * @param bytes The start of an encoded profile (at least its header).
 * @returns The length, or `undefined` while the header is incomplete.
 */
export function functionsLength(bytes: Uint8Array): number | undefined {
  if (bytes.length < 8) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(4, true);
  if (8 + headerLength > bytes.length) return undefined;
  // The header starts with the number of functions (see `encodeProfileParts`).
  const match = new TextDecoder().decode(bytes.subarray(8, 8 + 32))
    .match(/^\{"functions":(\d+)/);
  const n = Number(match?.[1] ?? NaN);
  if (!Number.isSafeInteger(n)) return undefined;
  return _pad(8 + headerLength) + _pad(4 * n) + 5 * _pad(8 * n);
}

/** One column of an encoded profile: see {@linkcode profileColumns}. */
export interface ProfileColumn {
  /** Its length in bytes, padding included (a multiple of 8). */
  readonly length: number;
  /** The width of its values: 1 (the header), 4 (u32) or 8 (f64). */
  readonly width: 1 | 4 | 8;
}

/**
 * The parts of an encoded profile, in order, from its start: the header
 * (width 1), then each column with the width of its values. The HTML report
 * packs each column for compression (`lib/report_bytes.ts`).
 *
 * @example
 * ```ts
 * import { encodeProfile, profileColumns } from "./wire.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const bytes = encodeProfile(buildProfile([statsFile("run.pstats", [{
 *   key: ["app.py", 1, "main"],
 *   calls: 1,
 *   primitiveCalls: 1,
 *   internalTime: 0.5,
 *   cumulativeTime: 0.5,
 * }])]));
 * const columns = profileColumns(bytes)!;
 * assertEquals(columns.reduce((n, c) => n + c.length, 0), bytes.length);
 * assertEquals(columns.map((c) => c.width), [1, 4, 8, 8, 8, 8, 8, 4, 4, 4, 4, 4, 8, 8]);
 * assertEquals(profileColumns(bytes.subarray(0, 6)), undefined);
 * ```
 *
 * @param bytes The start of an encoded profile: its first 8 bytes and the
 * start of its header are enough.
 * @returns The parts, or `undefined` while too few bytes are in, or when
 * they are not the start of an encoded profile.
 */
export function profileColumns(
  bytes: Uint8Array,
): ProfileColumn[] | undefined {
  if (bytes.length < 8 || _MAGIC.some((b, i) => bytes[i] !== b)) {
    return undefined;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(4, true);
  // The counts come first in the header (see `encodeProfileParts`).
  const prefix = Math.min(headerLength, 160);
  if (bytes.length < 8 + prefix) return undefined;
  const match = new TextDecoder().decode(bytes.subarray(8, 8 + prefix)).match(
    /^\{"functions":(\d+),"edges":(\d+)(,"edgeCounts":"u32","primitiveExceptions":(\d+))?,/,
  );
  if (match === null) return undefined;
  const n = Number(match[1]);
  const m = Number(match[2]);
  const k = Number(match[4] ?? 0);
  const columns: ProfileColumn[] = [{
    length: _pad(8 + headerLength),
    width: 1,
  }];
  const add = (count: number, width: 4 | 8) =>
    columns.push({ length: _pad(count * width), width });
  add(n, 4);
  for (let i = 0; i < 5; i++) add(n, 8);
  add(m, 4);
  add(m, 4);
  if (match[3] === undefined) {
    add(m, 8);
    add(m, 8);
  } else {
    add(m, 4);
    add(k, 4);
    add(k, 4);
  }
  add(m, 8);
  add(m, 8);
  return columns;
}

/** Options for {@linkcode decodeProfile}. */
export interface DecodeProfileOptions {
  /**
   * Whether to decode the edges. With `false`, only the bytes up to
   * {@linkcode functionsLength} are needed and the profile has no edges.
   * Defaults to `true`.
   */
  edges?: boolean;
  /**
   * The profile decoded from the start of the same bytes with `edges:
   * false`, once all of them have arrived: its functions are taken as they
   * are, and neither they nor the header are decoded again.
   */
  functions?: Profile;
}

/** The header and where the columns start, of profiles decoded without edges. */
const _headers = new WeakMap<Profile, { header: _Header; start: number }>();

/**
 * Decodes bytes made by {@linkcode encodeProfile} into a profile.
 *
 * @param bytes The encoded profile.
 * @param options Whether to decode the edges too.
 * @returns The profile.
 * @throws {SyntaxError} When the bytes are not an encoded profile.
 */
export function decodeProfile(
  bytes: Uint8Array,
  options: DecodeProfileOptions = {},
): Profile {
  if (bytes.length < 8 || _MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new SyntaxError("Not an encoded profile: missing PXP4 header");
  }
  const known = options.functions && _headers.get(options.functions);
  let header: _Header;
  let start: number;
  if (known) {
    ({ header, start } = known);
  } else {
    const view = new DataView(
      bytes.buffer,
      bytes.byteOffset,
      bytes.byteLength,
    );
    const headerLength = view.getUint32(4, true);
    if (8 + headerLength > bytes.length) {
      throw new SyntaxError("Not an encoded profile: truncated header");
    }
    header = JSON.parse(
      new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)),
    ) as _Header;
    start = _pad(8 + headerLength);
  }
  // Typed arrays view the columns in place when they are 8-byte aligned,
  // and an aligned copy otherwise.
  const aligned = (bytes.byteOffset + start) % 8 === 0;
  const body = aligned ? bytes.subarray(start) : bytes.slice(start);
  const buffer = body.buffer as ArrayBuffer;
  let at = body.byteOffset;
  const end = body.byteOffset + body.length;
  const take = <T>(
    make: new (buffer: ArrayBuffer, offset: number, length: number) => T,
    length: number,
    bytesPer: number,
  ): T => {
    if (at + length * bytesPer > end) {
      throw new SyntaxError("Not an encoded profile: truncated columns");
    }
    const column = new make(buffer, at, length);
    at += _pad(length * bytesPer);
    return column;
  };
  const n = header.functions;
  const m = options.edges === false ? 0 : header.edges;
  let functions: Profile["functions"];
  if (known) {
    // Decoded already: step over them.
    const length = _pad(4 * n) + 5 * _pad(8 * n);
    if (at + length > end) {
      throw new SyntaxError("Not an encoded profile: truncated columns");
    }
    at += length;
    functions = options.functions!.functions;
  } else {
    const codes = take(Uint32Array, n, 4);
    const files = header.files;
    const shortFiles = header.shortFiles;
    if (
      !Array.isArray(files) || !Array.isArray(shortFiles) ||
      shortFiles.length !== files.length
    ) {
      throw new SyntaxError("Not an encoded profile: the files do not match");
    }
    // A plain loop: `Array.from(ix, f)` is several times slower the first
    // time, before the engine has compiled it, which a page load always is.
    const file: string[] = [];
    const shortFile: string[] = [];
    for (let i = 0; i < n; i++) {
      const code = codes[i]!;
      file.push(files[code] ?? "");
      shortFile.push(shortFiles[code] ?? "");
    }
    functions = {
      file,
      shortFile,
      name: _names(header.names, n),
      line: take(Float64Array, n, 8),
      calls: take(Float64Array, n, 8),
      primitiveCalls: take(Float64Array, n, 8),
      internalTime: take(Float64Array, n, 8),
      cumulativeTime: take(Float64Array, n, 8),
    };
  }
  const clamped = header.clampedTimes;
  const profile = createProfile({
    sources: header.sources,
    sampled: header.sampled,
    edgeDetail: header.edgeDetail,
    ...(Number.isSafeInteger(clamped) && clamped! > 0
      ? { clampedTimes: clamped! }
      : {}),
    functions,
    edges: {
      caller: take(Uint32Array, m, 4),
      callee: take(Uint32Array, m, 4),
      ...(header.edgeCounts === "u32" ? _expandCounts(take, m, header) : {
        calls: take(Float64Array, m, 8),
        primitiveCalls: take(Float64Array, m, 8),
      }),
      internalTime: take(Float64Array, m, 8),
      cumulativeTime: take(Float64Array, m, 8),
    },
  });
  if (options.edges === false) _headers.set(profile, { header, start });
  return profile;
}

/** The longest name that is always sent as it is. */
const _SHORT_NAME = 64;

/** The names as the header holds them: see {@linkcode _Header}'s `names`. */
function _namesOnce(names: readonly string[]): (string | number)[] {
  const first = new Map<string, number>();
  const out: (string | number)[] = new Array(names.length);
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    out[i] = name;
    if (name.length <= _SHORT_NAME) continue;
    const at = first.get(name);
    if (at === undefined) first.set(name, i);
    else out[i] = at;
  }
  return out;
}

/** The names from the header, each earlier one referred to shared. */
function _names(sent: unknown, n: number): string[] {
  if (!Array.isArray(sent) || sent.length !== n) {
    throw new SyntaxError("Not an encoded profile: the names do not match");
  }
  const names: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const name = sent[i];
    if (typeof name === "string") {
      names[i] = name;
    } else if (Number.isInteger(name) && name >= 0 && name < i) {
      names[i] = names[name]!;
    } else {
      throw new SyntaxError("Not an encoded profile: the names do not match");
    }
  }
  return names;
}

/**
 * The edges' calls as u32 and the primitive calls that differ from them,
 * or `undefined` when a count is not a whole number below 2^32 (or is -0).
 */
function _compactCounts(
  calls: Float64Array,
  primitiveCalls: Float64Array,
):
  | { calls: Uint32Array; exceptions: Uint32Array; values: Uint32Array }
  | undefined {
  const m = calls.length;
  const compact = new Uint32Array(m);
  const exceptions: number[] = [];
  for (let k = 0; k < m; k++) {
    const c = calls[k]!;
    const p = primitiveCalls[k]!;
    compact[k] = c;
    if (compact[k] !== c || (c === 0 && 1 / c < 0)) return undefined;
    if (p !== c || (p === 0 && 1 / p < 0)) {
      if ((p >>> 0) !== p || (p === 0 && 1 / p < 0)) return undefined;
      exceptions.push(k);
    }
  }
  return {
    calls: compact,
    exceptions: Uint32Array.from(exceptions),
    values: Uint32Array.from(exceptions, (k) => primitiveCalls[k]!),
  };
}

/** Reads the counts {@linkcode _compactCounts} wrote, as f64 columns. */
function _expandCounts(
  take: <T>(
    make: new (buffer: ArrayBuffer, offset: number, length: number) => T,
    length: number,
    bytesPer: number,
  ) => T,
  m: number,
  header: _Header,
): { calls: Float64Array; primitiveCalls: Float64Array } {
  const k = m === 0 ? 0 : header.primitiveExceptions ?? 0;
  const calls = Float64Array.from(take(Uint32Array, m, 4));
  const exceptions = take(Uint32Array, k, 4);
  const values = take(Uint32Array, k, 4);
  const primitiveCalls = calls.slice();
  for (let i = 0; i < k; i++) {
    const edge = exceptions[i]!;
    if (edge >= m) {
      throw new SyntaxError("Not an encoded profile: an edge out of range");
    }
    primitiveCalls[edge] = values[i]!;
  }
  return { calls, primitiveCalls };
}

function _pad(n: number): number {
  return Math.ceil(n / 8) * 8;
}
