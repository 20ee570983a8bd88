/**
 * Compare's noise threshold (`lib/compare_noise.ts`): small changes count as
 * none, on runs made in code and on two real runs of one unchanged program
 * (the Django test suite profiled twice by scripts/make_noise_fixtures.sh,
 * with what Python counted from the two files).
 */
import { assert, assertEquals } from "@std/assert";
import {
  DEFAULT_THRESHOLD,
  NO_THRESHOLD,
  type NoiseThreshold,
  parseThreshold,
} from "../lib/compare_noise.ts";
import {
  type ChangeKind,
  compareCallees,
  compareProfiles,
  edgeChange,
  queryComparison,
  rowChange,
  rowFunction,
  rowNumbers,
} from "../lib/compare.ts";
import { loadProfile } from "../lib/pstats/read.ts";
import { readExpected } from "./_expected.ts";
import { fixturePath } from "./_fixtures.ts";
import { run } from "./_runs.ts";

/** A run of 1 s: main, and the named functions with their times. */
function timed(times: Record<string, number>) {
  const rest = Object.values(times).reduce((a, b) => a + b, 0);
  return run([
    { key: ["app.py", 1, "main"], time: 1 - rest },
    ...Object.entries(times).map(([name, time], i) => ({
      key: ["app.py", 10 + i, name] as [string, number, string],
      time,
      callers: [["app.py", 1, "main"] as [string, number, string]],
    })),
  ]);
}

function changes(
  before: Record<string, number>,
  after: Record<string, number>,
  threshold?: NoiseThreshold,
): Record<string, ChangeKind> {
  const c = compareProfiles(timed(before), timed(after));
  const out: Record<string, ChangeKind> = {};
  for (let row = 0; row < c.size; row++) {
    const { profile, id } = rowFunction(c, row);
    const name = profile.functions.name[id]!;
    if (name !== "main") out[name] = rowChange(c, row, threshold);
  }
  return out;
}

Deno.test("rowChange() counts a change under 0.5% of the total time as none", () => {
  // 3 ms more of 10 ms is 30% of its own but 0.3% of the 1 s run.
  assertEquals(changes({ f: 0.01 }, { f: 0.013 }), { f: "unchanged" });
  assertEquals(changes({ f: 0.01 }, { f: 0.016 }), { f: "slower" });
});

Deno.test("rowChange() counts a change under 5% of the function's own time as none", () => {
  // 20 ms less of 500 ms is 2% of the run but 4% of its own.
  assertEquals(changes({ f: 0.5 }, { f: 0.48 }), { f: "unchanged" });
  assertEquals(changes({ f: 0.5 }, { f: 0.47 }), { f: "faster" });
});

Deno.test("rowChange() counts every change with no threshold, as before it had one", () => {
  assertEquals(
    changes(
      { f: 0.01, g: 0.5, h: 0.2 },
      { f: 0.013, g: 0.48, h: 0.2 },
      NO_THRESHOLD,
    ),
    { f: "slower", g: "faster", h: "unchanged" },
  );
});

Deno.test("rowChange() takes the threshold it is given", () => {
  const threshold = parseThreshold("2,20")!;
  assertEquals(
    changes({ f: 0.1, g: 0.1 }, { f: 0.115, g: 0.13 }, threshold),
    { f: "unchanged", g: "slower" },
  );
});

Deno.test("edgeChange() judges a call's change by the threshold too", () => {
  const c = compareProfiles(
    timed({ f: 0.01, g: 0.2 }),
    timed({ f: 0.012, g: 0.3 }),
  );
  const main = [...Array(c.size).keys()].find((row) =>
    rowFunction(c, row).profile.functions.name[rowFunction(c, row).id] ===
      "main"
  )!;
  const kinds = compareCallees(c, main, { sort: "cumulative_before" }).edges
    .map((edge) => [edgeChange(c, edge), edgeChange(c, edge, NO_THRESHOLD)]);
  assertEquals(kinds, [["slower", "slower"], ["unchanged", "slower"]]);
});

Deno.test("parseThreshold() reads one or two percentages and refuses anything else", () => {
  assertEquals(parseThreshold("0.5,5"), DEFAULT_THRESHOLD);
  assertEquals(parseThreshold(" 0.5% , 5% "), DEFAULT_THRESHOLD);
  assertEquals(parseThreshold("off"), NO_THRESHOLD);
  assertEquals(parseThreshold("0"), NO_THRESHOLD);
  assertEquals(parseThreshold("2"), { ofTotal: 0.02, ofOwn: 0.02 });
  for (const bad of ["", "-1", "101", "1,2,3", "NaN", "1e3", "a", "5,"]) {
    assertEquals(parseThreshold(bad), undefined, bad);
  }
});

Deno.test("queryComparison() lists the largest speedup first when only faster functions are shown", () => {
  const c = compareProfiles(
    timed({ a: 0.1, b: 0.2, c: 0.3, d: 0.1 }),
    timed({ a: 0.09, b: 0.1, c: 0.25, d: 0.26 }),
  );
  const names = (rows: Uint32Array) =>
    [...rows].map((row) => {
      const { profile, id } = rowFunction(c, row);
      return profile.functions.name[id];
    });
  assertEquals(
    names(queryComparison(c, { changes: ["faster"] }).rows),
    ["b", "c", "a"],
  );
  assertEquals(
    names(queryComparison(c, { changes: ["faster"], descending: true }).rows),
    ["a", "c", "b"],
  );
  assertEquals(names(queryComparison(c, { changes: ["slower"] }).rows), ["d"]);
});

// ------------------------------------------------ two runs of one program

const NOISE = fixturePath("noise/");

interface NoiseExpected {
  python: string;
  before_total_time: number;
  matched: number;
  added: number;
  removed: number;
  changes: Record<string, Record<"slower" | "faster" | "unchanged", number>>;
}

function load(name: string) {
  return loadProfile([{
    source: name,
    bytes: Deno.readFileSync(`${NOISE}${name}`),
  }]);
}

Deno.test("two runs of one unchanged program are read as Python reads them", () => {
  for (const name of ["run1", "run2"]) {
    const expected = readExpected(`${NOISE}${name}.expected.json`);
    const profile = load(`${name}.pstats`);
    assertEquals(profile.totals.calls, expected.total_calls);
    assertEquals(profile.size, expected.function_count);
    const byKey = new Map<string, number>();
    for (let id = 0; id < profile.size; id++) {
      const f = profile.functions;
      byKey.set(`${f.file[id]}:${f.line[id]}:${f.name[id]}`, id);
    }
    for (const fn of expected.functions) {
      const id = byKey.get(`${fn.file}:${fn.line}:${fn.name}`) ?? -1;
      assert(id >= 0, `${fn.file}:${fn.line}(${fn.name})`);
      assertEquals(profile.functions.cumulativeTime[id], fn.ct);
      assertEquals(profile.functions.internalTime[id], fn.tt);
    }
  }
});

Deno.test("two runs of one unchanged program compare as mostly unchanged, as Python counts them", () => {
  const expected = JSON.parse(
    Deno.readTextFileSync(`${NOISE}noise.expected.json`),
  ) as NoiseExpected;
  const c = compareProfiles(load("run1.pstats"), load("run2.pstats"));
  assertEquals(c.counts.matched, expected.matched);
  assertEquals(c.counts.added, expected.added);
  assertEquals(c.counts.removed, expected.removed);
  const count = (threshold: NoiseThreshold) => {
    const kinds = { slower: 0, faster: 0, unchanged: 0 };
    for (let row = 0; row < c.size; row++) {
      const kind = rowChange(c, row, threshold);
      if (kind === "slower" || kind === "faster" || kind === "unchanged") {
        kinds[kind]++;
      }
    }
    return kinds;
  };
  const byDefault = count(DEFAULT_THRESHOLD);
  assertEquals(byDefault, expected.changes["0.5,5"]);
  assertEquals(count(NO_THRESHOLD), expected.changes["0"]);
  // Most are unchanged by default; with no threshold almost none are.
  assert(byDefault.unchanged / c.counts.matched > 0.9);
  assert(expected.changes["0"]!.unchanged / c.counts.matched < 0.05);
  // And nothing that took a real share of either run is called changed by
  // noise alone: every change left is over 0.5% of the run.
  for (let row = 0; row < c.size; row++) {
    const kind = rowChange(c, row);
    if (kind !== "slower" && kind !== "faster") continue;
    const change = Math.abs(rowNumbers(c, row).delta.cumulativeTime);
    assert(change >= 0.005 * c.base.totals.time);
  }
});
