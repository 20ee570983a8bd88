import {
  assert,
  assertEquals,
  assertMatch,
  assertStringIncludes,
} from "@std/assert";
import {
  assertOneLineError,
  type CliResult,
  runCli,
  runJsonReport,
  withTempDir,
} from "./_cli.ts";
import {
  concat,
  dict,
  entry,
  int,
  key,
  str,
  tuple,
} from "./_marshal_writer.ts";
import { type Expected, readExpected } from "./_expected.ts";
import { fixturePath } from "./_fixtures.ts";

const FIXTURES = fixturePath("compare/");

function cli(...args: string[]): Promise<CliResult> {
  return runCli(args, FIXTURES);
}

interface Numbers {
  calls: number;
  primitive_calls: number;
  internal_time: number;
  cumulative_time: number;
}

interface CompareReport {
  base: {
    files: string[];
    total_calls: number;
    primitive_calls: number;
    total_time: number;
  };
  current: CompareReport["base"];
  sampled: boolean;
  threshold: { of_total: number; of_own: number };
  functions: {
    file: string;
    line: number;
    name: string;
    base_line: number | null;
    status: "matched" | "added" | "removed";
    change: "slower" | "faster" | "unchanged" | "added" | "removed";
    base: Numbers | null;
    current: Numbers | null;
    delta: Numbers;
  }[];
}

async function jsonReport(...args: string[]): Promise<CompareReport> {
  const [report, stderr] = await runJsonReport<CompareReport>(args, FIXTURES);
  assertEquals(stderr, "");
  return report;
}

/** The comparison of before.pstats with after.pstats, with the options. */
function compared(...options: string[]): Promise<CompareReport> {
  return jsonReport("--base", "before.pstats", "after.pstats", ...options);
}

/**
 * The comparison of before.pstats with after.pstats as `--format FORMAT`
 * prints it with the options; the run must succeed.
 */
async function comparedAs(format: string, ...options: string[]) {
  const files = ["--base", "before.pstats", "after.pstats"];
  const result = await cli("--format", format, ...files, ...options);
  assertEquals(result.code, 0, result.stderr);
  return result.stdout;
}

function expected(name: string): Expected {
  return readExpected(`${FIXTURES}${name}.expected.json`);
}

function numbersOf(f: Expected["functions"][number]): Numbers {
  return {
    calls: f.nc,
    primitive_calls: f.cc,
    internal_time: f.tt,
    cumulative_time: f.ct,
  };
}

Deno.test("--base --format json reports every function of both runs with the numbers Python reads", async () => {
  const report = await compared();
  const before = expected("before");
  const after = expected("after");
  assertEquals(report.base, {
    files: ["before.pstats"],
    total_calls: before.total_calls,
    primitive_calls: before.primitive_calls,
    total_time: report.base.total_time,
  });
  assert(Math.abs(report.base.total_time - before.total_time) < 1e-12);
  assertEquals(report.current.files, ["after.pstats"]);
  assertEquals(report.current.total_calls, after.total_calls);
  assertEquals(report.sampled, false);
  const matched = report.functions.filter((f) => f.status === "matched");
  const added = report.functions.filter((f) => f.status === "added");
  const removed = report.functions.filter((f) => f.status === "removed");
  // Every function of each file appears once, on its side.
  assertEquals(matched.length + added.length, after.functions.length);
  assertEquals(matched.length + removed.length, before.functions.length);
  // Built-ins' names hold memory addresses that differ between runs.
  const key = (f: { file: string; line: number; name: string }) =>
    `${f.file}:${f.line}(${f.name.replace(/0x[0-9a-f]+/g, "0x")})`;
  const afterByKey = new Map(after.functions.map((f) => [key(f), f]));
  const beforeByKey = new Map(before.functions.map((f) => [key(f), f]));
  for (const f of report.functions) {
    if (f.status !== "removed") {
      assertEquals(f.current, numbersOf(afterByKey.get(key(f))!));
    } else {
      assertEquals(f.current, null);
      assertEquals(f.base_line, f.line);
    }
    if (f.status === "added") {
      assertEquals(f.base, null);
      assertEquals(f.base_line, null);
      assertEquals(f.delta, f.current);
    } else {
      if (f.base === null || f.base_line === null) {
        throw new Error(`${key(f)} has no base numbers`);
      }
      const stored = f.status === "removed" ? key(f) : key({
        ...f,
        line: f.base_line,
        file: f.file.replace("-after", "-before"),
      });
      assert(beforeByKey.has(stored), stored);
      assertEquals(f.base, numbersOf(beforeByKey.get(stored)!));
      assertEquals(
        f.delta.cumulative_time,
        (f.current?.cumulative_time ?? 0) - f.base.cumulative_time,
      );
    }
  }
  const app = (name: string) =>
    report.functions.find((f) =>
      f.name === name && f.file.endsWith("/app.py")
    )!;
  assertEquals(app("parse").status, "matched");
  assertEquals([app("parse").base_line, app("parse").line], [12, 17]);
  assert(app("parse").delta.cumulative_time < 0, "parse got faster");
  assert(app("render").delta.cumulative_time > 0, "render got slower");
  assertEquals(app("legacy_checksum").status, "removed");
  assertEquals(app("fast_checksum").status, "added");
  // Built-ins named with a memory address that differs between the runs.
  const addressed = report.functions.filter((f) => / at 0x/.test(f.name));
  assert(addressed.length > 0);
  for (const f of addressed) assertEquals(f.status, "matched", f.name);
  // Largest regression first.
  const changes = report.functions.map((f) => f.delta.cumulative_time);
  assertEquals(changes, [...changes].sort((a, b) => b - a));
  assertEquals(report.functions[0]!.name, "render");
});

Deno.test("--base merges each side first, as pstats.Stats(a, b) does", async () => {
  const once = await compared();
  const twice = await jsonReport(
    "--base",
    "before.pstats",
    "-b",
    "before.pstats",
    "after.pstats",
    "after.pstats",
  );
  assertEquals(twice.base.files, ["before.pstats", "before.pstats"]);
  assertEquals(twice.current.files, ["after.pstats", "after.pstats"]);
  assertEquals(twice.base.total_calls, 2 * once.base.total_calls);
  assertEquals(twice.functions.length, once.functions.length);
  const parse = (r: CompareReport) =>
    r.functions.find((f) => f.name === "parse")!;
  assertEquals(parse(twice).current!.calls, 2 * parse(once).current!.calls);
  assertEquals(parse(twice).base!.calls, 2 * parse(once).base!.calls);
});

Deno.test("--base compares one program run by Python 3.8 and 3.13", async () => {
  const report = await jsonReport("--base", "py3.8.pstats", "py3.13.pstats");
  const decode = report.functions.find((f) =>
    f.file.endsWith("/lib/python3.13/json/decoder.py") && f.name === "decode"
  )!;
  assertEquals(decode.status, "matched");
  assert(decode.base_line !== null);
  // Every function of the program that 3.13 saw is matched; 3.8's list
  // comprehensions are gone, since 3.12 inlines them.
  const app = report.functions.filter((f) => f.file.endsWith("/app.py"));
  for (const f of app) {
    assertEquals(
      f.status,
      f.name === "<listcomp>" ? "removed" : "matched",
      f.name,
    );
  }
  assert(app.filter((f) => f.status === "matched").length >= 10);
});

Deno.test("--base --format csv prints the JSON fields flattened, one row per function", async () => {
  const lines = (await comparedAs("csv")).split("\r\n");
  assertEquals(lines.pop(), "");
  assertEquals(
    lines[0],
    "file,line,name,base_line,status," +
      "base_calls,base_primitive_calls,base_internal_time,base_cumulative_time," +
      "current_calls,current_primitive_calls,current_internal_time,current_cumulative_time," +
      "delta_calls,delta_primitive_calls,delta_internal_time,delta_cumulative_time," +
      "change,threshold_of_total,threshold_of_own",
  );
  const report = await compared();
  assertEquals(lines.length - 1, report.functions.length);
  const removed = lines.find((line) => line.includes(",legacy_checksum,"))!;
  const cells = removed.split(",");
  assertEquals(cells[4], "removed");
  assertEquals(cells.slice(9, 13), ["", "", "", ""]);
  assertEquals(Number(cells[16]), -Number(cells[8]));
  assertEquals(cells.slice(17), ["removed", "0.005", "0.05"]);
});

Deno.test("--base --format table shows totals before → after and signed changes", async () => {
  const table = await comparedAs("table", "--limit", "5");
  const lines = table.split("\n");
  assertEquals(lines[0], "before: before.pstats");
  assertEquals(lines[1], "after:  after.pstats");
  assertMatch(
    lines[2]!,
    /^total time {2}[\d,.]+ ms → [\d,.]+ ms \([+−][\d.]+%\)$/,
  );
  assertMatch(lines[3]!, /^calls {7}[\d,]+ → [\d,]+ \([+−][\d,]+\)$/);
  assertMatch(
    lines[4]!,
    /^functions {3}\d+ in both \(\d+ moved\), 5 added, 3 removed$/,
  );
  assertEquals(
    lines[5],
    "threshold   changes under 0.5% of the total time or under 5% of a function's own time before count as unchanged (--threshold)",
  );
  assertStringIncludes(
    lines[6]!,
    "Sorted by cumulative time change; showing 5 of",
  );
  assertMatch(
    lines[8]!,
    /cumul before +cumul after +change ms +change .*status +location$/,
  );
  assertMatch(
    lines[9]!,
    /\+[\d.]+ +\+[\d.]+% .*slower +app\.py:22\(render\), was line 21$/,
  );
  assertStringIncludes(table, "more functions (use --limit to see more)");
});

Deno.test("--base --format table says new and gone where a change % has no before or after", async () => {
  const table = await comparedAs("table", "--filter", "checksum");
  assertMatch(
    table,
    / new +[+−][\d.]+ +- → 1 +added +app\.py:\d+\(fast_checksum\)\n/,
  );
  assertMatch(
    table,
    / gone +[+−][\d.]+ +1 → - +removed +app\.py:\d+\(\w+\)\n/,
  );
});

Deno.test("--base --sort takes change columns, either way, with --limit and --filter", async () => {
  const faster = await compared(
    "--sort",
    "internal_change",
    "--reverse",
    "--limit",
    "3",
  );
  assertEquals(faster.functions.length, 3);
  const changes = faster.functions.map((f) => f.delta.internal_time);
  assertEquals(changes, [...changes].sort((a, b) => a - b));
  assert(changes[0]! < 0);
  const filtered = await compared(
    "--filter",
    "app.py checksum",
    "--sort",
    "name",
  );
  assertEquals(filtered.functions.map((f) => f.name), [
    "fast_checksum",
    "legacy_checksum",
  ]);
  const percent = await compared("--sort", "change_percent", "--limit", "1");
  assertEquals(percent.functions[0]!.status, "added");
});

Deno.test("--base refuses to compare a sampled profile with a traced one", async () => {
  assertOneLineError(
    await cli(
      "--format",
      "json",
      "--base",
      "../sampled.pstats",
      "after.pstats",
    ),
    1,
    "../sampled.pstats",
    "Cannot compare a sampled profile with a traced one",
  );
});

Deno.test("--base compares two sampled profiles", async () => {
  const report = await jsonReport(
    "--base",
    "../sampled.pstats",
    "../sampled.pstats",
  );
  assertEquals(report.sampled, true);
  assert(report.functions.every((f) => f.status === "matched"));
  assert(report.functions.every((f) => f.delta.calls === 0));
});

/**
 * The bytes of a sampled pstats file of app.py: per row `[line, name,
 * direct samples, cumulative samples, caller line of main]`.
 */
function sampledPstats(
  rows: [number, string, number, number, number?][],
): Uint8Array {
  return dict(
    [tuple(str("__sampled__")), concat("T")],
    ...rows.map(([line, name, direct, cumulative, caller]): [
      Uint8Array,
      Uint8Array,
    ] => [
      key("app.py", line, name),
      entry(
        direct,
        cumulative,
        direct / 1000,
        cumulative / 1000,
        caller === undefined
          ? dict()
          : dict([key("app.py", caller, "main"), int(cumulative)]),
      ),
    ]),
  );
}

Deno.test("--base compares two sampled runs by function, a function seen on other lines matched once", async () => {
  await withTempDir(async (dir) => {
    // parse runs on lines 10 and 11 before, 11 and 12 after.
    await Deno.writeFile(
      `${dir}/before.pstats`,
      sampledPstats([
        [3, "main", 0, 2],
        [4, "main", 0, 3],
        [10, "parse", 2, 2, 3],
        [11, "parse", 3, 3, 4],
      ]),
    );
    await Deno.writeFile(
      `${dir}/after.pstats`,
      sampledPstats([
        [3, "main", 0, 4],
        [4, "main", 0, 5],
        [11, "parse", 4, 4, 3],
        [12, "parse", 5, 5, 4],
      ]),
    );
    const [report, stderr] = await runJsonReport<CompareReport>(
      ["--base", "before.pstats", "after.pstats", "--sort", "name"],
      dir,
    );
    assertEquals(stderr, "");
    assertEquals(report.sampled, true);
    assertEquals(
      report.functions.map((f) => [f.name, f.status, f.base_line, f.line]),
      [["main", "matched", 3, 3], ["parse", "matched", 10, 11]],
    );
    const parse = report.functions[1]!;
    assertEquals(
      [parse.base?.calls, parse.current?.calls, parse.delta.calls],
      [5, 9, 4],
    );
    assertEquals(
      [parse.base?.primitive_calls, parse.current?.primitive_calls],
      [5, 9],
    );
    const table = await runCli(
      ["--format", "table", "--base", "before.pstats", "after.pstats"],
      dir,
    );
    assertEquals(table.code, 0, table.stderr);
    assertStringIncludes(table.stdout, "was line 10");
    assertEquals(table.stdout.match(/\bparse\b/g)?.length, 1);
  });
});

Deno.test("--base lists each function of a sampled run once", async () => {
  const report = await jsonReport(
    "--base",
    "../shop-sampled.pstats",
    "../shop-sampled.pstats",
  );
  const keys = report.functions.map((f) => `${f.file}\0${f.name}`);
  assertEquals(new Set(keys).size, keys.length);
  const lines = expected("../shop-sampled").functions;
  assertEquals(
    keys.length,
    new Set(lines.map((f) => `${f.file}\0${f.name}`)).size,
  );
  assert(keys.length < lines.length, "some function spans several lines");
  assert(report.functions.every((f) => f.status === "matched"));
});

Deno.test("--base without AFTER files, a bad --sort or a bad file fail with one line", async () => {
  assertOneLineError(
    await cli("--format", "json", "--base", "before.pstats"),
    2,
    "give the AFTER files too",
  );
  assertOneLineError(
    await cli("--base", "before.pstats", "after.pstats", "--sort", "speed"),
    2,
    'Invalid --sort "speed" when comparing',
    "cumulative_change",
  );
  assertOneLineError(
    await cli("--format", "csv", "--base", "missing.pstats", "after.pstats"),
    1,
    "missing.pstats: No such file",
  );
  assertOneLineError(
    await cli("--format", "csv", "--base", "before.pstats", "before/app.py"),
    1,
    "before/app.py",
  );
  assertOneLineError(
    await cli("--format", "csv", "--base", "before", "after.pstats"),
    1,
    "before: No .prof or .pstats files in this folder",
  );
});

Deno.test("--help describes --base", async () => {
  const result = await cli("--help");
  assertEquals(result.code, 0);
  assertStringIncludes(result.stdout, "--base BEFORE.pstats AFTER.pstats...");
  assertStringIncludes(result.stdout, "cumulative_change");
});

Deno.test("--only shows only functions with the given kinds of change", async () => {
  const report = await compared("--only", "added,removed");
  assertEquals(
    report.functions.map((f) => f.status).sort(),
    [
      "added",
      "added",
      "added",
      "added",
      "added",
      "removed",
      "removed",
      "removed",
    ],
  );
  const slower = await compared("--only=slower");
  assert(slower.functions.length > 0);
  assert(
    slower.functions.every((f) =>
      f.status === "matched" && f.delta.cumulative_time > 0
    ),
  );
  const table = await comparedAs(
    "table",
    "--only=faster",
    "--filter",
    "app.py",
  );
  assertMatch(table, /functions matching "app\.py" \(faster\)\n/);
  assertOneLineError(
    await cli("--base", "before.pstats", "after.pstats", "--only", "quicker"),
    2,
    'Invalid --only "quicker"',
  );
  assertOneLineError(
    await cli("-f", "json", "after.pstats", "--only", "slower"),
    2,
    "--only applies when comparing with --base",
  );
});

// ------------------------------------------------------- noise threshold

const NOISE = fixturePath("noise/");

interface NoiseExpected {
  matched: number;
  changes: Record<string, Record<"slower" | "faster" | "unchanged", number>>;
}

/** How many functions of a report changed each way. */
function changeCounts(report: CompareReport): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of report.functions) {
    counts[f.change] = (counts[f.change] ?? 0) + 1;
  }
  return counts;
}

Deno.test("--base calls two runs of one unchanged program mostly unchanged, and --threshold 0 counts every change", async () => {
  const expected = JSON.parse(
    await Deno.readTextFile(`${NOISE}noise.expected.json`),
  ) as NoiseExpected;
  const [report] = await runJsonReport<CompareReport>(
    ["--base", "run1.pstats", "run2.pstats"],
    NOISE,
  );
  assertEquals(report.threshold, { of_total: 0.005, of_own: 0.05 });
  assertEquals(changeCounts(report), expected.changes["0.5,5"]);
  assert(
    expected.changes["0.5,5"]!.unchanged / expected.matched > 0.9,
    "most functions of two runs of one program are unchanged",
  );
  const [every] = await runJsonReport<CompareReport>(
    ["--base", "run1.pstats", "run2.pstats", "--threshold", "0"],
    NOISE,
  );
  assertEquals(every.threshold, { of_total: 0, of_own: 0 });
  assertEquals(changeCounts(every), expected.changes["0"]);
  // The change is what the numbers say once the threshold is off.
  for (const f of every.functions) {
    const d = f.delta.cumulative_time;
    assertEquals(f.change, d > 0 ? "slower" : d < 0 ? "faster" : "unchanged");
  }
});

Deno.test("--base --only faster lists the largest speedup first, in every format", async () => {
  const args = ["--base", "run1.pstats", "run2.pstats", "--only", "faster"];
  const [report] = await runJsonReport<CompareReport>(args, NOISE);
  const deltas = report.functions.map((f) => f.delta.cumulative_time);
  assert(deltas.length > 10);
  assert(deltas.every((d) => d < 0));
  assertEquals(deltas, [...deltas].sort((a, b) => a - b));
  // --reverse turns it round: the smallest speedup first.
  const [reversed] = await runJsonReport<CompareReport>(
    [...args, "--reverse"],
    NOISE,
  );
  assertEquals(
    reversed.functions.map((f) => f.delta.cumulative_time),
    [...deltas].reverse(),
  );
  const table = await runCli(["-f", "table", "-n", "1", ...args], NOISE);
  assertEquals(table.code, 0, table.stderr);
  const top = report.functions[0]!;
  assertStringIncludes(table.stdout, `(${top.name})`);
});

Deno.test("--threshold takes percentages of the total and of the function's own time", async () => {
  const csv = await runCli(
    [
      "-f",
      "csv",
      "--base",
      "run1.pstats",
      "run2.pstats",
      "--threshold",
      "1,10",
    ],
    NOISE,
  );
  assertEquals(csv.code, 0, csv.stderr);
  const rows = csv.stdout.trimEnd().split("\r\n").slice(1);
  assert(rows.every((row) => row.endsWith(",0.01,0.1")));
  const table = await runCli(
    ["-f", "table", "--base", "run1.pstats", "run2.pstats", "--threshold=0"],
    NOISE,
  );
  assertStringIncludes(
    table.stdout,
    "threshold   every change counts (no noise threshold) (--threshold)",
  );
  assertOneLineError(
    await runCli(
      ["--base", "run1.pstats", "run2.pstats", "--threshold", "five"],
      NOISE,
    ),
    2,
    'Invalid --threshold "five": use percentages',
  );
  assertOneLineError(
    await runCli(["-f", "json", "run1.pstats", "--threshold", "1"], NOISE),
    2,
    "--threshold applies when comparing with --base",
  );
  const help = await cli("--help");
  assertStringIncludes(help.stdout, "--threshold T,O");
});
