/**
 * Part of `deno task bench`: the HTML report (`--html`).
 *
 * 1. Size: a test-suite profile of about 1 MB (CPython's own unit tests for
 *    json, argparse, email, re and csv under cProfile, made on first use into
 *    bench/testsuite.pstats by `PYTHON -m cProfile -m unittest`; Django is
 *    not installed here, this stands in for its test suite) makes a report
 *    under 1 MB.
 * 2. Speed: the 200,000-function profile's report is written (its size,
 *    time and, with GNU time at /usr/bin/time, peak memory) and opens (first
 *    table on screen) within 2 s in headless Chromium, from `file://` with
 *    the network off, side by side with the same profile served by the
 *    explorer (from navigation to first table, the server already running),
 *    alternating, min and median.
 *
 * Usage: deno run --allow-all scripts/bench_report.ts [--functions N] [--runs R]
 */
import { parseArgs } from "@std/cli/parse-args";
import { fromFileUrl, toFileUrl } from "@std/path";
import type { Browser } from "playwright-core";
import {
  commandOutput,
  exists,
  explorerUrl,
  generate,
} from "./_bench_tools.ts";
import { launchChromium } from "./_chromium.ts";

const ROOT = fromFileUrl(new URL("../", import.meta.url));
const MAIN = `${ROOT}main.ts`;
const args = parseArgs(Deno.args, { string: ["functions", "runs"] }) as {
  functions?: string;
  runs?: string;
};
const functions = Number(args.functions ?? 200_000);
const runs = Number(args.runs ?? 3);
const python = Deno.env.get("PYTHON") ?? "python3";
const TEST_MODULES = [
  "test.test_json",
  "test.test_argparse",
  "test.test_email",
  "test.test_re",
  "test.test_csv",
];

const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const min = (xs: number[]) => sorted(xs)[0]!;
const median = (xs: number[]) => sorted(xs)[xs.length >> 1]!;

// 1. Size of a test-suite profile's report.
const suite = `${ROOT}bench/testsuite.pstats`;
if (!(await exists(suite))) {
  console.log(`Generating ${suite} with ${python} (a few minutes)…`);
  await Deno.mkdir(`${ROOT}bench`, { recursive: true });
  await commandOutput(python, [
    "-m",
    "cProfile",
    "-o",
    `${suite}.tmp`,
    "-m",
    "unittest",
    "-q",
    ...TEST_MODULES,
  ]);
  await Deno.rename(`${suite}.tmp`, suite);
}
const suiteReport = `${ROOT}bench/testsuite.html`;
await commandOutput(Deno.execPath(), [
  "run",
  "--allow-all",
  MAIN,
  "--html",
  suiteReport,
  suite,
]);
const suiteSize = (await Deno.stat(suite)).size;
const suiteReportSize = (await Deno.stat(suiteReport)).size;
const suiteFunctions = JSON.parse(
  await commandOutput(Deno.execPath(), [
    "run",
    "--allow-all",
    MAIN,
    "--format",
    "json",
    suite,
  ]),
).functions.length;
console.log(
  `\nHTML report of a test-suite profile (${
    TEST_MODULES.map((m) => m.slice(5)).join(", ")
  }; ${suiteFunctions.toLocaleString("en-US")} functions)`,
);
console.log(
  `  pstats ${mb(suiteSize)} -> report ${mb(suiteReportSize)} (${
    (suiteReportSize / suiteSize).toFixed(2)
  }× the profile; target: under 1 MB)`,
);

// 2. Opening the 200,000-function profile's report.
const large = `${ROOT}bench/large-${functions}.pstats`;
await generate(python, large, [
  `${ROOT}scripts/gen_large.py`,
  large,
  "--functions",
  String(functions),
]);
const largeReport = `${ROOT}bench/large-${functions}.html`;
// The writing's peak memory, from GNU time where there is one.
const time = "/usr/bin/time";
const timed = await exists(time);
const writeStart = performance.now();
const written = await new Deno.Command(timed ? time : Deno.execPath(), {
  args: [
    ...(timed ? ["-f", "%M", Deno.execPath()] : []),
    "run",
    "--allow-all",
    MAIN,
    "--html",
    largeReport,
    large,
  ],
  stdout: "null",
  stderr: "piped",
}).output();
const writeSeconds = (performance.now() - writeStart) / 1000;
const writeError = new TextDecoder().decode(written.stderr).trim();
if (!written.success) throw new Error(`--html failed: ${writeError}`);
const writePeak = timed
  ? Number(writeError.split("\n").at(-1)) * 1024
  : undefined;
const largeReportSize = (await Deno.stat(largeReport)).size;

const server = new Deno.Command(Deno.execPath(), {
  args: ["run", "--allow-all", MAIN, "--port", "0", "--no-open", large],
  stdin: "null",
  stdout: "piped",
  stderr: "null",
}).spawn();
const { url: served, reader } = await explorerUrl(
  server.stdout,
  "The explorer exited",
);

async function firstTable(browser: Browser, url: string): Promise<number> {
  const context = await browser.newContext({
    offline: url.startsWith("file:"),
    viewport: { width: 1280, height: 720 },
  });
  try {
    const page = await context.newPage();
    const start = performance.now();
    await page.goto(url);
    await page.waitForSelector("tbody tr.row", { timeout: 60_000 });
    return (performance.now() - start) / 1000;
  } finally {
    await context.close();
  }
}

const fromServer: number[] = [];
const fromFile: number[] = [];
const browser = await launchChromium();
try {
  for (let i = 0; i < runs; i++) {
    fromServer.push(await firstTable(browser, served));
    fromFile.push(await firstTable(browser, toFileUrl(largeReport).href));
  }
} finally {
  await browser.close();
  server.kill("SIGTERM");
  await reader.cancel();
  await server.status;
}
console.log(
  `\nHTML report of ${functions.toLocaleString("en-US")} functions: ${
    mb(largeReportSize)
  } from a ${mb((await Deno.stat(large)).size)} profile, written in ${
    writeSeconds.toFixed(1)
  } s${
    writePeak === undefined
      ? ""
      : `, peak ${mb(writePeak)} (${
        (writePeak / (await Deno.stat(large)).size).toFixed(1)
      }× the profile)`
  } (aim: 25 MB)`,
);
const cell = (xs: number[]) =>
  `min ${min(xs).toFixed(2)} s, median ${median(xs).toFixed(2)} s`;
console.log(
  `  first table, report from file:// (offline)  ${
    cell(fromFile)
  } (target: 2 s)`,
);
console.log(`  first table, served by the explorer        ${cell(fromServer)}`);
console.log(
  `  the report opens ${
    (median(fromFile) / median(fromServer)).toFixed(2)
  }× the served page's time (median)`,
);
