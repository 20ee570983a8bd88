/**
 * The trees the flame view's graphs show: the whole profile's at the
 * route's threshold and with the route's transforms, and a function's
 * callers and callees cut from it; and the paths of functions that lead to
 * a frame (the route's zoom).
 *
 * @module
 */

import { type CallTree, treeFunction } from "../lib/call_tree.ts";
import { transformCallTree, transformText } from "../lib/call_transform.ts";
import {
  calleeTree,
  callerTree,
  sandwichSource,
} from "../lib/call_sandwich.ts";
import { unfoldedRow } from "../lib/sampled_lines.ts";
import type { Profile } from "../lib/profile.ts";
import { cachedTree, mainTree } from "./call_trees.ts";
import { type FlameGraph, state } from "./state.ts";

function _mainTree(p: Profile, minShare: number): CallTree {
  const transforms = state.route.transforms;
  if (transforms.length > 0) {
    return cachedTree(
      p,
      `all ${minShare} ${_transformsKey()}`,
      () => transformCallTree(transformedTree(p)!, [], { minShare }),
    );
  }
  return mainTree(p, minShare);
}

function _transformsKey(): string {
  return state.route.transforms.map(transformText).join("\n");
}

/**
 * The whole profile's tree (every branch, up to the frame cap) with the
 * route's transforms, or `undefined` without any.
 */
export function transformedTree(p: Profile): CallTree | undefined {
  const transforms = state.route.transforms;
  if (transforms.length === 0) return undefined;
  return cachedTree(
    p,
    `transformed ${_transformsKey()}`,
    () => transformCallTree(sandwichSource(p), transforms),
  );
}

/**
 * The tree a graph shows, or null while the edges are loading. A
 * function's callers and callees are cut from one tree of the whole
 * profile (every branch, up to the frame cap), so they agree with it.
 */
export function graphTree(graph: FlameGraph): CallTree | null {
  const p = state.profile;
  if (p === null || state.edgesLoading) return null;
  const r = state.route;
  if (graph === "main") return r.fn === null ? _mainTree(p, r.minShare) : null;
  if (r.fn === null || r.fn >= p.size) return null;
  const options = { minShare: r.minShare };
  const fn = treeFunction(p, r.fn);
  if (fn < 0) return null;
  const source = () => transformedTree(p) ?? sandwichSource(p);
  const key = `${fn} ${r.minShare} ${_transformsKey()}`;
  return graph === "callers"
    ? cachedTree(p, `up ${key}`, () => callerTree(source(), fn, options))
    : cachedTree(p, `down ${key}`, () => calleeTree(source(), fn, options));
}

/** The profile's row of a tree's function (a sampled one's first line). */
export function treeRow(tree: CallTree, fn: number): number {
  return unfoldedRow(tree.profile, fn);
}

/** The node the route's zoom path leads to (as far as it goes). */
export function zoomNode(tree: CallTree, path: readonly number[]): number {
  return _follow(tree, path)[0];
}

/** The node a path of functions leads to, or -1 where it does not. */
export function nodeAt(tree: CallTree, path: readonly number[]): number {
  const [node, steps] = _follow(tree, path);
  return steps === path.length ? node : -1;
}

/** How far a path of functions goes from the root: the node and its steps. */
function _follow(tree: CallTree, path: readonly number[]): [number, number] {
  let node = 0;
  let steps = 0;
  for (const fn of path) {
    let next = -1;
    const end = tree.end[node]!;
    for (let c = node + 1; c < end; c = tree.end[c]!) {
      if (tree.fn[c] === fn) {
        next = c;
        break;
      }
    }
    if (next < 0) break;
    node = next;
    steps++;
  }
  return [node, steps];
}

/** The function ids from below the root down to a node. */
export function pathOf(tree: CallTree, node: number): number[] {
  const path: number[] = [];
  for (let n = node; n > 0; n = tree.parent[n]!) path.push(tree.fn[n]!);
  return path.reverse();
}
