/**
 * The call tree's figures on pstats files, as docs/numbers.md reports them:
 * for each file, at the defaults (every frame up to the frame cap) and at a
 * 0.1% threshold, the frames, how much own time the frames hold beyond
 * their functions' internal time (rule 2: always 0), the share of the total
 * on made-up frames ([other]: cut by the threshold or the frame cap;
 * [unattributed]; [deeper]), and the folded stacks' lines, size, what
 * their weights add up to against the total, and their own made-up shares
 * (the folded stacks' size bound cuts more where the paths are long).
 *
 * Usage: deno run --allow-read scripts/tree_figures.ts FILE.pstats...
 *
 * The Django and import profiles of docs/numbers.md come from
 * scripts/gen_django.sh and `python3 -m cProfile -o OUT imports.py`.
 *
 * @module
 */

import {
  buildCallTree,
  DEEPER,
  DEFAULT_MIN_SHARE,
  OTHER,
  UNATTRIBUTED,
} from "../lib/call_tree.ts";
import { callModel } from "../lib/call_model.ts";
import { collapsedStacks } from "../lib/folded_stacks.ts";
import { loadProfile } from "../lib/pstats/read.ts";

const percent = (part: number, whole: number) =>
  `${(whole > 0 ? part / whole * 100 : 0).toFixed(2)}%`;

for (const file of Deno.args) {
  const bytes = Deno.readFileSync(file);
  const profile = loadProfile([{ source: file, bytes }]);
  const model = callModel(profile);
  const total = model.total;
  console.log(`${file}: ${profile.size} functions`);
  for (const minShare of [DEFAULT_MIN_SHARE, 0.001]) {
    const start = performance.now();
    const tree = buildCallTree(profile, { minShare });
    const ms = performance.now() - start;
    const own = new Float64Array(model.own.length);
    const madeUp = new Map<number, number>();
    let estimated = 0;
    for (let i = 0; i < tree.size; i++) {
      const fn = tree.fn[i]!;
      if (fn >= 0) {
        own[fn]! += tree.self[i]!;
        if (tree.estimated[i] === 1) estimated += tree.self[i]!;
      } else madeUp.set(fn, (madeUp.get(fn) ?? 0) + tree.self[i]!);
    }
    let excess = 0;
    for (let f = 0; f < own.length; f++) {
      excess += Math.max(0, own[f]! - model.own[f]!);
    }
    let lines = 0;
    let weights = 0;
    let bytes = 0;
    const folded = new Map<string, number>();
    for (const line of collapsedStacks(tree)) {
      lines++;
      bytes += line.length;
      const at = line.lastIndexOf(" ");
      const weight = Number(line.slice(at + 1));
      weights += weight;
      const last = line.slice(line.lastIndexOf(";", at) + 1, at);
      if (last.startsWith("[")) {
        folded.set(last, (folded.get(last) ?? 0) + weight);
      }
    }
    const scale = tree.unit === "seconds" ? 1e6 : 1;
    console.log(
      [
        `  ${
          minShare === DEFAULT_MIN_SHARE ? "default" : `min ${minShare * 100}%`
        }: ${tree.size} frames${tree.capped ? " (cap reached)" : ""} in ${
          ms.toFixed(0)
        } ms`,
        `own beyond internal ${percent(excess, total)}`,
        `[other] ${percent(madeUp.get(OTHER) ?? 0, total)}`,
        `[unattributed] ${percent(madeUp.get(UNATTRIBUTED) ?? 0, total)}`,
        `[deeper] ${percent(madeUp.get(DEEPER) ?? 0, total)}`,
        `estimated own ${percent(estimated, total)}`,
        `folded: ${lines} lines, ${
          (bytes / 1024 / 1024).toFixed(1)
        } MiB, adding up to ${percent(weights / scale, total)}${
          [...folded].map(([name, w]) => `, ${name} ${percent(w, weights)}`)
            .join("")
        }`,
      ].join(", "),
    );
  }
}
