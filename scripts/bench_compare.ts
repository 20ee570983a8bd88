/**
 * Times comparing two large pstats files against loading them separately,
 * each in its own process, and prints the figures: used by scripts/bench.ts.
 *
 * Usage: deno run --allow-all scripts/bench_compare.ts BEFORE AFTER [RUNS]
 *        deno run --allow-all scripts/bench_compare.ts --shapes [SIZE...]
 *
 * "separately" is what the explorer does for one file, done for each file
 * in turn: read, load and sort by cumulative time (scripts/bench_load.ts).
 * "compare" reads and loads both, matches their functions and sorts by the
 * change of cumulative time, as `--base BEFORE AFTER` does before it shows
 * anything. The two alternate so neither always runs on a warmer machine.
 *
 * `--shapes` times matching alone on the shapes whose matching once grew
 * with the square of their size (`tests/_match_shapes.ts`: renamed folders,
 * names differing only by an address, a chain of such names), at 20,000,
 * 60,000 and 200,000 functions a side unless sizes are given: three runs
 * each, min and median, and the steps counted (`MatchWork`) per function.
 */
import { fromFileUrl } from "@std/path";
import { matchFunctions } from "../lib/compare_match.ts";
import { matchShapes } from "../tests/_match_shapes.ts";

if (Deno.args[0] === "--shapes") {
  const sizes = Deno.args.length > 1
    ? Deno.args.slice(1).map(Number)
    : [20_000, 60_000, 200_000];
  console.log(
    `${"shape".padEnd(28)} ${"size".padStart(8)} ${"min".padStart(8)} ${
      "median".padStart(8)
    } ${"steps/function".padStart(15)}`,
  );
  for (const size of sizes) {
    for (const shape of matchShapes(size)) {
      const times: number[] = [];
      let steps = 0;
      for (let run = 0; run < 3; run++) {
        const work = { steps: 0 };
        const start = performance.now();
        const { baseOf } = matchFunctions(shape.base, shape.current, { work });
        times.push((performance.now() - start) / 1000);
        steps = work.steps;
        const matched = baseOf.filter((b) => b >= 0).length;
        if (matched !== shape.matched) {
          throw new Error(`${shape.name}: ${matched} matched`);
        }
      }
      times.sort((a, b) => a - b);
      console.log(
        `${shape.name.padEnd(28)} ${String(size).padStart(8)} ${
          times[0]!.toFixed(2).padStart(6)
        } s ${times[1]!.toFixed(2).padStart(6)} s ${
          (steps / (2 * size)).toFixed(1).padStart(15)
        }`,
      );
    }
  }
  Deno.exit(0);
}

const here = fromFileUrl(new URL("./", import.meta.url));
const [before, after, runsText] = Deno.args;
if (before === undefined || after === undefined) {
  throw new Error("usage: bench_compare.ts BEFORE AFTER [RUNS]");
}
const runs = Number(runsText ?? 3);

async function child(args: string[]): Promise<Record<string, number>> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", ...args],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!output.success) throw new Error(`${args.join(" ")} failed`);
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

if (Deno.env.get("BENCH_COMPARE_CHILD") === "1") {
  // Runs in the child: load both, compare, sort.
  const { loadProfile } = await import("../lib/pstats/read.ts");
  const { compareProfiles, queryComparison } = await import(
    "../lib/compare.ts"
  );
  const start = performance.now();
  const load = async (path: string) =>
    loadProfile([{ source: path, bytes: await Deno.readFile(path) }], {
      cwd: Deno.cwd(),
    });
  const base = await load(before);
  const current = await load(after);
  const loaded = performance.now();
  const comparison = compareProfiles(base, current);
  const matched = performance.now();
  queryComparison(comparison, { limit: 1 });
  const sorted = performance.now();
  const status = await Deno.readTextFile("/proc/self/status").catch(() => "");
  const peakKb = Number(status.match(/VmHWM:\s+(\d+)/)?.[1] ?? NaN);
  console.log(JSON.stringify({
    seconds: (sorted - start) / 1000,
    load_seconds: (loaded - start) / 1000,
    match_seconds: (matched - loaded) / 1000,
    sort_seconds: (sorted - matched) / 1000,
    peak_mb: peakKb / 1024,
    ...comparison.counts,
  }));
  Deno.exit(0);
}

const separate: number[] = [];
const compared: Record<string, number>[] = [];
for (let i = 0; i < runs; i++) {
  const a = await child([`${here}bench_load.ts`, before]);
  const b = await child([`${here}bench_load.ts`, after]);
  separate.push(a.seconds! + b.seconds!);
  Deno.env.set("BENCH_COMPARE_CHILD", "1");
  compared.push(
    await child([`${here}bench_compare.ts`, before, after]),
  );
  Deno.env.delete("BENCH_COMPARE_CHILD");
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const min = (xs: number[]) => Math.min(...xs);
const total = compared.map((c) => c.seconds!);
const c0 = compared[0]!;
console.log(
  `\nCompare ${before} with ${after}: ${c0.matched} matched (${c0.moved} moved), ${c0.added} added, ${c0.removed} removed`,
);
const row = (name: string, xs: number[]) =>
  `${name.padEnd(44)} ${min(xs).toFixed(2).padStart(6)} s ${
    median(xs).toFixed(2).padStart(6)
  } s`;
console.log(`${"".padEnd(44)} ${"min".padStart(8)} ${"median".padStart(8)}`);
console.log(row("load + sort each file separately (sum)", separate));
console.log(row("compare: load both, match, sort by change", total));
console.log(row("  of which matching", compared.map((c) => c.match_seconds!)));
console.log(
  row("  of which sorting by change", compared.map((c) => c.sort_seconds!)),
);
// The same ratio within each compare run (its own loads against its own
// loads plus matching and sorting): immune to a busy machine slowing one
// process and not the next.
const within = compared.map((c) => c.seconds! / c.load_seconds!);
console.log(
  row("  of which loading both", compared.map((c) => c.load_seconds!)),
);
console.log(
  `\nWithin each compare run, matching and sorting add ${
    ((min(within) - 1) * 100).toFixed(0)
  }% (min) and ${
    ((median(within) - 1) * 100).toFixed(0)
  }% (median) to loading both: ${min(within).toFixed(2)}× / ${
    median(within).toFixed(2)
  }×.`,
);
console.log(
  `Comparing takes ${(min(total) / min(separate)).toFixed(2)}× (min) and ${
    (median(total) / median(separate)).toFixed(2)
  }× (median) the time of loading both separately (target: 1.5×); peak memory ${
    median(compared.map((c) => c.peak_mb!)).toFixed(0)
  } MB.`,
);
