/**
 * The call trees of the page, built once per profile and options and kept
 * for the views that use them: the flame view draws them, and the flame
 * view and the groups view say what share of the total the filter's
 * matching functions hold from the same tree ({@linkcode filterMatches}),
 * so that the two views give one number for one question. The whole
 * profile's tree grows while the page is idle (`growCallTree()`), a few
 * thousand frames at a time; asked for sooner, it shows what has grown.
 *
 * @module
 */

import {
  type CallTree,
  type CallTreeGrowth,
  DEFAULT_MAX_FRAMES,
  DEFAULT_MIN_SHARE,
  defaultGrowth,
  growCallTree,
  pathsThrough,
} from "../lib/call_tree.ts";
import type { Profile } from "../lib/profile.ts";
import { queryFunctions } from "../lib/query.ts";
import { whenIdle } from "./idle.ts";
import { state } from "./state.ts";

/**
 * At most this many frames per tree in the page (see `maxNodes`): far more
 * than a screen can tell apart (zooming reveals them), grown while the page
 * is idle.
 */
export const MAX_FRAMES: number = DEFAULT_MAX_FRAMES;

/** How long a tree grows at a time: in an idle moment, or when first shown. */
const _GROW_MS = 20;
const _FIRST_GROW_MS = 40;

const _trees = new WeakMap<Profile, Map<string, CallTree>>();

/** How many trees of a profile are kept: the latest, for Back and Forward. */
const _KEPT_TREES = 24;

/**
 * A tree of the profile, built once per profile and key.
 *
 * @param p The profile.
 * @param key What tells this tree from the profile's others.
 * @param build Builds it.
 * @returns The tree.
 */
export function cachedTree(
  p: Profile,
  key: string,
  build: () => CallTree,
): CallTree {
  let trees = _trees.get(p);
  if (trees === undefined) _trees.set(p, trees = new Map());
  let tree = trees.get(key);
  if (tree === undefined) {
    tree = build();
    if (trees.size >= _KEPT_TREES) trees.delete(trees.keys().next().value!);
  } else trees.delete(key);
  trees.set(key, tree); // The most recently used last.
  return tree;
}

const _growths = new WeakMap<Profile, Map<number, CallTreeGrowth>>();

/**
 * The growth of the whole profile's tree at a threshold: at the default,
 * the profile's one (`defaultGrowth()`, shared with the sandwiches).
 *
 * @param p The profile.
 * @param minShare The flame graph's threshold.
 * @returns The growth, as far as it has grown.
 */
export function treeGrowth(p: Profile, minShare: number): CallTreeGrowth {
  let growths = _growths.get(p);
  if (growths === undefined) _growths.set(p, growths = new Map());
  let growth = growths.get(minShare);
  if (growth === undefined) {
    growth = minShare === DEFAULT_MIN_SHARE
      ? defaultGrowth(p)
      : growCallTree(p, { minShare, maxNodes: MAX_FRAMES });
    if (growths.size >= 4) growths.delete(growths.keys().next().value!);
    growths.set(minShare, growth);
  }
  return growth;
}

/** The tree the page shows of each growth: what had grown when first shown. */
const _shown = new WeakMap<CallTreeGrowth, CallTree>();
/** The trees shown while their growth goes on. */
const _partial = new WeakSet<CallTree>();
/** Who is told when a partial tree's growth is done. */
const _listeners: ((partial: CallTree, tree: CallTree) => void)[] = [];

/**
 * The whole profile's tree, as far as it has grown: a tree first asked for
 * while it grows gets a moment to grow, then shows what it has (see
 * {@linkcode isPartial}), and the whole tree once it is done (see
 * {@linkcode onTreeGrown}).
 *
 * @param p The profile.
 * @param minShare The flame graph's threshold.
 * @returns The tree.
 */
export function mainTree(p: Profile, minShare: number): CallTree {
  const growth = treeGrowth(p, minShare);
  let tree = _shown.get(growth);
  if (tree === undefined) {
    const start = performance.now();
    while (!growth.grow(1_000) && performance.now() - start < _FIRST_GROW_MS) {
      // Grow on.
    }
    tree = growth.tree();
    _shown.set(growth, tree);
    if (!growth.done) {
      _partial.add(tree);
      growMainTree(p, minShare);
    }
  }
  return tree;
}

/**
 * Whether {@linkcode mainTree} is grown already, so that asking for it
 * costs nothing and gives the whole tree.
 *
 * @param p The profile.
 * @param minShare The flame graph's threshold.
 * @returns `true` once grown.
 */
export function hasMainTree(p: Profile, minShare: number): boolean {
  return _growths.get(p)?.get(minShare)?.done ?? false;
}

/**
 * Whether a tree is what had grown when it was first shown, its growth
 * going on.
 *
 * @param tree A tree of {@linkcode mainTree}.
 * @returns `true` while it is partial.
 */
export function isPartial(tree: CallTree): boolean {
  return _partial.has(tree);
}

/**
 * Grows {@linkcode mainTree} a few thousand frames at a time while the page
 * is idle, laid out too (so that showing it only draws), and calls `then`
 * with it once grown; a partial tree shown meanwhile is replaced, and
 * {@linkcode onTreeGrown}'s listeners told.
 *
 * @param p The profile.
 * @param minShare The flame graph's threshold.
 * @param then Called with the grown tree, while the profile is shown.
 */
export function growMainTree(
  p: Profile,
  minShare: number,
  then?: (tree: CallTree) => void,
): void {
  const growth = treeGrowth(p, minShare);
  const finish = () => {
    if (state.profile !== p) return;
    const tree = growth.tree();
    const shown = _shown.get(growth);
    if (shown !== undefined && shown !== tree) {
      _shown.set(growth, tree);
      for (const listener of _listeners) listener(shown, tree);
    }
    then?.(tree);
  };
  if (growth.done) {
    whenIdle(finish);
    return;
  }
  let waiting = _waiting.get(growth);
  if (waiting !== undefined) {
    waiting.push(finish); // Under way already.
    return;
  }
  _waiting.set(growth, waiting = [finish]);
  const step = () => {
    if (state.profile !== p) return;
    const start = performance.now();
    while (!growth.grow(1_000)) {
      if (performance.now() - start > _GROW_MS) {
        whenIdle(step);
        return;
      }
    }
    _waiting.delete(growth);
    for (const then of waiting) whenIdle(then);
  };
  whenIdle(step);
}

/** What waits for each growth under way. */
const _waiting = new WeakMap<CallTreeGrowth, (() => void)[]>();

/**
 * Tells `listener` each time a partial tree shown is replaced by the whole
 * one.
 *
 * @param listener Called with the partial tree and the grown one.
 */
export function onTreeGrown(
  listener: (partial: CallTree, tree: CallTree) => void,
): void {
  _listeners.push(listener);
}

const _marks = new WeakMap<
  CallTree,
  { q: string; marked: Uint8Array; value: number }
>();

/**
 * The frames of a tree that the filter matches, and the time they hold,
 * nested matches counted once (`pathsThrough()`): the share of the total
 * spent with a matching function on the stack, as the tree estimates it.
 *
 * @param tree The tree.
 * @param q The filter.
 * @returns The marks and the value, or `null` without a filter.
 */
export function filterMatches(
  tree: CallTree,
  q: string,
): { marked: Uint8Array; value: number } | null {
  if (q.trim() === "") return null;
  const cached = _marks.get(tree);
  if (cached !== undefined && cached.q === q) return cached;
  const { ids } = queryFunctions(tree.profile, { filter: q });
  const result = { q, ...pathsThrough(tree, ids) };
  _marks.set(tree, result);
  return result;
}
