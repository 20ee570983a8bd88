/**
 * A call tree as "folded stacks", the text format of flamegraph.pl, inferno
 * and speedscope: one line per path, `root;child;grandchild weight`.
 *
 * The output is bounded whatever the profile's shape: each frame's label is
 * cut at {@linkcode MAX_LABEL} characters, paths deeper than `maxDepth`
 * frames (default {@linkcode DEFAULT_FOLDED_DEPTH}) end in one `[deeper]`
 * frame holding all the weight below, and where the lines would still pass
 * `maxBytes` (default {@linkcode DEFAULT_FOLDED_BYTES}) the smallest frames
 * are cut, as the tree itself is, into one `[other]` frame per caller,
 * until they fit. The format repeats every path in full, so a deep profile
 * (a test suite's 100 frames of runner and middleware above each test)
 * reaches the bound with far fewer frames than a shallow one. The weights
 * always add up to the tree's.
 *
 * @module
 */

import { ALL, type CallTree, frameLabel, OTHER } from "./call_tree.ts";

/** Frames of folded stacks are cut at this many characters (with `…`). */
export const MAX_LABEL = 4_096;
/** The default depth bound of folded stacks. */
export const DEFAULT_FOLDED_DEPTH = 512;
/** The default size bound of folded stacks: 64 MiB of text. */
export const DEFAULT_FOLDED_BYTES = 64 * 1024 * 1024;

/** Options for {@linkcode collapsedStacks}. */
export interface CollapsedOptions {
  /**
   * Which nodes to keep: a path is printed when one of its frames is kept
   * (see `pathsThrough()`). Default: every path.
   */
  readonly keep?: Uint8Array;
  /** At most this many frames per line, the last one `[deeper]`. */
  readonly maxDepth?: number;
  /** At most this many characters in all (the smallest frames are cut to fit). */
  readonly maxBytes?: number;
  /**
   * Called, before the first line, when frames had to be cut to fit
   * `maxBytes`: with the value (in the tree's unit) under which they were.
   */
  readonly onCut?: (value: number) => void;
}

/**
 * The tree as folded stacks: each frame `file:line(function)` with the
 * short file (`{built-in method …}` for a built-in, `[other]` and the like
 * for made-up frames), the weight the path's own part in whole
 * microseconds (samples for a sampled profile), rounded so that the lines
 * add up to the tree's total. Paths whose weight rounds to 0 are left out.
 *
 * @example
 * ```ts
 * import { buildCallTree } from "./call_tree.ts";
 * import { collapsedStacks } from "./folded_stacks.ts";
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
 * assertEquals([...collapsedStacks(tree)], [
 *   "app.py:1(main) 250000\n",
 *   "app.py:1(main);app.py:9(load) 750000\n",
 * ]);
 * assertEquals([...collapsedStacks(tree, { maxDepth: 1 })], [
 *   "app.py:1(main) 250000\n",
 *   "app.py:1(main);[deeper] 750000\n",
 * ]);
 * ```
 *
 * @param tree The tree.
 * @param options Which paths to keep, and the bounds.
 * @returns The lines, each ending in a newline.
 */
export function* collapsedStacks(
  tree: CallTree,
  options: CollapsedOptions = {},
): Generator<string> {
  const n = tree.size;
  if (n === 0) return;
  const skipRoot = tree.fn[0] === ALL ? 1 : 0;
  const keep = options.keep;
  // The weight each node prints, as a prefix sum in depth-first order: its
  // own part where it is on a kept path (a kept frame above or at it).
  const kept = new Uint8Array(n);
  const below = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    const p = tree.parent[i]!;
    kept[i] = keep === undefined || keep[i] === 1 || (p >= 0 && kept[p] === 1)
      ? 1
      : 0;
    below[i + 1] = below[i]! + (kept[i] === 1 ? tree.self[i]! : 0);
  }
  // Each function's label, made once: a tree holds a function many times.
  const byFn = new Map<number, string>();
  const labels: string[] = new Array(n);
  // Each node's path length (labels and separators) from the first frame.
  const length = new Float64Array(n);
  for (let i = skipRoot; i < n; i++) {
    const fn = tree.fn[i]!;
    let text = byFn.get(fn);
    if (text === undefined) {
      text = _cut(frameLabel(tree.profile, fn, tree.groups));
      byFn.set(fn, text);
    }
    labels[i] = text;
    const p = tree.parent[i]!;
    length[i] = (p >= skipRoot ? length[p]! + 1 : 0) + text.length;
  }
  const maxDepth = Math.max(
    1,
    Math.floor(options.maxDepth ?? DEFAULT_FOLDED_DEPTH),
  );
  const maxBytes = options.maxBytes ?? DEFAULT_FOLDED_BYTES;
  const line: _Line = { kind: _LINE, weight: 0 };
  const walk = (cutUnder: number) =>
    _walk(tree, skipRoot, below, kept, maxDepth, cutUnder, line);
  /** Whether the lines with frames under `cutUnder` cut fit `maxBytes`. */
  const fits = (cutUnder: number): boolean => {
    let bytes = 0;
    for (const node of walk(cutUnder)) {
      const path = node >= skipRoot ? length[node]! + 1 : 0;
      bytes +=
        (line.kind === _LINE ? length[node]! : path + _MADE_UP[line.kind]!) +
        String(line.weight).length + 2;
      if (bytes > maxBytes) return false;
    }
    return true;
  };
  // The smallest cut that fits: none, or under one of the frames' values.
  let cutUnder = 0;
  if (!fits(0)) {
    const values = Float64Array.from(tree.value.subarray(1)).sort();
    let low = 0;
    let high = values.length; // Cut under Infinity: every frame.
    const at = (k: number) => k < values.length ? values[k]! : Infinity;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (fits(at(mid))) high = mid;
      else low = mid + 1;
    }
    cutUnder = at(low);
    options.onCut?.(cutUnder);
  }
  const frames: string[] = [];
  for (const node of walk(cutUnder)) {
    frames.length = 0;
    if (line.kind !== _LINE) {
      frames.push(line.kind === _OTHER ? "[other]" : "[deeper]");
    }
    for (let a = node; a >= skipRoot; a = tree.parent[a]!) {
      frames.push(labels[a]!);
    }
    yield `${frames.reverse().join(";")} ${line.weight}\n`;
  }
}

// ---------------------------------------------------------------- internals

const _LINE = 0;
const _OTHER = 1;
const _DEEPER = 2;
/** The length of a made-up frame's text with its `;`, by kind. */
const _MADE_UP = [0, "[other]".length, "[deeper]".length];
/**
 * A line as `_walk()` yields it: a node's own, or the `[other]` or
 * `[deeper]` below it, with its weight.
 */
interface _Line {
  kind: number;
  weight: number;
}

/**
 * Walks the tree in depth-first order and yields its lines' nodes, their
 * kinds and weights (in whole units: microseconds or samples) in `line`,
 * rounding a running sum so that they add up to the total rounded; lines
 * that round to 0 are left out. Below a node at depth `maxDepth - 1`,
 * everything is one `[deeper]` line; the tree's `[other]` frames and the
 * subtrees of frames worth less than `cutUnder` are one `[other]` line per
 * caller, where the first of them comes.
 */
function* _walk(
  tree: CallTree,
  skipRoot: number,
  below: Float64Array,
  kept: Uint8Array,
  maxDepth: number,
  cutUnder: number,
  line: _Line,
): Generator<number> {
  const n = tree.size;
  const scale = tree.unit === "seconds" ? 1e6 : 1;
  let sum = 0;
  let printed = 0;
  /** Whether a line of this value prints, its kind and weight in `line`. */
  const weigh = (kind: number, value: number): boolean => {
    sum += value * scale;
    const next = Math.round(sum);
    line.kind = kind;
    line.weight = next - printed;
    printed = next;
    return line.weight > 0;
  };
  const subtree = (i: number) => below[tree.end[i]!]! - below[i]!;
  const isCut = (i: number) =>
    tree.fn[i] === OTHER || tree.value[i]! < cutUnder;
  const otherDone = new Uint8Array(n);
  for (let i = 0; i < n;) {
    const p = tree.parent[i]!;
    if (i > 0 && isCut(i)) {
      // The first cut child of its caller: all of them in one line.
      if (otherDone[p] === 0) {
        otherDone[p] = 1;
        let other = 0;
        for (let c = i; c < tree.end[p]!; c = tree.end[c]!) {
          if (isCut(c)) other += subtree(c);
        }
        if (weigh(_OTHER, other)) yield p;
      }
      i = tree.end[i]!;
      continue;
    }
    if (i < skipRoot) {
      i++;
      continue;
    }
    if (weigh(_LINE, kept[i] === 1 ? tree.self[i]! : 0)) yield i;
    if (tree.depth[i]! - skipRoot === maxDepth - 1 && tree.end[i]! > i + 1) {
      // Everything below this node, past the bound, in one frame.
      if (weigh(_DEEPER, below[tree.end[i]!]! - below[i + 1]!)) yield i;
      i = tree.end[i]!;
      continue;
    }
    i++;
  }
}

function _cut(text: string): string {
  return text.length <= MAX_LABEL ? text : `${text.slice(0, MAX_LABEL - 1)}…`;
}
