/**
 * The growth of the call tree of `lib/call_tree.ts`, largest frame first: a
 * typed-array grower with a max-heap of pending frames, which cuts at once
 * the pending frames that can never grow, and lays the tree out a chunk at
 * a time, so that a page can grow a large tree while it is idle. The rules
 * the tree keeps are in `lib/call_tree.ts`'s module documentation.
 *
 * @module
 */

import { type CallModel, callModel } from "./call_model.ts";
import {
  ALL,
  type CallTree,
  type CallTreeOptions,
  DEEPER,
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_FRAMES,
  DEFAULT_MIN_SHARE,
  OTHER,
  UNATTRIBUTED,
} from "./call_tree.ts";
import { TreeColumns } from "./tree_columns.ts";
import type { Profile } from "./profile.ts";

/**
 * A call tree grown a few frames at a time, largest first, so that a page
 * can grow a large one while it is idle and draw what has grown.
 */
export interface CallTreeGrowth {
  /** The frames of functions grown so far. */
  readonly frames: number;
  /**
   * Whether the tree has grown all it will (the threshold or the cap
   * reached) and is laid out.
   */
  readonly done: boolean;
  /**
   * Grows the tree by at most `steps` frames (default: to the end), then
   * lays it out, a thousand nodes for each 64 steps, so that each call
   * does a bounded amount of work.
   *
   * @param steps How many frames to grow at most.
   * @returns Whether the tree is grown and laid out.
   */
  grow(steps?: number): boolean;
  /**
   * The tree as grown so far: the frames not yet grown are together in
   * `[other]` frames under their parents, as in the same tree with its
   * frame cap at the frames grown (`capped`), so its weights add up and
   * every frame in it keeps its value as the tree grows on. Once done, the
   * finished tree, which {@linkcode buildCallTree} returns. The same object
   * until the tree grows again.
   */
  tree(): CallTree;
}

/**
 * Starts growing the call tree of the whole profile; see
 * {@linkcode buildCallTree}, which grows it at once.
 *
 * @example
 * ```ts
 * import { buildCallTree, growCallTree, OTHER } from "./call_tree.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assert, assertEquals } from "@std/assert";
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
 * const growth = growCallTree(profile);
 * assert(!growth.grow(1));
 * // load is not grown yet: its time waits in an [other] frame.
 * assertEquals([...growth.tree().fn], [-1, 0, OTHER]);
 * assert(growth.grow());
 * assertEquals(growth.tree(), buildCallTree(profile));
 * ```
 *
 * @param profile The profile.
 * @param options The threshold, frame cap and depth bound.
 * @returns The growth, not grown yet.
 * @throws {RangeError} When `minShare` is not between 0 and 1.
 */
export function growCallTree(
  profile: Profile,
  options: CallTreeOptions = {},
): CallTreeGrowth {
  const minShare = checkedMinShare(options.minShare);
  const model = callModel(profile);
  return new _Grower(model, minShare, options);
}

const _defaultGrowths = new WeakMap<Profile, CallTreeGrowth>();

/**
 * The growth of a profile's tree at the defaults, one per profile: the
 * tree that a page draws first and that sandwiches are cut from
 * (`sandwichSource()` in `lib/call_sandwich.ts`), grown by whoever asks
 * first.
 *
 * @example
 * ```ts
 * import { buildCallTree, defaultGrowth } from "./call_tree.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const profile = buildProfile([statsFile("run.pstats", [
 *   { key: ["app.py", 1, "main"], calls: 1, primitiveCalls: 1,
 *     internalTime: 1, cumulativeTime: 1 },
 * ])]);
 * const growth = defaultGrowth(profile);
 * assertEquals(defaultGrowth(profile), growth);
 * growth.grow();
 * assertEquals(growth.tree(), buildCallTree(profile));
 * ```
 *
 * @param profile The profile.
 * @returns Its growth, as far as it has grown.
 */
export function defaultGrowth(profile: Profile): CallTreeGrowth {
  let growth = _defaultGrowths.get(profile);
  if (growth === undefined) {
    growth = growCallTree(profile);
    _defaultGrowths.set(profile, growth);
  }
  return growth;
}

// ---------------------------------------------------------------- internals

/** Nodes laid out between two pauses of a layout, less one (a mask). */
const _CHUNK = 1023;
/** Steps of growth one chunk of layout counts as. */
const _LAYOUT_STEPS = 64;

/** `to` (a larger array) with `from`'s items first. */
function _larger<T extends Int32Array | Float64Array | Uint8Array>(
  from: T,
  to: T,
): T {
  to.set(from);
  return to;
}

/**
 * A tree's threshold: the share given, or {@linkcode DEFAULT_MIN_SHARE}.
 *
 * @param share A share of the root's value, from 0 to 1, or none.
 * @returns The threshold.
 * @throws {RangeError} When the share is not between 0 and 1.
 */
export function checkedMinShare(share: number | undefined): number {
  const minShare = share ?? DEFAULT_MIN_SHARE;
  if (!(minShare >= 0 && minShare <= 1)) {
    throw new RangeError(
      `Cannot cut branches under a share of ${minShare}: it must be between 0 and 1`,
    );
  }
  return minShare;
}

/** A max-heap of pending frames by value (ties: first pushed first). */
class _Heap {
  #value = new Float64Array(256);
  #item = new Int32Array(256);
  size = 0;

  push(value: number, item: number): void {
    if (this.size === this.#value.length) {
      const v = new Float64Array(this.size * 2);
      v.set(this.#value);
      this.#value = v;
      const it = new Int32Array(this.size * 2);
      it.set(this.#item);
      this.#item = it;
    }
    const v = this.#value, it = this.#item;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!(value > v[p]! || (value === v[p] && item < it[p]!))) break;
      v[i] = v[p]!;
      it[i] = it[p]!;
      i = p;
    }
    v[i] = value;
    it[i] = item;
  }

  /** The items, in no order (a view: valid until the heap changes). */
  items(): Int32Array {
    return this.#item.subarray(0, this.size);
  }

  /** Removes the largest; returns its item. */
  pop(): number {
    const v = this.#value, it = this.#item;
    const top = it[0]!;
    const n = --this.size;
    const value = v[n]!;
    const item = it[n]!;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      const r = c + 1;
      if (
        r < n && (v[r]! > v[c]! || (v[r] === v[c] && it[r]! < it[c]!))
      ) c = r;
      if (!(v[c]! > value || (v[c] === value && it[c]! < item))) break;
      v[i] = v[c]!;
      it[i] = it[c]!;
      i = c;
    }
    v[i] = value;
    it[i] = item;
    return top;
  }
}

/** Grows the whole profile's tree largest frame first; see `lib/call_tree.ts`. */
class _Grower implements CallTreeGrowth {
  readonly #m: CallModel;
  readonly #threshold: number;
  readonly #maxFrames: number;
  readonly #maxDepth: number;
  #tree = new TreeColumns();
  /** Pending frames: function, value, parent node. */
  #pFn = new Int32Array(256);
  #pValue = new Float64Array(256);
  #pParent = new Int32Array(256);
  #pSize = 0;
  /** How many pending frames make `grow()` prune them (see `#prune()`). */
  #pruneAt: number;
  /** Pending frames no larger than this can never grow: cut at once. */
  #floor = -Infinity;
  #heap = new _Heap();
  readonly #ownLeft: Float64Array;
  readonly #edgeLeft: Float64Array;
  /** Each function's share denominator D(f). */
  readonly #denominator: Float64Array;
  /** Each function's own time plus its callees' recorded times. */
  readonly #claimed: Float64Array;
  /** Per node: value cut off below it (threshold, cap) and past the depth bound. */
  #cut = new Float64Array(256);
  #deeper = new Float64Array(256);
  readonly #onPath: Int32Array;
  #stamp = 0;
  /** Per node: 1 where its value is exact (rule 6). */
  #exactValue = new Uint8Array(256);
  readonly #order: Int32Array;
  readonly #sorted: Uint8Array;
  #gift = new Float64Array(64);
  #frames = 0;
  #capped = false;
  /** Whether `#prune()` cut frames that only the cap kept from growing. */
  #prunedByCap = false;
  /** Whether the growth stopped (the cap, or the rest under the threshold). */
  #stopped = false;
  /** The tree grown so far, as last laid out, until it grows again. */
  #laidOut: CallTree | undefined;
  /** The layout of the grown tree, a chunk of nodes at a time. */
  #layout: Generator<void, CallTree> | undefined;
  /** The tree, grown and laid out. */
  #final: CallTree | undefined;

  constructor(model: CallModel, minShare: number, options: CallTreeOptions) {
    this.#m = model;
    // Even without a threshold, branches under a billionth of the total
    // (the far end of a recursion's estimate) are cut.
    this.#threshold = Math.max(minShare, 1e-9) * model.total;
    this.#maxFrames = Math.max(1, options.maxNodes ?? DEFAULT_MAX_FRAMES);
    this.#maxDepth = Math.max(1, options.maxDepth ?? DEFAULT_MAX_DEPTH);
    this.#pruneAt = 2 * this.#maxFrames + (1 << 16);
    const n = model.own.length;
    this.#ownLeft = model.own.slice();
    this.#edgeLeft = model.edgeAll.slice();
    this.#denominator = model.denominator;
    this.#claimed = model.claimed;
    this.#onPath = new Int32Array(n);
    this.#order = new Int32Array(model.callee.length);
    this.#sorted = new Uint8Array(n);
  }

  get frames(): number {
    return this.#frames;
  }

  get done(): boolean {
    return this.#final !== undefined;
  }

  grow(steps = Infinity): boolean {
    if (this.#final !== undefined) return true;
    const m = this.#m;
    const t = this.#tree;
    if (t.size === 0) {
      const root = this.#add(ALL, -1, 0, m.total, 0, 0);
      for (const [g, value] of m.roots) this.#pend(g, value, root);
      if (m.unrooted > m.total * 1e-12) {
        this.#add(UNATTRIBUTED, root, 1, m.unrooted, m.unrooted, 1);
      }
    }
    let step = 0;
    for (; step < steps && this.#heap.size > 0 && !this.#stopped; step++) {
      const p = this.#heap.pop();
      const value = this.#pValue[p]!;
      const parent = this.#pParent[p]!;
      const depth = t.depth[parent]! + 1;
      if (this.#frames >= this.#maxFrames && value >= this.#threshold) {
        this.#capped = true;
      }
      if (value < this.#threshold || this.#capped) {
        // The rest is smaller still, or past the cap: all cut, as the
        // tree is laid out.
        this.#cut[parent]! += value;
        this.#stopped = true;
        break;
      }
      if (depth > this.#maxDepth) {
        this.#deeper[parent]! += value;
        continue;
      }
      this.#frames++;
      this.#expand(this.#pFn[p]!, value, parent, depth);
      if (this.#pSize >= this.#pruneAt) this.#prune();
    }
    this.#laidOut = undefined;
    if (this.#heap.size > 0 && !this.#stopped) return false;
    // Grown: laid out a chunk of nodes at a time too.
    this.#layout ??= this.#layOut(true);
    for (; step < steps; step += _LAYOUT_STEPS) {
      const next = this.#layout.next();
      if (next.done) {
        this.#final = next.value;
        this.#release();
        return true;
      }
    }
    return false;
  }

  tree(): CallTree {
    if (this.#final !== undefined) return this.#final;
    if (this.#tree.size === 0) this.grow(0);
    if (this.#layout !== undefined || this.#final !== undefined) {
      // Grown, and being laid out: the rest of the layout at once.
      this.grow();
      return this.#final!;
    }
    if (this.#laidOut === undefined) {
      const layout = this.#layOut(false);
      let next = layout.next();
      while (!next.done) next = layout.next();
      this.#laidOut = next.value;
    }
    return this.#laidOut;
  }

  /**
   * Lays the tree out: cut branches (and the frames not grown yet, or past
   * the cap) become one [other] frame per parent, and frames past the depth
   * bound one [deeper]. While growing (not `final`), that is undone after.
   */
  *#layOut(final: boolean): Generator<void, CallTree> {
    const m = this.#m;
    const t = this.#tree;
    const grown = t.size;
    const cut = final ? this.#cut : this.#cut.slice(0, grown);
    const pending = this.#heap.items();
    for (let k = 0; k < pending.length; k++) {
      const q = pending[k]!;
      cut[this.#pParent[q]!]! += this.#pValue[q]!;
      if ((k & _CHUNK) === _CHUNK) yield;
    }
    for (let i = 0; i < grown; i++) {
      const other = cut[i]!;
      if (other > 0) t.add(OTHER, i, t.depth[i]! + 1, other, other, 1);
      const deeper = this.#deeper[i]!;
      if (deeper > 0) t.add(DEEPER, i, t.depth[i]! + 1, deeper, deeper, 1);
      if ((i & _CHUNK) === _CHUNK) yield;
    }
    const capped = this.#capped || this.#prunedByCap || pending.length > 0;
    const tree = yield* t.layOut({
      profile: m.profile,
      unit: m.unit,
      direction: "callees",
      capped,
      notes: m.notes,
    });
    if (!final) t.size = grown;
    return tree;
  }

  /** Grown and laid out for good: only the tree is kept. */
  #release(): void {
    this.#tree = new TreeColumns();
    this.#layout = undefined;
    this.#laidOut = undefined;
    this.#heap = new _Heap();
    this.#pFn = new Int32Array(0);
    this.#pValue = new Float64Array(0);
    this.#pParent = new Int32Array(0);
    this.#cut = new Float64Array(0);
    this.#deeper = new Float64Array(0);
    this.#exactValue = new Uint8Array(0);
  }

  /**
   * Cuts the pending frames that can never grow. Each frame that grows
   * takes the largest pending one, and a frame pended later is never larger
   * than the one it grows from: so a pending frame behind as many others
   * that may grow (the depth bound lets them) as the cap has frames left is
   * cut in the end, into its parent's `[other]` frame, as it is here; and so
   * is any frame pended later that is no larger (the floor). A dense graph
   * pends every callee of every frame: without this, memory grows as frames
   * times callees, far past the cap.
   */
  #prune(): void {
    const t = this.#tree;
    const room = Math.max(0, this.#maxFrames - this.#frames);
    const value = this.#pValue;
    const parent = this.#pParent;
    // The heap's order: largest first, then the earlier pended.
    const items = Int32Array.from(this.#heap.items())
      .sort((a, b) => value[b]! - value[a]! || a - b);
    const kept = new Int32Array(items.length);
    let size = 0;
    let grows = 0;
    for (let k = 0; k < items.length; k++) {
      const id = items[k]!;
      if (grows >= room) {
        this.#cut[parent[id]!]! += value[id]!;
        this.#prunedByCap = true;
        continue;
      }
      kept[size++] = id;
      if (t.depth[parent[id]!]! + 1 <= this.#maxDepth) {
        if (++grows === room) this.#floor = value[id]!;
      }
    }
    if (room === 0) this.#floor = Infinity;
    // Numbered again in the order they were pended, which breaks ties.
    const order = kept.subarray(0, size).sort();
    const length = Math.max(256, 2 * size);
    const fn = new Int32Array(length);
    const v = new Float64Array(length);
    const up = new Int32Array(length);
    const heap = new _Heap();
    for (let k = 0; k < size; k++) {
      const id = order[k]!;
      fn[k] = this.#pFn[id]!;
      v[k] = value[id]!;
      up[k] = parent[id]!;
      heap.push(v[k]!, k);
    }
    this.#pFn = fn;
    this.#pValue = v;
    this.#pParent = up;
    this.#pSize = size;
    this.#heap = heap;
    this.#pruneAt = 2 * size + (1 << 16);
  }

  /** A function's callee entries, largest recorded time first. */
  #byTime(f: number): Int32Array {
    const m = this.#m;
    const from = m.calleeStart[f]!;
    const to = m.calleeStart[f + 1]!;
    const order = this.#order.subarray(from, to);
    if (this.#sorted[f] === 0) {
      for (let i = from; i < to; i++) order[i - from] = i;
      order.sort((a, b) => m.edgeTime[b]! - m.edgeTime[a]! || a - b);
      this.#sorted[f] = 1;
    }
    return order;
  }

  #pend(fn: number, value: number, parent: number): void {
    if (!(value > 0)) return;
    if (value < this.#threshold || value <= this.#floor) {
      // Under the floor, the cap keeps it from growing.
      if (value >= this.#threshold) this.#prunedByCap = true;
      this.#cut[parent]! += value;
      return;
    }
    const id = this.#pSize++;
    if (id === this.#pFn.length) {
      this.#pFn = _larger(this.#pFn, new Int32Array(id * 2));
      this.#pValue = _larger(this.#pValue, new Float64Array(id * 2));
      this.#pParent = _larger(this.#pParent, new Int32Array(id * 2));
    }
    this.#pFn[id] = fn;
    this.#pValue[id] = value;
    this.#pParent[id] = parent;
    this.#heap.push(value, id);
  }

  /** Adds a node to the tree, and room for it in the per-node columns. */
  #add(
    fn: number,
    parent: number,
    depth: number,
    value: number,
    self: number,
    estimated: number,
  ): number {
    const node = this.#tree.add(fn, parent, depth, value, self, estimated);
    if (node === this.#cut.length) {
      this.#cut = _larger(this.#cut, new Float64Array(node * 2));
      this.#deeper = _larger(this.#deeper, new Float64Array(node * 2));
      this.#exactValue = _larger(this.#exactValue, new Uint8Array(node * 2));
    }
    return node;
  }

  /**
   * Marks (with a new stamp) the functions of `f`'s part on the path from
   * the root to `node`: a path that leaves a part never comes back to it,
   * so they are the frames right above, while they are in the part.
   */
  #markPath(node: number, f: number): number {
    const m = this.#m;
    const t = this.#tree;
    const stamp = ++this.#stamp;
    const part = m.part[f]!;
    if (m.cyclic[part] !== 1) return stamp;
    for (let a = node; a > 0; a = t.parent[a]!) {
      const fn = t.fn[a]!;
      if (fn < 0 || m.part[fn] !== part) break;
      this.#onPath[fn] = stamp;
    }
    return stamp;
  }

  #expand(f: number, v: number, parent: number, depth: number): void {
    const m = this.#m;
    const t = this.#tree;
    const from = m.calleeStart[f]!;
    const to = m.calleeStart[f + 1]!;
    const node = this.#add(f, parent, depth, v, 0, 0);
    const stamp = this.#markPath(parent, f);
    const onPath = this.#onPath;
    const callee = m.callee;
    const recursive = m.recursive;
    const edgeLeft = this.#edgeLeft;
    if (this.#gift.length < to - from) {
      this.#gift = new Float64Array(Math.max(to - from, this.#gift.length * 2));
    }
    const gift = this.#gift;
    gift.fill(0, 0, to - from);
    let own = 0;
    let given = 0;
    const time = m.time[f]!;
    if (m.recursive[f] === 1 && this.#claimed[f]! > time * 1.005 && time > 0) {
      // The callees' recorded times overlap (they hold the nested frames'
      // calls too, as the outermost exec's callees hold the imports'): the
      // largest callee (by recorded time) first. At the function's
      // outermost frame on the path, each callee up to its recorded time
      // for this frame's part; below, up to what its budget has left.
      const outermost = onPath[f] !== stamp;
      let rest = v;
      const byTime = this.#byTime(f);
      for (let k = 0; k < byTime.length; k++) {
        if (rest <= 0) break;
        const i = byTime[k]!;
        // A function that does not recurse is never below itself.
        const g = callee[i]!;
        if (onPath[g] === stamp && recursive[g] === 0) continue;
        const cap = outermost
          ? Math.min(m.edgeTime[i]! * v / time, edgeLeft[i]!)
          : edgeLeft[i]!;
        const x = Math.min(cap, rest);
        if (x > 0) {
          gift[i - from] = x;
          rest -= x;
          given += x;
        }
      }
      // Own time from what the callees left.
      own = Math.min(
        v * m.own[f]! / this.#denominator[f]!,
        this.#ownLeft[f]!,
        rest,
      );
    } else {
      const d = this.#denominator[f]!;
      if (d > 0) {
        own = Math.min(v * m.own[f]! / d, this.#ownLeft[f]!);
        const edgeAll = m.edgeAll;
        for (let i = from; i < to; i++) {
          const g = callee[i]!;
          if (onPath[g] === stamp && recursive[g] === 0) continue;
          const x = Math.min(v * edgeAll[i]! / d, edgeLeft[i]!);
          if (x > 0) {
            gift[i - from] = x;
            given += x;
          }
        }
      }
    }
    // What the shares left over: callees with budget left, largest first,
    // then own time, then [unattributed].
    let left = v - own - given;
    if (left > v * 1e-12) {
      const byTime = this.#byTime(f);
      for (let k = 0; k < byTime.length; k++) {
        const i = byTime[k]!;
        const g = callee[i]!;
        if (onPath[g] === stamp && recursive[g] === 0) continue;
        const room = edgeLeft[i]! - gift[i - from]!;
        if (room <= 0) continue;
        const x = Math.min(room, left);
        gift[i - from]! += x;
        left -= x;
        if (left <= v * 1e-12) break;
      }
      if (left > v * 1e-12) {
        const x = Math.min(left, this.#ownLeft[f]! - own);
        if (x > 0) {
          own += x;
          left -= x;
        }
      }
    }
    this.#ownLeft[f]! -= own;
    t.self[node] = own;
    t.estimated[node] = this.#isEstimated(f, v, parent, node) ? 1 : 0;
    for (let i = from; i < to; i++) {
      const x = gift[i - from]!;
      if (x > 0) {
        edgeLeft[i]! -= x;
        this.#pend(callee[i]!, x, node);
      }
    }
    if (left > v * 1e-12 && left > m.total * 1e-15) {
      this.#add(UNATTRIBUTED, node, depth + 1, left, left, 1);
    }
  }

  /**
   * Rule 6. A frame's value is exact where its parent's is, it holds all of
   * its function's time (its outermost calls'), and the parent's function
   * is the only one to call it (or it is a root). Its own time is exact
   * too unless its function recurses (whose nested frames share its
   * internal time).
   */
  #isEstimated(f: number, v: number, parent: number, node: number): boolean {
    const m = this.#m;
    const t = this.#tree;
    const pf = t.fn[parent]!;
    const exact = (pf === ALL || this.#exactValue[parent] === 1) &&
      Math.abs(v - m.time[f]!) <= m.time[f]! * 1e-6 &&
      (pf === ALL || m.onlyCaller[f] === pf);
    this.#exactValue[node] = exact ? 1 : 0;
    return !exact || (m.recursive[f] === 1 && m.cyclic[m.part[f]!] === 1);
  }
}
