/**
 * What the call tree (`lib/call_tree.ts`) knows of a profile: each
 * function's time and own time, each caller→callee edge's time, which
 * functions recurse, the strongly connected parts of the call graph, and
 * the roots, all in one unit (seconds, or samples of a sampled profile)
 * and cleaned of numbers no profiler can mean.
 *
 * cProfile's numbers, and what they say about recursion:
 *
 * - A function's `tt` (internal time) counts every call, nested ones too;
 *   its `ct` (cumulative time) counts only its outermost calls (those made
 *   while it was not running already), so `ct` is the time it was on the
 *   stack.
 * - An edge `f → g` counts `ct` only for the calls of `g` from `f` made
 *   while no other call from `f` to `g` was under way: for an edge whose
 *   calls nest (its primitive calls are fewer than its calls), the time is
 *   that of the outermost pairs only. Every other edge's time is exact.
 * - So a function that never nests (`primitive calls == calls`) appears at
 *   most once on any stack, and the time of all its frames is its `ct`; its
 *   edges in and out are exact.
 *
 * The model keeps every edge's recorded time; for an edge whose calls nest
 * it also estimates the time of all its calls as the recorded time times
 * calls over primitive calls (exact for a chain of calls of equal length,
 * more than the truth for branching recursion), which the tree uses as
 * that edge's share in nested frames and as its budget.
 *
 * A function calling itself directly is one frame in the tree (its self
 * edge is left out): cProfile's numbers cannot tell how deep each call
 * went, while one frame with all its levels is exact.
 *
 * @module
 */

import { foldSampledLines } from "./sampled_lines.ts";
import type { Profile } from "./profile.ts";

/** What the call tree knows of a profile; see the module's documentation. */
export interface CallModel {
  /** The profile the function ids refer to (a sampled one's lines folded). */
  readonly profile: Profile;
  /** What the numbers count: seconds, or samples. */
  readonly unit: "seconds" | "samples";
  /** The profile's total: its functions' own times (samples) added up. */
  readonly total: number;
  /** Each function's time (cumulative time or samples). */
  readonly time: Float64Array;
  /** Each function's own time (internal time or direct samples). */
  readonly own: Float64Array;
  /** 1 for a function whose calls nest (it can be on a stack twice). */
  readonly recursive: Uint8Array;
  /** Each function's strongly connected part of the call graph. */
  readonly part: Int32Array;
  /** 1 for a part of more than one function (a cycle through others). */
  readonly cyclic: Uint8Array;
  /** Callees by caller, self edges left out: `calleeStart[f]` to `[f + 1]`. */
  readonly calleeStart: Uint32Array;
  /** Each callee entry's function. */
  readonly callee: Uint32Array;
  /** Each callee entry's recorded time (outermost pairs where calls nest). */
  readonly edgeTime: Float64Array;
  /** Each callee entry's estimated time of all calls (its budget). */
  readonly edgeAll: Float64Array;
  /** 1 for a callee entry whose calls nest. */
  readonly edgeNested: Uint8Array;
  /**
   * Each function's only caller (itself left out), -1 when nothing calls
   * it, -2 when more than one function does.
   */
  readonly onlyCaller: Int32Array;
  /**
   * Each function's share denominator: its time or, where more, its own
   * time plus its callees' edge times (all calls).
   */
  readonly denominator: Float64Array;
  /** Each function's own time plus its callees' recorded edge times. */
  readonly claimed: Float64Array;
  /** Root functions and their values, largest first, adding up to at most the total. */
  readonly roots: readonly (readonly [fn: number, value: number])[];
  /** The part of the total that no root accounts for. */
  readonly unrooted: number;
  /** What was cleaned or clamped, in sentences (empty for a sound file). */
  readonly notes: readonly string[];
}

const _models = new WeakMap<Profile, CallModel>();

/**
 * The model of a profile, computed once per profile.
 *
 * @example
 * ```ts
 * import { callModel } from "./call_model.ts";
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
 * const model = callModel(profile);
 * assertEquals(model.roots, [[0, 1]]);
 * assertEquals([...model.edgeTime], [0.75]);
 * assertEquals(model.onlyCaller[1], 0);
 * ```
 *
 * @param profile The profile.
 * @returns Its model.
 */
export function callModel(profile: Profile): CallModel {
  while (!callModelStep(profile)) { /* the next step */ }
  return _models.get(profile)!;
}

const _steps = new WeakMap<Profile, Generator<void, CallModel>>();

/**
 * Does one step of building a profile's model (each a pass over its
 * functions or edges, so that a page can build it between other work);
 * {@linkcode callModel} then returns it at once.
 *
 * @example
 * ```ts
 * import { callModel, callModelStep } from "./call_model.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assert } from "@std/assert";
 *
 * const profile = buildProfile([statsFile("run.pstats", [
 *   { key: ["app.py", 1, "main"], calls: 1, primitiveCalls: 1,
 *     internalTime: 1, cumulativeTime: 1 },
 * ])]);
 * let steps = 1;
 * while (!callModelStep(profile)) steps++;
 * assert(steps > 1);
 * assert(callModelStep(profile));
 * assert(callModel(profile).total === 1);
 * ```
 *
 * @param profile The profile.
 * @returns Whether the model is built.
 */
export function callModelStep(profile: Profile): boolean {
  if (_models.has(profile)) return true;
  let steps = _steps.get(profile);
  if (steps === undefined) {
    steps = _build(profile);
    _steps.set(profile, steps);
  }
  const step = steps.next();
  if (!step.done) return false;
  _models.set(profile, step.value);
  _steps.delete(profile);
  return true;
}

// ---------------------------------------------------------------- internals

/** A number as a time: 0 unless finite and positive. */
function _clean(value: number): number {
  return value > 0 && value < Infinity ? value : 0;
}

function* _build(given: Profile): Generator<void, CallModel> {
  const profile = given.sampled ? foldSampledLines(given) : given;
  yield;
  const n = profile.size;
  const f = profile.functions;
  const e = profile.edges;
  const sampled = profile.sampled;
  const notes: string[] = [];
  let bad = 0;
  const take = (value: number): number => {
    if (!(value >= 0 && value < Infinity)) bad++;
    return _clean(value);
  };
  const time = new Float64Array(n);
  const own = new Float64Array(n);
  const calls = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    own[i] = take(sampled ? f.primitiveCalls[i]! : f.internalTime[i]!);
    time[i] = take(sampled ? f.calls[i]! : f.cumulativeTime[i]!);
    calls[i] = _clean(f.calls[i]!);
    total += own[i]!;
  }
  // A function's time holds its own: where a writer says less, own it is.
  for (let i = 0; i < n; i++) if (time[i]! < own[i]!) time[i] = own[i]!;
  yield;
  const edges = e.caller.length;
  const edgeTime = new Float64Array(edges);
  const nested = new Uint8Array(edges);
  if (sampled || profile.edgeDetail) {
    for (let k = 0; k < edges; k++) {
      edgeTime[k] = take(sampled ? e.calls[k]! : e.cumulativeTime[k]!);
      nested[k] = !sampled && e.primitiveCalls[k]! < e.calls[k]! ? 1 : 0;
    }
  } else {
    _estimateEdges(profile, time, calls, edgeTime);
  }
  if (bad > 0) {
    notes.push(
      `${bad} ${
        bad === 1 ? "number was" : "numbers were"
      } not a time (negative, infinite or not a number) and counted as 0`,
    );
  }
  yield;
  // An edge cannot take more than its callee's time.
  let clamped = 0;
  for (let k = 0; k < edges; k++) {
    const g = e.callee[k]!;
    if (edgeTime[k]! > time[g]! * (1 + 1e-9)) {
      clamped++;
      edgeTime[k] = time[g]!;
    }
  }
  if (clamped > 0) {
    notes.push(
      `${clamped} caller→callee ${
        clamped === 1 ? "edge claimed" : "edges claimed"
      } more time than the callee took in all, and ${
        clamped === 1 ? "was" : "were"
      } cut to it`,
    );
  }
  yield;
  // Callee lists by caller, self edges left out, duplicates merged.
  const {
    calleeStart,
    list,
    listTime,
    listNested,
    listCalls,
    listPrimitive,
    size,
    selfEdge,
    selfCalls,
  } = yield* _calleeLists(profile, calls, edgeTime, nested);
  const listAll = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    const t = Math.min(listTime[i]!, time[list[i]!]!);
    listTime[i] = t;
    // All calls of a nesting edge: its outermost pairs' time times calls
    // over primitive calls.
    const ratio = listNested[i] === 1 && listPrimitive[i]! > 0
      ? listCalls[i]! / listPrimitive[i]!
      : 1;
    listAll[i] = t * Math.max(1, ratio);
  }
  const callee = list.slice(0, size);
  yield;
  const part = _parts(n, calleeStart, callee);
  yield;
  const partSize = new Uint32Array(n);
  for (let i = 0; i < n; i++) partSize[part[i]!]!++;
  const cyclic = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (partSize[i]! > 1) cyclic[i] = 1;
  const recursive = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const nests = sampled
      ? selfEdge[i] === 1 || cyclic[part[i]!] === 1
      : f.primitiveCalls[i]! < f.calls[i]!;
    recursive[i] = nests ? 1 : 0;
  }
  yield;
  // Callers: the only one, and the calls and time from outside the part.
  const onlyCaller = new Int32Array(n).fill(-1);
  const callsIn = selfCalls.slice();
  const callers = new Uint32Array(n);
  const timeFromOutside = new Float64Array(n);
  for (let a = 0; a < n; a++) {
    if (a % 20_000 === 19_999) yield;
    for (let i = calleeStart[a]!; i < calleeStart[a + 1]!; i++) {
      const g = callee[i]!;
      callsIn[g]! += listCalls[i]!;
      callers[g]!++;
      onlyCaller[g] = onlyCaller[g] === -1 || onlyCaller[g] === a ? a : -2;
      if (part[a] !== part[g]) timeFromOutside[g]! += listTime[i]!;
    }
  }
  // Roots: functions nobody calls; functions called more often than their
  // callers say (the outermost exec of `python -m cProfile`), for the time
  // their callers from outside their part do not account for (callers in
  // their part run inside their outermost call).
  let roots: [number, number][] = [];
  const hasRoot = new Uint8Array(n);
  for (let g = 0; g < n; g++) {
    let value = 0;
    if (callers[g] === 0) value = time[g]!;
    else if (sampled || calls[g]! > callsIn[g]!) {
      value = time[g]! - timeFromOutside[g]!;
      if (value <= time[g]! * 1e-9) value = 0;
    }
    if (value > 0) {
      roots.push([g, value]);
      hasRoot[part[g]!] = 1;
    }
  }
  yield;
  // Parts that nothing outside calls and that hold no root (cycles only):
  // their time (own times and calls out) starts at their largest function.
  const entered = new Uint8Array(n);
  for (let a = 0; a < n; a++) {
    if (a % 20_000 === 19_999) yield;
    for (let i = calleeStart[a]!; i < calleeStart[a + 1]!; i++) {
      if (part[callee[i]!] !== part[a]) entered[part[callee[i]!]!] = 1;
    }
  }
  const partTime = new Float64Array(n);
  const largest = new Int32Array(n).fill(-1);
  for (let a = 0; a < n; a++) {
    if (a % 20_000 === 19_999) yield;
    const p = part[a]!;
    if (entered[p] === 1 || hasRoot[p] === 1) continue;
    partTime[p]! += own[a]!;
    for (let i = calleeStart[a]!; i < calleeStart[a + 1]!; i++) {
      if (part[callee[i]!] !== p) partTime[p]! += listTime[i]!;
    }
    if (largest[p]! < 0 || time[a]! > time[largest[p]!]!) largest[p] = a;
  }
  let cycleRoots = 0;
  for (let p = 0; p < n; p++) {
    if (largest[p]! >= 0 && partTime[p]! > 0) {
      roots.push([largest[p]!, Math.max(partTime[p]!, 0)]);
      cycleRoots++;
    }
  }
  if (cycleRoots > 0) {
    notes.push(
      `${cycleRoots} ${
        cycleRoots === 1 ? "cycle of calls has" : "cycles of calls have"
      } no caller outside ${
        cycleRoots === 1 ? "it" : "them"
      }: each starts at its function with the most time`,
    );
  }
  yield;
  let reached = 0;
  for (const [, v] of roots) reached += v;
  if (total - reached > total * 0.005) {
    // Roots that hold much less than the whole (numbers made up, or a file
    // whose functions' times disagree with their own times): what no root
    // reaches starts at the function with the most time of each part, the
    // parts with the most own time first.
    const partOwn = new Float64Array(n);
    const top = new Int32Array(n).fill(-1);
    for (let a = 0; a < n; a++) {
      const p = part[a]!;
      partOwn[p]! += own[a]!;
      if (top[p]! < 0 || time[a]! > time[top[p]!]!) top[p] = a;
    }
    const parts = [...top.keys()]
      .filter((p) => top[p]! >= 0 && partOwn[p]! > 0)
      .sort((a, b) => partOwn[b]! - partOwn[a]! || a - b);
    const before = reached;
    for (const p of parts) {
      const left = total - reached;
      if (left <= total * 0.005) break;
      const value = Math.min(partOwn[p]!, left);
      roots.push([top[p]!, value]);
      reached += value;
    }
    if (reached > before) {
      notes.push(
        `the roots reach only ${
          (before / total * 100).toFixed(1)
        }% of the total: the rest starts at the function with the most time of each cycle of calls`,
      );
    }
  }
  roots.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  yield;
  const rootTime = new Float64Array(n);
  for (const [g, v] of roots) rootTime[g]! += v;
  _balance(
    n,
    calleeStart,
    callee,
    own,
    time,
    rootTime,
    listTime,
    listAll,
    listNested,
  );
  yield;
  // Each function's share denominator: its time or, where more, its own
  // time and its callees' edges; and what its callees' recorded times
  // claim.
  const denominator = new Float64Array(n);
  const claimed = new Float64Array(n);
  for (let a = 0; a < n; a++) {
    let all = own[a]!;
    let recorded = own[a]!;
    for (let i = calleeStart[a]!; i < calleeStart[a + 1]!; i++) {
      all += listAll[i]!;
      recorded += listTime[i]!;
    }
    denominator[a] = Math.max(time[a]!, all);
    claimed[a] = recorded;
  }
  let rooted = 0;
  for (const [, v] of roots) rooted += v;
  if (rooted > total) {
    // Roots that hold more than the whole (a writer that left out the
    // edge into a program's <module>, or clocks that disagree): each gets
    // its part of the total.
    const scale = total / rooted;
    roots = roots.map(([g, v]) => [g, v * scale]);
    if (rooted > total * 1.005) {
      notes.push(
        `the roots' times add up to ${
          (rooted / total * 100).toFixed(0)
        }% of the total (the file leaves out some calls into them): each was scaled down to its part of the total`,
      );
    }
    rooted = total;
  }
  return {
    profile,
    unit: sampled ? "samples" : "seconds",
    total,
    time,
    own,
    recursive,
    part,
    cyclic,
    calleeStart,
    callee,
    edgeTime: listTime.slice(0, size),
    edgeAll: listAll,
    edgeNested: listNested.slice(0, size),
    onlyCaller,
    denominator,
    claimed,
    roots,
    unrooted: Math.max(0, total - rooted),
    notes,
  };
}

/**
 * Callee lists by caller, self edges left out, duplicates merged, pausing
 * every 20,000 callers.
 */
function* _calleeLists(
  profile: Profile,
  calls: Float64Array,
  edgeTime: Float64Array,
  nested: Uint8Array,
) {
  const n = profile.size;
  const e = profile.edges;
  const sampled = profile.sampled;
  const edges = e.caller.length;
  // The profile's indexes in locals: its properties are slow to look up.
  const byCaller = profile.calleeStart;
  const byCallerEdges = profile.calleeEdges;
  const calleeStart = new Uint32Array(n + 1);
  const slot = new Int32Array(n).fill(-1);
  const list = new Uint32Array(edges);
  const listTime = new Float64Array(edges);
  const listNested = new Uint8Array(edges);
  const listCalls = new Float64Array(edges);
  const listPrimitive = new Float64Array(edges);
  let size = 0;
  const selfEdge = new Uint8Array(n);
  const selfCalls = new Float64Array(n);
  for (let a = 0; a < n; a++) {
    if (a % 20_000 === 19_999) yield;
    calleeStart[a] = size;
    const from = byCaller[a]!;
    const to = byCaller[a + 1]!;
    for (let i = from; i < to; i++) {
      const k = byCallerEdges[i]!;
      const g = e.callee[k]!;
      if (g === a) {
        selfEdge[a] = 1;
        selfCalls[a]! += _clean(e.calls[k]!);
        continue;
      }
      if (calls[a] === 0 && !sampled) continue; // A caller never called.
      let at = slot[g]!;
      if (at < 0) {
        at = size++;
        slot[g] = at;
        list[at] = g;
      }
      listTime[at]! += edgeTime[k]!;
      listNested[at] = listNested[at]! | nested[k]!;
      listCalls[at]! += _clean(e.calls[k]!);
      listPrimitive[at]! += _clean(e.primitiveCalls[k]!);
    }
    for (let i = calleeStart[a]!; i < size; i++) slot[list[i]!] = -1;
  }
  calleeStart[n] = size;
  return {
    calleeStart,
    list,
    listTime,
    listNested,
    listCalls,
    listPrimitive,
    size,
    selfEdge,
    selfCalls,
  };
}

/**
 * Keeps the estimates of nesting edges from sending a function more time
 * than its frames can hold: the time coming into a function's frames (the
 * edges into it, and its time as a root) should not pass its own time plus
 * the edges out of it. An
 * edge whose calls nest is lowered towards its recorded time until it fits
 * (a few passes, as lowering one edge lowers what its caller can hold).
 */
function _balance(
  n: number,
  start: Uint32Array,
  callee: Uint32Array,
  own: Float64Array,
  time: Float64Array,
  rootTime: Float64Array,
  recorded: Float64Array,
  all: Float64Array,
  nested: Uint8Array,
): void {
  const edges = callee.length;
  // The nesting edges by callee, and each edge's caller.
  const intoStart = new Uint32Array(n + 1);
  const caller = new Uint32Array(edges);
  let count = 0;
  for (let a = 0; a < n; a++) {
    for (let i = start[a]!; i < start[a + 1]!; i++) {
      caller[i] = a;
      if (nested[i] === 1) {
        intoStart[callee[i]! + 1]!++;
        count++;
      }
    }
  }
  if (count === 0) return;
  for (let g = 0; g < n; g++) intoStart[g + 1]! += intoStart[g]!;
  const into = new Uint32Array(count);
  const fill = intoStart.slice(0, n);
  for (let i = 0; i < edges; i++) {
    if (nested[i] === 1) into[fill[callee[i]!]!++] = i;
  }
  // What each function's edges out can hold, and what surely comes in: root
  // time, exact edges, nesting edges' recorded time.
  const out = own.slice();
  const inflow = rootTime.slice();
  for (let i = 0; i < edges; i++) {
    out[caller[i]!]! += all[i]!;
    inflow[callee[i]!]! += nested[i] === 1 ? recorded[i]! : all[i]!;
  }
  for (let pass = 0; pass < 16; pass++) {
    let changed = false;
    for (let g = 0; g < n; g++) {
      const from = intoStart[g]!;
      const to = intoStart[g + 1]!;
      if (from === to) continue;
      let extra = 0;
      for (let k = from; k < to; k++) {
        const i = into[k]!;
        extra += all[i]! - recorded[i]!;
      }
      if (extra <= 0) continue;
      const room = Math.max(out[g]!, time[g]!) - inflow[g]!;
      if (extra <= room * (1 + 1e-9)) continue;
      const scale = Math.max(0, room) / extra;
      for (let k = from; k < to; k++) {
        const i = into[k]!;
        const lowered = recorded[i]! + (all[i]! - recorded[i]!) * scale;
        out[caller[i]!]! -= all[i]! - lowered;
        all[i] = lowered;
      }
      changed = true;
    }
    if (!changed) break;
  }
}

/**
 * Edge times for a file that has only calls per edge (the `profile`
 * module): the callee's time shared by its callers' calls. A recursive
 * function's time is all in its outermost calls: shared by the callers
 * outside its part (its nested calls come from those inside, and their
 * time is part of the outermost calls').
 */
function _estimateEdges(
  profile: Profile,
  time: Float64Array,
  calls: Float64Array,
  edgeTime: Float64Array,
): void {
  const e = profile.edges;
  const n = profile.size;
  const byCaller = profile.calleeStart;
  const byCallerEdges = profile.calleeEdges;
  const byCallee = profile.callerStart;
  const byCalleeEdges = profile.callerEdges;
  const start = new Uint32Array(n + 1);
  const targets: number[] = [];
  for (let a = 0; a < n; a++) {
    start[a] = targets.length;
    for (
      let i = byCaller[a]!;
      i < byCaller[a + 1]!;
      i++
    ) {
      const g = e.callee[byCallerEdges[i]!]!;
      if (g !== a) targets.push(g);
    }
  }
  start[n] = targets.length;
  const part = _parts(n, start, Uint32Array.from(targets));
  for (let g = 0; g < n; g++) {
    const from = byCallee[g]!;
    const to = byCallee[g + 1]!;
    let outside = 0;
    let all = 0;
    for (let i = from; i < to; i++) {
      const k = byCalleeEdges[i]!;
      const a = e.caller[k]!;
      if (calls[a] === 0 || a === g) continue;
      all += _clean(e.calls[k]!);
      if (part[a] !== part[g]) outside += _clean(e.calls[k]!);
    }
    for (let i = from; i < to; i++) {
      const k = byCalleeEdges[i]!;
      const a = e.caller[k]!;
      if (calls[a] === 0 || a === g) continue;
      const c = _clean(e.calls[k]!);
      const inside = part[a] === part[g];
      const base = inside || outside === 0 ? all : outside;
      edgeTime[k] = base > 0 ? time[g]! * c / base : 0;
    }
  }
}

/**
 * The strongly connected parts of a graph (Tarjan's, without recursion):
 * each node's part, numbered by one of its nodes.
 */
function _parts(
  n: number,
  start: Uint32Array,
  target: Uint32Array,
): Int32Array {
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const part = new Int32Array(n).fill(-1);
  const onStack = new Uint8Array(n);
  const stack = new Int32Array(n);
  let top = 0;
  const callStack = new Int32Array(n);
  const cursor = new Uint32Array(n);
  let next = 0;
  for (let root = 0; root < n; root++) {
    if (index[root]! >= 0) continue;
    let depth = 0;
    callStack[0] = root;
    index[root] = low[root] = next++;
    cursor[root] = start[root]!;
    stack[top++] = root;
    onStack[root] = 1;
    while (depth >= 0) {
      const v = callStack[depth]!;
      if (cursor[v]! < start[v + 1]!) {
        const w = target[cursor[v]!]!;
        cursor[v]!++;
        if (index[w]! < 0) {
          index[w] = low[w] = next++;
          cursor[w] = start[w]!;
          stack[top++] = w;
          onStack[w] = 1;
          callStack[++depth] = w;
        } else if (onStack[w] === 1 && index[w]! < low[v]!) {
          low[v] = index[w]!;
        }
        continue;
      }
      if (low[v] === index[v]) {
        let w: number;
        do {
          w = stack[--top]!;
          onStack[w] = 0;
          part[w] = v;
        } while (w !== v);
      }
      depth--;
      if (depth >= 0) {
        const u = callStack[depth]!;
        if (low[v]! < low[u]!) low[u] = low[v]!;
      }
    }
  }
  return part;
}
