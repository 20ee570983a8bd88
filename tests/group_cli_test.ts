import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertStringIncludes,
} from "@std/assert";
import { cli, exploreOnFreePort, FIXTURES, runJsonReport } from "./_cli.ts";
import { type ExpectedGroup, readExpectedGroups } from "./_expected.ts";
import type { GroupLevel } from "../lib/group.ts";

/** A group of the JSON report: Python's numbers, cumulative as the report has it. */
interface Group extends Omit<ExpectedGroup, "cumulative"> {
  cumulative_time: number | null;
  cumulative_calls?: number;
}

interface GroupReport {
  files: string[];
  sampled: boolean;
  total_calls: number;
  primitive_calls: number;
  total_time: number;
  by: string;
  groups: Group[];
}

async function groups(...args: string[]): Promise<GroupReport> {
  return (await runJsonReport<GroupReport>(args))[0];
}

function python(name: string, level: GroupLevel): ExpectedGroup[] {
  return readExpectedGroups(`${FIXTURES}${name}.groups.json`).levels[level];
}

Deno.test("--by package --format json prints each package's numbers as Python computes them, largest cumulative first", async () => {
  const report = await groups("--by", "package", "shop.pstats");
  assertEquals(
    Object.keys(report),
    [
      "files",
      "sampled",
      "total_calls",
      "primitive_calls",
      "total_time",
      "by",
      "groups",
    ],
  );
  assertEquals(report.by, "package");
  assertEquals(report.files, ["shop.pstats"]);
  const want = python("shop", "package");
  assertEquals(
    report.groups.map((g) => g.key).sort(),
    want.map((g) => g.key),
  );
  for (const group of report.groups) {
    const w = want.find((g) => g.key === group.key)!;
    assertEquals(Object.keys(group), [
      "key",
      "functions",
      "calls",
      "primitive_calls",
      "internal_time",
      "cumulative_time",
    ]);
    assertEquals(
      [group.functions, group.calls, group.primitive_calls],
      [w.functions, w.calls, w.primitive_calls],
    );
    assertAlmostEquals(group.internal_time, w.internal_time, 1e-12);
    assertAlmostEquals(group.cumulative_time!, w.cumulative, 1e-9);
  }
  const cumulative = report.groups.map((g) => g.cumulative_time!);
  assertEquals(cumulative, [...cumulative].sort((a, b) => b - a));
});

Deno.test("--by directory --format csv lists every directory of the tree and the files in none", async () => {
  const result = await cli(
    "--format",
    "csv",
    "--by",
    "directory",
    "--sort",
    "name",
    "shop.pstats",
  );
  assertEquals(result.code, 0, result.stderr);
  const [header, ...rows] = result.stdout.trimEnd().split("\r\n");
  assertEquals(
    header,
    "key,functions,calls,primitive_calls,internal_time,cumulative_time",
  );
  const want = python("shop", "directory");
  assertEquals(rows.map((r) => r.split(",")[0]), want.map((g) => g.key));
  assert(rows.some((r) => r.startsWith("shop/pricing/rules/,3,")));
});

Deno.test("--format table folds a sampled profile's lines into functions; --by line keeps them", async () => {
  const folded = await cli(
    "--format",
    "table",
    "-n",
    "1000",
    "shop-sampled.pstats",
  );
  assertEquals(folded.code, 0, folded.stderr);
  assertStringIncludes(
    folded.stdout,
    "Grouped by function (lines folded into functions)",
  );
  const functions = python("shop-sampled", "function");
  assertStringIncludes(folded.stdout, `; ${functions.length} functions\n`);
  assertStringIncludes(folded.stdout, "shop/models/order.py(Item.subtotal)");
  const lines = await cli(
    "--format",
    "table",
    "--by",
    "line",
    "-n",
    "1000",
    "shop-sampled.pstats",
  );
  const rows = python("shop-sampled", "line");
  assert(rows.length > functions.length);
  assertStringIncludes(lines.stdout, `; ${rows.length} lines\n`);
  assertStringIncludes(lines.stdout, "shop/models/order.py:12(Item.subtotal)");
});

Deno.test("--format json without --by keeps a sampled profile's stored rows", async () => {
  const result = await cli("--format", "json", "shop-sampled.pstats");
  const report = JSON.parse(result.stdout);
  assertEquals(report.functions.length, python("shop-sampled", "line").length);
  assertEquals(report.groups, undefined);
});

Deno.test("--by function --format json of a sampled profile gives lines and summed samples per function", async () => {
  const report = await groups("--by", "function", "shop-sampled.pstats");
  assertEquals(report.sampled, true);
  const want = python("shop-sampled", "function");
  assertEquals(report.groups.length, want.length);
  for (const group of report.groups) {
    const w = want.find((g) => g.key === group.key)!;
    assertEquals(
      [group.functions, group.lines, group.calls, group.primitive_calls],
      [1, w.lines, w.calls, w.primitive_calls],
    );
    assertAlmostEquals(group.cumulative_time!, w.cumulative, 1e-9);
  }
  assert(report.groups.some((g) => g.lines! > 1));
});

Deno.test("--by file of a profile-module file counts calls entering each file, labelled so", async () => {
  const report = await groups("--by", "file", "shop-profile.pstats");
  const want = python("shop-profile", "file");
  for (const group of report.groups) {
    assertEquals(group.cumulative_time, null);
    assertEquals(
      group.cumulative_calls,
      want.find((g) => g.key === group.key)!.cumulative,
    );
  }
  const table = await cli(
    "--format",
    "table",
    "--by",
    "file",
    "shop-profile.pstats",
  );
  assertStringIncludes(table.stdout, "cumul calls");
  const csv = await cli(
    "--format",
    "csv",
    "--by",
    "file",
    "shop-profile.pstats",
  );
  assertStringIncludes(csv.stdout.split("\r\n")[0]!, ",cumulative_calls");
});

Deno.test("--by with --filter keeps groups holding a match, with the matching functions' numbers", async () => {
  const report = await groups(
    "--by",
    "directory",
    "--filter",
    "subtotal",
    "shop.pstats",
  );
  assertEquals(
    report.groups.map((g) => g.key).sort(),
    ["shop/", "shop/models/"],
  );
  assert(report.groups.every((g) => g.functions === 2));
});

Deno.test("--by with --limit and --sort cuts and orders the groups", async () => {
  const report = await groups(
    "--by",
    "file",
    "--sort",
    "internal",
    "--limit",
    "3",
    "shop.pstats",
  );
  assertEquals(report.groups.length, 3);
  const times = report.groups.map((g) => g.internal_time);
  assertEquals(times, [...times].sort((a, b) => b - a));
  const table = await cli(
    "--format",
    "table",
    "--by",
    "file",
    "--limit",
    "3",
    "shop.pstats",
  );
  assertStringIncludes(table.stdout, "showing 3 of");
  assertStringIncludes(table.stdout, "more files (use --limit to see more)");
});

Deno.test("--by with an unknown level exits 2 with one line", async () => {
  const result = await cli("--format", "json", "--by", "module", "shop.pstats");
  assertEquals(result.code, 2);
  assertEquals(result.stdout, "");
  assertEquals(
    result.stderr.trim(),
    'profiling-explorer: Invalid --by "module": use one of line, function, file, directory, package (see --help)',
  );
});

Deno.test("--format table notes when a group was re-entered through outside code", async () => {
  const result = await cli(
    "--format",
    "table",
    "--by",
    "package",
    "shop.pstats",
  );
  assertStringIncludes(result.stdout, "re-entered through code outside it");
});

Deno.test("--help explains --by and its levels", async () => {
  const result = await cli("--help");
  assertStringIncludes(result.stdout, "--by LEVEL");
  assertStringIncludes(
    result.stdout,
    "line, function, file, directory, package",
  );
});

Deno.test("--by without --format serves the explorer opened on the groups view at that level", async () => {
  const explorer = await exploreOnFreePort(
    ["--by", "package", "shop.pstats"],
    { cwd: FIXTURES },
  );
  try {
    assertEquals(explorer.url.search, "?tab=groups&by=package");
    const page = await fetch(explorer.url);
    assertEquals(page.status, 200);
    await page.body?.cancel();
  } finally {
    const result = await explorer.stop("SIGINT");
    assertEquals(result.code, 0, result.stderr);
  }
});
