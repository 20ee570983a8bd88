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

import { builtinName, isBuiltin, shortenPath } from "./location.ts";

/** The per-function columns of a {@linkcode Profile}. Index = function id. */
export interface FunctionColumns {
  /** The file as stored (`~` for built-ins). */
  readonly file: readonly string[];
  /** The file shortened for display (see `shortenPath()`). */
  readonly shortFile: readonly string[];
  /** The first line (0 for built-ins). */
  readonly line: Int32Array;
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
 * Makes a {@linkcode Profile} from its parts: computes the totals and the
 * caller and callee indexes.
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
 * @returns The profile.
 */
export function createProfile(parts: ProfileParts): Profile {
  const f = parts.functions;
  const size = f.name.length;
  let calls = 0;
  let primitiveCalls = 0;
  let time = 0;
  for (let i = 0; i < size; i++) {
    calls += f.calls[i]!;
    primitiveCalls += f.primitiveCalls[i]!;
    time += f.internalTime[i]!;
  }
  const [callerStart, callerEdges] = _group(parts.edges.callee, size);
  const [calleeStart, calleeEdges] = _group(parts.edges.caller, size);
  return {
    ...parts,
    size,
    totals: { calls, primitiveCalls, time },
    callerStart,
    callerEdges,
    calleeStart,
    calleeEdges,
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

/** One function's entry as read from a pstats file. */
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
  /** The callers. */
  readonly callerKeys: readonly FunctionKey[];
  /**
   * Four numbers per caller, in the order of `callerKeys`: calls, primitive
   * calls, internal time, cumulative time.
   */
  readonly callerStats: readonly number[];
}

/** The contents of one pstats file, ready to be merged into a profile. */
export interface StatsFile {
  /** The file's name, for display. */
  readonly source: string;
  /** Whether it holds samples. */
  readonly sampled: boolean;
  /** Whether its edges carry primitive calls and times. */
  readonly edgeDetail: boolean;
  /** Its functions, in the order they were stored. */
  readonly entries: readonly StatsEntry[];
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
 * first met, so the same files always give the same ids. A function that
 * appears only as a caller gets an entry with zero numbers.
 *
 * @example
 * ```ts
 * import { buildProfile } from "./profile.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const main = ["app.py", 1, "main"] as const;
 * const run = (calls: number) => ({
 *   source: "run.pstats",
 *   sampled: false,
 *   edgeDetail: true,
 *   entries: [{
 *     key: main,
 *     calls,
 *     primitiveCalls: calls,
 *     internalTime: 0.5,
 *     cumulativeTime: 0.5,
 *     callerKeys: [],
 *     callerStats: [],
 *   }],
 * });
 * const profile = buildProfile([run(1), run(2)]);
 * assertEquals(profile.size, 1);
 * assertEquals(profile.functions.calls[0], 3);
 * assertEquals(profile.totals.time, 1);
 * ```
 *
 * @param files The files' contents, from `readPstats()`.
 * @param options Where paths are shown relative to.
 * @returns The merged profile.
 * @throws {TypeError} When sampled and traced files are mixed.
 */
export function buildProfile(
  files: readonly StatsFile[],
  options: BuildProfileOptions = {},
): Profile {
  const sampled = files.length > 0 && files.every((f) => f.sampled);
  if (!sampled && files.some((f) => f.sampled)) {
    throw new TypeError(
      "Cannot merge a sampled profile with a traced one: their numbers mean different things",
    );
  }
  const builder = new _Builder(options.cwd);
  for (const file of files) builder.add(file);
  return builder.finish(
    files.map((f) => f.source),
    sampled,
    files.every((f) => f.edgeDetail),
  );
}

class _Builder {
  readonly cwd: string | undefined;
  readonly byIdentity = new Map<FunctionKey, number>();
  readonly byText = new Map<string, number>();
  readonly shortFiles = new Map<string, string>();
  file: string[] = [];
  shortFile: string[] = [];
  line: number[] = [];
  name: string[] = [];
  stats: number[] = [];
  edgeIds = new Map<number, number>();
  edgeCaller: number[] = [];
  edgeCallee: number[] = [];
  edgeStats: number[] = [];
  merging = false;

  constructor(cwd: string | undefined) {
    this.cwd = cwd;
  }

  id(key: FunctionKey): number {
    const known = this.byIdentity.get(key);
    if (known !== undefined) return known;
    const [file, line, name] = key;
    const text = `${file}\0${line}\0${name}`;
    let id = this.byText.get(text);
    if (id === undefined) {
      id = this.name.length;
      this.byText.set(text, id);
      this.file.push(file);
      let short = this.shortFiles.get(file);
      if (short === undefined) {
        short = isBuiltin(file, line) ? "~" : shortenPath(file, this.cwd);
        this.shortFiles.set(file, short);
      }
      this.shortFile.push(short);
      this.line.push(line);
      this.name.push(name);
      this.stats.push(0, 0, 0, 0);
    }
    this.byIdentity.set(key, id);
    return id;
  }

  add(file: StatsFile): void {
    this.byIdentity.clear();
    const { stats, edgeStats } = this;
    for (const entry of file.entries) {
      const callee = this.id(entry.key);
      _add4(
        stats,
        callee * 4,
        entry.calls,
        entry.primitiveCalls,
        entry.internalTime,
        entry.cumulativeTime,
      );
      const keys = entry.callerKeys;
      const numbers = entry.callerStats;
      for (let c = 0; c < keys.length; c++) {
        const caller = this.id(keys[c]!);
        let edge = -1;
        if (this.merging) {
          edge = this.edgeIds.get(callee * 0x100000000 + caller) ?? -1;
        }
        if (edge < 0) {
          edge = this.edgeCaller.length;
          this.edgeCaller.push(caller);
          this.edgeCallee.push(callee);
          edgeStats.push(0, 0, 0, 0);
        }
        _add4(
          edgeStats,
          edge * 4,
          numbers[c * 4]!,
          numbers[c * 4 + 1]!,
          numbers[c * 4 + 2]!,
          numbers[c * 4 + 3]!,
        );
      }
    }
    // Later files must find the edges this one made.
    if (!this.merging) {
      this.merging = true;
      for (let e = 0; e < this.edgeCaller.length; e++) {
        this.edgeIds.set(
          this.edgeCallee[e]! * 0x100000000 + this.edgeCaller[e]!,
          e,
        );
      }
    } else {
      for (let e = this.edgeIds.size; e < this.edgeCaller.length; e++) {
        this.edgeIds.set(
          this.edgeCallee[e]! * 0x100000000 + this.edgeCaller[e]!,
          e,
        );
      }
    }
  }

  finish(sources: string[], sampled: boolean, edgeDetail: boolean): Profile {
    const n = this.name.length;
    const [calls, primitiveCalls, internalTime, cumulativeTime] = _columns(
      this.stats,
      n,
    );
    const m = this.edgeCaller.length;
    const [eCalls, ePrimitive, eInternal, eCumulative] = _columns(
      this.edgeStats,
      m,
    );
    return createProfile({
      sources,
      sampled,
      edgeDetail,
      functions: {
        file: this.file,
        shortFile: this.shortFile,
        line: Int32Array.from(this.line),
        name: this.name,
        calls,
        primitiveCalls,
        internalTime,
        cumulativeTime,
      },
      edges: {
        caller: Uint32Array.from(this.edgeCaller),
        callee: Uint32Array.from(this.edgeCallee),
        calls: eCalls,
        primitiveCalls: ePrimitive,
        internalTime: eInternal,
        cumulativeTime: eCumulative,
      },
    });
  }
}

function _add4(
  into: number[],
  at: number,
  a: number,
  b: number,
  c: number,
  d: number,
): void {
  into[at] = into[at]! + a;
  into[at + 1] = into[at + 1]! + b;
  into[at + 2] = into[at + 2]! + c;
  into[at + 3] = into[at + 3]! + d;
}

function _columns(
  interleaved: number[],
  n: number,
): [Float64Array, Float64Array, Float64Array, Float64Array] {
  const columns: [Float64Array, Float64Array, Float64Array, Float64Array] = [
    new Float64Array(n),
    new Float64Array(n),
    new Float64Array(n),
    new Float64Array(n),
  ];
  for (let i = 0; i < n; i++) {
    columns[0][i] = interleaved[i * 4]!;
    columns[1][i] = interleaved[i * 4 + 1]!;
    columns[2][i] = interleaved[i * 4 + 2]!;
    columns[3][i] = interleaved[i * 4 + 3]!;
  }
  return columns;
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
