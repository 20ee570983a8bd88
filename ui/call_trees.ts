/**
 * The call trees of the page, built once per profile and options and kept
 * for the views that use them: the flame view draws them, and the flame
 * view and the groups view say what share of the total the filter's
 * matching functions hold from the same tree ({@linkcode filterMatches}),
 * so that the two views give one number for one question.
 *
 * @module
 */

import {
  buildCallTree,
  type CallTree,
  pathsThrough,
} from "../lib/call_tree.ts";
import type { Profile } from "../lib/profile.ts";
import { queryFunctions } from "../lib/query.ts";

/**
 * At most this many frames per tree in the page (see `maxNodes`): far more
 * than a screen can tell apart, and built in well under a second.
 */
export const MAX_FRAMES = 100_000;

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

function _mainKey(minShare: number): string {
  return `all ${minShare}`;
}

/**
 * The whole profile's tree, branches under `minShare` of the total cut.
 *
 * @param p The profile.
 * @param minShare The flame graph's threshold.
 * @returns The tree.
 */
export function mainTree(p: Profile, minShare: number): CallTree {
  return cachedTree(
    p,
    _mainKey(minShare),
    () => buildCallTree(p, { minShare, maxNodes: MAX_FRAMES }),
  );
}

/**
 * Whether {@linkcode mainTree} is built already, so that asking for it
 * costs nothing.
 *
 * @param p The profile.
 * @param minShare The flame graph's threshold.
 * @returns `true` once built.
 */
export function hasMainTree(p: Profile, minShare: number): boolean {
  return _trees.get(p)?.has(_mainKey(minShare)) ?? false;
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
