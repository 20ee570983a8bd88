/**
 * How long grouping a large profile takes, cold: for each level, building
 * its groups (`groupTree()`), their numbers (`groupNumbers()`) and sorting
 * the top rows, on a fresh copy of the profile each time so that no cache
 * helps. Minimum and median of five runs each. The web explorer pays this
 * once per level (while idle after loading, or on the first visit).
 *
 *     deno run --allow-read scripts/bench_group.ts bench/large-200000.pstats
 */
import { createProfile } from "../lib/profile.ts";
import { loadProfile } from "../lib/pstats/read.ts";
import { GROUP_LEVELS, groupNumbers, groupTree } from "../lib/group.ts";
import { nodeChildren, sortNodes } from "../lib/group_rows.ts";

const file = Deno.args[0];
if (file === undefined) {
  console.error("usage: bench_group.ts FILE.pstats");
  Deno.exit(2);
}
const base = loadProfile([{ source: file, bytes: Deno.readFileSync(file) }]);
console.log(
  `Grouping ${base.size.toLocaleString("en-US")} functions, ${
    base.edges.caller.length.toLocaleString("en-US")
  } edges (cold; min / median of 5, ms):`,
);
console.log("  level        groups     numbers    sort       total");
for (const level of [...GROUP_LEVELS].reverse()) {
  const runs: number[][] = [];
  for (let r = 0; r < 5; r++) {
    const profile = createProfile(base);
    const t0 = performance.now();
    const tree = groupTree(profile, level);
    const t1 = performance.now();
    const numbers = groupNumbers(tree);
    const t2 = performance.now();
    sortNodes(numbers, nodeChildren(numbers, -1), "cumulative", true);
    const t3 = performance.now();
    runs.push([t1 - t0, t2 - t1, t3 - t2, t3 - t0]);
  }
  const cell = (k: number) => {
    const sorted = runs.map((run) => run[k]!).sort((a, b) => a - b);
    return `${sorted[0]!.toFixed(0)} / ${sorted[2]!.toFixed(0)}`.padEnd(11);
  };
  console.log(
    `  ${level.padEnd(12)} ${cell(0)}${cell(1)}${cell(2)}${cell(3)}`.trimEnd(),
  );
}
