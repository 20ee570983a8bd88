/**
 * A call tree estimated from a profile's caller→callee edges, for flame
 * graphs and folded stacks.
 *
 * pstats files keep edges, not stacks, so the tree is an estimate:
 *
 * - The roots are the functions nobody calls (or only functions never
 *   called, like the `profile` module's `profiler`), and the functions called more
 *   often than their recorded callers account for (the top-level `exec` of
 *   `python -m cProfile`: the imports it runs call it again, so it has
 *   callers, yet its outermost call has none).
 * - A path ending in `f` with value `v` gives each callee `g` the share
 *   `v × ct(f→g) / ct(f)`, but never more in all than `v` minus `f`'s own
 *   share (`v × tt(f) / ct(f)`): where recursion through other functions
 *   makes the callees' edge times add up to more, they are scaled down —
 *   except below a root called again from inside its own outermost call
 *   (`exec`, run again by the imports), where the largest callees are
 *   served first: the outer call's callee (the program's `<module>`) holds
 *   the inner calls' callees already.
 * - A function already on the path is not entered again.
 * - Files without edge times (the `profile` module) estimate an edge's time
 *   as the callee's time times the edge's share of its calls; sampled files
 *   count samples instead of seconds (cumulative, direct, and per edge).
 * - Branches under a threshold (`minShare` of the total) are cut, and
 *   nothing is lost by cutting: the cut children of a frame become one
 *   `[other]` frame when together they reach the threshold, otherwise the
 *   frame's own time, so a frame's children and own time always add up to
 *   its value.
 *
 * Where the call graph is a tree (every function has one caller), the
 * result is exact.
 *
 * The tree is columnar, its nodes in depth-first order (a node's subtree is
 * the nodes `i` to `end[i] - 1`), children largest first, laid out left to
 * right from their parent's `start`, so a flame graph draws it with one loop.
 *
 * @module
 */

import { functionLabel } from "./location.ts";
import type { Profile } from "./profile.ts";

/** The function id of the root of {@linkcode buildCallTree}: every root. */
export const ALL: -1 = -1;
/** The function id of an `[other]` frame: cut branches, together. */
export const OTHER: -2 = -2;

/** The default threshold: branches under 0.1% of the total are cut. */
export const DEFAULT_MIN_SHARE = 0.001;

/** Options for building a {@linkcode CallTree}. */
export interface CallTreeOptions {
  /**
   * Cut branches whose value is under this share of the tree's total, 0 to
   * 1 (default {@linkcode DEFAULT_MIN_SHARE}; 0 keeps every branch).
   */
  readonly minShare?: number;
  /**
   * Stop growing the tree at this many nodes (default 1,000,000); frames
   * left unexpanded keep their whole value as their own time.
   */
  readonly maxNodes?: number;
}

/** A call tree; see the module's documentation. */
export interface CallTree {
  /** What the values count: seconds, or samples of a sampled profile. */
  readonly unit: "seconds" | "samples";
  /** Whether the tree grows towards callees or (inverted) towards callers. */
  readonly direction: "callees" | "callers";
  /** The number of nodes. */
  readonly size: number;
  /** The root's value (node 0). */
  readonly total: number;
  /** The deepest node's depth (the root's is 0). */
  readonly maxDepth: number;
  /** Each node's function id, {@linkcode ALL} or {@linkcode OTHER}. */
  readonly fn: Int32Array;
  /** Each node's parent, -1 for the root. */
  readonly parent: Int32Array;
  /** Each node's depth. */
  readonly depth: Int32Array;
  /** One past each node's last descendant. */
  readonly end: Int32Array;
  /** Each node's left edge, in the unit, from the root's left edge. */
  readonly start: Float64Array;
  /** Each node's value: its width. */
  readonly value: Float64Array;
  /** Each node's own part: its value minus its children's. */
  readonly self: Float64Array;
}

/**
 * The call tree of the whole profile: one root node ({@linkcode ALL}) whose
 * children are the profile's roots.
 *
 * @example
 * ```ts
 * import { ALL, buildCallTree } from "./call_tree.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * // main (1 s, 0.25 s of it its own) calls load (0.75 s).
 * const profile = buildProfile([statsFile("run.pstats", [
 *   { key: ["app.py", 1, "main"], calls: 1, primitiveCalls: 1,
 *     internalTime: 0.25, cumulativeTime: 1 },
 *   { key: ["app.py", 9, "load"], calls: 1, primitiveCalls: 1,
 *     internalTime: 0.75, cumulativeTime: 0.75,
 *     callers: [{ key: ["app.py", 1, "main"], calls: 1, primitiveCalls: 1,
 *       internalTime: 0.75, cumulativeTime: 0.75 }] },
 * ])]);
 * const tree = buildCallTree(profile);
 * assertEquals([...tree.fn], [ALL, 0, 1]);
 * assertEquals([...tree.value], [1, 1, 0.75]);
 * assertEquals([...tree.self], [0, 0.25, 0.75]);
 * ```
 *
 * @param profile The profile.
 * @param options The threshold.
 * @returns The tree.
 */
export function buildCallTree(
  profile: Profile,
  options: CallTreeOptions = {},
): CallTree {
  const m = _measures(profile);
  const { roots } = _roots(profile, m);
  let total = 0;
  for (const [, value] of roots) total += value;
  const builder = new _Builder(profile, m, "callees", total, options);
  builder.fillLargestFirst(_roots(profile, m).reentered);
  builder.grow(ALL, total, [...roots]);
  return builder.finish();
}

/**
 * The tree of what one function calls, rooted at it: its value is all of the
 * function's time, merging every path that reaches it.
 *
 * @example
 * ```ts
 * import { calleeTree } from "./call_tree.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const profile = buildProfile([statsFile("run.pstats", [
 *   { key: ["app.py", 1, "main"], calls: 1, primitiveCalls: 1,
 *     internalTime: 0.25, cumulativeTime: 1 },
 *   { key: ["app.py", 9, "load"], calls: 1, primitiveCalls: 1,
 *     internalTime: 0.75, cumulativeTime: 0.75,
 *     callers: [{ key: ["app.py", 1, "main"], calls: 1, primitiveCalls: 1,
 *       internalTime: 0.75, cumulativeTime: 0.75 }] },
 * ])]);
 * assertEquals([...calleeTree(profile, 1).fn], [1]);
 * assertEquals([...calleeTree(profile, 0).value], [1, 0.75]);
 * ```
 *
 * @param profile The profile.
 * @param fn The function's id.
 * @param options The threshold.
 * @returns The tree, with `fn` at node 0.
 * @throws {RangeError} When the profile has no function `fn`.
 */
export function calleeTree(
  profile: Profile,
  fn: number,
  options: CallTreeOptions = {},
): CallTree {
  return _functionTree(profile, fn, "callees", options);
}

/**
 * The inverted tree of who calls one function, up to the roots: node 0 is
 * the function with all of its time; each node's children are its callers,
 * sharing the node's value by the time each spent calling it; a node's own
 * part is the time it was called from nowhere recorded (it is a root there).
 *
 * @example
 * ```ts
 * import { callerTree } from "./call_tree.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * // load (0.75 s) is called by main for 0.5 s and by test for 0.25 s.
 * const call = (line: number, name: string, time: number) => ({
 *   key: ["app.py", line, name] as const,
 *   calls: 1,
 *   primitiveCalls: 1,
 *   internalTime: time,
 *   cumulativeTime: time,
 * });
 * const profile = buildProfile([statsFile("run.pstats", [
 *   { ...call(1, "main", 0.5), internalTime: 0 },
 *   { ...call(5, "test", 0.25), internalTime: 0 },
 *   {
 *     ...call(9, "load", 0.75),
 *     calls: 2,
 *     primitiveCalls: 2,
 *     callers: [call(1, "main", 0.5), call(5, "test", 0.25)],
 *   },
 * ])]);
 * const tree = callerTree(profile, 2);
 * assertEquals([...tree.fn], [2, 0, 1]);
 * assertEquals([...tree.value], [0.75, 0.5, 0.25]);
 * ```
 *
 * @param profile The profile.
 * @param fn The function's id.
 * @param options The threshold.
 * @returns The tree, with `fn` at node 0.
 * @throws {RangeError} When the profile has no function `fn`.
 */
export function callerTree(
  profile: Profile,
  fn: number,
  options: CallTreeOptions = {},
): CallTree {
  return _functionTree(profile, fn, "callers", options);
}

/** The tree of one function's callees or callers, rooted at it. */
function _functionTree(
  profile: Profile,
  fn: number,
  direction: "callees" | "callers",
  options: CallTreeOptions,
): CallTree {
  _checkFunction(profile, fn);
  const m = _measures(profile);
  const value = m.total[fn]!;
  const builder = new _Builder(profile, m, direction, value, options);
  const roots = _roots(profile, m);
  if (direction === "callees") builder.fillLargestFirst(roots.reentered);
  else builder.skip(roots.nested);
  builder.grow(fn, value, null);
  return builder.finish();
}

/** Options for {@linkcode collapsedStacks}. */
export interface CollapsedOptions {
  /**
   * Which nodes to keep: a path is printed when one of its frames is kept
   * (see {@linkcode pathsThrough}). Default: every path.
   */
  readonly keep?: Uint8Array;
}

/**
 * The tree as "folded stacks", the text format of flamegraph.pl, inferno and
 * speedscope: one line per path, `root;child;grandchild weight`, each frame
 * `file:line(function)` with the short file (`{built-in method …}` for a
 * built-in), the weight the path's own part in whole microseconds (samples
 * for a sampled profile). Paths whose weight rounds to 0 are left out.
 *
 * @example
 * ```ts
 * import { buildCallTree, collapsedStacks } from "./call_tree.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const profile = buildProfile([statsFile("run.pstats", [
 *   { key: ["app.py", 1, "main"], calls: 1, primitiveCalls: 1,
 *     internalTime: 0.25, cumulativeTime: 1 },
 *   { key: ["app.py", 9, "load"], calls: 1, primitiveCalls: 1,
 *     internalTime: 0.75, cumulativeTime: 0.75,
 *     callers: [{ key: ["app.py", 1, "main"], calls: 1, primitiveCalls: 1,
 *       internalTime: 0.75, cumulativeTime: 0.75 }] },
 * ])]);
 * assertEquals([...collapsedStacks(profile, buildCallTree(profile))], [
 *   "app.py:1(main) 250000\n",
 *   "app.py:1(main);app.py:9(load) 750000\n",
 * ]);
 * ```
 *
 * @param profile The profile the tree was built from.
 * @param tree The tree.
 * @param options Which paths to keep.
 * @returns The lines, each ending in a newline.
 */
export function* collapsedStacks(
  profile: Profile,
  tree: CallTree,
  options: CollapsedOptions = {},
): Generator<string> {
  const scale = tree.unit === "seconds" ? 1e6 : 1;
  const keep = options.keep;
  const path: string[] = [];
  const kept: boolean[] = [];
  for (let i = 0; i < tree.size; i++) {
    const d = tree.depth[i]!;
    path.length = d;
    kept.length = d;
    const fn = tree.fn[i]!;
    path.push(fn === ALL ? "" : frameLabel(profile, fn));
    kept.push((d > 0 && kept[d - 1]!) || (keep !== undefined && keep[i] === 1));
    const weight = Math.round(tree.self[i]! * scale);
    if (weight <= 0 || fn === ALL) continue;
    if (keep !== undefined && !kept[d]) continue;
    const frames = tree.fn[0] === ALL ? path.slice(1) : path;
    yield `${frames.join(";")} ${weight}\n`;
  }
}

/**
 * A frame's label in folded stacks: `file:line(function)` with the short
 * file, a built-in's name, or `[other]`; `;` and line breaks, which the
 * format cannot hold, become `,` and spaces.
 *
 * @example
 * ```ts
 * import { frameLabel, OTHER } from "./call_tree.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const profile = buildProfile([statsFile("run.pstats", [
 *   { key: ["/srv/app.py", 3, "a;b"], calls: 1, primitiveCalls: 1,
 *     internalTime: 1, cumulativeTime: 1 },
 *   { key: ["~", 0, "<built-in method builtins.len>"], calls: 1,
 *     primitiveCalls: 1, internalTime: 1, cumulativeTime: 1 },
 * ])], { cwd: "/srv" });
 * assertEquals(frameLabel(profile, 0), "app.py:3(a,b)");
 * assertEquals(frameLabel(profile, 1), "{built-in method builtins.len}");
 * assertEquals(frameLabel(profile, OTHER), "[other]");
 * ```
 *
 * @param profile The profile.
 * @param fn A function id or {@linkcode OTHER}.
 * @returns The label.
 */
export function frameLabel(profile: Profile, fn: number): string {
  if (fn === OTHER) return "[other]";
  if (fn === ALL) return "all";
  const f = profile.functions;
  return functionLabel(f.shortFile[fn]!, f.line[fn]!, f.name[fn]!)
    .replace(/;/g, ",").replace(/[\r\n]+/g, " ");
}

/**
 * Marks the nodes whose function is one of `functions`, and sums the value
 * of the marked nodes that have no marked ancestor: the share of the tree
 * spent in those functions, counting nested calls once.
 *
 * @example
 * ```ts
 * import { buildCallTree, pathsThrough } from "./call_tree.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const profile = buildProfile([statsFile("run.pstats", [
 *   { key: ["app.py", 1, "main"], calls: 1, primitiveCalls: 1,
 *     internalTime: 0.25, cumulativeTime: 1 },
 *   { key: ["app.py", 9, "load"], calls: 1, primitiveCalls: 1,
 *     internalTime: 0.75, cumulativeTime: 0.75,
 *     callers: [{ key: ["app.py", 1, "main"], calls: 1, primitiveCalls: 1,
 *       internalTime: 0.75, cumulativeTime: 0.75 }] },
 * ])]);
 * const tree = buildCallTree(profile);
 * const { marked, value } = pathsThrough(tree, Uint32Array.of(1));
 * assertEquals([...marked], [0, 0, 1]);
 * assertEquals(value, 0.75);
 * ```
 *
 * @param tree The tree.
 * @param functions The function ids to look for.
 * @returns The marks (1 per marked node) and the value they cover.
 */
export function pathsThrough(
  tree: CallTree,
  functions: ArrayLike<number>,
): { marked: Uint8Array; value: number } {
  const wanted = new Set<number>();
  for (let i = 0; i < functions.length; i++) wanted.add(functions[i]!);
  const marked = new Uint8Array(tree.size);
  let value = 0;
  let coveredUntil = 0;
  for (let i = 0; i < tree.size; i++) {
    if (!wanted.has(tree.fn[i]!)) continue;
    marked[i] = 1;
    if (i >= coveredUntil) {
      value += tree.value[i]!;
      coveredUntil = tree.end[i]!;
    }
  }
  return { marked, value };
}

// ---------------------------------------------------------------- internals

/** What the tree measures of each function and edge, in its unit. */
interface _Measures {
  readonly unit: "seconds" | "samples";
  /** A function's total (cumulative time or samples). */
  readonly total: Float64Array;
  /** A function's own part (internal time, or direct samples). */
  readonly self: Float64Array;
  /** An edge's total: the callee's total on behalf of the caller. */
  readonly edge: Float64Array;
}

const _measuresCache = new WeakMap<Profile, _Measures>();

function _measures(profile: Profile): _Measures {
  const cached = _measuresCache.get(profile);
  if (cached !== undefined) return cached;
  const f = profile.functions;
  const e = profile.edges;
  let m: _Measures;
  if (profile.sampled) {
    m = {
      unit: "samples",
      total: f.calls,
      self: f.primitiveCalls,
      edge: e.calls,
    };
  } else if (profile.edgeDetail) {
    m = {
      unit: "seconds",
      total: f.cumulativeTime,
      self: f.internalTime,
      edge: e.cumulativeTime,
    };
  } else {
    // Only calls per edge: the callee's time, shared by its callers' calls.
    // A recursive function's time is all in its outermost calls: shared by
    // the callers it does not reach itself (its nested calls come from
    // those it does, and their time is part of the outermost calls').
    const edge = new Float64Array(e.callee.length);
    const seen = new Int32Array(profile.size).fill(-1);
    let checked = 0;
    for (let g = 0; g < profile.size; g++) {
      const from = profile.callerStart[g]!;
      const to = profile.callerStart[g + 1]!;
      let calls = f.calls[g]!;
      const recursive = f.primitiveCalls[g]! < calls &&
        checked++ < _MAX_CHECKED_ROOTS;
      if (recursive) {
        _reach(profile, g, seen);
        calls = 0;
        for (let i = from; i < to; i++) {
          const id = profile.callerEdges[i]!;
          if (seen[e.caller[id]!] !== g) calls += e.calls[id]!;
        }
      }
      for (let i = from; i < to; i++) {
        const id = profile.callerEdges[i]!;
        const nested = recursive && seen[e.caller[id]!] === g;
        const share = nested
          ? e.calls[id]! / f.calls[g]!
          : e.calls[id]! / calls;
        edge[id] = calls > 0 ? f.cumulativeTime[g]! * share : 0;
      }
    }
    m = {
      unit: "seconds",
      total: f.cumulativeTime,
      self: f.internalTime,
      edge,
    };
  }
  _measuresCache.set(profile, m);
  return m;
}

/** How many candidate roots with callers get their callers checked. */
const _MAX_CHECKED_ROOTS = 64;

/**
 * The roots and their values, largest first: functions without callers
 * (their whole total), and functions called more often than their callers
 * account for (their total minus what callers outside their own subtree
 * account for).
 */
/** A profile's roots, and the edges that are no real calls into a root. */
interface _Roots {
  /** Root functions and their values, largest first. */
  readonly roots: readonly [number, number][];
  /**
   * 1 for an edge from a caller never called, or into a root from inside its
   * own outermost call (exec ← imports ← exec): inverted trees skip them.
   */
  readonly nested: Uint8Array;
  /**
   * 1 for a root called again from inside its own outermost call (exec):
   * its callee edges mix the outer call's callees with the inner calls'.
   */
  readonly reentered: Uint8Array;
}

const _rootsCache = new WeakMap<Profile, _Roots>();

function _roots(profile: Profile, m: _Measures): _Roots {
  const cached = _rootsCache.get(profile);
  if (cached !== undefined) return cached;
  const f = profile.functions;
  const e = profile.edges;
  const edges = e.caller.length;
  const roots: [number, number][] = [];
  const nested = new Uint8Array(edges);
  const reentered = new Uint8Array(profile.size);
  // Calls into each function from callers that were called themselves (the
  // profile module's `profile:0(profiler)` never is): one pass over edges.
  const callsInto = new Float64Array(profile.size);
  const callers = new Uint32Array(profile.size);
  const fCalls = f.calls;
  const { caller, callee, calls } = e;
  for (let edge = 0; edge < edges; edge++) {
    if (fCalls[caller[edge]!] === 0) {
      nested[edge] = 1;
      continue;
    }
    const g = callee[edge]!;
    callsInto[g]! += calls[edge]!;
    callers[g]!++;
  }
  const seen = new Int32Array(profile.size).fill(-1);
  let checked = 0;
  for (let fn = 0; fn < profile.size; fn++) {
    if (callers[fn] === 0) {
      if (m.total[fn]! > 0) roots.push([fn, m.total[fn]!]);
      continue;
    }
    if (fCalls[fn]! <= callsInto[fn]!) continue;
    // Callers that the function itself (transitively) calls are calls made
    // inside its outermost call: their time is part of it already.
    const inside = checked++ < _MAX_CHECKED_ROOTS
      ? _reach(profile, fn, seen)
      : undefined;
    let value = m.total[fn]!;
    const to = profile.callerStart[fn + 1]!;
    for (let i = profile.callerStart[fn]!; i < to; i++) {
      const edge = profile.callerEdges[i]!;
      if (nested[edge] === 1) continue;
      if (inside !== undefined && seen[caller[edge]!] === fn) {
        nested[edge] = 1;
        reentered[fn] = 1;
        continue;
      }
      value -= m.edge[edge]!;
    }
    if (value > m.total[fn]! * 1e-9) roots.push([fn, value]);
  }
  roots.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  const result = { roots, nested, reentered };
  _rootsCache.set(profile, result);
  return result;
}

/** Marks `seen[g] = fn` for every function `fn` reaches through callees. */
function _reach(profile: Profile, fn: number, seen: Int32Array): true {
  const stack = [fn];
  seen[fn] = fn;
  while (stack.length > 0) {
    const g = stack.pop()!;
    const to = profile.calleeStart[g + 1]!;
    for (let i = profile.calleeStart[g]!; i < to; i++) {
      const h = profile.edges.callee[profile.calleeEdges[i]!]!;
      if (seen[h] !== fn) {
        seen[h] = fn;
        stack.push(h);
      }
    }
  }
  return true;
}

function _checkFunction(profile: Profile, fn: number): void {
  if (!Number.isInteger(fn) || fn < 0 || fn >= profile.size) {
    throw new RangeError(
      `Cannot build a call tree of function ${fn}: the profile has ${profile.size} functions`,
    );
  }
}

/** A node waiting to be added: its function, value, parent and start. */
interface _Pending {
  fn: number;
  value: number;
  parent: number;
  depth: number;
  start: number;
  /** The children given, for the root of the whole profile. */
  children: [number, number][] | null;
}

/** Grows a tree depth-first, in columns that double as they fill. */
class _Builder {
  readonly #profile: Profile;
  readonly #m: _Measures;
  readonly #direction: "callees" | "callers";
  readonly #threshold: number;
  readonly #maxNodes: number;
  #skip: Uint8Array | undefined;
  #largestFirst: Uint8Array | undefined;
  #size = 0;
  #maxDepth = 0;
  #fn = new Int32Array(64);
  #parent = new Int32Array(64);
  #depth = new Int32Array(64);
  #end = new Int32Array(64);
  #start = new Float64Array(64);
  #value = new Float64Array(64);
  #self = new Float64Array(64);

  constructor(
    profile: Profile,
    m: _Measures,
    direction: "callees" | "callers",
    total: number,
    options: CallTreeOptions,
  ) {
    const minShare = options.minShare ?? DEFAULT_MIN_SHARE;
    if (!(minShare >= 0 && minShare <= 1)) {
      throw new RangeError(
        `Cannot cut branches under a share of ${minShare}: it must be between 0 and 1`,
      );
    }
    this.#profile = profile;
    this.#m = m;
    this.#direction = direction;
    this.#threshold = minShare * total;
    this.#maxNodes = options.maxNodes ?? 1_000_000;
  }

  /** Leaves out the marked edges. */
  skip(edges: Uint8Array): void {
    this.#skip = edges;
  }

  /**
   * For the marked functions, hands out an over-spent budget to the largest
   * callees first instead of scaling every callee down.
   */
  fillLargestFirst(functions: Uint8Array): void {
    this.#largestFirst = functions;
  }

  grow(fn: number, value: number, children: [number, number][] | null): void {
    const onPath = new Uint8Array(this.#profile.size);
    const path: number[] = [];
    const stack: _Pending[] = [
      { fn, value, parent: -1, depth: 0, start: 0, children },
    ];
    while (stack.length > 0) {
      const node = stack.pop()!;
      while (path.length > node.depth) {
        const gone = path.pop()!;
        if (gone >= 0) onPath[gone] = 0;
      }
      const id = this.#add(node);
      path.push(node.fn);
      if (node.fn >= 0) onPath[node.fn] = 1;
      const shares = node.children ?? this.#shares(node.fn, node.value, onPath);
      // Children largest first, cut ones gathered.
      let kept: [number, number][] = [];
      let cut = 0;
      for (const share of shares) {
        if (share[1] >= this.#threshold && share[1] > 0) kept.push(share);
        else cut += share[1];
      }
      if (this.#size + stack.length + kept.length >= this.#maxNodes) {
        cut += kept.reduce((sum, [, v]) => sum + v, 0);
        kept = [];
      }
      kept.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
      // The root of every root has no time of its own: what is cut of it
      // is always an [other] frame.
      if (
        cut > 0 &&
        (node.fn === ALL || (cut >= this.#threshold && kept.length > 0))
      ) {
        kept.push([OTHER, cut]);
        cut = 0;
      }
      let start = node.start;
      let given = 0;
      const pending: _Pending[] = [];
      for (const [g, v] of kept) {
        pending.push({
          fn: g,
          value: v,
          parent: id,
          depth: node.depth + 1,
          start,
          children: null,
        });
        start += v;
        given += v;
      }
      this.#self[id] = Math.max(0, node.value - given);
      for (let i = pending.length - 1; i >= 0; i--) stack.push(pending[i]!);
    }
    // Subtree ends: a node's subtree ends where the next node at its depth or
    // shallower begins.
    const open: number[] = [];
    for (let i = 0; i < this.#size; i++) {
      const d = this.#depth[i]!;
      while (open.length > d) this.#end[open.pop()!] = i;
      open.push(i);
    }
    for (const i of open) this.#end[i] = this.#size;
  }

  /** The shares of a node's children (callees or callers) not on the path. */
  #shares(fn: number, value: number, onPath: Uint8Array): [number, number][] {
    if (fn < 0) return [];
    const p = this.#profile;
    const m = this.#m;
    const base = m.total[fn]!;
    if (!(base > 0) || !(value > 0)) return [];
    const callees = this.#direction === "callees";
    const starts = callees ? p.calleeStart : p.callerStart;
    const edges = callees ? p.calleeEdges : p.callerEdges;
    const other = callees ? p.edges.callee : p.edges.caller;
    const byFunction = new Map<number, number>();
    let sum = 0;
    const to = starts[fn + 1]!;
    for (let i = starts[fn]!; i < to; i++) {
      const edge = edges[i]!;
      const g = other[edge]!;
      if (onPath[g] === 1 || this.#skip?.[edge] === 1) continue;
      const share = value * m.edge[edge]! / base;
      if (!(share > 0)) continue;
      byFunction.set(g, (byFunction.get(g) ?? 0) + share);
      sum += share;
    }
    const own = callees ? value * Math.min(1, m.self[fn]! / base) : 0;
    const budget = Math.max(0, value - own);
    const shares: [number, number][] = [...byFunction];
    if (sum <= budget) return shares;
    if (this.#largestFirst?.[fn] === 1) {
      // A re-entered root (exec, whose imports run exec again): its outer
      // call made the largest call (the program's <module>); the rest of
      // the edges' time is the inner calls', already inside that one.
      shares.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
      let left = budget;
      for (const share of shares) {
        share[1] = Math.min(share[1], left);
        left -= share[1];
      }
      return shares;
    }
    const scale = budget / sum;
    for (const share of shares) share[1] *= scale;
    return shares;
  }

  #add(node: _Pending): number {
    if (this.#size === this.#fn.length) this.#grow();
    const id = this.#size++;
    this.#fn[id] = node.fn;
    this.#parent[id] = node.parent;
    this.#depth[id] = node.depth;
    this.#start[id] = node.start;
    this.#value[id] = node.value;
    if (node.depth > this.#maxDepth) this.#maxDepth = node.depth;
    return id;
  }

  #grow(): void {
    const n = this.#fn.length * 2;
    const grow = <T extends Int32Array | Float64Array>(a: T, b: T): T => {
      b.set(a);
      return b;
    };
    this.#fn = grow(this.#fn, new Int32Array(n));
    this.#parent = grow(this.#parent, new Int32Array(n));
    this.#depth = grow(this.#depth, new Int32Array(n));
    this.#end = grow(this.#end, new Int32Array(n));
    this.#start = grow(this.#start, new Float64Array(n));
    this.#value = grow(this.#value, new Float64Array(n));
    this.#self = grow(this.#self, new Float64Array(n));
  }

  finish(): CallTree {
    const n = this.#size;
    return {
      unit: this.#m.unit,
      direction: this.#direction,
      size: n,
      total: n > 0 ? this.#value[0]! : 0,
      maxDepth: this.#maxDepth,
      fn: this.#fn.slice(0, n),
      parent: this.#parent.slice(0, n),
      depth: this.#depth.slice(0, n),
      end: this.#end.slice(0, n),
      start: this.#start.slice(0, n),
      value: this.#value.slice(0, n),
      self: this.#self.slice(0, n),
    };
  }
}
