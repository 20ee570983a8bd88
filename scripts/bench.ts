/**
 * `deno task bench`: times, side by side in one run, our load-and-sort of a
 * large pstats file against Python's
 * `pstats.Stats(f).sort_stats("cumulative")` on the same file, and reports
 * the ratio and both peak memories. Each side runs in its own process, three
 * times; medians are reported, both in-process and for the whole process.
 *
 * The file (200,000 functions, 8 callers each, about 77 MB) is generated on
 * first use into bench/ with scripts/gen_large.py. Set PYTHON to choose the
 * interpreter (default: python3). Pass --functions N to change the size.
 *
 * Then merges a folder of 1,000 small profiles against pstats.Stats(*files)
 * (scripts/bench_folder.ts), times comparing that file with a changed
 * copy of it (made once with scripts/gen_variant.py) against loading both
 * separately (scripts/bench_compare.ts), and measures the HTML report: its
 * size for a test-suite profile and how fast the large profile's report
 * opens in headless Chromium (scripts/bench_report.ts).
 *
 * With --browser, also runs scripts/bench_browser.ts (the web explorer's
 * timings in headless Chromium) on the same file.
 */
import { parseArgs } from "@std/cli/parse-args";
import { fromFileUrl } from "@std/path";

const ROOT = fromFileUrl(new URL("../", import.meta.url));
const args = parseArgs(Deno.args, {
  string: ["functions", "runs"],
  boolean: ["browser"],
}) as { functions?: string; runs?: string; browser?: boolean };
const functions = Number(args.functions ?? 200_000);
const runs = Number(args.runs ?? 3);
const python = Deno.env.get("PYTHON") ?? "python3";
const file = `${ROOT}bench/large-${functions}.pstats`;

async function run(command: string, argv: string[]): Promise<string> {
  const output = await new Deno.Command(command, {
    args: argv,
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!output.success) throw new Error(`${command} ${argv.join(" ")} failed`);
  return new TextDecoder().decode(output.stdout);
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

if (!(await exists(file))) {
  await Deno.mkdir(`${ROOT}bench`, { recursive: true });
  console.log(`Generating ${file} with ${python}…`);
  await run(python, [
    `${ROOT}scripts/gen_large.py`,
    file,
    "--functions",
    String(functions),
  ]);
}
const size = (await Deno.stat(file)).size;

const PYTHON_LOAD = `
import json, pstats, resource, sys, time
start = time.perf_counter()
pstats.Stats(sys.argv[1]).sort_stats("cumulative")
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak}))
`;

interface Sample {
  seconds: number;
  peak_mb: number;
  wall: number;
}

async function sample(command: string, argv: string[]): Promise<Sample> {
  const start = performance.now();
  const result = JSON.parse(await run(command, argv));
  return { ...result, wall: (performance.now() - start) / 1000 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

const ours: Sample[] = [];
const theirs: Sample[] = [];
const pythonVersion = (await run(python, ["--version"])).trim();
console.log(
  `File: ${file} (${(size / 1e6).toFixed(1)} MB, ${functions} functions)`,
);
for (let i = 0; i < runs; i++) {
  // Alternate the two so neither always runs on a warmer machine.
  ours.push(
    await sample(Deno.execPath(), [
      "run",
      "--allow-all", // /proc/self/status, for the peak memory, needs it
      `${ROOT}scripts/bench_load.ts`,
      file,
    ]),
  );
  theirs.push(await sample(python, ["-c", PYTHON_LOAD, file]));
}

const row = (name: string, xs: Sample[]) =>
  `${name.padEnd(34)} ${
    median(xs.map((x) => x.seconds)).toFixed(2).padStart(8)
  } s ${median(xs.map((x) => x.wall)).toFixed(2).padStart(8)} s ${
    median(xs.map((x) => x.peak_mb)).toFixed(0).padStart(8)
  } MB`;
console.log(
  `\n${"load + sort by cumulative".padEnd(34)} ${"in-proc".padStart(10)} ${
    "process".padStart(10)
  } ${"peak".padStart(11)}`,
);
console.log(row("profiling-explorer (Deno)", ours));
console.log(row(`pstats (${pythonVersion})`, theirs));
const inProcess = median(theirs.map((x) => x.seconds)) /
  median(ours.map((x) => x.seconds));
const whole = median(theirs.map((x) => x.wall)) /
  median(ours.map((x) => x.wall));
console.log(
  `\nprofiling-explorer is ${inProcess.toFixed(1)}× faster in-process and ${
    whole.toFixed(1)
  }× faster as a whole process (target: 5×); its peak memory is ${
    median(ours.map((x) => x.peak_mb)).toFixed(0)
  } MB (target: under 1,024 MB).`,
);

// Comparing two runs (--base): against loading both files separately. The
// "after" file is made from the first by scripts/gen_variant.py.
const afterFile = file.replace(/\.pstats$/, "-after.pstats");
if (!(await exists(afterFile))) {
  console.log(`Generating ${afterFile} with ${python}…`);
  await run(python, [`${ROOT}scripts/gen_variant.py`, file, afterFile]);
}
{
  const status = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      `${ROOT}scripts/bench_compare.ts`,
      file,
      afterFile,
      String(runs),
    ],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!status.success) Deno.exit(1);
}

if (args.browser) {
  const status = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", `${ROOT}scripts/bench_browser.ts`, file],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!status.success) Deno.exit(1);
}

// Merging a folder of 1,000 small profiles (scripts/bench_folder.ts), and
// the HTML report's size and opening time (scripts/bench_report.ts).
for (const script of ["bench_folder.ts", "bench_report.ts"]) {
  const status = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", `${ROOT}scripts/${script}`],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!status.success) Deno.exit(1);
}
