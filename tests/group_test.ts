import { assert, assertAlmostEquals, assertEquals } from "@std/assert";
import {
  DIRECTORY,
  FILE,
  FUNCTION,
  GROUP_LEVELS,
  type GroupLevel,
  groupNumbers,
  groupTree,
  LINE,
  MAX_DIRECTORY_DEPTH,
  nodeKey,
  nodeName,
  passesTotal,
} from "../lib/group.ts";
import { MAX_SHOWN_TEXT } from "../lib/escape.ts";
import { loadProfile } from "../lib/pstats/read.ts";
import { deepPathEntries, pstatsBytes } from "./_hostile_shapes.ts";
import { nodeChildren, queryGroups, sortNodes } from "../lib/group_rows.ts";
import type { Profile } from "../lib/profile.ts";
import { buildProfile, statsFile } from "../lib/pstats/build.ts";
import { groupTableReport } from "../lib/group_report.ts";
import {
  type ExpectedGroup,
  type ExpectedGroups,
  readExpectedGroups,
} from "./_expected.ts";
import { fixturePath, fixtureProfile } from "./_fixtures.ts";

function fixture(name: string): Profile {
  return fixtureProfile(`${name}.pstats`);
}

function expectedGroups(name: string): ExpectedGroups {
  return readExpectedGroups(
    fixturePath(`${name}.groups.json`),
  );
}

/** Our groups of a level in Python's shape, sorted by key like Python's. */
function ourGroups(profile: Profile, level: GroupLevel): ExpectedGroup[] {
  const { numbers, ids } = queryGroups(profile, level);
  const tree = numbers.tree;
  return [...ids].map((n) => ({
    key: nodeKey(tree, n),
    functions: numbers.functions[n]!,
    ...(profile.sampled ? { lines: numbers.lines[n]! } : {}),
    calls: numbers.calls[n]!,
    primitive_calls: numbers.primitiveCalls[n]!,
    internal_time: numbers.internalTime[n]!,
    cumulative: numbers.cumulative[n]!,
  })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function assertSameGroups(actual: ExpectedGroup[], expected: ExpectedGroup[]) {
  assertEquals(actual.map((g) => g.key), expected.map((g) => g.key));
  actual.forEach((got, i) => {
    const want = expected[i]!;
    const { internal_time: tt, cumulative: ct, ...counts } = got;
    const { internal_time: wantTt, cumulative: wantCt, ...wantCounts } = want;
    assertEquals(counts, wantCounts, `counts of ${got.key}`);
    assertAlmostEquals(tt, wantTt, 1e-12, `internal time of ${got.key}`);
    assertAlmostEquals(ct, wantCt, 1e-9, `cumulative of ${got.key}`);
  });
}

for (const name of ["shop", "shop-profile", "shop-sampled"]) {
  const expected = expectedGroups(name);
  for (const level of GROUP_LEVELS) {
    Deno.test(`queryGroups() by ${level} gives the numbers Python computes from ${name}.pstats`, () => {
      const profile = fixture(name);
      assertEquals(profile.sampled, expected.sampled);
      assertEquals(
        groupNumbers(groupTree(profile, level)).cumulativeUnit,
        expected.cumulative_unit,
      );
      assertSameGroups(ourGroups(profile, level), expected.levels[level]);
    });
  }
}

Deno.test("the shop fixture spreads over a package with sub-packages, and its sampled run over several lines per function", () => {
  const keys = expectedGroups("shop").levels.directory.map((g) => g.key);
  for (
    const dir of [
      "shop/",
      "shop/models/",
      "shop/pricing/",
      "shop/pricing/rules/",
      "json/",
      "re/",
    ]
  ) {
    assert(keys.includes(dir), dir);
  }
  const sampled = expectedGroups("shop-sampled").levels.function;
  assert(sampled.filter((g) => g.lines! > 1).length >= 5);
});

/** main (app.py) → parse (lib/p.py) ⇄ tokenize (lib/t.py), and back into app.py. */
function callChain(): Profile {
  const at = (file: string, name: string) => [file, 1, name] as const;
  const edge = (file: string, name: string, calls: number, time: number) => ({
    key: at(file, name),
    calls,
    primitiveCalls: calls,
    internalTime: 0,
    cumulativeTime: time,
  });
  return buildProfile([statsFile("run.pstats", [
    {
      key: at("app.py", "main"),
      calls: 1,
      primitiveCalls: 1,
      internalTime: 1,
      cumulativeTime: 10,
    },
    {
      key: at("lib/p.py", "parse"),
      calls: 2,
      primitiveCalls: 2,
      internalTime: 2,
      cumulativeTime: 8,
      callers: [edge("app.py", "main", 2, 8)],
    },
    {
      key: at("lib/t.py", "tokenize"),
      calls: 3,
      primitiveCalls: 3,
      internalTime: 3,
      cumulativeTime: 5,
      callers: [edge("lib/p.py", "parse", 3, 5)],
    },
    {
      key: at("app.py", "callback"),
      calls: 4,
      primitiveCalls: 4,
      internalTime: 1,
      cumulativeTime: 2,
      callers: [edge("lib/t.py", "tokenize", 4, 2)],
    },
    {
      key: at("lib/t.py", "emit"),
      calls: 1,
      primitiveCalls: 1,
      internalTime: 1,
      cumulativeTime: 1,
      callers: [edge("app.py", "callback", 1, 1)],
    },
  ])]);
}

function numbersOf(profile: Profile, level: GroupLevel, filter?: string) {
  const { numbers, ids } = queryGroups(profile, level, {
    ...(filter === undefined ? {} : { filter }),
  });
  return Object.fromEntries(
    [...ids].map((n) => [nodeKey(numbers.tree, n), {
      functions: numbers.functions[n],
      calls: numbers.calls[n],
      internal: numbers.internalTime[n],
      cumulative: numbers.cumulative[n],
    }]),
  );
}

Deno.test("groups count time entering them once: calls between their own functions are not added again", () => {
  const groups = numbersOf(callChain(), "directory");
  // lib/ is entered by main → parse (8) and callback → emit (1); parse →
  // tokenize (5) stays inside and is not added.
  assertEquals(groups["lib/"], {
    functions: 3,
    calls: 6,
    internal: 6,
    cumulative: 9,
  });
});

Deno.test("groups count a re-entry through outside code again (the documented upper bound)", () => {
  const files = numbersOf(callChain(), "file");
  // lib/t.py is entered by parse → tokenize (5) and again by callback → emit (1),
  // though emit's time is already inside tokenize's.
  assertEquals(files["lib/t.py"]!.cumulative, 6);
  // app.py: main has no callers (10) and tokenize → callback (2) re-enters it.
  assertEquals(files["app.py"]!.cumulative, 12);
});

Deno.test("groups add the cumulative time of their functions that have no callers", () => {
  const packages = numbersOf(callChain(), "package");
  assertEquals(packages["app"]!.cumulative, 12);
  assertEquals(packages["lib"]!.cumulative, 9);
});

Deno.test("a filter keeps groups holding a match, with the numbers of the matching functions", () => {
  const files = numbersOf(callChain(), "file", "tokenize");
  assertEquals(Object.keys(files), ["lib/t.py"]);
  assertEquals(files["lib/t.py"], {
    functions: 1,
    calls: 3,
    internal: 3,
    cumulative: 5,
  });
  // emit alone: its caller callback doesn't match, so its edge enters.
  const dirs = numbersOf(callChain(), "directory", "emit");
  assertEquals(dirs["lib/"]!.cumulative, 1);
});

Deno.test("the line and function levels of a traced profile are its rows with their own numbers", () => {
  const profile = callChain();
  for (const level of ["line", "function"] as const) {
    const rows = numbersOf(profile, level);
    assertEquals(Object.keys(rows).length, profile.size);
    assertEquals(rows["lib/p.py:1(parse)"], {
      functions: 1,
      calls: 2,
      internal: 2,
      cumulative: 8,
    });
  }
});

/** A sampled profile: work() seen on lines 10, 11 and 12, recursing on 12. */
function sampledLines(): Profile {
  const at = (line: number, name = "work") => ["app.py", line, name] as const;
  const row = (
    line: number,
    direct: number,
    cumulative: number,
    callers: { key: ReturnType<typeof at>; calls: number }[],
  ) => ({
    key: at(line),
    calls: cumulative,
    primitiveCalls: direct,
    internalTime: direct * 0.001,
    cumulativeTime: cumulative * 0.001,
    callers,
  });
  return buildProfile([statsFile("sampled.pstats", [
    {
      key: at(1, "<module>"),
      calls: 10,
      primitiveCalls: 1,
      internalTime: 0.001,
      cumulativeTime: 0.01,
    },
    row(10, 4, 4, [{ key: at(1, "<module>"), calls: 4 }]),
    row(11, 2, 2, [{ key: at(1, "<module>"), calls: 2 }]),
    // Three samples in the recursion: work at 12 called from work at 12.
    row(12, 3, 3, [
      { key: at(1, "<module>"), calls: 3 },
      { key: at(12), calls: 2 },
    ]),
  ], { sampled: true })]);
}

Deno.test("a sampled function folds its lines: direct and cumulative samples add up", () => {
  const profile = sampledLines();
  const { numbers, ids } = queryGroups(profile, "function");
  const tree = numbers.tree;
  const work = [...ids].find((n) => nodeKey(tree, n) === "app.py(work)")!;
  assertEquals(numbers.functions[work], 1);
  assertEquals(numbers.lines[work], 3);
  assertEquals(numbers.primitiveCalls[work], 9);
  assertEquals(numbers.calls[work], 9);
  assertAlmostEquals(numbers.cumulative[work]!, 0.009);
  // It opens into its lines, hottest first.
  const lines = sortNodes(numbers, nodeChildren(numbers, work), "internal");
  assertEquals([...lines].map((n) => nodeName(tree, n)), [
    "line 10",
    "line 12",
    "line 11",
  ]);
  assertEquals([...lines].map((n) => tree.kind[n]), [LINE, LINE, LINE]);
  // The file counts samples entering it once: only <module> has no callers.
  const file = queryGroups(profile, "file");
  assertAlmostEquals(file.numbers.cumulative[file.ids[0]!]!, 0.01);
});

Deno.test("the directory level is a tree of directories, files, functions and (sampled) lines", () => {
  const profile = fixture("shop-sampled");
  const tree = groupTree(profile, "directory");
  const numbers = groupNumbers(tree);
  const top = [...nodeChildren(numbers, -1)].map((n) => nodeKey(tree, n));
  assert(top.includes("shop/"));
  assert(top.includes("shop_main.py"));
  const shop = nodeChildren(numbers, -1).find((n) =>
    nodeKey(tree, n) === "shop/"
  )!;
  const inShop = [...nodeChildren(numbers, shop)];
  assertEquals(
    inShop.map((n) => nodeName(tree, n)).sort(),
    ["models/", "pricing/", "report/"],
  );
  assert(inShop.every((n) => tree.kind[n] === DIRECTORY));
  const models = inShop.find((n) => nodeName(tree, n) === "models/")!;
  const files = [...nodeChildren(numbers, models)];
  assert(files.every((n) => tree.kind[n] === FILE));
  const order = files.find((n) => nodeName(tree, n) === "order.py")!;
  const functions = [...nodeChildren(numbers, order)];
  assert(functions.every((n) => tree.kind[n] === FUNCTION));
  assert(functions.some((n) => nodeName(tree, n) === "Item.subtotal"));
  // A folded function's lines sum to its numbers.
  for (const fn of functions) {
    const lines = nodeChildren(numbers, fn);
    assertEquals(lines.length, numbers.lines[fn]);
    const direct = [...lines].reduce(
      (s, n) => s + numbers.primitiveCalls[n]!,
      0,
    );
    assertEquals(direct, numbers.primitiveCalls[fn]);
  }
  // Every row is under exactly one top node: the top nodes' sums are the totals.
  const roots = nodeChildren(numbers, -1);
  const direct = [...roots].reduce((s, n) => s + numbers.primitiveCalls[n]!, 0);
  assertEquals(direct, profile.totals.primitiveCalls);
});

Deno.test("groupTableReport() shows control characters of keys and files visibly, as the table does", () => {
  const profile = buildProfile([statsFile("run\x1b.pstats", [{
    key: ["pkg\u202e/app\x07.py", 1, "ev\x1b[2Jil"],
    calls: 1,
    primitiveCalls: 1,
    internalTime: 0.5,
    cumulativeTime: 0.5,
  }])]);
  for (const level of GROUP_LEVELS) {
    const { numbers, ids } = queryGroups(profile, level, { filter: "\x1b" });
    const text = [
      ...groupTableReport(numbers, ids, { filter: "\x1b" }),
    ].join("");
    assert(
      !["\x07", "\x1b", "\u202e"].some((c) => text.includes(c)),
      `${level}: ${text}`,
    );
    assert(text.includes("pkg\\u202e"), `${level}: ${text}`);
  }
});

Deno.test("passesTotal() marks the groups of a Django test run that were re-entered, not one a clock tick over", () => {
  const profile = fixtureProfile("noise/run1.pstats");
  const numbers = groupNumbers(groupTree(profile, "package"));
  const passing = [...numbers.tree.listed]
    .filter((n) => passesTotal(numbers, n))
    .map((n) => numbers.tree.groupKey[n]);
  // django → the standard library → django, and so on; manage.py's one call
  // is 0.07% over the sum of internal times, which is cProfile's clock.
  assertEquals(passing.sort(), ["builtins", "django", "frozen"]);
  const manage = numbers.tree.groupKey.indexOf("manage");
  assert(numbers.cumulative[manage]! > profile.totals.time);
  // Functions are never marked: their time is their rows'.
  const functions = groupNumbers(groupTree(profile, "function"));
  for (let n = 0; n < functions.tree.size; n++) {
    assertEquals(passesTotal(functions, n), false);
  }
});

Deno.test("a path 100,000 directories deep makes at most 32 levels of directory groups, the deeper ones one group", () => {
  const deep = `${"a/".repeat(100_000)}x.py`;
  const profile = loadProfile([{
    source: "deep.pstats",
    bytes: pstatsBytes([
      ...deepPathEntries(0).slice(0, 1),
      { ...deepPathEntries(0)[2]!, file: deep, callers: [[0, 1, 1, 1, 2]] },
    ]),
  }]);
  const tree = groupTree(profile, "directory");
  const dirs = [...tree.listed].filter((n) => tree.kind[n] === DIRECTORY);
  assertEquals(dirs.length, MAX_DIRECTORY_DEPTH + 1);
  // The keys together: in proportion to the path, not to its square.
  const keys = dirs.reduce((n, d) => n + tree.groupKey[d]!.length, 0);
  assert(
    keys <= (MAX_DIRECTORY_DEPTH + 1) * 2 * MAX_DIRECTORY_DEPTH,
    `${keys}`,
  );
  const fold = dirs.at(-1)!;
  assertEquals(nodeKey(tree, fold), `${"a/".repeat(MAX_DIRECTORY_DEPTH)}…`);
  assertEquals(nodeName(tree, fold), "…");
  const file = tree.rowGroup[1]!;
  assertEquals(tree.parent[file], fold);
  // The file's name under the fold: the rest of its path, cut.
  assertEquals(nodeName(tree, file).length, MAX_SHOWN_TEXT);
  assert(tree.depth.every((d) => d <= MAX_DIRECTORY_DEPTH + 2));
  const numbers = groupNumbers(tree);
  assertEquals(numbers.cumulative[fold], 2);
  assertEquals(numbers.internalTime[dirs[0]!], 2);
});

Deno.test("no directory group holds more than the whole, 300 levels deep", () => {
  // main (/main.py) → y (255 levels deep) → x (300 levels deep): 3 s in all.
  const profile = loadProfile([{
    source: "deep.pstats",
    bytes: pstatsBytes(deepPathEntries(300)),
  }]);
  const { numbers, ids } = queryGroups(profile, "directory");
  assert(ids.length > 30);
  for (const n of ids) {
    assert(
      numbers.cumulative[n]! <= profile.totals.time,
      `${nodeKey(numbers.tree, n)}: ${numbers.cumulative[n]}`,
    );
  }
  // The top directory is entered once, from main: 3 s.
  const top = [...ids].find((n) => nodeKey(numbers.tree, n) === "a/")!;
  assertEquals(numbers.cumulative[top], 3);
  const table = [...groupTableReport(numbers, ids)].join("");
  assert(!/NaN|Infinity/.test(table), table);
});
