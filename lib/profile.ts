/**
 * The profile model: every function with its numbers, every caller→callee
 * edge with the numbers of that edge, and the totals.
 *
 * The model is columnar (one typed array per number) so that a profile of
 * hundreds of thousands of functions stays small, sorts fast and can be sent
 * to a browser as a few buffers. A function's id is its index in these
 * columns; an edge's id is its index in the edge columns.
 *
 * Profiles are read from pstats files by `lib/pstats/` (which builds them in
 * `lib/pstats/build.ts`); `createProfile()` makes one from columns at hand.
 *
 * @module
 */

import { shownText } from "./escape.ts";
import { builtinName, isBuiltin } from "./location.ts";

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
  /**
   * How many times the files held that were not finite numbers of seconds
   * (NaN, infinities, or beyond ±10^15 s) and were read as 0
   * (`ProfileBuilder` in `lib/pstats/build.ts` does): absent when none.
   */
  readonly clampedTimes?: number;
}

/**
 * A loaded profile. Make one with `buildProfile()` (`lib/pstats/build.ts`)
 * or {@linkcode createProfile}.
 */
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
 * @param files The profile's {@linkcode FileTable}, when it was worked out
 * while the columns were made (`ProfileBuilder` does, as it shortens every
 * file), kept for {@linkcode fileTable}.
 * @returns The profile.
 */
export function createProfile(
  parts: ProfileParts,
  totals?: ProfileTotals,
  files?: FileTable,
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
  if (files !== undefined) _fileTables.set(profile, files);
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

/**
 * A function's location as shown in tables: `short/path.py:12` followed by
 * nothing for built-ins, whose whole label is their name. Files and names
 * longer than any real one are cut (`shownText()`).
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
  const name = shownText(f.name[id]!);
  if (isBuiltin(file, line)) return { location: "", name: builtinName(name) };
  return { location: `${shownText(f.shortFile[id]!)}:${line}`, name };
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
 * building it when it was built by `ProfileBuilder` (which looks
 * every file up anyway), else worked out once and kept.
 *
 * @example
 * ```ts
 * import { fileTable } from "./profile.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
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
