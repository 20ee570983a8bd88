/**
 * The source view's numbers (`lib/source_heat.ts`) against what Python read
 * from the fixtures: the lines of a sampled profile and the functions and
 * callees of a traced one, and function bodies found in the fixtures' own
 * Python files.
 */
import { assert, assertEquals } from "@std/assert";
import { fromFileUrl } from "@std/path";
import { fileHeat, functionExtent } from "../lib/source_heat.ts";
import { loadProfile } from "../lib/pstats/read.ts";
import type { Profile } from "../lib/profile.ts";
import { readExpected } from "./_expected.ts";

const FIXTURES = fromFileUrl(new URL("./fixtures/", import.meta.url));

async function fixture(name: string): Promise<Profile> {
  return loadProfile([{
    source: `${name}.pstats`,
    bytes: await Deno.readFile(`${FIXTURES}${name}.pstats`),
  }]);
}

Deno.test("fileHeat() gives each sampled line its direct and cumulative samples, as Python read them", async () => {
  const profile = await fixture("shop-sampled");
  const expected = readExpected(`${FIXTURES}shop-sampled.expected.json`);
  const files = [...new Set(expected.functions.map((f) => f.file))]
    .filter((file) => file.startsWith("shop/"));
  assert(files.length >= 3, files.join());
  for (const file of files) {
    const heat = fileHeat(profile, file);
    assert(heat.sampled);
    const rows = expected.functions.filter((f) => f.file === file);
    const byLine = new Map<number, { direct: number; cumulative: number }>();
    for (const row of rows) {
      const old = byLine.get(row.line) ?? { direct: 0, cumulative: 0 };
      byLine.set(row.line, {
        direct: old.direct + row.cc,
        cumulative: old.cumulative + row.nc,
      });
    }
    assertEquals(
      new Map(
        [...heat.lines].map((
          [line, h],
        ) => [line, { direct: h.direct, cumulative: h.cumulative }]),
      ),
      byLine,
      file,
    );
    // Hot spots come hottest first, and each function's mark is its hottest line.
    const direct = heat.hotSpots.map((line) => heat.lines.get(line)!.direct);
    assertEquals(direct, [...direct].sort((a, b) => b - a), file);
    for (const fn of heat.functions) {
      const own = rows.filter((r) => r.name === fn.name);
      assertEquals(
        fn.primitiveCalls,
        Math.max(...own.map((r) => r.cc)),
        fn.name,
      );
      assertEquals(fn.firstLine, Math.min(...own.map((r) => r.line)), fn.name);
    }
  }
});

Deno.test("fileHeat() annotates each traced function of a file with its numbers and its callees' edges", async () => {
  const profile = await fixture("cprofile-3.13");
  const expected = readExpected(`${FIXTURES}cprofile-3.13.expected.json`);
  const heat = fileHeat(profile, "workload.py");
  assertEquals(heat.sampled, false);
  assertEquals(heat.lines.size, 0);
  const rows = expected.functions.filter((f) => f.file === "workload.py")
    .sort((a, b) => a.line - b.line);
  assertEquals(
    heat.functions.map((
      m,
    ) => [
      m.name,
      m.line,
      m.calls,
      m.primitiveCalls,
      m.internalTime,
      m.cumulativeTime,
    ]),
    rows.map((r) => [r.name, r.line, r.nc, r.cc, r.tt, r.ct]),
  );
  // Every callee edge is one Python read as a caller entry of the callee.
  const f = profile.functions;
  let edges = 0;
  for (const m of heat.functions) {
    for (const callee of m.callees) {
      const entry = expected.functions.find((e) =>
        e.file === f.file[callee.id] && e.line === f.line[callee.id] &&
        e.name === f.name[callee.id]
      )!;
      const caller = entry.callers.find((c) =>
        c.file === "workload.py" && c.line === m.line && c.name === m.name
      )!;
      // pstats stores an edge as (nc, cc, tt, ct).
      const [nc, cc, tt, ct] = caller.value as number[];
      assertEquals([callee.calls, callee.internalTime, callee.cumulativeTime], [
        nc,
        tt,
        ct,
      ]);
      assert(cc! <= nc!);
      edges++;
    }
    const times = m.callees.map((c) => c.cumulativeTime);
    assertEquals(times, [...times].sort((a, b) => b - a));
  }
  assert(edges > 5, `${edges} edges`);
  // Hot spots are the functions' lines, most internal time first.
  const internal = heat.hotSpots.map((line) =>
    heat.functions.find((m) => m.line === line)!.internalTime
  );
  assertEquals(internal, [...internal].sort((a, b) => b - a));
});

Deno.test("fileHeat() of a file the profile does not name is empty", async () => {
  const heat = fileHeat(await fixture("cprofile-3.13"), "nothing.py");
  assertEquals([heat.functions.length, heat.hotSpots.length, heat.max], [
    0,
    0,
    0,
  ]);
});

Deno.test("functionExtent() finds each traced function's body in the fixture's own source", async () => {
  const profile = await fixture("cprofile-3.13");
  const lines = (await Deno.readTextFile(`${FIXTURES}workload.py`)).split("\n");
  const heat = fileHeat(profile, "workload.py");
  for (const m of heat.functions) {
    const { first, last } = functionExtent(lines, m.line);
    assertEquals(first, m.line);
    // <module>, <lambda>, <genexpr>: no def line, so just their line.
    if (m.name.startsWith("<")) {
      assertEquals(last, first);
      continue;
    }
    assert(
      /^\s*(?:@|(?:async\s+)?def\b|class\b)/.test(lines[first - 1]!),
      m.name,
    );
    // The line after the body is back at the def's indentation or less.
    const after = lines.slice(last).find((l) =>
      l.trim() !== "" && !l.trim().startsWith("#")
    );
    if (after !== undefined) {
      const indent = (s: string) => s.length - s.trimStart().length;
      const def = lines.slice(first - 1).find((l) =>
        /^\s*(?:async\s+)?def\b/.test(l)
      )!;
      assert(indent(after) <= indent(def), `${m.name}: ${after}`);
    }
  }
});

Deno.test("functionExtent() takes a signature spanning lines and stops at the next def", () => {
  const lines = [
    "class A:",
    "    def f(",
    "        self,",
    "        x,",
    "    ):",
    "        return x",
    "",
    "    # a comment",
    "    def g(self): pass",
    "x = 1",
  ];
  assertEquals(functionExtent(lines, 2), { first: 2, last: 6 });
  assertEquals(functionExtent(lines, 1), { first: 1, last: 9 });
  assertEquals(functionExtent(lines, 9), { first: 9, last: 9 });
  assertEquals(functionExtent(lines, 99), { first: 99, last: 99 });
});
