import { assert, assertEquals, assertThrows } from "@std/assert";
import {
  compareCallees,
  compareCallers,
  compareProfiles,
  compareTotals,
  type Comparison,
  edgeChange,
  edgeNumbers,
  queryComparison,
  rowChange,
  rowFunction,
  rowNumbers,
  rowOf,
  rowStatus,
} from "../lib/compare.ts";
import type { Profile } from "../lib/profile.ts";
import { buildProfile, statsFile } from "../lib/pstats/build.ts";
import type { FunctionKey } from "../lib/pstats/stats_table.ts";
import { loadProfile } from "../lib/pstats/read.ts";
import { run } from "./_runs.ts";
import { ProfileMismatchError } from "../lib/data_error.ts";
import { compareTableReport } from "../lib/compare_report.ts";
import { type ExpectedFunction, readExpected } from "./_expected.ts";
import { fixturePath } from "./_fixtures.ts";

const FIXTURES = fixturePath("compare/");

Deno.test("compareProfiles() refuses to compare a sampled profile with a traced one", () => {
  const sampled = run([{ key: ["app.py", 1, "main"] }], { sampled: true });
  const traced = run([{ key: ["app.py", 1, "main"] }]);
  assertThrows(
    () => compareProfiles(traced, sampled),
    ProfileMismatchError,
    "Cannot compare a sampled profile with a traced one",
  );
  assertEquals(compareProfiles(sampled, sampled).sampled, true);
});

/** before: main, load 2 ms, save 1 ms, old; after: main, load 1 ms, save 4 ms, new. */
function example(): Comparison {
  const main: FunctionKey = ["app.py", 1, "main"];
  return compareProfiles(
    run([
      { key: main, time: 0.01 },
      { key: ["app.py", 10, "load"], time: 0.002, calls: 4, callers: [main] },
      { key: ["app.py", 20, "save"], time: 0.001, callers: [main] },
      { key: ["app.py", 30, "old"], time: 0.003, callers: [main] },
    ]),
    run([
      { key: main, time: 0.01 },
      { key: ["app.py", 12, "load"], time: 0.001, calls: 2, callers: [main] },
      { key: ["app.py", 22, "save"], time: 0.004, callers: [main] },
      { key: ["app.py", 40, "new"], time: 0.0005, callers: [main] },
    ]),
  );
}

function names(comparison: Comparison, rows: Iterable<number>): string[] {
  return [...rows].map((row) => {
    const { profile, id } = rowFunction(comparison, row);
    return profile.functions.name[id]!;
  });
}

Deno.test("compareProfiles() lists the current functions, then the removed ones", () => {
  const c = example();
  assertEquals(c.size, 5);
  assertEquals(names(c, [0, 1, 2, 3, 4]), [
    "main",
    "load",
    "save",
    "new",
    "old",
  ]);
  assertEquals(
    [0, 1, 2, 3, 4].map((row) => rowStatus(c, row)),
    ["matched", "matched", "matched", "added", "removed"],
  );
  assertEquals(
    [0, 1, 2, 3, 4].map((row) => rowChange(c, row)),
    ["unchanged", "faster", "slower", "added", "removed"],
  );
  assertEquals(rowOf(c, "base", 3), 4);
  assertEquals(rowOf(c, "current", 2), 2);
});

Deno.test("rowNumbers() gives both sides and the change, a missing side counting as 0", () => {
  const c = example();
  assertEquals(rowNumbers(c, 1), {
    base: {
      calls: 4,
      primitiveCalls: 4,
      internalTime: 0.002,
      cumulativeTime: 0.002,
    },
    current: {
      calls: 2,
      primitiveCalls: 2,
      internalTime: 0.001,
      cumulativeTime: 0.001,
    },
    delta: {
      calls: -2,
      primitiveCalls: -2,
      internalTime: -0.001,
      cumulativeTime: -0.001,
    },
  });
  assertEquals(rowNumbers(c, 3).base, null);
  assertEquals(rowNumbers(c, 3).delta.cumulativeTime, 0.0005);
  assertEquals(rowNumbers(c, 4).current, null);
  assertEquals(rowNumbers(c, 4).delta.cumulativeTime, -0.003);
});

Deno.test("compareTotals() gives the totals before, after and their change", () => {
  const t = compareTotals(example());
  assertEquals(t.base.calls, 7);
  assertEquals(t.current.calls, 5);
  assertEquals(t.delta.calls, -2);
  assertEquals(t.delta.time, t.current.time - t.base.time);
});

Deno.test("queryComparison() puts the largest regression first by default", () => {
  const c = example();
  assertEquals(names(c, queryComparison(c).rows), [
    "save",
    "new",
    "main",
    "load",
    "old",
  ]);
  assertEquals(
    names(c, queryComparison(c, { descending: false }).rows),
    ["old", "load", "main", "new", "save"],
  );
});

Deno.test("queryComparison() sorts by every change column either way", () => {
  const c = example();
  const sorted = (sort: Parameters<typeof queryComparison>[1]) =>
    names(c, queryComparison(c, sort).rows);
  // Percent: new is +∞, old −100%, load −50%, save +300%.
  assertEquals(sorted({ sort: "cumulative_change_percent" }), [
    "new",
    "save",
    "main",
    "load",
    "old",
  ]);
  assertEquals(sorted({ sort: "calls_change" }), [
    "new",
    "main",
    "save",
    "old",
    "load",
  ]);
  assertEquals(sorted({ sort: "cumulative_before", limit: 2 }), [
    "main",
    "old",
  ]);
  assertEquals(sorted({ sort: "cumulative", limit: 2 }), ["main", "save"]);
  assertEquals(sorted({ sort: "name" }), [
    "load",
    "main",
    "new",
    "old",
    "save",
  ]);
  assertEquals(sorted({ sort: "file", descending: true }), [
    "new",
    "old",
    "save",
    "load",
    "main",
  ]);
});

Deno.test("queryComparison() filters by text and by kind of change, and pages", () => {
  const c = example();
  assertEquals(names(c, queryComparison(c, { filter: "SAV" }).rows), ["save"]);
  assertEquals(
    names(c, queryComparison(c, { changes: ["added", "removed"] }).rows),
    ["new", "old"],
  );
  assertEquals(
    names(c, queryComparison(c, { changes: ["slower", "faster"] }).rows),
    ["save", "load"],
  );
  const page = queryComparison(c, { offset: 1, limit: 2 });
  assertEquals(page.total, 5);
  assertEquals(names(c, page.rows), ["new", "main"]);
});

Deno.test("compareCallees() compares the calls out of a function edge by edge", () => {
  const c = example();
  const { total, edges } = compareCallees(c, 0);
  assertEquals(total, 4);
  assertEquals(names(c, edges.map((e) => e.row)), [
    "save",
    "new",
    "load",
    "old",
  ]);
  assertEquals(edges.map((e) => edgeChange(c, e)), [
    "slower",
    "added",
    "faster",
    "removed",
  ]);
  const load = edgeNumbers(c, edges[2]!);
  assertEquals([load.base?.calls, load.current?.calls, load.delta.calls], [
    4,
    2,
    -2,
  ]);
  assertEquals(
    names(
      c,
      compareCallees(c, 0, { changes: ["removed"] }).edges.map((e) => e.row),
    ),
    ["old"],
  );
});

Deno.test("compareCallers() compares the calls into a removed or added function", () => {
  const c = example();
  const old = compareCallers(c, 4);
  assertEquals(old.total, 1);
  assertEquals(names(c, [old.edges[0]!.row]), ["main"]);
  assertEquals(old.edges[0]!.currentEdge, -1);
  const added = compareCallers(c, 3);
  assertEquals(added.edges[0]!.baseEdge, -1);
  assert(added.edges[0]!.currentEdge >= 0);
});

/** What Python read from a fixture: (file, line, name) → [cc, nc, tt, ct]. */
function expected(name: string): ExpectedFunction[] {
  return readExpected(`${FIXTURES}${name}.expected.json`).functions;
}

async function fixture(name: string): Promise<Profile> {
  return loadProfile([{
    source: `${name}.pstats`,
    bytes: await Deno.readFile(`${FIXTURES}${name}.pstats`),
  }]);
}

function find(c: Comparison, name: string): number[] {
  const rows: number[] = [];
  for (let row = 0; row < c.size; row++) {
    const { profile, id } = rowFunction(c, row);
    if (
      profile.functions.name[id] === name &&
      profile.functions.file[id]!.endsWith("/app.py")
    ) rows.push(row);
  }
  return rows;
}

Deno.test("compareProfiles() finds what changed between two versions of a program", async () => {
  const c = compareProfiles(await fixture("before"), await fixture("after"));
  const only = (name: string) => {
    const rows = find(c, name);
    assertEquals(rows.length, 1, name);
    return rows[0]!;
  };
  assertEquals(rowChange(c, only("parse")), "faster");
  assertEquals(rowChange(c, only("render")), "slower");
  assertEquals(rowStatus(c, only("legacy_checksum")), "removed");
  assertEquals(rowStatus(c, only("fast_checksum")), "added");
  // Every function of the two checkouts moved but is matched, lines and all.
  for (const name of ["parse", "render", "scale", "shift", "pair", "main"]) {
    const row = only(name);
    assertEquals(rowStatus(c, row), "matched", name);
  }
  const main = only("main");
  assertEquals(c.base.functions.line[c.baseIds[main]!], 50);
  assertEquals(c.current.functions.line[c.currentIds[main]!], 54);
  // The lambdas of scale() and shift() are told apart by their callers; the
  // two of pair() share theirs and stay unmatched.
  const lambdas = find(c, "<lambda>");
  assertEquals(
    lambdas.map((row) => rowStatus(c, row)).sort(),
    ["added", "added", "matched", "matched", "removed", "removed"],
  );
  for (const row of lambdas.filter((r) => rowStatus(c, r) === "matched")) {
    const caller = compareCallers(c, row).edges;
    assertEquals(caller.length, 1);
    assertEquals(rowStatus(c, caller[0]!.row), "matched");
  }
  // The numbers are those Python read from each file.
  const before = expected("before");
  const after = expected("after");
  const parse = rowNumbers(c, only("parse"));
  const pythonParse = (fs: typeof before) =>
    fs.find((f) => f.name === "parse" && f.file.endsWith("/app.py"))!;
  assertEquals(parse.base?.cumulativeTime, pythonParse(before).ct);
  assertEquals(parse.current?.cumulativeTime, pythonParse(after).ct);
  assertEquals(parse.current?.calls, pythonParse(after).nc);
  assert(pythonParse(after).ct < pythonParse(before).ct);
});

Deno.test("compareProfiles() matches a program profiled by Python 3.8 and 3.13", async () => {
  const c = compareProfiles(await fixture("py3.8"), await fixture("py3.13"));
  // Every function of the program itself is in both.
  const app = expected("py3.13").filter((f) =>
    f.file.endsWith("/app.py") || f.file.endsWith("/util.py")
  );
  assert(app.length >= 10);
  for (const f of app) {
    const row = [...Array(c.size).keys()].find((row) => {
      const { profile, id } = rowFunction(c, row);
      return profile === c.current && profile.functions.file[id] === f.file &&
        profile.functions.line[id] === f.line &&
        profile.functions.name[id] === f.name;
    });
    if (row === undefined) {
      throw new Error(`${f.name} is not in the comparison`);
    }
    assertEquals(rowStatus(c, row), "matched", `${f.name}:${f.line}`);
  }
  // The standard libraries live in different places, and json's functions
  // moved between the versions: they match all the same.
  const json = expected("py3.13").filter((f) =>
    /\/json\/(?:encoder|decoder|__init__)\.py$/.test(f.file) &&
    f.name !== "<module>"
  );
  assert(json.length >= 5);
  const moved = [];
  for (let row = 0; row < c.current.size; row++) {
    const f = c.current.functions;
    if (!/\/json\/(?:encoder|decoder|__init__)\.py$/.test(f.file[row]!)) {
      continue;
    }
    if (f.name[row] === "<module>") continue;
    assertEquals(rowStatus(c, row), "matched", f.name[row]);
    const b = c.baseIds[row]!;
    assert(c.base.functions.file[b]!.includes("python3.8"));
    if (c.base.functions.line[b] !== f.line[row]) moved.push(f.name[row]);
  }
  assert(moved.length > 0, "some json functions moved between versions");
});

Deno.test("compareTableReport() shows control characters of names and files visibly, as the table does", () => {
  const name = "ev\u202eil\x1b[2J";
  const before = run([{ key: ["app\x07.py", 1, name], time: 0.5 }]);
  const after = run([{ key: ["app\x07.py", 1, name], time: 0.7 }]);
  const comparison = compareProfiles(before, after);
  const text = [
    ...compareTableReport(comparison, queryComparison(comparison).rows, {
      filter: "\x1b",
    }),
  ].join("");
  assert(
    !["\x07", "\x1b", "\u202e"].some((c) => text.includes(c)),
    JSON.stringify(text),
  );
  assert(text.includes("app\\x07.py:1(ev\\u202eil\\x1b[2J)"), text);
});

/** A sampled run: rows per line, each `[line, name, samples, caller line]`. */
function sampledRun(rows: [number, string, number, number?][]): Profile {
  return buildProfile([statsFile(
    "sampled.pstats",
    rows.map(([line, name, samples, caller]) => ({
      key: ["/srv/app/app.py", line, name] as const,
      calls: samples,
      primitiveCalls: samples,
      internalTime: samples / 1000,
      cumulativeTime: samples / 1000,
      callers: caller === undefined ? [] : [{
        key: ["/srv/app/app.py", caller, "main"] as const,
        calls: samples,
      }],
    })),
    { sampled: true },
  )]);
}

Deno.test("compareProfiles() compares two sampled runs by function, not by line", () => {
  // parse runs on lines 10 and 11 before, 11 and 12 after, called from
  // main's lines 3 and 4.
  const before = sampledRun([
    [3, "main", 1],
    [4, "main", 1],
    [10, "parse", 2, 3],
    [11, "parse", 3, 4],
  ]);
  const after = sampledRun([
    [3, "main", 2],
    [4, "main", 1],
    [11, "parse", 4, 3],
    [12, "parse", 5, 4],
  ]);
  const c = compareProfiles(before, after);
  assertEquals(c.sampled, true);
  assertEquals(c.counts, { matched: 2, added: 0, removed: 0, moved: 1 });
  assertEquals(c.size, 2);
  const parse = rowOf(c, "current", c.current.functions.name.indexOf("parse"));
  assertEquals(rowStatus(c, parse), "matched");
  assertEquals(c.base.functions.line[c.baseIds[parse]!], 10);
  assertEquals(c.current.functions.line[c.currentIds[parse]!], 11);
  const n = rowNumbers(c, parse);
  assertEquals([n.base?.calls, n.current?.calls, n.delta.calls], [5, 9, 4]);
  assertEquals(
    [n.base?.primitiveCalls, n.current?.primitiveCalls],
    [5, 9],
  );
  // Callers folded by function: one edge main → parse, matched.
  const { edges } = compareCallers(c, parse);
  assertEquals(edges.length, 1);
  assertEquals(names(c, edges.map((e) => e.row)), ["main"]);
  const edge = edgeNumbers(c, edges[0]!);
  assertEquals([edge.base?.calls, edge.current?.calls], [5, 9]);
  const main = rowOf(c, "current", c.current.functions.name.indexOf("main"));
  const callees = compareCallees(c, main).edges;
  assertEquals(names(c, callees.map((e) => e.row)), ["parse"]);
  assertEquals(edgeChange(c, callees[0]!), "slower");
});

for (const name of ["shop-sampled", "sampled"]) {
  Deno.test(`compareProfiles() of ${name}.pstats with itself has one matched row per function`, async () => {
    const profile = loadProfile([{
      source: `${name}.pstats`,
      bytes: await Deno.readFile(`${FIXTURES}../${name}.pstats`),
    }]);
    const c = compareProfiles(profile, profile);
    const functions = new Set(
      profile.functions.name.map((n, i) =>
        `${profile.functions.file[i]}\0${n}`
      ),
    );
    assertEquals(c.size, functions.size);
    assertEquals(c.counts, {
      matched: functions.size,
      added: 0,
      removed: 0,
      moved: 0,
    });
    const totals = compareTotals(c);
    assertEquals(totals.base.calls, profile.totals.calls);
    assertEquals(totals.current.primitiveCalls, profile.totals.primitiveCalls);
  });
}
