/**
 * What the property tests of the call tree and its transforms share: the
 * profiles they run over (every pstats fixture, and generated call graphs of
 * every shape), and the rule that a frame's width is its own part plus its
 * children's.
 */
import { assertAlmostEquals } from "@std/assert";
import type { CallTree } from "../lib/call_tree.ts";
import type { Profile } from "../lib/profile.ts";
import { fixtureProfile, pstatsFixtures } from "./_fixtures.ts";
import {
  cyclesOnly,
  denseProgram,
  directRecursion,
  hostileNumbers,
  mutualRecursion,
  profileOf,
  treeProgram,
} from "./_call_graphs.ts";

/**
 * Every pstats fixture (of tests/fixtures/ and compare/), and generated
 * profiles of every shape, each made from `seeds` seeds; each with its name.
 */
export function profilesOfEveryShape(seeds: number): [string, Profile][] {
  const out: [string, Profile][] = [];
  for (const name of pstatsFixtures()) out.push([name, fixtureProfile(name)]);
  for (let seed = 1; seed <= seeds; seed++) {
    out.push([`tree ${seed}`, profileOf(treeProgram(seed))]);
    out.push([`direct recursion ${seed}`, profileOf(directRecursion(seed))]);
    out.push([`mutual recursion ${seed}`, profileOf(mutualRecursion(seed))]);
    out.push([`dense ${seed}`, profileOf(denseProgram(seed))]);
    out.push([`cycles only ${seed}`, profileOf(cyclesOnly(seed))]);
    out.push([`hostile numbers ${seed}`, profileOf(hostileNumbers(seed))]);
    out.push([`sampled dense ${seed}`, profileOf(denseProgram(seed), true)]);
  }
  return out;
}

/**
 * Every frame's children and own part add up to its value, within
 * `tolerance` (a millionth of a millionth of the total unless told).
 */
export function assertWidthsAddUp(
  tree: CallTree,
  tolerance: number = tree.total * 1e-12,
): void {
  const children = new Float64Array(tree.size);
  for (let i = 1; i < tree.size; i++) {
    children[tree.parent[i]!]! += tree.value[i]!;
  }
  for (let i = 0; i < tree.size; i++) {
    assertAlmostEquals(
      children[i]! + tree.self[i]!,
      tree.value[i]!,
      tolerance,
      `node ${i}`,
    );
  }
}

/**
 * Each frame of functions by its path of function ids from the root (as
 * `3,7,12`), with its value; made-up frames are left out.
 */
export function framesByPath(tree: CallTree): Map<string, number> {
  const frames = new Map<string, number>();
  const path: number[] = [];
  for (let i = 0; i < tree.size; i++) {
    path.length = tree.depth[i]!;
    path.push(tree.fn[i]!);
    if (tree.fn[i]! >= 0) frames.set(path.join(","), tree.value[i]!);
  }
  return frames;
}
