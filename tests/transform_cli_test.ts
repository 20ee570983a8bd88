/**
 * The call tree's transforms on the command line: `--merge`, `--collapse`,
 * `--focus` and `--drop` for `--format collapsed` (the same stacks as the
 * library's), `--html` and the served page (their URL), refused values as
 * one line and exit 2; and the filter's `-term` in `--filter`, the report
 * and the API.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { join } from "@std/path";
import { sandwichSource } from "../lib/call_sandwich.ts";
import { DEFAULT_MIN_SHARE } from "../lib/call_tree.ts";
import { type Transform, transformCallTree } from "../lib/call_transform.ts";
import { collapsedStacks } from "../lib/folded_stacks.ts";
import { loadProfile } from "../lib/pstats/read.ts";
import {
  assertOneLineError,
  cli,
  type CliResult,
  exploreOnFreePort,
  FIXTURES,
  foldedTotal,
  lineCount,
  withTempDir,
} from "./_cli.ts";

async function fixture(name: string) {
  const bytes = await Deno.readFile(join(FIXTURES, name));
  return loadProfile([{ source: name, bytes }]);
}

Deno.test("--format collapsed prints the transformed tree the library makes, transforms in the order given", async () => {
  const profile = await fixture("shop.pstats");
  const stack: Transform[] = [
    { kind: "collapse", target: "stdlib" },
    { kind: "merge", target: "builtins" },
    { kind: "focus", target: "shop_main.py:main" },
    { kind: "drop", target: "shop/pricing/tax.py:4" },
  ];
  const result = await cli(
    "shop.pstats",
    "-f",
    "collapsed",
    "--collapse",
    "stdlib",
    "--merge=builtins",
    "--focus",
    "shop_main.py:main",
    "--drop",
    "shop/pricing/tax.py:4",
  );
  assertEquals(result.code, 0, result.stderr);
  const tree = transformCallTree(
    sandwichSource(profile),
    stack,
    { minShare: DEFAULT_MIN_SHARE },
  );
  assertEquals(result.stdout, [...collapsedStacks(tree)].join(""));
  for (const line of result.stdout.trimEnd().split("\n")) {
    assert(line.startsWith("shop_main.py:54(main)"), line);
    assert(!line.includes("category_of"), line);
    assert(!line.includes("{built-in"), line);
  }
  assertStringIncludes(result.stdout, "stdlib [collapsed]");
  // stderr says what the focus kept and what the drop removed.
  const notes = result.stderr.trimEnd().split("\n");
  assertEquals(notes.length, 2, result.stderr);
  assert(
    /^Call tree: focus "shop_main\.py:main" keeps \d+\.\d% of the total$/
      .test(notes[0]!),
    notes[0],
  );
  assert(
    /^Call tree: drop "shop\/pricing\/tax\.py:4" removed [\d.,]+ ms, \d+\.\d% of the total$/
      .test(notes[1]!),
    notes[1],
  );
  // Another order, another tree: focused on main and then main merged, the
  // tree is main's callees; main merged first, there is no main to focus on.
  const focusFirst = await cli(
    "shop.pstats",
    "-f",
    "collapsed",
    "--focus",
    "shop_main.py:main",
    "--merge",
    "shop_main.py:main",
  );
  const mergeFirst = await cli(
    "shop.pstats",
    "-f",
    "collapsed",
    "--merge",
    "shop_main.py:main",
    "--focus",
    "shop_main.py:main",
  );
  assert(!focusFirst.stdout.includes("shop_main.py:54(main)"));
  assertStringIncludes(
    mergeFirst.stderr,
    'focus "shop_main.py:main" names no function of the tree',
  );
  assert(lineCount(focusFirst.stdout) < lineCount(mergeFirst.stdout));
});

Deno.test("--format collapsed with transforms keeps the weights adding up to what is shown", async () => {
  const result = await cli(
    "cprofile-3.13.pstats",
    "-f",
    "collapsed",
    "--min-share",
    "0",
    "--merge",
    "stdlib",
    "--merge",
    "builtins",
  );
  assertEquals(result.code, 0, result.stderr);
  const all = await cli(
    "cprofile-3.13.pstats",
    "-f",
    "collapsed",
    "--min-share",
    "0",
  );
  assert(
    Math.abs(foldedTotal(result.stdout) - foldedTotal(all.stdout)) <=
      lineCount(all.stdout),
  );
  assert(!result.stdout.includes("{built-in"));
  assert(lineCount(result.stdout) < lineCount(all.stdout));
});

Deno.test("transform flags refuse what they cannot use, in one line with exit 2", async () => {
  const cases: [string[], string][] = [
    [["-f", "collapsed", "--merge"], "--merge needs a location, terms"],
    [["-f", "collapsed", "--merge", ""], 'Invalid --merge "": give a location'],
    [["-f", "collapsed", "--drop", " - "], "it names no function"],
    [
      ["-f", "collapsed", "--collapse", "/"],
      'Invalid --collapse "/": give stdlib',
    ],
    [
      ["-f", "table", "--merge", "x"],
      "--merge applies to --format collapsed, --html",
    ],
    [["-f", "json", "--drop", "x"], "not to --format json"],
    [
      ["--by", "file", "--focus", "x"],
      "--focus opens the flame graph and --by",
    ],
    [
      ["-f", "collapsed", "--focus", "no_such_function_here"],
      'Invalid --focus "no_such_function_here": it names no function of the profile',
    ],
    [
      ["-f", "collapsed", ...Array(33).fill(["--merge", "x"]).flat()],
      "33 transforms given; at most 32 are allowed",
    ],
  ];
  for (const [args, message] of cases) {
    assertOneLineError(
      await cli("shop.pstats", ...args),
      2,
      message,
      "(see --help)",
    );
  }
});

Deno.test("a target that starts with - is a value, not an option", async () => {
  // Drops every function but the built-ins: under the roots, built-ins
  // (exec, the profiler's disable), nothing is left.
  const result = await cli("shop.pstats", "-f", "collapsed", "--drop", "-~");
  assertEquals(result.code, 0, result.stderr);
  for (const line of result.stdout.trimEnd().split("\n")) {
    assert(/^\{[^;]*\} \d+$/.test(line), line);
  }
  // And a filter may start with one too.
  const filtered = await cli(
    "shop.pstats",
    "-f",
    "csv",
    "--filter",
    "-~ -shop",
  );
  assertEquals(filtered.code, 0, filtered.stderr);
  assert(filtered.stdout.trimEnd().split("\n").length > 1);
  assert(!/shop|built-in/.test(filtered.stdout.split("\n").slice(1).join()));
});

Deno.test("--help lists the transforms", async () => {
  const help = (await cli("--help")).stdout;
  for (
    const flag of [
      "--merge TARGET",
      "--collapse GROUP",
      "--focus TARGET",
      "--drop TARGET",
    ]
  ) {
    assertStringIncludes(help, flag);
  }
});

Deno.test("--html and the explorer open the flame graph with the transforms, in order", async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, "report.html");
    const result = await cli(
      "--html",
      out,
      "--merge",
      "builtins",
      "--focus",
      "shop_main.py:main",
      "--filter",
      "order",
      "shop.pstats",
    );
    assertEquals(result.code, 0, result.stderr);
    assertStringIncludes(
      await Deno.readTextFile(out),
      '<meta name="profiling-explorer-start" content="?tab=flame&amp;t=merge%3Abuiltins&amp;t=focus%3Ashop_main.py%3Amain&amp;q=order">',
    );
  });
  await using server = await exploreOnFreePort(
    ["--collapse", "site-packages", "--drop", "-x", "shop-sampled.pstats"],
    { cwd: FIXTURES },
  );
  // A sampled profile opens on the flame graph too, when transforms ask.
  assertEquals(
    new URL(server.url).search,
    "?tab=flame&t=collapse%3Asite-packages&t=drop%3A-x",
  );
});

Deno.test("--filter leaves out what a -term names, in the table and the folded stacks", async () => {
  const table = await cli(
    "shop.pstats",
    "-f",
    "csv",
    "--filter",
    "shop/models -order.py",
  );
  assertEquals(table.code, 0, table.stderr);
  const rows = table.stdout.trimEnd().split("\n").slice(1);
  assert(rows.length > 0);
  for (const row of rows) {
    assertStringIncludes(row, "shop/models/");
    assert(!row.includes("order.py"), row);
  }
  const builtins = await cli("shop.pstats", "-f", "csv", "--filter", "~");
  const notBuiltins = await cli("shop.pstats", "-f", "csv", "--filter", "-~");
  const all = await cli("shop.pstats", "-f", "csv");
  const count = (r: CliResult) => r.stdout.trimEnd().split("\n").length - 1;
  assert(count(builtins) > 0);
  assertEquals(count(builtins) + count(notBuiltins), count(all));
  const folded = await cli(
    "shop.pstats",
    "-f",
    "collapsed",
    "--filter",
    "subtotal -discount",
  );
  assertEquals(folded.code, 0, folded.stderr);
  for (const line of folded.stdout.trimEnd().split("\n")) {
    assertStringIncludes(line, "(subtotal)");
  }
});
