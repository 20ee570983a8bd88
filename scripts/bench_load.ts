/**
 * Loads and sorts pstats files the way the command line does, with its own
 * reading of the files (`readInputs()` of cli/inputs.ts: each file merged
 * before the next, small ones read a few ahead, a large one decoded as it
 * is read), and prints what it took as JSON: used by scripts/bench.ts, one
 * process per run.
 *
 * Usage: deno run --allow-all scripts/bench_load.ts FILE...
 */
import { loadProfileAsync } from "../lib/pstats/read.ts";
import { queryFunctions } from "../lib/query.ts";
import { readInputs } from "../cli/inputs.ts";
import { InterruptGuard } from "../cli/interrupt.ts";
import { DEFAULT_MAX_SIZE } from "../cli/options.ts";
import { peakMb } from "./_bench_tools.ts";

const paths = Deno.args;
if (paths.length === 0) throw new Error("usage: bench_load.ts FILE...");
const start = performance.now();
const inputs = readInputs(
  paths,
  DEFAULT_MAX_SIZE,
  undefined,
  undefined,
  new InterruptGuard(),
  false,
  { size: 0, large: false, total: paths.length },
);
const profile = await loadProfileAsync(inputs, { cwd: Deno.cwd() });
const loaded = performance.now();
queryFunctions(profile, { sort: "cumulative", limit: 1 });
const sorted = performance.now();
console.log(JSON.stringify({
  functions: profile.size,
  seconds: (sorted - start) / 1000,
  load_seconds: (loaded - start) / 1000,
  sort_seconds: (sorted - loaded) / 1000,
  peak_mb: peakMb(),
}));
