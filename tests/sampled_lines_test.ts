/**
 * Sampled lines folded into functions (`lib/sampled_lines.ts`): checked
 * against the groups view's function level, which folds them by the same
 * rule, on the sampled fixtures.
 */
import { assert, assertAlmostEquals, assertEquals } from "@std/assert";
import {
  foldedEdges,
  groupNumbers,
  groupTree,
  nodeKey,
  nodeRows,
} from "../lib/group.ts";
import {
  foldSampledLines,
  lineFunctions,
  unfoldedRow,
} from "../lib/sampled_lines.ts";
import { fixtureProfile } from "./_fixtures.ts";

Deno.test("lineFunctions() makes one function of the rows with one file and name, as the groups' function level does", () => {
  const profile = fixtureProfile("shop-sampled.pstats");
  const { size, ofRow } = lineFunctions(profile);
  const tree = groupTree(profile, "function");
  assertEquals(size, tree.roots.length);
  assert(size < profile.size, "some function spans several lines");
  const f = profile.functions;
  const first = new Map<number, number>();
  for (let row = 0; row < profile.size; row++) {
    const fn = ofRow[row]!;
    if (!first.has(fn)) {
      assertEquals(fn, first.size, "numbered in the order first met");
      first.set(fn, row);
    }
    const at = first.get(fn)!;
    assertEquals([f.file[row], f.name[row]], [f.file[at], f.name[at]]);
    assertEquals(tree.functionNode[row], tree.functionNode[at]);
  }
  assert(lineFunctions(profile) === lineFunctions(profile), "computed once");
});

for (const name of ["shop-sampled", "sampled"]) {
  Deno.test(`foldSampledLines() gives each function of ${name}.pstats the numbers and callers of the Groups view's function level`, () => {
    const profile = fixtureProfile(`${name}.pstats`);
    const folded = foldSampledLines(profile);
    const tree = groupTree(profile, "function");
    const numbers = groupNumbers(tree);
    assertEquals(folded.size, tree.roots.length);
    if (name === "shop-sampled") {
      assert(folded.size < profile.size, "some function spans several lines");
    }
    assertEquals(folded.totals.calls, profile.totals.calls);
    assertEquals(folded.totals.primitiveCalls, profile.totals.primitiveCalls);
    assertAlmostEquals(folded.totals.time, profile.totals.time, 1e-12);
    const f = folded.functions;
    const seen = new Set<number>();
    for (let id = 0; id < folded.size; id++) {
      const row = unfoldedRow(folded, id);
      const node = tree.functionNode[row]!;
      assert(!seen.has(node), "one row per function");
      seen.add(node);
      const lines = nodeRows(tree, node).map((r) => profile.functions.line[r]!);
      assertEquals(f.line[id], Math.min(...lines));
      assertEquals(profile.functions.line[row], f.line[id]);
      assertEquals([f.file[id], f.name[id]], [
        profile.functions.file[row],
        profile.functions.name[row],
      ]);
      assertEquals(f.calls[id], numbers.calls[node]);
      assertEquals(f.primitiveCalls[id], numbers.primitiveCalls[node]);
      assertAlmostEquals(
        f.internalTime[id]!,
        numbers.internalTime[node]!,
        1e-12,
      );
      assertAlmostEquals(
        f.cumulativeTime[id]!,
        numbers.cumulative[node]!,
        1e-12,
      );
      for (const direction of ["callers", "callees"] as const) {
        const want = foldedEdges(tree, node, direction);
        const start = direction === "callers"
          ? folded.callerStart
          : folded.calleeStart;
        const list = direction === "callers"
          ? folded.callerEdges
          : folded.calleeEdges;
        const other = direction === "callers"
          ? folded.edges.caller
          : folded.edges.callee;
        const got = new Map<number, number>();
        for (let k = start[id]!; k < start[id + 1]!; k++) {
          const edge = list[k]!;
          const at = tree.functionNode[unfoldedRow(folded, other[edge]!)]!;
          assert(!got.has(at), `one ${direction} edge per function`);
          got.set(at, folded.edges.calls[edge]!);
        }
        assertEquals(
          got,
          new Map([...want.nodes].map((n, k) => [n, want.calls[k]!])),
          `${direction} of ${nodeKey(tree, node)}`,
        );
      }
    }
  });
}

Deno.test("foldSampledLines() returns a traced profile as it is, and a sampled one's fold once", () => {
  const traced = fixtureProfile("shop.pstats");
  assert(foldSampledLines(traced) === traced);
  assertEquals(unfoldedRow(traced, 3), 3);
  const sampled = fixtureProfile("shop-sampled.pstats");
  assert(foldSampledLines(sampled) === foldSampledLines(sampled));
});
