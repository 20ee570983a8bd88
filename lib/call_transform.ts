/**
 * Transforms of a call tree (`lib/call_tree.ts`), applied in order, to get
 * a framework out of the way:
 *
 * - **merge** functions: they disappear from every path; their own time
 *   becomes their caller's (kept apart in the tree's `merged` column, so
 *   that a frame says how much of its own time is its function's and how
 *   much was merged in), their callees become their caller's. A merged
 *   function with no caller (a root) gives its own time to a made-up
 *   `[merged]` frame;
 * - **collapse** a group (`stdlib`, `builtins`, each package of
 *   `site-packages`, or a path): consecutive frames of its functions become
 *   one frame named for it (`django [collapsed]`), holding their own time,
 *   with the calls out of the group as its children;
 * - **focus** on functions: the tree of what they call, the subtrees under
 *   their frames merged (a frame inside another of the functions' counts
 *   once, inside the outer), each function a root;
 * - **drop** functions: their frames and everything under them are gone,
 *   and the tree's total with them (the tree's `dropped` says by how much).
 *
 * What each acts on is a target (`lib/transform_target.ts`): `stdlib`,
 * `site-packages`, `builtins`, a location (`app/views.py:handle`) or filter
 * terms (`wrapper -test`); a collapse takes a group or a path.
 *
 * The transforms act on the finished tree, not on the profile's numbers,
 * so the tree's rules hold after them: the weights add up to the total
 * shown (a drop lowers it by exactly the frames dropped, a focus makes it
 * the focused frames' value), no function's frames hold more own time than
 * its internal time once merged-in time is told apart, and made-up frames
 * are labelled. A frame made of several (siblings of one function brought
 * together, a collapsed run) is exact where all of them were: collapsing
 * an exact tree leaves it exact. Transform a tree grown without a
 * threshold (`sandwichSource()`, or `minShare: 0`) and give the threshold
 * here: the branches are then cut by their share of the transformed total.
 *
 * @module
 */

import {
  ALL,
  type CallTree,
  collapsedGroup,
  FIRST_GROUP,
  isMadeUp,
  MERGED,
  OTHER,
} from "./call_tree.ts";
import { formatCount, formatMs, formatPercent } from "./format.ts";
import { TreeColumns } from "./tree_columns.ts";
import {
  type CollapseGroups,
  collapseGroups,
  parseTarget,
  targetFunctions,
} from "./transform_target.ts";

/** The kinds of transform, in the order the command line lists them. */
export const TRANSFORM_KINDS = ["merge", "collapse", "focus", "drop"] as const;

/** One of {@linkcode TRANSFORM_KINDS}. */
export type TransformKind = typeof TRANSFORM_KINDS[number];

/** A transform: what it does, and to what (see the module's documentation). */
export interface Transform {
  /** What it does. */
  readonly kind: TransformKind;
  /** What it acts on, as written: a target, or for a collapse a group or a path. */
  readonly target: string;
}

/** The most transforms a tree takes (the command line, the URL, the API). */
export const MAX_TRANSFORMS = 32;
/** The longest a transform's target may be, in characters. */
export const MAX_TARGET_LENGTH = 1024;

/**
 * Why a transform is refused, or `undefined` when it is fine: an empty
 * target, a target that names nothing, or one too long.
 *
 * @example
 * ```ts
 * import { checkTransform } from "./call_transform.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(checkTransform({ kind: "merge", target: "wrapper" }), undefined);
 * assertEquals(
 *   checkTransform({ kind: "drop", target: " - " }),
 *   "it names no function: give a location, terms or a group",
 * );
 * ```
 *
 * @param transform The transform.
 * @returns The reason it is refused, if it is.
 */
export function checkTransform(transform: Transform): string | undefined {
  const target = transform.target.trim();
  if (target.length > MAX_TARGET_LENGTH) {
    return `it is ${target.length} characters long; at most ${MAX_TARGET_LENGTH} are allowed`;
  }
  if (transform.kind === "collapse") {
    return target.replace(/[\\/]+$/, "") === ""
      ? "give stdlib, site-packages, builtins or a path"
      : undefined;
  }
  if (target === "") return "give a location, terms or a group";
  try {
    parseTarget(target);
  } catch {
    return "it names no function: give a location, terms or a group";
  }
  return undefined;
}

/**
 * Reads a transform written `KIND:TARGET` (`merge:wrapper`,
 * `collapse:stdlib`, `focus:app/views.py:handle`), as the URL holds them.
 *
 * @example
 * ```ts
 * import { parseTransform, transformText } from "./call_transform.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const focus = parseTransform("focus:app/views.py:handle");
 * assertEquals(focus, { kind: "focus", target: "app/views.py:handle" });
 * assertEquals(transformText(focus!), "focus:app/views.py:handle");
 * assertEquals(parseTransform("fold:x"), undefined);
 * ```
 *
 * @param text The transform as written.
 * @returns The transform, or `undefined` when the text is not one (see
 * {@linkcode checkTransform}).
 */
export function parseTransform(text: string): Transform | undefined {
  const colon = text.indexOf(":");
  if (colon < 0) return undefined;
  const kind = text.slice(0, colon);
  if (!(TRANSFORM_KINDS as readonly string[]).includes(kind)) return undefined;
  const transform = {
    kind: kind as TransformKind,
    target: text.slice(colon + 1).trim(),
  };
  return checkTransform(transform) === undefined ? transform : undefined;
}

/**
 * A transform as `KIND:TARGET`, which {@linkcode parseTransform} reads back.
 *
 * @param transform The transform.
 * @returns Its text.
 */
export function transformText(transform: Transform): string {
  return `${transform.kind}:${transform.target}`;
}

/**
 * Reads a list of transforms written `KIND:TARGET`, as the URL and the API
 * hold them, refusing the whole list at its first bad one.
 *
 * @example
 * ```ts
 * import { readTransforms } from "./call_transform.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(readTransforms(["merge:builtins", "collapse:stdlib"]), {
 *   transforms: [
 *     { kind: "merge", target: "builtins" },
 *     { kind: "collapse", target: "stdlib" },
 *   ],
 * });
 * assertEquals(readTransforms(["fold:x"]), {
 *   problem: '"fold:x": expected merge:, collapse:, focus: or drop: and a target',
 * });
 * ```
 *
 * @param texts The transforms as written.
 * @returns The transforms, or why they are refused.
 */
export function readTransforms(
  texts: readonly string[],
): { transforms: Transform[] } | { problem: string } {
  if (texts.length > MAX_TRANSFORMS) {
    return {
      problem:
        `${texts.length} transforms given; at most ${MAX_TRANSFORMS} are allowed`,
    };
  }
  const transforms: Transform[] = [];
  for (const text of texts) {
    const transform = parseTransform(text);
    if (transform !== undefined) {
      transforms.push(transform);
      continue;
    }
    const colon = text.indexOf(":");
    const kind = text.slice(0, Math.max(0, colon));
    const problem = colon < 0 ||
        !(TRANSFORM_KINDS as readonly string[]).includes(kind)
      ? "expected merge:, collapse:, focus: or drop: and a target"
      : checkTransform({
        kind: kind as TransformKind,
        target: text.slice(colon + 1),
      });
    return { problem: `"${text.slice(0, 200)}": ${problem}` };
  }
  return { transforms };
}

/** Options for {@linkcode transformCallTree}. */
export interface TransformOptions {
  /**
   * After the transforms, cut branches under this share of the new total
   * into `[other]` frames (0 to 1; default 0: no cut).
   */
  readonly minShare?: number;
}

/**
 * Applies transforms to a tree of the whole profile, in order, then cuts
 * the branches under `minShare` of the new total. The tree's `notes` gain
 * what each transform did where it matters (what a drop removed, what a
 * focus kept, a target that names nothing).
 *
 * @example
 * ```ts
 * import { buildCallTree, frameLabel } from "./call_tree.ts";
 * import { transformCallTree } from "./call_transform.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * // main (1 s, 0.25 s its own) calls wrapper (0.75 s, 0.25 s its own),
 * // which calls load (0.5 s).
 * const call = (caller: string, time: number) => ({
 *   key: ["app.py", 1, caller] as const, calls: 1, primitiveCalls: 1,
 *   internalTime: 0, cumulativeTime: time,
 * });
 * const profile = buildProfile([statsFile("run.pstats", [
 *   { key: ["app.py", 1, "main"], calls: 1, primitiveCalls: 1,
 *     internalTime: 0.25, cumulativeTime: 1 },
 *   { key: ["app.py", 5, "wrapper"], calls: 1, primitiveCalls: 1,
 *     internalTime: 0.25, cumulativeTime: 0.75, callers: [call("main", 0.75)] },
 *   { key: ["app.py", 9, "load"], calls: 1, primitiveCalls: 1,
 *     internalTime: 0.5, cumulativeTime: 0.5,
 *     callers: [{ ...call("wrapper", 0.5), key: ["app.py", 5, "wrapper"] }] },
 * ])]);
 * const tree = buildCallTree(profile, { minShare: 0 });
 * const merged = transformCallTree(tree, [{ kind: "merge", target: "wrapper" }]);
 * assertEquals([...merged.fn].map((fn) => frameLabel(profile, fn)), [
 *   "all", "app.py:1(main)", "app.py:9(load)",
 * ]);
 * assertEquals([...merged.self], [0, 0.5, 0.5]); // main's own 0.25 + 0.25 merged
 * assertEquals([...merged.merged], [0, 0.25, 0]);
 * const dropped = transformCallTree(tree, [{ kind: "drop", target: "load" }]);
 * assertEquals([dropped.total, dropped.dropped], [0.5, 0.5]);
 * ```
 *
 * @param tree A tree of the whole profile (its root `ALL`).
 * @param transforms The transforms, in order.
 * @param options The threshold to cut by afterwards.
 * @returns The transformed tree.
 * @throws {RangeError} When a transform is refused by
 * {@linkcode checkTransform}, or `minShare` is not between 0 and 1.
 */
export function transformCallTree(
  tree: CallTree,
  transforms: readonly Transform[],
  options: TransformOptions = {},
): CallTree {
  const minShare = options.minShare ?? 0;
  if (!(minShare >= 0 && minShare <= 1)) {
    throw new RangeError(
      `Cannot cut branches under a share of ${minShare}: it must be between 0 and 1`,
    );
  }
  let out = tree;
  // Shares in the notes are of the tree's total before any transform.
  const whole = tree.total + tree.dropped;
  for (const transform of transforms) {
    const problem = checkTransform(transform);
    if (problem !== undefined) {
      throw new RangeError(
        `Bad transform "${transformText(transform)}": ${problem}`,
      );
    }
    out = _apply(out, transform, whole);
  }
  return minShare > 0 ? _cut(out, minShare) : out;
}

// ---------------------------------------------------------------- internals

function _apply(
  tree: CallTree,
  transform: Transform,
  whole: number,
): CallTree {
  const target = transform.target.trim();
  const said = `${transform.kind} "${target}"`;
  if (transform.kind === "collapse") {
    const groups = collapseGroups(tree.profile, target);
    if (!groups.group.some((g) => g >= 0)) {
      return _noted(tree, `${said} names no function: nothing collapsed`);
    }
    return _collapse(tree, groups);
  }
  const mask = targetFunctions(tree.profile, parseTarget(target));
  let present = false;
  for (let i = 0; i < tree.size && !present; i++) {
    const fn = tree.fn[i]!;
    present = fn >= 0 && mask[fn] === 1;
  }
  if (!present) {
    return _noted(
      tree,
      `${said} names no function of the tree: nothing ${
        transform.kind === "merge"
          ? "merged"
          : transform.kind === "drop"
          ? "dropped"
          : "to focus on"
      }`,
    );
  }
  switch (transform.kind) {
    case "merge":
      return _merge(tree, mask);
    case "drop":
      return _drop(tree, mask, said, whole);
    case "focus":
      return _focus(tree, mask, said, whole);
  }
}

/** The tree with one more note. */
function _noted(tree: CallTree, note: string): CallTree {
  return { ...tree, notes: [...tree.notes, note] };
}

/**
 * A new tree made from a source's nodes: each node of the source is taken
 * into a node of the new one (a new child of a parent for a function, the
 * same child for the same function, or an existing node), adding its own
 * part; the values are the own parts added up from the leaves.
 */
class _Builder {
  readonly out = new TreeColumns();
  readonly #source: CallTree;
  /** Children by parent and function: `parent * #span + fn - #low`. */
  readonly #child = new Map<number, number>();
  readonly #low: number;
  readonly #span: number;

  constructor(
    source: CallTree,
    rootFn: number = source.fn[0]!,
    groups: number = source.groups.length,
  ) {
    this.#source = source;
    // Function ids run from the last group's (below the made-up frames')
    // to the profile's last function.
    this.#low = FIRST_GROUP - groups;
    this.#span = source.profile.size - this.#low + 1;
    this.out.add(rootFn, -1, 0, 0, 0, 0);
  }

  /** The node for `fn` under `parent`, made if new. */
  child(parent: number, fn: number): number {
    const key = parent * this.#span + (fn - this.#low);
    let id = this.#child.get(key);
    if (id === undefined) {
      id = this.out.add(fn, parent, this.out.depth[parent]! + 1, 0, 0, 0);
      this.#child.set(key, id);
    }
    return id;
  }

  /**
   * Adds source node `i`'s own part to node `o`: as merged-in time where
   * its function was merged away, else with the merged part it had.
   */
  take(i: number, o: number, merged = false): void {
    const s = this.#source;
    const out = this.out;
    out.self[o]! += s.self[i]!;
    out.merged[o]! += merged ? s.self[i]! : s.merged[i]!;
    out.estimated[o] = out.estimated[o]! | s.estimated[i]!;
  }

  finish(
    groups: readonly string[] = this.#source.groups,
    dropped = this.#source.dropped,
    notes: readonly string[] = this.#source.notes,
  ): CallTree {
    const s = this.#source;
    const out = this.out;
    // Parents come before their children: add each value into its parent.
    for (let o = 0; o < out.size; o++) out.value[o] = out.self[o]!;
    for (let o = out.size - 1; o > 0; o--) {
      out.value[out.parent[o]!]! += out.value[o]!;
    }
    return out.finish({ ...s, notes, groups, dropped });
  }
}

function _merge(s: CallTree, mask: Uint8Array): CallTree {
  const b = new _Builder(s);
  const map = new Int32Array(s.size);
  b.take(0, 0);
  const root = s.fn[0] === ALL;
  for (let i = 1; i < s.size; i++) {
    const m = map[s.parent[i]!]!;
    const fn = s.fn[i]!;
    if (fn >= 0 && mask[fn] === 1) {
      // Gone: its own time is its caller's, its callees its caller's.
      map[i] = m;
      b.take(i, m === 0 && root ? b.child(0, MERGED) : m, true);
      continue;
    }
    // A collapsed group's frame that the merge puts under a frame of the
    // same group joins it, as a collapse would have.
    const o = collapsedGroup(fn) >= 0 && b.out.fn[m] === fn
      ? m
      : b.child(m, fn);
    b.take(i, o);
    map[i] = o;
  }
  return b.finish();
}

function _collapse(
  s: CallTree,
  { group: groupOf, names, groupOfName }: CollapseGroups,
): CallTree {
  // The groups' ids, the tree's earlier groups of the same name reused.
  const groups = [...s.groups];
  // An earlier collapse's frames fall into this one's groups by name (a
  // collapse of `django/db`, then of `django`): they fold again.
  const earlier = s.groups.map(groupOfName);
  const ids = names.map((name) => {
    let g = groups.indexOf(name);
    if (g < 0) g = groups.push(name) - 1;
    return FIRST_GROUP - g;
  });
  const b = new _Builder(s, s.fn[0]!, groups.length);
  const map = new Int32Array(s.size);
  b.take(0, 0);
  for (let i = 1; i < s.size; i++) {
    const m = map[s.parent[i]!]!;
    const fn = s.fn[i]!;
    const g = fn >= 0
      ? groupOf[fn]!
      : collapsedGroup(fn) >= 0
      ? earlier[collapsedGroup(fn)]!
      : -1;
    if (g >= 0 && b.out.fn[m] === ids[g]) {
      // Inside a run of the group: one frame with the run's own time.
      map[i] = m;
      b.take(i, m);
      continue;
    }
    const o = b.child(m, g >= 0 ? ids[g]! : fn);
    b.take(i, o);
    map[i] = o;
  }
  return b.finish(groups);
}

function _focus(
  s: CallTree,
  mask: Uint8Array,
  said: string,
  whole: number,
): CallTree {
  const b = new _Builder(s, ALL);
  const map = new Int32Array(s.size);
  let insideUntil = 0;
  for (let i = 1; i < s.size; i++) {
    const fn = s.fn[i]!;
    let o: number;
    if (i < insideUntil) o = b.child(map[s.parent[i]!]!, fn);
    else if (fn >= 0 && mask[fn] === 1) {
      insideUntil = s.end[i]!;
      o = b.child(0, fn);
    } else continue;
    b.take(i, o);
    map[i] = o;
  }
  const focused = b.finish();
  return _noted(
    focused,
    `${said} keeps ${formatPercent(focused.total, whole)} of the total`,
  );
}

function _drop(
  s: CallTree,
  mask: Uint8Array,
  said: string,
  whole: number,
): CallTree {
  const b = new _Builder(s);
  const map = new Int32Array(s.size);
  b.take(0, 0);
  let dropped = 0;
  let skipUntil = 0;
  for (let i = 1; i < s.size; i++) {
    if (i < skipUntil) continue;
    const fn = s.fn[i]!;
    if (fn >= 0 && mask[fn] === 1) {
      dropped += s.value[i]!;
      skipUntil = s.end[i]!;
      continue;
    }
    const o = b.child(map[s.parent[i]!]!, fn);
    b.take(i, o);
    map[i] = o;
  }
  const amount = s.unit === "seconds"
    ? `${formatMs(dropped)} ms`
    : `${formatCount(Math.round(dropped))} samples`;
  return b.finish(
    s.groups,
    s.dropped + dropped,
    [
      ...s.notes,
      `${said} removed ${amount}, ${
        formatPercent(dropped, whole)
      } of the total`,
    ],
  );
}

/**
 * Cuts the branches under `minShare` of the tree's total: each parent's
 * cut children together in one `[other]` frame (with an `[other]` it had).
 * Made-up frames are kept, however small.
 */
function _cut(s: CallTree, minShare: number): CallTree {
  const threshold = minShare * s.total;
  if (!(threshold > 0)) return s;
  const out = new TreeColumns();
  const keep = new Int32Array(s.size).fill(-1);
  const other = new Float64Array(s.size);
  const otherNode = new Int32Array(s.size).fill(-1);
  for (let i = 0; i < s.size; i++) {
    const p = i === 0 ? -1 : keep[s.parent[i]!]!;
    if (i > 0 && p < 0) continue;
    const fn = s.fn[i]!;
    if (i > 0 && !isMadeUp(fn) && s.value[i]! < threshold) {
      other[p]! += s.value[i]!;
      continue;
    }
    const o = out.add(
      fn,
      p,
      s.depth[i]!,
      s.value[i]!,
      s.self[i]!,
      s.estimated[i]!,
    );
    out.merged[o] = s.merged[i]!;
    keep[i] = o;
    if (fn === OTHER && p >= 0) otherNode[p] = o;
  }
  const kept = out.size;
  for (let p = 0; p < kept; p++) {
    const cut = other[p]!;
    if (!(cut > 0)) continue;
    if (otherNode[p]! >= 0) {
      out.value[otherNode[p]!]! += cut;
      out.self[otherNode[p]!]! += cut;
    } else out.add(OTHER, p, out.depth[p]! + 1, cut, cut, 1);
  }
  return out.finish(s);
}
