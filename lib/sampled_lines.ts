/**
 * Sampled lines folded into functions. Python 3.15's sampling profiler
 * stores a row per line a function was sampled on, so one function spans
 * several rows; here they become one: {@linkcode lineFunctions} says which
 * rows are one function (by file and name), {@linkcode foldSampledLines}
 * makes the profile with a row per function (the compare view matches
 * functions across runs in it), and {@linkcode unfoldedRow} leads back from
 * a folded row to a stored one. The groups (`lib/group.ts`) fold a sampled
 * profile's lines into function nodes by the same rule.
 *
 * @module
 */

import { createProfile, type Profile } from "./profile.ts";

/** Which rows of a profile are one function, by file and name. */
export interface LineFunctions {
  /** The number of functions. */
  readonly size: number;
  /** Each row's function, numbered in the order their first rows come. */
  readonly ofRow: Uint32Array;
}

const _lineFunctions = new WeakMap<Profile, LineFunctions>();

/**
 * Groups a profile's rows into functions: rows with the same file and name
 * are one function, as the lines of a sampled profile are (a traced
 * profile's rows are functions already: two with one name in one file are
 * two functions, and are folded only if asked). Computed once per profile.
 *
 * @example
 * ```ts
 * import { lineFunctions } from "./sampled_lines.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const row = (line: number, name: string) => ({
 *   key: ["app.py", line, name] as const,
 *   calls: 1,
 *   primitiveCalls: 1,
 *   internalTime: 0.001,
 *   cumulativeTime: 0.001,
 * });
 * const profile = buildProfile([statsFile("s.pstats", [
 *   row(11, "parse"),
 *   row(3, "main"),
 *   row(10, "parse"),
 * ], { sampled: true })]);
 * const functions = lineFunctions(profile);
 * assertEquals(functions.size, 2);
 * assertEquals([...functions.ofRow], [0, 1, 0]);
 * ```
 *
 * @param profile The profile.
 * @returns Each row's function.
 */
export function lineFunctions(profile: Profile): LineFunctions {
  let known = _lineFunctions.get(profile);
  if (known !== undefined) return known;
  const f = profile.functions;
  const ofRow = new Uint32Array(profile.size);
  // Keyed by numbers, not by a text per row: one file may be shared by
  // thousands of rows, and joining it to each name would copy it as often.
  const files = _codes(f.file);
  const names = _codes(f.name);
  const functionOf = new Map<number, number>();
  for (let i = 0; i < profile.size; i++) {
    const key = files.codes[i]! * names.count + names.codes[i]!;
    let fn = functionOf.get(key);
    if (fn === undefined) {
      fn = functionOf.size;
      functionOf.set(key, fn);
    }
    ofRow[i] = fn;
  }
  known = { size: functionOf.size, ofRow };
  _lineFunctions.set(profile, known);
  return known;
}

/** Each text's number among the distinct texts, in order of first sight. */
function _codes(
  texts: readonly string[],
): { codes: Uint32Array; count: number } {
  const codes = new Uint32Array(texts.length);
  const seen = new Map<string, number>();
  for (let i = 0; i < texts.length; i++) {
    const text = texts[i]!;
    let code = seen.get(text);
    if (code === undefined) seen.set(text, code = seen.size);
    codes[i] = code;
  }
  return { codes, count: seen.size };
}

const _folded = new WeakMap<Profile, Profile>();
const _foldedRows = new WeakMap<Profile, Uint32Array>();

/**
 * A sampled profile with its lines folded into functions: one function per
 * (file, name), as {@linkcode lineFunctions} groups them (and the function
 * level of `groupTree()` with them). Its line is the smallest line seen; its
 * samples and times are the sums of its lines' (as `groupNumbers()` adds
 * them up at the function level); its callers and callees are folded by function too, every edge
 * between a line of one function and a line of another adding to one edge
 * (a function whose lines call each other keeps that edge to itself). A
 * profile that is not sampled is returned as it is. Computed once per
 * profile.
 *
 * @example
 * ```ts
 * import { foldSampledLines } from "./sampled_lines.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const row = (line: number, name: string, samples: number, caller?: number) => ({
 *   key: ["app.py", line, name] as const,
 *   calls: samples,
 *   primitiveCalls: samples,
 *   internalTime: samples / 1000,
 *   cumulativeTime: samples / 1000,
 *   callers: caller === undefined
 *     ? []
 *     : [{ key: ["app.py", caller, "main"] as const, calls: samples }],
 * });
 * const profile = buildProfile([statsFile("s.pstats", [
 *   row(3, "main", 1),
 *   row(4, "main", 1),
 *   row(11, "parse", 2, 3),
 *   row(10, "parse", 3, 4),
 * ], { sampled: true })]);
 * const folded = foldSampledLines(profile);
 * assertEquals(folded.functions.name, ["main", "parse"]);
 * assertEquals([...folded.functions.line], [3, 10]);
 * assertEquals([...folded.functions.calls], [2, 5]);
 * assertEquals([...folded.edges.calls], [5]); // main → parse
 * ```
 *
 * @param profile The profile.
 * @returns The profile with one row per function.
 */
export function foldSampledLines(profile: Profile): Profile {
  if (!profile.sampled) return profile;
  const known = _folded.get(profile);
  if (known !== undefined) return known;
  const { size, ofRow } = lineFunctions(profile);
  const f = profile.functions;
  const n = profile.size;
  // Each function's row with the smallest line (the first of equals).
  const first = new Uint32Array(size);
  const seen = new Uint8Array(size);
  const line = new Float64Array(size);
  const calls = new Float64Array(size);
  const primitiveCalls = new Float64Array(size);
  const internalTime = new Float64Array(size);
  const cumulativeTime = new Float64Array(size);
  for (let i = 0; i < n; i++) {
    const k = ofRow[i]!;
    if (seen[k] === 0 || f.line[i]! < line[k]!) {
      seen[k] = 1;
      first[k] = i;
      line[k] = f.line[i]!;
    }
    calls[k]! += f.calls[i]!;
    primitiveCalls[k]! += f.primitiveCalls[i]!;
    internalTime[k]! += f.internalTime[i]!;
    cumulativeTime[k]! += f.cumulativeTime[i]!;
  }
  const pick = <T>(column: readonly T[]) =>
    Array.from(first, (i) => column[i]!);
  // Edges by (caller function, callee function), in the order first met.
  const e = profile.edges;
  const edgeOf = new Map<number, number>();
  const caller: number[] = [];
  const callee: number[] = [];
  const sums: number[][] = [[], [], [], []];
  for (let k = 0; k < e.caller.length; k++) {
    const a = ofRow[e.caller[k]!]!;
    const b = ofRow[e.callee[k]!]!;
    const key = a * size + b;
    let at = edgeOf.get(key);
    if (at === undefined) {
      at = caller.length;
      edgeOf.set(key, at);
      caller.push(a);
      callee.push(b);
      for (const sum of sums) sum.push(0);
    }
    sums[0]![at]! += e.calls[k]!;
    sums[1]![at]! += e.primitiveCalls[k]!;
    sums[2]![at]! += e.internalTime[k]!;
    sums[3]![at]! += e.cumulativeTime[k]!;
  }
  const folded = createProfile({
    sources: profile.sources,
    sampled: true,
    edgeDetail: profile.edgeDetail,
    functions: {
      file: pick(f.file),
      shortFile: pick(f.shortFile),
      line,
      name: pick(f.name),
      calls,
      primitiveCalls,
      internalTime,
      cumulativeTime,
    },
    edges: {
      caller: Uint32Array.from(caller),
      callee: Uint32Array.from(callee),
      calls: Float64Array.from(sums[0]!),
      primitiveCalls: Float64Array.from(sums[1]!),
      internalTime: Float64Array.from(sums[2]!),
      cumulativeTime: Float64Array.from(sums[3]!),
    },
  });
  _folded.set(profile, folded);
  _foldedRows.set(folded, first);
  return folded;
}

/**
 * The stored row a function of a profile made by
 * {@linkcode foldSampledLines} stands for: its line with the smallest line
 * number. For any other profile, the id itself.
 *
 * @example
 * ```ts
 * import { foldSampledLines, unfoldedRow } from "./sampled_lines.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const row = (line: number) => ({
 *   key: ["app.py", line, "main"] as const,
 *   calls: 1,
 *   primitiveCalls: 1,
 *   internalTime: 0.001,
 *   cumulativeTime: 0.001,
 * });
 * const profile = buildProfile([statsFile("s.pstats", [row(9), row(8)], { sampled: true })]);
 * const folded = foldSampledLines(profile);
 * assertEquals(profile.functions.line[unfoldedRow(folded, 0)], 8);
 * ```
 *
 * @param profile A profile, folded or not.
 * @param id A function id of it.
 * @returns The row of the profile it was folded from.
 */
export function unfoldedRow(profile: Profile, id: number): number {
  return _foldedRows.get(profile)?.[id] ?? id;
}
