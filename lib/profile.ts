/**
 * The profile model: every function with its numbers, every caller→callee
 * edge with the numbers of that edge, and the totals.
 *
 * The model is columnar (one typed array per number) so that a profile of
 * hundreds of thousands of functions stays small, sorts fast and can be sent
 * to a browser as a few buffers. A function's id is its index in these
 * columns; an edge's id is its index in the edge columns.
 *
 * @module
 */

import { DataRangeError, ProfileMismatchError } from "./data_error.ts";
import { cutText } from "./escape.ts";
import { builtinName, isBuiltin, shortenPath } from "./location.ts";

/** The per-function columns of a {@linkcode Profile}. Index = function id. */
export interface FunctionColumns {
  /** The file as stored (`~` for built-ins). */
  readonly file: readonly string[];
  /** The file shortened for display (see `shortenPath()`). */
  readonly shortFile: readonly string[];
  /**
   * The first line (0 for built-ins). Python's line numbers may exceed 32
   * bits: profiles read from files have a `Float64Array` (exact up to
   * 2 ** 53); an `Int32Array` is accepted when building one by hand.
   */
  readonly line: Int32Array | Float64Array;
  /** The function name as stored; a code object shows as its `repr()`. */
  readonly name: readonly string[];
  /** Calls, recursive ones included (pstats `nc`); cumulative samples when sampled. */
  readonly calls: Float64Array;
  /** Primitive (non-recursive) calls (pstats `cc`); direct samples when sampled. */
  readonly primitiveCalls: Float64Array;
  /** Time spent in the function itself, in seconds (pstats `tt`). */
  readonly internalTime: Float64Array;
  /** Time spent in the function and everything it called, in seconds (pstats `ct`). */
  readonly cumulativeTime: Float64Array;
}

/** The per-edge columns of a {@linkcode Profile}. Index = edge id. */
export interface EdgeColumns {
  /** The calling function's id. */
  readonly caller: Uint32Array;
  /** The called function's id. */
  readonly callee: Uint32Array;
  /** Calls from caller to callee (samples when sampled). */
  readonly calls: Float64Array;
  /** Primitive calls on this edge (equal to `calls` where the file has no detail). */
  readonly primitiveCalls: Float64Array;
  /** The callee's internal time spent on behalf of this caller (0 without detail). */
  readonly internalTime: Float64Array;
  /** The callee's cumulative time spent on behalf of this caller (0 without detail). */
  readonly cumulativeTime: Float64Array;
}

/** The totals of a profile, as pstats computes them. */
export interface ProfileTotals {
  /** The sum of `calls` (pstats `total_calls`). */
  readonly calls: number;
  /** The sum of `primitiveCalls` (pstats `prim_calls`); the number of samples when sampled. */
  readonly primitiveCalls: number;
  /** The sum of `internalTime` (pstats `total_tt`), in seconds. */
  readonly time: number;
}

/** The raw parts a {@linkcode Profile} is made from. */
export interface ProfileParts {
  /** Where the profile came from (file names), for display. */
  readonly sources: readonly string[];
  /** Whether the numbers are samples from a sampling profiler. */
  readonly sampled: boolean;
  /** Whether edges carry primitive calls and times (cProfile, yappi). */
  readonly edgeDetail: boolean;
  /** The functions. */
  readonly functions: FunctionColumns;
  /** The edges. */
  readonly edges: EdgeColumns;
}

/** A loaded profile. Make one with `buildProfile()` or `createProfile()`. */
export interface Profile extends ProfileParts {
  /** The number of functions. */
  readonly size: number;
  /** The totals. */
  readonly totals: ProfileTotals;
  /**
   * Edges by callee: the edges into function `i` are
   * `callerEdges.slice(callerStart[i], callerStart[i + 1])`.
   */
  readonly callerStart: Uint32Array;
  /** Edge ids grouped by callee; see `callerStart`. */
  readonly callerEdges: Uint32Array;
  /** Edges by caller, like `callerStart`. */
  readonly calleeStart: Uint32Array;
  /** Edge ids grouped by caller; see `calleeStart`. */
  readonly calleeEdges: Uint32Array;
}

/**
 * Makes a {@linkcode Profile} from its parts: computes the totals, and the
 * caller and callee indexes when they are first read.
 *
 * @example
 * ```ts
 * import { createProfile } from "./profile.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const profile = createProfile({
 *   sources: ["run.pstats"],
 *   sampled: false,
 *   edgeDetail: true,
 *   functions: {
 *     file: ["app.py", "app.py"],
 *     shortFile: ["app.py", "app.py"],
 *     line: Int32Array.of(1, 5),
 *     name: ["main", "helper"],
 *     calls: Float64Array.of(1, 3),
 *     primitiveCalls: Float64Array.of(1, 3),
 *     internalTime: Float64Array.of(0.5, 0.25),
 *     cumulativeTime: Float64Array.of(0.75, 0.25),
 *   },
 *   edges: {
 *     caller: Uint32Array.of(0),
 *     callee: Uint32Array.of(1),
 *     calls: Float64Array.of(3),
 *     primitiveCalls: Float64Array.of(3),
 *     internalTime: Float64Array.of(0.25),
 *     cumulativeTime: Float64Array.of(0.25),
 *   },
 * });
 * assertEquals(profile.totals, { calls: 4, primitiveCalls: 4, time: 0.75 });
 * assertEquals([...profile.calleeEdges], [0]);
 * ```
 *
 * @param parts The functions, edges and facts about the profile.
 * @param totals The totals, when they are not the sums of these columns
 * (a profile that has only some of its rows yet, see `lib/first_rows.ts`).
 * @returns The profile.
 */
export function createProfile(
  parts: ProfileParts,
  totals?: ProfileTotals,
): Profile {
  const f = parts.functions;
  const size = f.name.length;
  let calls = totals?.calls ?? 0;
  let primitiveCalls = totals?.primitiveCalls ?? 0;
  let time = totals?.time ?? 0;
  for (let i = 0; totals === undefined && i < size; i++) {
    calls += f.calls[i]!;
    primitiveCalls += f.primitiveCalls[i]!;
    time += f.internalTime[i]!;
  }
  // The indexes are built on first use: a report sorted by a column never
  // needs them, and a page gets its edges without waiting for them. Once
  // built, they become plain properties.
  const profile = {
    ...parts,
    size,
    totals: { calls, primitiveCalls, time },
  } as Profile;
  const lazy = (
    names: ["callerStart", "callerEdges"] | ["calleeStart", "calleeEdges"],
    endpoint: Uint32Array,
  ) => {
    const build = () => {
      const built = _group(endpoint, size);
      for (let k = 0; k < 2; k++) {
        Object.defineProperty(profile, names[k]!, {
          value: built[k],
          enumerable: true,
          configurable: false,
          writable: false,
        });
      }
      return built;
    };
    for (let k = 0; k < 2; k++) {
      Object.defineProperty(profile, names[k]!, {
        get: () => build()[k],
        enumerable: true,
        configurable: true,
      });
    }
  };
  lazy(["callerStart", "callerEdges"], parts.edges.callee);
  lazy(["calleeStart", "calleeEdges"], parts.edges.caller);
  return profile;
}

/**
 * The edge columns of a profile without edges (or whose edges are not here
 * yet).
 *
 * @example
 * ```ts
 * import { emptyEdges } from "./profile.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(emptyEdges().caller.length, 0);
 * ```
 *
 * @returns Six empty columns.
 */
export function emptyEdges(): EdgeColumns {
  return {
    caller: new Uint32Array(0),
    callee: new Uint32Array(0),
    calls: new Float64Array(0),
    primitiveCalls: new Float64Array(0),
    internalTime: new Float64Array(0),
    cumulativeTime: new Float64Array(0),
  };
}

/** Groups edge ids by an endpoint, counting sort (stable, O(n)). */
function _group(
  endpoint: Uint32Array,
  size: number,
): [Uint32Array, Uint32Array] {
  const start = new Uint32Array(size + 1);
  for (let e = 0; e < endpoint.length; e++) start[endpoint[e]! + 1]!++;
  for (let i = 0; i < size; i++) start[i + 1]! += start[i]!;
  const next = start.slice(0, size);
  const edges = new Uint32Array(endpoint.length);
  for (let e = 0; e < endpoint.length; e++) edges[next[endpoint[e]!]!++] = e;
  return [start, edges];
}

/** A function's identity in a pstats file: `(file, line, name)`. */
export type FunctionKey = readonly [file: string, line: number, name: string];

/**
 * The contents of one pstats file, in columns, ready to be merged into a
 * profile. Ids here are local to the file.
 */
export interface StatsFile {
  /** The file's name, for display. */
  readonly source: string;
  /** Whether it holds samples. */
  readonly sampled: boolean;
  /** Whether its edges carry primitive calls and times. */
  readonly edgeDetail: boolean;
  /** Every function met in the file, as an entry or as a caller. */
  readonly functions: {
    readonly file: readonly string[];
    readonly line: ArrayLike<number>;
    readonly name: readonly string[];
  };
  /** Calls per function (0 for functions met only as callers). */
  readonly calls: Float64Array;
  /** Primitive calls per function. */
  readonly primitiveCalls: Float64Array;
  /** Internal time per function. */
  readonly internalTime: Float64Array;
  /** Cumulative time per function. */
  readonly cumulativeTime: Float64Array;
  /** The caller→callee edges, with the numbers of each. */
  readonly edges: EdgeColumns;
}

/** One function's entry, for {@linkcode statsFile}. */
export interface StatsEntry {
  /** The function. */
  readonly key: FunctionKey;
  /** Calls (`nc`). */
  readonly calls: number;
  /** Primitive calls (`cc`). */
  readonly primitiveCalls: number;
  /** Internal time (`tt`). */
  readonly internalTime: number;
  /** Cumulative time (`ct`). */
  readonly cumulativeTime: number;
  /** The callers with the numbers of each edge. */
  readonly callers?: readonly {
    readonly key: FunctionKey;
    readonly calls: number;
    readonly primitiveCalls?: number;
    readonly internalTime?: number;
    readonly cumulativeTime?: number;
  }[];
}

/**
 * Makes a {@linkcode StatsFile} from plain entries: for tests, examples and
 * tools that have profile data from elsewhere.
 *
 * @example
 * ```ts
 * import { buildProfile, statsFile } from "./profile.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const file = statsFile("run.pstats", [
 *   {
 *     key: ["app.py", 1, "main"],
 *     calls: 1,
 *     primitiveCalls: 1,
 *     internalTime: 0.25,
 *     cumulativeTime: 0.75,
 *   },
 *   {
 *     key: ["app.py", 5, "helper"],
 *     calls: 2,
 *     primitiveCalls: 2,
 *     internalTime: 0.5,
 *     cumulativeTime: 0.5,
 *     callers: [{ key: ["app.py", 1, "main"], calls: 2 }],
 *   },
 * ]);
 * assertEquals(buildProfile([file]).edges.calls[0], 2);
 * ```
 *
 * @param source The file's name.
 * @param entries The functions.
 * @param options Whether the numbers are samples.
 * @returns The columns.
 */
export function statsFile(
  source: string,
  entries: readonly StatsEntry[],
  options: { sampled?: boolean } = {},
): StatsFile {
  const table = new StatsTable();
  const ids = entries.map((e) => table.intern(...e.key));
  entries.forEach((e, i) => {
    table.setNumbers(
      ids[i]!,
      e.calls,
      e.primitiveCalls,
      e.internalTime,
      e.cumulativeTime,
    );
    for (const c of e.callers ?? []) {
      table.addEdge(
        table.intern(...c.key),
        ids[i]!,
        c.calls,
        c.primitiveCalls ?? c.calls,
        c.internalTime ?? 0,
        c.cumulativeTime ?? 0,
      );
    }
  });
  const edgeDetail = entries.every((e) =>
    (e.callers ?? []).every((c) => c.internalTime !== undefined)
  );
  return table.finish(source, options.sampled ?? false, edgeDetail);
}

/**
 * A growing table of functions and edges: interns `(file, line, name)` keys
 * into ids and collects numbers in typed arrays. The pstats reader fills one
 * per file.
 */
export class StatsTable {
  /**
   * Interned functions: name → id, or, once several functions share the
   * name, name → file → id, or (several lines) file → line → id.
   */
  #ids = new Map<string, number | Map<string, Map<number, number> | number>>();
  /** Edge ids by `callee * 2 ** 21 + caller`, when merging. */
  #edgeIds = new Map<number, number>();
  #file: string[] = [];
  #line: number[] = [];
  #name: string[] = [];
  #numbers: _Floats;
  #caller: _Ints;
  #callee: _Ints;
  #edges: _Floats;
  /** Edges dropped by {@linkcode StatsTable.dropEdges}, if any. */
  #dropped: Uint8Array | undefined;

  /**
   * Makes an empty table.
   *
   * @param functions How many functions to make room for at first.
   * @param edges How many edges to make room for at first.
   */
  constructor(functions = 1024, edges = 1024) {
    this.#numbers = new _Floats(functions);
    this.#caller = new _Ints(edges);
    this.#callee = new _Ints(edges);
    this.#edges = new _Floats(edges);
  }

  /**
   * A function's file.
   *
   * @param id The function.
   * @returns Its file.
   */
  fileOf(id: number): string | undefined {
    return this.#file[id];
  }

  /**
   * A function's line.
   *
   * @param id The function.
   * @returns Its line.
   */
  lineOf(id: number): number | undefined {
    return this.#line[id];
  }

  /** The number of functions interned so far. */
  get size(): number {
    return this.#name.length;
  }

  /** The number of edges added so far (dropped ones included). */
  get edgeCount(): number {
    return this.#caller.length;
  }

  /**
   * Sets a function's numbers back to zero: for a key that a pstats file
   * holds twice, where Python keeps the last value.
   *
   * @param id The function.
   */
  resetNumbers(id: number): void {
    this.#numbers.set4(id, 0, 0, 0, 0);
  }

  /**
   * Replaces the numbers of an edge: for a caller that one callers dict
   * holds twice, where Python keeps the last value.
   *
   * @param edge The edge, an index below {@linkcode StatsTable.edgeCount}.
   * @param calls Calls on the edge.
   * @param primitiveCalls Primitive calls on the edge.
   * @param internalTime Internal time on the edge.
   * @param cumulativeTime Cumulative time on the edge.
   */
  setEdge(
    edge: number,
    calls: number,
    primitiveCalls: number,
    internalTime: number,
    cumulativeTime: number,
  ): void {
    this.#edges.set4(edge, calls, primitiveCalls, internalTime, cumulativeTime);
  }

  /**
   * Drops the edges from `start` up to `end`: the callers of an entry that
   * a later entry for the same function replaces.
   *
   * @param start The first edge to drop.
   * @param end The edge after the last one to drop.
   */
  dropEdges(start: number, end: number): void {
    if (start >= end) return;
    if (this.#dropped === undefined || this.#dropped.length < end) {
      const grown = new Uint8Array(Math.max(end, this.#caller.length));
      if (this.#dropped) grown.set(this.#dropped);
      this.#dropped = grown;
    }
    this.#dropped.fill(1, start, end);
  }

  /**
   * The id of a function, interning it if it is new.
   *
   * @param file Its file.
   * @param line Its line.
   * @param name Its name.
   * @returns Its id.
   */
  intern(file: string, line: number, name: string): number {
    const entry = this.#ids.get(name);
    if (entry === undefined) {
      const id = this.#push(file, line, name);
      this.#ids.set(name, id);
      return id;
    }
    let byFile: Map<string, Map<number, number> | number>;
    if (typeof entry === "number") {
      if (this.#file[entry] === file && this.#line[entry] === line) {
        return entry;
      }
      byFile = new Map([[this.#file[entry]!, entry]]);
      this.#ids.set(name, byFile);
    } else {
      byFile = entry;
    }
    const known = byFile.get(file);
    if (typeof known === "number") {
      if (this.#line[known] === line) return known;
      const byLine = new Map<number, number>([[this.#line[known]!, known]]);
      byFile.set(file, byLine);
      return this.#add(byLine, file, line, name);
    }
    if (known !== undefined) {
      return known.get(line) ?? this.#add(known, file, line, name);
    }
    const id = this.#push(file, line, name);
    byFile.set(file, id);
    return id;
  }

  #add(
    byLine: Map<number, number>,
    file: string,
    line: number,
    name: string,
  ): number {
    const id = this.#push(file, line, name);
    byLine.set(line, id);
    return id;
  }

  #push(file: string, line: number, name: string): number {
    this.#file.push(file);
    this.#line.push(line);
    this.#name.push(name);
    this.#numbers.push4(0, 0, 0, 0);
    return this.#name.length - 1;
  }

  /**
   * A function's label as pstats prints it, `file:line(name)`, for messages.
   *
   * @param id The function.
   * @returns The label.
   */
  label(id: number): string {
    return `${cutText(this.#file[id]!, 100)}:${this.#line[id]}(${
      cutText(this.#name[id]!, 100)
    })`;
  }

  /**
   * Adds to a function's numbers.
   *
   * @param id The function.
   * @param calls Calls.
   * @param primitiveCalls Primitive calls.
   * @param internalTime Internal time.
   * @param cumulativeTime Cumulative time.
   */
  setNumbers(
    id: number,
    calls: number,
    primitiveCalls: number,
    internalTime: number,
    cumulativeTime: number,
  ): void {
    this.#numbers.add4(id, calls, primitiveCalls, internalTime, cumulativeTime);
  }

  /**
   * Adds an edge, or adds to it if `merge` is set and it exists.
   *
   * @param caller The calling function.
   * @param callee The called function.
   * @param calls Calls on the edge.
   * @param primitiveCalls Primitive calls on the edge.
   * @param internalTime Internal time on the edge.
   * @param cumulativeTime Cumulative time on the edge.
   * @param merge Whether to add to an existing edge between the two.
   */
  addEdge(
    caller: number,
    callee: number,
    calls: number,
    primitiveCalls: number,
    internalTime: number,
    cumulativeTime: number,
    merge = false,
  ): void {
    if (merge) {
      const key = callee * 0x200000 + caller;
      const known = this.#edgeIds.get(key);
      if (known !== undefined) {
        this.#edges.add4(
          known,
          calls,
          primitiveCalls,
          internalTime,
          cumulativeTime,
        );
        return;
      }
      this.#edgeIds.set(key, this.#caller.length);
    }
    this.#caller.push(caller);
    this.#callee.push(callee);
    this.#edges.push4(calls, primitiveCalls, internalTime, cumulativeTime);
  }

  #compactEdges(dropped: Uint8Array): void {
    this.#dropped = undefined;
    this.#edgeIds.clear();
    const caller = this.#caller.data;
    const callee = this.#callee.data;
    const numbers = this.#edges.data;
    let kept = 0;
    for (let e = 0; e < this.#caller.length; e++) {
      if (dropped[e] === 1) continue;
      caller[kept] = caller[e]!;
      callee[kept] = callee[e]!;
      numbers.copyWithin(kept * 4, e * 4, e * 4 + 4);
      kept++;
    }
    this.#caller.length = kept;
    this.#callee.length = kept;
    this.#edges.length = kept * 4;
  }

  /**
   * Swaps the calls and primitive calls of every function (for yappi, which
   * stores them the other way round).
   */
  swapCalls(): void {
    const n = this.#numbers.data;
    for (let i = 0; i < this.size; i++) {
      const calls = n[i * 4]!;
      n[i * 4] = n[i * 4 + 1]!;
      n[i * 4 + 1] = calls;
    }
  }

  /**
   * The finished columns.
   *
   * @param source The file's name.
   * @param sampled Whether the numbers are samples.
   * @param edgeDetail Whether edges carry primitive calls and times.
   * @returns The stats file.
   */
  finish(source: string, sampled: boolean, edgeDetail: boolean): StatsFile {
    if (this.#dropped !== undefined) this.#compactEdges(this.#dropped);
    const [calls, primitiveCalls, internalTime, cumulativeTime] = this.#numbers
      .columns(this.size);
    const [eCalls, ePrimitive, eInternal, eCumulative] = this.#edges.columns(
      this.#caller.length,
    );
    return {
      source,
      sampled,
      edgeDetail,
      functions: { file: this.#file, line: this.#line, name: this.#name },
      calls,
      primitiveCalls,
      internalTime,
      cumulativeTime,
      edges: {
        caller: this.#caller.finish(),
        callee: this.#callee.finish(),
        calls: eCalls,
        primitiveCalls: ePrimitive,
        internalTime: eInternal,
        cumulativeTime: eCumulative,
      },
    };
  }
}

/** Numbers in groups of four, in a typed array that grows. */
class _Floats {
  data: Float64Array;
  length = 0;
  constructor(rows: number) {
    this.data = new Float64Array(Math.max(16, Math.ceil(rows)) * 4);
  }
  push4(a: number, b: number, c: number, d: number): void {
    if (this.length + 4 > this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    const data = this.data;
    const at = this.length;
    data[at] = a;
    data[at + 1] = b;
    data[at + 2] = c;
    data[at + 3] = d;
    this.length = at + 4;
  }
  set4(row: number, a: number, b: number, c: number, d: number): void {
    const data = this.data;
    const at = row * 4;
    data[at] = a;
    data[at + 1] = b;
    data[at + 2] = c;
    data[at + 3] = d;
  }
  add4(row: number, a: number, b: number, c: number, d: number): void {
    const data = this.data;
    const at = row * 4;
    data[at] = data[at]! + a;
    data[at + 1] = data[at + 1]! + b;
    data[at + 2] = data[at + 2]! + c;
    data[at + 3] = data[at + 3]! + d;
  }
  columns(n: number): [Float64Array, Float64Array, Float64Array, Float64Array] {
    const columns: [Float64Array, Float64Array, Float64Array, Float64Array] = [
      new Float64Array(n),
      new Float64Array(n),
      new Float64Array(n),
      new Float64Array(n),
    ];
    const data = this.data;
    for (let i = 0; i < n; i++) {
      columns[0][i] = data[i * 4]!;
      columns[1][i] = data[i * 4 + 1]!;
      columns[2][i] = data[i * 4 + 2]!;
      columns[3][i] = data[i * 4 + 3]!;
    }
    return columns;
  }
}

/** Unsigned ints in a typed array that grows. */
class _Ints {
  data: Uint32Array;
  length = 0;
  constructor(size: number) {
    this.data = new Uint32Array(Math.max(16, Math.ceil(size)));
  }
  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Uint32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }
  finish(): Uint32Array {
    return this.data.slice(0, this.length);
  }
}

/** Options for {@linkcode buildProfile}. */
export interface BuildProfileOptions {
  /** An absolute directory that paths are shown relative to. */
  cwd?: string;
}

/**
 * Builds a profile from one or more pstats files, merging them the way
 * `pstats.Stats(a, b)` does: per function the numbers add up and the callers
 * merge, edge numbers adding up too. Functions get ids in the order they are
 * first met, so the same files always give the same ids.
 *
 * @example
 * ```ts
 * import { buildProfile, statsFile } from "./profile.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const run = (calls: number) =>
 *   statsFile("run.pstats", [{
 *     key: ["app.py", 1, "main"],
 *     calls,
 *     primitiveCalls: calls,
 *     internalTime: 0.5,
 *     cumulativeTime: 0.5,
 *   }]);
 * const profile = buildProfile([run(1), run(2)]);
 * assertEquals(profile.size, 1);
 * assertEquals(profile.functions.calls[0], 3);
 * assertEquals(profile.totals.time, 1);
 * ```
 *
 * @param files The files' contents, from `readPstats()`.
 * @param options Where paths are shown relative to.
 * @returns The merged profile.
 * @throws {ProfileMismatchError} When sampled and traced files are mixed.
 */
export function buildProfile(
  files: readonly StatsFile[],
  options: BuildProfileOptions = {},
): Profile {
  const builder = new ProfileBuilder(options);
  for (const file of files) builder.add(file);
  return builder.finish();
}

/**
 * Builds a profile from pstats files added one at a time, merging each into
 * the profile as it comes (as `pstats.Stats.add()` does), so that a caller
 * reading many files need keep only the merged profile and the file at hand.
 * {@linkcode buildProfile} gives the same result from all of them at once.
 *
 * @example
 * ```ts
 * import { ProfileBuilder, statsFile } from "./profile.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const builder = new ProfileBuilder();
 * for (const calls of [1, 2, 3]) {
 *   builder.add(statsFile(`run${calls}.pstats`, [{
 *     key: ["app.py", 1, "main"],
 *     calls,
 *     primitiveCalls: calls,
 *     internalTime: 0.5,
 *     cumulativeTime: 0.5,
 *   }]));
 * }
 * const profile = builder.finish();
 * assertEquals(profile.functions.calls[0], 6);
 * assertEquals(profile.sources.length, 3);
 * ```
 */
export class ProfileBuilder {
  #options: BuildProfileOptions;
  #sources: string[] = [];
  /** The only file so far, kept as it is until a second one comes. */
  #only: StatsFile | undefined;
  /** The merged files, once there are two. */
  #table: StatsTable | undefined;
  #firstSampled: StatsFile | undefined;
  #firstTraced: StatsFile | undefined;
  #edgeDetail = true;

  /**
   * Starts an empty profile.
   *
   * @param options Where paths are shown relative to.
   */
  constructor(options: BuildProfileOptions = {}) {
    this.#options = options;
  }

  /**
   * Merges a file into the profile.
   *
   * @param file The file's contents, from `readPstats()`.
   * @throws {ProfileMismatchError} When sampled and traced files are mixed.
   * @throws {RangeError} When the merged profile would have more than
   * 2,097,151 functions.
   */
  add(file: StatsFile): void {
    if (file.sampled) this.#firstSampled ??= file;
    else this.#firstTraced ??= file;
    if (this.#firstSampled !== undefined && this.#firstTraced !== undefined) {
      throw new ProfileMismatchError(
        `${this.#firstSampled.source}: Cannot merge a sampled profile with a traced one (${this.#firstTraced.source}): their numbers mean different things`,
      );
    }
    this.#sources.push(file.source);
    this.#edgeDetail &&= file.edgeDetail;
    if (this.#sources.length === 1) {
      this.#only = file;
      return;
    }
    if (this.#table === undefined) {
      this.#table = new StatsTable();
      _mergeInto(this.#table, this.#only!);
      this.#only = undefined;
    }
    _mergeInto(this.#table, file);
  }

  /**
   * The profile of the files added so far.
   *
   * @returns The merged profile.
   */
  finish(): Profile {
    const merged = this.#table?.finish("", false, true) ?? this.#only ??
      new StatsTable().finish("", false, true);
    const f = merged.functions;
    // Each distinct file once: its short form, and a code per function that
    // the wire encoding sends instead of looking every file up again.
    const known = new Map<string, number>();
    const files: string[] = [];
    const shortFiles: string[] = [];
    const codes = new Uint32Array(f.file.length);
    const shortFile: string[] = [];
    for (let i = 0; i < f.file.length; i++) {
      const file = f.file[i]!;
      let code = known.get(file);
      if (code === undefined) {
        code = files.length;
        known.set(file, code);
        files.push(file);
        shortFiles.push(
          isBuiltin(file, f.line[i]!)
            ? file
            : shortenPath(file, this.#options.cwd),
        );
      }
      codes[i] = code;
      shortFile.push(shortFiles[code]!);
    }
    const profile = createProfile({
      sources: [...this.#sources],
      sampled: this.#firstSampled !== undefined &&
        this.#firstTraced === undefined,
      edgeDetail: this.#edgeDetail,
      functions: {
        file: f.file,
        shortFile,
        line: f.line instanceof Float64Array
          ? f.line
          : Float64Array.from(f.line),
        name: f.name,
        calls: merged.calls,
        primitiveCalls: merged.primitiveCalls,
        internalTime: merged.internalTime,
        cumulativeTime: merged.cumulativeTime,
      },
      edges: merged.edges,
    });
    _fileTables.set(profile, { files, shortFiles, codes });
    return profile;
  }
}

function _mergeInto(table: StatsTable, file: StatsFile): void {
  const f = file.functions;
  const ids = f.name.map((name, i) =>
    table.intern(f.file[i]!, f.line[i]!, name)
  );
  if (table.size >= 0x200000) {
    throw new DataRangeError(`Too many functions to merge: ${table.size}`);
  }
  ids.forEach((id, i) =>
    table.setNumbers(
      id,
      file.calls[i]!,
      file.primitiveCalls[i]!,
      file.internalTime[i]!,
      file.cumulativeTime[i]!,
    )
  );
  const e = file.edges;
  for (let k = 0; k < e.caller.length; k++) {
    table.addEdge(
      ids[e.caller[k]!]!,
      ids[e.callee[k]!]!,
      e.calls[k]!,
      e.primitiveCalls[k]!,
      e.internalTime[k]!,
      e.cumulativeTime[k]!,
      true,
    );
  }
}

/**
 * A function's location as shown in tables: `short/path.py:12` followed by
 * nothing for built-ins, whose whole label is their name.
 *
 * @example
 * ```ts
 * import { createProfile, functionLocation } from "./profile.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const profile = createProfile({
 *   sources: [],
 *   sampled: false,
 *   edgeDetail: true,
 *   functions: {
 *     file: ["/srv/app/views.py", "~"],
 *     shortFile: ["app/views.py", "~"],
 *     line: Int32Array.of(12, 0),
 *     name: ["index", "<built-in method builtins.len>"],
 *     calls: new Float64Array(2),
 *     primitiveCalls: new Float64Array(2),
 *     internalTime: new Float64Array(2),
 *     cumulativeTime: new Float64Array(2),
 *   },
 *   edges: {
 *     caller: new Uint32Array(0),
 *     callee: new Uint32Array(0),
 *     calls: new Float64Array(0),
 *     primitiveCalls: new Float64Array(0),
 *     internalTime: new Float64Array(0),
 *     cumulativeTime: new Float64Array(0),
 *   },
 * });
 * assertEquals(functionLocation(profile, 0), { location: "app/views.py:12", name: "index" });
 * assertEquals(functionLocation(profile, 1), {
 *   location: "",
 *   name: "{built-in method builtins.len}",
 * });
 * ```
 *
 * @param profile The profile.
 * @param id The function's id.
 * @returns The short location and the display name.
 */
export function functionLocation(
  profile: Profile,
  id: number,
): { location: string; name: string } {
  const f = profile.functions;
  const file = f.file[id]!;
  const line = f.line[id]!;
  const name = f.name[id]!;
  if (isBuiltin(file, line)) return { location: "", name: builtinName(name) };
  return { location: `${f.shortFile[id]}:${line}`, name };
}

/**
 * A profile's distinct files: each (file, short file) pair once, and per
 * function the index of its pair. For sending files once each.
 */
export interface FileTable {
  /** The distinct files, in order of first appearance. */
  readonly files: readonly string[];
  /** The short form of each of `files` (the same index). */
  readonly shortFiles: readonly string[];
  /** Per function id, the index of its file in `files`. */
  readonly codes: Uint32Array;
}

const _fileTables = new WeakMap<Profile, FileTable>();

/**
 * The distinct files of a profile with a code per function: kept from
 * building it when it was built by {@linkcode ProfileBuilder} (which looks
 * every file up anyway), else worked out once and kept.
 *
 * @example
 * ```ts
 * import { buildProfile, fileTable, statsFile } from "./profile.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const entry = (file: string, line: number) => ({
 *   key: [file, line, "f"] as const,
 *   calls: 1,
 *   primitiveCalls: 1,
 *   internalTime: 0,
 *   cumulativeTime: 0,
 * });
 * const profile = buildProfile([statsFile("run.pstats", [
 *   entry("/app/a.py", 1),
 *   entry("/app/b.py", 1),
 *   entry("/app/a.py", 9),
 * ])], { cwd: "/app" });
 * const table = fileTable(profile);
 * assertEquals(table.files, ["/app/a.py", "/app/b.py"]);
 * assertEquals(table.shortFiles, ["a.py", "b.py"]);
 * assertEquals([...table.codes], [0, 1, 0]);
 * ```
 *
 * @param profile The profile.
 * @returns Its file table.
 */
export function fileTable(profile: Profile): FileTable {
  let table = _fileTables.get(profile);
  if (table === undefined) {
    const f = profile.functions;
    const known = new Map<string, Map<string, number>>();
    const files: string[] = [];
    const shortFiles: string[] = [];
    const codes = new Uint32Array(profile.size);
    for (let i = 0; i < profile.size; i++) {
      const file = f.file[i]!;
      const short = f.shortFile[i]!;
      let shorts = known.get(file);
      if (shorts === undefined) known.set(file, shorts = new Map());
      let code = shorts.get(short);
      if (code === undefined) {
        code = files.length;
        shorts.set(short, code);
        files.push(file);
        shortFiles.push(short);
      }
      codes[i] = code;
    }
    table = { files, shortFiles, codes };
    _fileTables.set(profile, table);
  }
  return table;
}
