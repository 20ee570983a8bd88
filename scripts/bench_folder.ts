/**
 * Part of `deno task bench`: merging a folder of 1,000 small profiles (one per
 * test, as pytest-profiling writes them) against Python's
 * `pstats.Stats(*files)`, side by side in one run, alternating, each side in
 * its own process. Reports min and median, in-process and whole process.
 *
 * The folder is generated on first use into bench/folder-N/ by
 * scripts/gen_folder.py. `PYTHON` picks the interpreter (default python3).
 *
 * Usage: deno run --allow-all scripts/bench_folder.ts [--files N] [--runs R]
 */
import { parseArgs } from "@std/cli/parse-args";
import { fromFileUrl } from "@std/path";
import { findProfiles } from "../lib/folder.ts";
import { loadProfileAsync } from "../lib/pstats/read.ts";
import { commandOutput, timedJson } from "./_bench_tools.ts";

const ROOT = fromFileUrl(new URL("../", import.meta.url));
const args = parseArgs(Deno.args, {
  string: ["files", "runs", "measure"],
}) as { files?: string; runs?: string; measure?: string };

// In a child process: merge the folder the way the command line does.
if (args.measure !== undefined) {
  const start = performance.now();
  const paths = await findProfiles(args.measure);
  // One file at a time, each merged before the next is read.
  const inputs = (async function* () {
    for (const source of paths) {
      yield { source, bytes: await Deno.readFile(source) };
    }
  })();
  const profile = await loadProfileAsync(inputs, { cwd: Deno.cwd() });
  console.log(JSON.stringify({
    files: paths.length,
    functions: profile.size,
    calls: profile.totals.calls,
    seconds: (performance.now() - start) / 1000,
  }));
  Deno.exit(0);
}

const files = Number(args.files ?? 1000);
const runs = Number(args.runs ?? 5);
const python = Deno.env.get("PYTHON") ?? "python3";
const folder = `${ROOT}bench/folder-${files}`;

/** Runs a command for its output, its errors on the terminal. */
function run(command: string, argv: string[]): Promise<string> {
  return commandOutput(command, argv, "inherit");
}

try {
  await Deno.stat(`${folder}/test_${files - 1}.prof`);
} catch {
  console.log(`Generating ${folder} with ${python}…`);
  await run(python, [
    `${ROOT}scripts/gen_folder.py`,
    folder,
    "--files",
    String(files),
  ]);
}

const PYTHON_MERGE = `
import glob, json, os, pstats, sys, time
start = time.perf_counter()
files = sorted(glob.glob(os.path.join(sys.argv[1], "*.prof")))
st = pstats.Stats(*files)
print(json.dumps({"files": len(files), "functions": len(st.stats),
                  "calls": st.total_calls,
                  "seconds": time.perf_counter() - start}))
`;

interface Sample {
  files: number;
  functions: number;
  calls: number;
  seconds: number;
  wall: number;
}

const ours: Sample[] = [];
const theirs: Sample[] = [];
const cli: number[] = [];
for (let i = 0; i < runs; i++) {
  // Alternate the sides so that neither always runs on a warmer machine.
  ours.push(
    await timedJson<Sample>(Deno.execPath(), [
      "run",
      "--allow-read",
      import.meta.filename!,
      "--measure",
      folder,
    ]),
  );
  theirs.push(await timedJson<Sample>(python, ["-c", PYTHON_MERGE, folder]));
  // What a user runs: the command line on the folder, to a one-line table.
  const start = performance.now();
  await run(Deno.execPath(), [
    "run",
    "--allow-read",
    `${ROOT}main.ts`,
    "--format",
    "table",
    "--limit",
    "1",
    folder,
  ]);
  cli.push((performance.now() - start) / 1000);
}
const a = ours[0]!;
const b = theirs[0]!;
if (a.files !== b.files || a.calls !== b.calls || a.functions !== b.functions) {
  throw new Error(
    `The two merges disagree: ${JSON.stringify(a)} against ${
      JSON.stringify(b)
    }`,
  );
}

const sorted = (xs: number[]) => [...xs].sort((x, y) => x - y);
const min = (xs: number[]) => sorted(xs)[0]!;
const median = (xs: number[]) => sorted(xs)[xs.length >> 1]!;
const cell = (xs: number[]) =>
  `${min(xs).toFixed(2)} / ${median(xs).toFixed(2)} s`.padStart(17);
const pythonVersion = (await run(python, ["--version"])).trim();
console.log(
  `\nMerge a folder of ${
    files.toLocaleString("en-US")
  } profiles (${a.functions} functions, ${
    a.calls.toLocaleString("en-US")
  } calls), ${runs} runs each`,
);
console.log(
  `${"".padEnd(34)} ${"in-proc min / med".padStart(17)} ${
    "process min / med".padStart(17)
  }`,
);
console.log(
  `${"profiling-explorer (Deno)".padEnd(34)} ${
    cell(ours.map((x) => x.seconds))
  } ${cell(ours.map((x) => x.wall))}`,
);
console.log(
  `${"profiling-explorer FOLDER (CLI)".padEnd(34)} ${"".padStart(17)} ${
    cell(cli)
  }`,
);
console.log(
  `${`pstats.Stats(*files) (${pythonVersion})`.padEnd(34)} ${
    cell(theirs.map((x) => x.seconds))
  } ${cell(theirs.map((x) => x.wall))}`,
);
const ratio = (f: (xs: number[]) => number, key: "seconds" | "wall") =>
  (f(theirs.map((x) => x[key])) / f(ours.map((x) => x[key]))).toFixed(1);
const cliRatio = (f: (xs: number[]) => number) =>
  (f(theirs.map((x) => x.wall)) / f(cli)).toFixed(1);
console.log(
  `profiling-explorer is ${ratio(median, "seconds")}× (min ${
    ratio(min, "seconds")
  }×) as fast in-process, ${ratio(median, "wall")}× (min ${
    ratio(min, "wall")
  }×) as a whole process; the command line ${cliRatio(median)}× (min ${
    cliRatio(min)
  }×), printing a table too.`,
);
