/**
 * `deno task bench`: times, side by side in one run, our load-and-sort of
 * pstats files against Python's `pstats.Stats(f).sort_stats("cumulative")`
 * on the same files, each side in its own process, the two alternating.
 * Reports the minimum and the median of the runs, for the whole process and
 * in-process, the ratios, and the peak memory.
 *
 * The profiles:
 * - large: 200,000 functions with 8 callers each (about 77 MB), generated on
 *   first use into bench/ with scripts/gen_large.py (`--functions N` changes
 *   the size);
 * - unshared: as many functions with 3 callers each (about 81 MB), made by
 *   `scripts/gen_large.py --shape unshared`: strings shared as yappi and
 *   other writers share them, every key's file name written in full;
 * - real: part of CPython's test suite run under cProfile (about 3 MB,
 *   16,000 functions), made on first use with scripts/gen_real.sh;
 * - with `--many N`: N small files merged into one profile (made with
 *   scripts/gen_many.py), as `pstats.Stats(*files)` does.
 *
 * Then it times comparing the large file with a changed copy of it (made
 * once with scripts/gen_variant.py) against loading both separately
 * (scripts/bench_compare.ts), merges a folder of 1,000 small profiles
 * against pstats.Stats(*files) (scripts/bench_folder.ts), and measures the
 * HTML report: its size for a test-suite profile and how fast the large
 * profile's report opens in headless Chromium (scripts/bench_report.ts).
 *
 * `--only large|unshared|real|many|compare|folder|report` runs one of them
 * (`--only large,unshared` several); `--runs N` sets the runs (3 for large,
 * unshared and many, 5 for real by default). Set
 * PYTHON to choose the interpreter (default: python3; the real profile
 * needs its `test` package).
 *
 * With --browser, also runs scripts/bench_browser.ts (the web explorer's
 * timings in headless Chromium) on the large file, its first table timed
 * `--runs` times (8 by default; 3 for the file of `--browser-functions N`,
 * 1000000 for the 384 MB profile, generated on first use, which takes
 * minutes).
 */
import { parseArgs } from "@std/cli/parse-args";
import { fromFileUrl } from "@std/path";
import {
  commandOutput,
  exists,
  generate,
  runScript,
  timedJson,
} from "./_bench_tools.ts";

const ROOT = fromFileUrl(new URL("../", import.meta.url));
const args = parseArgs(Deno.args, {
  string: ["functions", "runs", "many", "only", "browser-functions"],
  boolean: ["browser"],
}) as {
  functions?: string;
  runs?: string;
  many?: string;
  only?: string;
  browser?: boolean;
  "browser-functions"?: string;
};
const functions = Number(args.functions ?? 200_000);
const python = Deno.env.get("PYTHON") ?? "python3";
const BENCH = `${ROOT}bench/`;

/** Runs a command for its stdout, its stderr to the terminal. */
function run(command: string, argv: string[]): Promise<string> {
  return commandOutput(command, argv, "inherit");
}

/**
 * The large generated profile of `n` functions, made if missing: in
 * gen_large.py's default shape, or with its strings unshared.
 */
async function largeFile(
  n: number,
  shape: "shared" | "unshared" = "shared",
): Promise<string> {
  const file = `${BENCH}${shape === "shared" ? "large" : shape}-${n}.pstats`;
  await generate(python, file, [
    `${ROOT}scripts/gen_large.py`,
    file,
    "--functions",
    String(n),
    "--shape",
    shape,
  ]);
  return file;
}

const PYTHON_LOAD = `
import json, pstats, resource, sys, time
start = time.perf_counter()
pstats.Stats(*sys.argv[1:]).sort_stats("cumulative")
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak}))
`;

interface Sample {
  /** In-process seconds. */
  seconds: number;
  peak_mb: number;
  /** Whole-process seconds. */
  wall: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const min = (xs: number[]) => Math.min(...xs);
const seconds = (xs: number[]) =>
  `${min(xs).toFixed(2)} / ${median(xs).toFixed(2)} s`;
const ratio = (theirs: number[], ours: number[]) =>
  `${(min(theirs) / min(ours)).toFixed(1)}× / ${
    (median(theirs) / median(ours)).toFixed(1)
  }×`;

const pythonVersion = (await run(python, ["--version"])).trim();

/**
 * Runs both sides on the files, alternating so that neither always runs on
 * a warmer machine, and prints the comparison.
 */
async function compare(
  title: string,
  files: string[],
  bytes: number,
  runs: number,
  target: number,
): Promise<void> {
  const ours: Sample[] = [];
  const theirs: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    ours.push(
      await timedJson<Sample>(Deno.execPath(), [
        "run",
        "--allow-all", // /proc/self/status, for the peak memory, needs it
        `${ROOT}scripts/bench_load.ts`,
        ...files,
      ]),
    );
    theirs.push(await timedJson<Sample>(python, ["-c", PYTHON_LOAD, ...files]));
  }
  const peak = median(ours.map((x) => x.peak_mb));
  const column = (s: string) => s.padEnd(22);
  console.log(`\n${title}, ${runs} runs each (min / median)`);
  console.log(
    `  ${"".padEnd(28)}${column("whole process")}${column("in-process")}peak`,
  );
  const row = (name: string, xs: Sample[]) =>
    console.log(
      `  ${name.padEnd(28)}${column(seconds(xs.map((x) => x.wall)))}${
        column(seconds(xs.map((x) => x.seconds)))
      }${median(xs.map((x) => x.peak_mb)).toFixed(0)} MB`,
    );
  row("profiling-explorer (Deno)", ours);
  row(`pstats (${pythonVersion})`, theirs);
  console.log(
    `  ${"faster by".padEnd(28)}${
      column(ratio(theirs.map((x) => x.wall), ours.map((x) => x.wall)))
    }${
      column(ratio(theirs.map((x) => x.seconds), ours.map((x) => x.seconds)))
    }${(peak / (bytes / 2 ** 20)).toFixed(1)}× the input`,
  );
  console.log(
    `  (targets: ${target}× as a whole process; peak at most 3× the input)`,
  );
}

const parts = args.only?.split(",");
/** Whether to run a part: every part runs unless `--only` names some. */
const wanted = (name: string) => parts === undefined || parts.includes(name);
for (const shape of ["shared", "unshared"] as const) {
  if (!wanted(shape === "shared" ? "large" : shape)) continue;
  const file = await largeFile(functions, shape);
  const size = (await Deno.stat(file)).size;
  await compare(
    `${file.slice(ROOT.length)}: ${(size / 1e6).toFixed(1)} MB, ${
      functions.toLocaleString("en-US")
    } functions${shape === "shared" ? "" : ", every file name in full"}`,
    [file],
    size,
    Number(args.runs ?? 3),
    12,
  );
}

if (wanted("real")) {
  const file = `${BENCH}real-stdlib.pstats`;
  if (!(await exists(file))) {
    await Deno.mkdir(BENCH, { recursive: true });
    console.log(`Profiling part of CPython's test suite into ${file}…`);
    await run("sh", [`${ROOT}scripts/gen_real.sh`, file, python]);
  }
  const size = (await Deno.stat(file)).size;
  await compare(
    `${file.slice(ROOT.length)}: ${
      (size / 1e6).toFixed(1)
    } MB, CPython's test suite under cProfile`,
    [file],
    size,
    Number(args.runs ?? 5),
    3,
  );
  // What every run pays before reading a byte.
  const empty: [number[], number[]] = [[], []];
  for (let i = 0; i < 5; i++) {
    let start = performance.now();
    await run(Deno.execPath(), ["eval", ""]);
    empty[0].push((performance.now() - start) / 1000);
    start = performance.now();
    await run(python, ["-c", "import pstats"]);
    empty[1].push((performance.now() - start) / 1000);
  }
  console.log(
    `  start-up alone (min / median): Deno ${
      seconds(empty[0])
    }, Python with pstats ${seconds(empty[1])}`,
  );
}

if (args.many !== undefined || parts?.includes("many")) {
  const count = Number(args.many ?? 5000);
  const dir = `${BENCH}many-${count}`;
  if (!(await exists(dir))) {
    console.log(`Generating ${count} small profiles into ${dir}…`);
    await run(python, [
      `${ROOT}scripts/gen_many.py`,
      dir,
      "--files",
      String(count),
    ]);
  }
  const files: string[] = [];
  let size = 0;
  for await (const entry of Deno.readDir(dir)) {
    files.push(`${dir}/${entry.name}`);
    size += (await Deno.stat(`${dir}/${entry.name}`)).size;
  }
  files.sort();
  await compare(
    `${count.toLocaleString("en-US")} small files merged (${
      (size / 1e6).toFixed(1)
    } MB in all)`,
    files,
    size,
    Number(args.runs ?? 3),
    5,
  );
}

// Comparing two runs (--base): against loading both files separately. The
// "after" file is made from the first by scripts/gen_variant.py.
if (wanted("compare")) {
  const file = await largeFile(functions);
  const afterFile = file.replace(/\.pstats$/, "-after.pstats");
  await generate(python, afterFile, [
    `${ROOT}scripts/gen_variant.py`,
    file,
    afterFile,
  ]);
  await runScript(`${ROOT}scripts/bench_compare.ts`, [
    file,
    afterFile,
    String(Number(args.runs ?? 3)),
  ]);
}

if (args.browser) {
  const sizes = [functions];
  if (args["browser-functions"] !== undefined) {
    sizes.push(Number(args["browser-functions"]));
  }
  for (const n of sizes) {
    const file = await largeFile(n);
    const runs = String(args.runs ?? (n === functions ? 8 : 3));
    await runScript(`${ROOT}scripts/bench_browser.ts`, [file, runs]);
  }
}

// Merging a folder of 1,000 small profiles (scripts/bench_folder.ts), and
// the HTML report's size and opening time (scripts/bench_report.ts).
const LATER = [
  ["folder", "bench_folder.ts"],
  ["report", "bench_report.ts"],
] as const;
for (const [name, script] of LATER) {
  if (!wanted(name)) continue;
  await runScript(`${ROOT}scripts/${script}`);
}
