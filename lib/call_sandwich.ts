/**
 * A function's sandwich, cut from a tree of the whole profile
 * (`lib/call_tree.ts`): what it calls, the subtrees under its frames merged,
 * and who calls it, the paths above its frames merged and inverted. Cut from
 * the same tree, the two never disagree with the flame graph.
 *
 * @module
 */

import {
  type CallTree,
  type CallTreeOptions,
  DEFAULT_MAX_FRAMES,
  defaultGrowth,
  OTHER,
} from "./call_tree.ts";
import { checkedMinShare } from "./call_tree_growth.ts";
import type { Profile } from "./profile.ts";
import { TreeColumns } from "./tree_columns.ts";

/**
 * The tree of what one function calls, cut from a tree of the whole
 * profile: the subtrees under the function's frames merged (a frame of it
 * inside another of its frames counts once, inside the outer one), with
 * the function at node 0. Branches under `minShare` of the function's
 * value become `[other]`.
 *
 * @example
 * ```ts
 * import { buildCallTree } from "./call_tree.ts";
 * import { calleeTree } from "./call_sandwich.ts";
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
 * const whole = buildCallTree(profile, { minShare: 0 });
 * assertEquals([...calleeTree(whole, 1).fn], [1]);
 * assertEquals([...calleeTree(whole, 0).value], [1, 0.75]);
 * ```
 *
 * @param tree A tree of the whole profile ({@linkcode buildCallTree}).
 * @param fn The function's id.
 * @param options The threshold, as a share of the function's value.
 * @returns The tree, with `fn` at node 0 (its value 0 when no frame of it
 * is in `tree`).
 * @throws {RangeError} When the profile has no function `fn`.
 */
export function calleeTree(
  tree: CallTree,
  fn: number,
  options: Pick<CallTreeOptions, "minShare"> = {},
): CallTree {
  _checkFunction(tree.profile, fn);
  const merged = new _Merger(tree, "callees", fn);
  for (const i of _outermost(tree, fn)) merged.addSubtree(i);
  return merged.finish(checkedMinShare(options.minShare));
}

/**
 * The inverted tree of who calls one function, cut from a tree of the
 * whole profile: node 0 is the function with the value of its frames
 * (counting a frame inside another frame of it once); each node's children
 * are the callers above those frames, merged, up to the roots; a node's own
 * part is the time it was a root (called from nowhere recorded).
 *
 * @example
 * ```ts
 * import { buildCallTree } from "./call_tree.ts";
 * import { callerTree } from "./call_sandwich.ts";
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
 * const tree = callerTree(buildCallTree(profile, { minShare: 0 }), 1);
 * assertEquals([...tree.fn], [1, 0]);
 * assertEquals([...tree.value], [0.75, 0.75]);
 * ```
 *
 * @param tree A tree of the whole profile ({@linkcode buildCallTree}).
 * @param fn The function's id.
 * @param options The threshold, as a share of the function's value.
 * @returns The tree, with `fn` at node 0.
 * @throws {RangeError} When the profile has no function `fn`.
 */
export function callerTree(
  tree: CallTree,
  fn: number,
  options: Pick<CallTreeOptions, "minShare"> = {},
): CallTree {
  _checkFunction(tree.profile, fn);
  const merged = new _Merger(tree, "callers", fn);
  for (const i of _outermost(tree, fn)) merged.addPathAbove(i);
  return merged.finish(checkedMinShare(options.minShare));
}

/** The frame cap of the trees that sandwiches are cut from. */
export const SANDWICH_MAX_FRAMES: number = DEFAULT_MAX_FRAMES;

/**
 * The tree of the whole profile that {@linkcode calleeTree} and
 * {@linkcode callerTree} are cut from, for a page or an API: the tree at the
 * defaults (every branch, up to {@linkcode SANDWICH_MAX_FRAMES} frames,
 * largest first), grown to the end once per profile (`defaultGrowth()` in
 * `lib/call_tree.ts`, which a page may have grown while idle).
 *
 * @example
 * ```ts
 * import { sandwichSource } from "./call_sandwich.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const profile = buildProfile([statsFile("run.pstats", [
 *   { key: ["app.py", 1, "main"], calls: 1, primitiveCalls: 1,
 *     internalTime: 1, cumulativeTime: 1 },
 * ])]);
 * assertEquals(sandwichSource(profile).size, 2);
 * ```
 *
 * @param profile The profile.
 * @returns The tree.
 */
export function sandwichSource(profile: Profile): CallTree {
  const growth = defaultGrowth(profile);
  growth.grow();
  return growth.tree();
}

// ---------------------------------------------------------------- internals

function _checkFunction(profile: Profile, fn: number): void {
  if (!Number.isInteger(fn) || fn < 0 || fn >= profile.size) {
    throw new RangeError(
      `Cannot build a call tree of function ${fn}: the profile has ${profile.size} functions`,
    );
  }
}

/** The frames of `fn` with no frame of `fn` above them, in tree order. */
function* _outermost(tree: CallTree, fn: number): Generator<number> {
  let insideUntil = 0;
  for (let i = 0; i < tree.size; i++) {
    if (i < insideUntil || tree.fn[i] !== fn) continue;
    insideUntil = tree.end[i]!;
    yield i;
  }
}

/** Merges frames of a tree into a sandwich half; see calleeTree(). */
class _Merger {
  readonly #source: CallTree;
  readonly #direction: "callees" | "callers";
  readonly #out = new TreeColumns();
  readonly #child = new Map<string, number>();

  constructor(source: CallTree, direction: "callees" | "callers", fn: number) {
    this.#source = source;
    this.#direction = direction;
    this.#out.add(fn, -1, 0, 0, 0, 0);
  }

  #node(
    parent: number,
    fn: number,
    value: number,
    self: number,
    est: number,
    merged = 0,
  ) {
    const key = `${parent} ${fn}`;
    let id = this.#child.get(key);
    const o = this.#out;
    if (id === undefined) {
      id = o.add(fn, parent, o.depth[parent]! + 1, 0, 0, 0);
      this.#child.set(key, id);
    }
    o.value[id]! += value;
    o.self[id]! += self;
    o.merged[id]! += merged;
    o.estimated[id] = o.estimated[id]! | est;
    return id;
  }

  /** Adds frame `i`'s subtree under node 0. */
  addSubtree(i: number): void {
    const s = this.#source;
    const o = this.#out;
    o.value[0]! += s.value[i]!;
    o.self[0]! += s.self[i]!;
    o.merged[0]! += s.merged[i]!;
    o.estimated[0] = o.estimated[0]! | s.estimated[i]!;
    const map = new Map<number, number>([[i, 0]]);
    for (let k = i + 1; k < s.end[i]!; k++) {
      const parent = map.get(s.parent[k]!)!;
      map.set(
        k,
        this.#node(
          parent,
          s.fn[k]!,
          s.value[k]!,
          s.self[k]!,
          s.estimated[k]!,
          s.merged[k]!,
        ),
      );
    }
  }

  /** Adds the path above frame `i`, inverted, under node 0. */
  addPathAbove(i: number): void {
    const s = this.#source;
    const o = this.#out;
    const v = s.value[i]!;
    o.value[0]! += v;
    o.estimated[0] = o.estimated[0]! | s.estimated[i]!;
    let at = 0;
    for (let a = s.parent[i]!; a > 0; a = s.parent[a]!) {
      at = this.#node(at, s.fn[a]!, v, 0, s.estimated[a]!);
    }
    // The last caller (or the function itself) was a root there.
    o.self[at]! += v;
  }

  finish(minShare: number): CallTree {
    const o = this.#out;
    const threshold = minShare * o.value[0]!;
    const s = this.#source;
    const facts = { ...s, direction: this.#direction };
    if (threshold <= 0 || o.size <= 1) {
      return o.finish(facts);
    }
    // Cut small branches into one [other] per parent.
    const cut = new TreeColumns();
    const keep = new Int32Array(o.size).fill(-1);
    keep[0] = cut.add(
      o.fn[0]!,
      -1,
      0,
      o.value[0]!,
      o.self[0]!,
      o.estimated[0]!,
    );
    cut.merged[0] = o.merged[0]!;
    const other = new Float64Array(o.size);
    for (let i = 1; i < o.size; i++) {
      const p = keep[o.parent[i]!]!;
      if (p < 0) continue;
      if (o.value[i]! < threshold) {
        other[p]! += o.value[i]!;
        continue;
      }
      keep[i] = cut.add(
        o.fn[i]!,
        p,
        cut.depth[p]! + 1,
        o.value[i]!,
        o.self[i]!,
        o.estimated[i]!,
      );
      cut.merged[keep[i]!] = o.merged[i]!;
    }
    const kept = cut.size;
    for (let p = 0; p < kept; p++) {
      if (other[p]! > 0) {
        cut.add(OTHER, p, cut.depth[p]! + 1, other[p]!, other[p]!, 1);
      }
    }
    return cut.finish(facts);
  }
}
