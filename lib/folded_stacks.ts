/**
 * A call tree as "folded stacks", the text format of flamegraph.pl, inferno
 * and speedscope: one line per path, `root;child;grandchild weight`.
 *
 * The output is bounded whatever the profile's shape: each frame's label is
 * cut at {@linkcode MAX_LABEL} characters, paths deeper than `maxDepth`
 * frames (default {@linkcode DEFAULT_FOLDED_DEPTH}) end in one `[deeper]`
 * frame holding all the weight below, and where the lines would still pass
 * `maxBytes` (default {@linkcode DEFAULT_FOLDED_BYTES}) the depth bound is
 * lowered until they fit. The weights always add up to the tree's.
 *
 * @module
 */

import { ALL, type CallTree, frameLabel } from "./call_tree.ts";

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
  /** At most about this many characters in all (the depth bound is lowered to fit). */
  readonly maxBytes?: number;
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
  const scale = tree.unit === "seconds" ? 1e6 : 1;
  const skipRoot = tree.fn[0] === ALL ? 1 : 0;
  const keep = options.keep;
  // Whether each node is on a kept path (a kept frame above or at it).
  const kept = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const p = tree.parent[i]!;
    kept[i] = keep === undefined || keep[i] === 1 || (p >= 0 && kept[p] === 1)
      ? 1
      : 0;
  }
  // Each function's label, made once: a tree holds a function many times.
  const labels = new Map<number, string>();
  const label = (i: number) => {
    const fn = tree.fn[i]!;
    let text = labels.get(fn);
    if (text === undefined) {
      text = _cut(frameLabel(tree.profile, fn, tree.groups));
      labels.set(fn, text);
    }
    return text;
  };
  const depthOf = (i: number) => tree.depth[i]! - skipRoot;
  const maxDepth = Math.max(
    1,
    Math.floor(options.maxDepth ?? DEFAULT_FOLDED_DEPTH),
  );
  const maxBytes = options.maxBytes ?? DEFAULT_FOLDED_BYTES;
  // Each node's text length from the root (labels and separators).
  const length = new Float64Array(n);
  for (let i = skipRoot; i < n; i++) {
    const p = tree.parent[i]!;
    const above = p >= skipRoot ? length[p]! + 1 : 0;
    length[i] = above + label(i).length;
  }
  // The characters the lines take with paths cut at `bound` frames: the
  // lines as the loop below prints them, weights and all (a path whose own
  // weight rounds to 0 alone may print when the running sum carries it).
  const bytesAt = (bound: number): number => {
    let bytes = 0;
    let sum = 0;
    let printed = 0;
    const weigh = (value: number): number => {
      sum += value * scale;
      const next = Math.round(sum);
      const weight = next - printed;
      printed = next;
      return weight;
    };
    for (let i = skipRoot; i < n && bytes <= maxBytes; i++) {
      const d = depthOf(i);
      if (d >= bound || kept[i] === 0) continue;
      const weight = weigh(tree.self[i]!);
      if (weight > 0) bytes += length[i]! + 2 + _digits(weight);
      if (d === bound - 1 && tree.end[i]! > i + 1) {
        let below = 0;
        for (let k = i + 1; k < tree.end[i]!; k++) below += tree.self[k]!;
        const deeper = weigh(below);
        if (deeper > 0) bytes += length[i]! + 11 + _digits(deeper);
      }
    }
    return bytes;
  };
  let bound = maxDepth;
  if (bytesAt(bound) > maxBytes) {
    let low = 1;
    let high = bound;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (bytesAt(mid) <= maxBytes) low = mid;
      else high = mid - 1;
    }
    bound = low;
  }
  // Each line's weight rounds the running sum, so the lines add up to the
  // tree's total rounded, however many fractions there are.
  let sum = 0;
  let printed = 0;
  const weigh = (value: number): number => {
    sum += value * scale;
    const next = Math.round(sum);
    const weight = next - printed;
    printed = next;
    return weight;
  };
  const path: string[] = [];
  for (let i = skipRoot; i < n; i++) {
    const d = depthOf(i);
    if (d >= bound) continue;
    path.length = d;
    path.push(label(i));
    if (kept[i] === 0) continue;
    const weight = weigh(tree.self[i]!);
    if (weight > 0) yield `${path.join(";")} ${weight}\n`;
    if (d === bound - 1 && tree.end[i]! > i + 1) {
      // Everything below this node, past the bound, in one frame.
      let below = 0;
      for (let k = i + 1; k < tree.end[i]!; k++) below += tree.self[k]!;
      const deeper = weigh(below);
      if (deeper > 0) yield `${path.join(";")};[deeper] ${deeper}\n`;
    }
  }
}

/** How many characters a whole number takes. */
function _digits(n: number): number {
  return String(n).length;
}

function _cut(text: string): string {
  return text.length <= MAX_LABEL ? text : `${text.slice(0, MAX_LABEL - 1)}…`;
}
