/**
 * A call tree estimated from a profile's caller→callee edges, for flame
 * graphs and folded stacks. pstats files keep edges, not stacks, so the
 * tree is an estimate; `lib/call_model.ts` says what the edges mean. Its
 * rules, which hold on every file:
 *
 * 1. The tree's weights add up to the profile's total (its functions' own
 *    times, or samples).
 * 2. No function's frames hold more own time than its internal time: a
 *    frame's own time is its function's internal time in proportion to the
 *    time reaching the frame. What the estimate cannot place goes on
 *    made-up frames, whose label starts with `[`: `[other]` (branches cut
 *    by the threshold or the frame cap, together), `[unattributed]` (time
 *    the recorded calls do not account for: a frame's part that its
 *    function's edges and own time, already spent on other frames, cannot
 *    hold, and time no root reaches) and `[deeper]` (frames past the depth
 *    bound).
 * 3. The tree grows largest frame first, so the frame cap and the threshold
 *    cut the smallest frames: a tree with a lower threshold holds every
 *    frame of one with a higher, with the same values.
 * 4. The roots are the functions nobody calls, the time of calls that no
 *    recorded caller accounts for (the outermost `exec` of
 *    `python -m cProfile`), and, for a cycle of calls with no caller outside
 *    it, the cycle's function with the most time.
 * 5. The sandwich of a function (`calleeTree()` and `callerTree()` in
 *    `lib/call_sandwich.ts`) is cut from this tree.
 * 6. A frame is exact (`estimated` 0) where its parent is exact (or the
 *    root), it holds all of its function's time, that time all comes from
 *    the parent's function, and its function does not recur through others
 *    (whose nested frames would share its own time). All others are
 *    estimates.
 * 7. Times that are not finite, negative, or larger than they can be (an
 *    edge claiming more than its callee's total) are clamped, and the
 *    tree's `notes` say so.
 *
 * How a frame of function `f` with value `v` is shared: its own time is
 * `v × tt(f) / D(f)` and each callee `g` gets `v × t(f→g) / D(f)`, where
 * `D(f)` is `f`'s time or, where more, its own time plus its callees' edge
 * times (an edge's time is its recorded time, or for an edge whose calls
 * nest, the estimate of all its calls). Each function's own time and each
 * edge's time are budgets that frames spend as they are made, largest
 * first: what a frame cannot have from a spent budget goes to its other
 * callees with budget left, then to its own time, then to `[unattributed]`.
 * Two cases differ. A function that is not recursive never appears below
 * itself (the edges into it are not followed there). At a recursive
 * function's outermost frame on a path, where its callees' recorded times
 * add up to more than its own time allows (they count the calls of its
 * nested frames too, as the outermost `exec` whose imports run `exec`
 * again), the largest callee is served first: the outer call's largest
 * callee holds the inner calls.
 *
 * The tree is columnar, its nodes in depth-first order (a node's subtree is
 * the nodes `i` to `end[i] - 1`), children largest first, made-up frames
 * last, laid out left to right from their parent's `start`, so a flame
 * graph draws it with one loop.
 *
 * @module
 */

import { callModel } from "./call_model.ts";
import { growCallTree } from "./call_tree_growth.ts";
import { functionLabel } from "./location.ts";
import { shownText } from "./escape.ts";
import type { Profile } from "./profile.ts";
import { lineFunctions } from "./sampled_lines.ts";

export {
  type CallTreeGrowth,
  defaultGrowth,
  growCallTree,
} from "./call_tree_growth.ts";

/** The function id of the root of {@linkcode buildCallTree}: every root. */
export const ALL: number = -1;
/** The function id of an `[other]` frame: branches cut by the threshold or the cap. */
export const OTHER: number = -2;
/** The function id of an `[unattributed]` frame: time the edges do not place. */
export const UNATTRIBUTED: number = -3;
/** The function id of a `[deeper]` frame: frames past the depth bound. */
export const DEEPER: number = -4;
/**
 * The function id of a `[merged]` frame: the own time of merged functions
 * (`lib/call_transform.ts`) that had no caller to take it.
 */
export const MERGED: number = -5;
/**
 * The function id of the first collapsed group's frame
 * (`lib/call_transform.ts`): group `g` of a tree's `groups` is drawn with
 * the id `FIRST_GROUP - g`.
 */
export const FIRST_GROUP: number = -8;

/**
 * Whether a frame's function id is a made-up frame's (`[other]`,
 * `[unattributed]`, `[deeper]`, `[merged]`): not a function, not a
 * collapsed group, not the root.
 *
 * @example
 * ```ts
 * import { ALL, FIRST_GROUP, isMadeUp, OTHER } from "./call_tree.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals([isMadeUp(OTHER), isMadeUp(ALL), isMadeUp(FIRST_GROUP), isMadeUp(3)], [
 *   true, false, false, false,
 * ]);
 * ```
 *
 * @param fn A node's function id.
 * @returns Whether it is made up.
 */
export function isMadeUp(fn: number): boolean {
  return fn <= OTHER && fn >= MERGED;
}

/**
 * The collapsed group a frame's function id stands for (its index in the
 * tree's `groups`), or -1 when it is not a collapsed group's.
 *
 * @example
 * ```ts
 * import { collapsedGroup, FIRST_GROUP } from "./call_tree.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals([collapsedGroup(FIRST_GROUP - 2), collapsedGroup(7)], [2, -1]);
 * ```
 *
 * @param fn A node's function id.
 * @returns The group's index, or -1.
 */
export function collapsedGroup(fn: number): number {
  return fn <= FIRST_GROUP ? FIRST_GROUP - fn : -1;
}

/**
 * The default threshold: none. The page, `--format collapsed` and
 * `/api/collapsed` draw every frame up to {@linkcode DEFAULT_MAX_FRAMES};
 * the frame cap, which cuts the smallest frames first, bounds the tree.
 */
export const DEFAULT_MIN_SHARE = 0;
/**
 * The default frame cap: the 100,000 largest frames of functions. Far more
 * than a screen tells apart (a zoom reveals them), grown in about a second
 * where the profile has that many, and it keeps the made-up share small on
 * real profiles (docs/numbers.md).
 */
export const DEFAULT_MAX_FRAMES = 100_000;
/** The default depth bound: frames deeper than this become `[deeper]`. */
export const DEFAULT_MAX_DEPTH = 1_000;

/** Options for building a {@linkcode CallTree}. */
export interface CallTreeOptions {
  /**
   * Cut branches whose value is under this share of the tree's total, 0 to
   * 1 (default {@linkcode DEFAULT_MIN_SHARE}: 0, every branch the cap
   * allows, down to a billionth of the total).
   */
  readonly minShare?: number;
  /**
   * Stop growing the tree at this many frames of functions (default
   * {@linkcode DEFAULT_MAX_FRAMES}); made-up frames come on top, at most
   * two per frame. The smallest frames are cut first.
   */
  readonly maxNodes?: number;
  /** Frames deeper than this become one `[deeper]` frame (default 1,000). */
  readonly maxDepth?: number;
}

/** A call tree; see the module's documentation. */
export interface CallTree {
  /** The profile the function ids refer to (a sampled one's lines folded). */
  readonly profile: Profile;
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
  /** Each node's function id, or {@linkcode ALL} or a made-up frame's id (below 0). */
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
  /** 1 for a frame whose value or own time is an estimate (rule 6). */
  readonly estimated: Uint8Array;
  /**
   * Each node's own part that merged functions gave it (part of `self`;
   * see `lib/call_transform.ts`): 0 in a tree no transform has touched.
   */
  readonly merged: Float64Array;
  /**
   * The names of the collapsed groups (`django`, `stdlib`): the frame of
   * group `g` has the function id `FIRST_GROUP - g`. Empty but for a
   * transformed tree.
   */
  readonly groups: readonly string[];
  /** The value transforms dropped from the tree (0 but for a transformed one). */
  readonly dropped: number;
  /** The value on made-up frames, added up. */
  readonly madeUp: number;
  /** Whether the frame cap stopped the tree from growing. */
  readonly capped: boolean;
  /** What was cleaned or clamped in the profile's numbers (rule 7). */
  readonly notes: readonly string[];
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
 * assertEquals([...tree.estimated], [0, 0, 0]);
 * ```
 *
 * @param profile The profile.
 * @param options The threshold, frame cap and depth bound.
 * @returns The tree.
 * @throws {RangeError} When `minShare` is not between 0 and 1.
 */
export function buildCallTree(
  profile: Profile,
  options: CallTreeOptions = {},
): CallTree {
  const growth = growCallTree(profile, options);
  growth.grow();
  return growth.tree();
}

/**
 * A frame's label in folded stacks: `file:line(function)` with the short
 * file, a built-in's name, a made-up frame's (`[other]`,
 * `[unattributed]`, `[deeper]`, `[merged]`) or a collapsed group's
 * (`django [collapsed]`, given the tree's `groups`); `;` and line breaks,
 * which the format cannot hold, become `,` and spaces.
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
 * assertEquals(frameLabel(profile, -8, ["django"]), "django [collapsed]");
 * ```
 *
 * @param profile The profile (the tree's `profile`).
 * @param fn A function id, a made-up frame's or a collapsed group's.
 * @param groups The tree's collapsed groups.
 * @returns The label.
 */
export function frameLabel(
  profile: Profile,
  fn: number,
  groups: readonly string[] = [],
): string {
  const group = collapsedGroup(fn);
  const text = group >= 0
    ? `${shownText(groups[group] ?? "?")} [collapsed]`
    : fn < 0
    ? madeUpName(fn)
    : functionLabel(
      shownText(profile.functions.shortFile[fn]!),
      profile.functions.line[fn]!,
      shownText(profile.functions.name[fn]!),
    );
  return text.replace(/;/g, ",").replace(/[\r\n]+/g, " ");
}

/**
 * The name of {@linkcode ALL} or of a made-up frame: `all`, `[other]`,
 * `[unattributed]`, `[deeper]` or `[merged]`.
 *
 * @example
 * ```ts
 * import { DEEPER, madeUpName } from "./call_tree.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(madeUpName(DEEPER), "[deeper]");
 * ```
 *
 * @param fn {@linkcode ALL} or a made-up frame's id.
 * @returns Its name.
 */
export function madeUpName(fn: number): string {
  switch (fn) {
    case ALL:
      return "all";
    case OTHER:
      return "[other]";
    case UNATTRIBUTED:
      return "[unattributed]";
    case MERGED:
      return "[merged]";
    default:
      return "[deeper]";
  }
}

/**
 * What a made-up frame stands for, in a sentence (for tooltips and help).
 *
 * @example
 * ```ts
 * import { madeUpMeaning, OTHER } from "./call_tree.ts";
 * import { assertStringIncludes } from "@std/assert";
 *
 * assertStringIncludes(madeUpMeaning(OTHER), "threshold");
 * ```
 *
 * @param fn A made-up frame's id.
 * @returns The sentence.
 */
export function madeUpMeaning(fn: number): string {
  switch (fn) {
    case OTHER:
      return "Made up: branches cut by the threshold or the frame cap, together.";
    case UNATTRIBUTED:
      return "Made up: time the recorded calls do not place here (the edges and own time left for this function were spent on its other frames, or no root reaches it).";
    case DEEPER:
      return "Made up: frames deeper than the depth bound, together.";
    case MERGED:
      return "Made up: the own time of merged functions that no caller could take (they were roots).";
    default:
      return "Every root of the profile.";
  }
}

/**
 * What a reader of the tree should know besides its frames, in sentences:
 * the profile's numbers that were cleaned or clamped, and whether the frame
 * cap was reached.
 *
 * @example
 * ```ts
 * import { buildCallTree, treeNotes } from "./call_tree.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * // The edge from main into load claims a negative time.
 * const profile = buildProfile([statsFile("run.pstats", [
 *   { key: ["app.py", 1, "main"], calls: 1, primitiveCalls: 1,
 *     internalTime: 0.25, cumulativeTime: 1 },
 *   { key: ["app.py", 9, "load"], calls: 1, primitiveCalls: 1,
 *     internalTime: 0.75, cumulativeTime: 0.75,
 *     callers: [{ key: ["app.py", 1, "main"], calls: 1, primitiveCalls: 1,
 *       internalTime: 0.75, cumulativeTime: -0.75 }] },
 * ])]);
 * assertEquals(treeNotes(buildCallTree(profile)), [
 *   "1 number was not a time (negative, infinite or not a number) and counted as 0",
 * ]);
 * ```
 *
 * @param tree The tree.
 * @returns The sentences.
 */
export function treeNotes(tree: CallTree): string[] {
  const notes = [...tree.notes];
  if (tree.capped) {
    notes.push(
      "the tree reached its frame cap: the smallest frames are together in [other] frames",
    );
  }
  return notes;
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
 * @param functions The function ids to look for (ids of `tree.profile`).
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

/**
 * A profile's function as its trees know it: the same id, or for a sampled
 * profile (whose trees fold lines into functions) the function its line is
 * part of.
 *
 * @example
 * ```ts
 * import { treeFunction } from "./call_tree.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const line = (at: number) => ({
 *   key: ["app.py", at, "work"] as const, calls: 1, primitiveCalls: 1,
 *   internalTime: 0.001, cumulativeTime: 0.001,
 * });
 * const profile = buildProfile(
 *   [statsFile("s.pstats", [line(4), line(3)], { sampled: true })],
 * );
 * assertEquals(treeFunction(profile, 0), 0);
 * assertEquals(treeFunction(profile, 1), 0);
 * ```
 *
 * @param profile The profile.
 * @param row A function id (row) of the profile.
 * @returns The id in its trees' `profile`, or -1 when there is none.
 */
export function treeFunction(profile: Profile, row: number): number {
  if (!profile.sampled) return row;
  const folded = callModel(profile).profile;
  // The folded profile has a function per (file, name), numbered as
  // lineFunctions() numbers them.
  const { size, ofRow } = lineFunctions(profile);
  return size === folded.size && row >= 0 && row < profile.size
    ? ofRow[row]!
    : -1;
}
