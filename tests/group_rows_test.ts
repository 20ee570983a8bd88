/**
 * The groups as the rows of a table (`lib/group_rows.ts`): sorting, the
 * flat list, the rows of a tree with open nodes that the page's groups view
 * shows, and a function's folded callers and callees filtered and sorted.
 */
import { assert, assertEquals } from "@std/assert";
import {
  DIRECTORY,
  FILE,
  foldedEdges,
  FUNCTION,
  groupNumbers,
  type GroupTree,
  groupTree,
  LINE,
  nodeKey,
} from "../lib/group.ts";
import {
  GroupRows,
  nodeChildren,
  nodeOpens,
  queryGroups,
  sortFoldedEdges,
  sortNodes,
} from "../lib/group_rows.ts";
import { functionMatcher } from "../lib/search.ts";
import { fixtureProfile } from "./_fixtures.ts";

Deno.test("sortNodes() sorts by any column either way, and by key A–Z", () => {
  const profile = fixtureProfile("shop.pstats");
  const { numbers, ids } = queryGroups(profile, "package", { sort: "name" });
  const keys = [...ids].map((n) => nodeKey(numbers.tree, n));
  assertEquals(keys, [...keys].sort());
  const byFunctions = sortNodes(numbers, ids, "functions");
  for (let i = 1; i < byFunctions.length; i++) {
    assert(
      numbers.functions[byFunctions[i - 1]!]! >=
        numbers.functions[byFunctions[i]!]!,
    );
  }
  const up = sortNodes(numbers, ids, "internal", false);
  for (let i = 1; i < up.length; i++) {
    assert(numbers.internalTime[up[i - 1]!]! <= numbers.internalTime[up[i]!]!);
  }
});

Deno.test("queryGroups() limits the groups but counts them all", () => {
  const { total, ids } = queryGroups(fixtureProfile("shop.pstats"), "file", {
    limit: 3,
  });
  assertEquals(ids.length, 3);
  assert(total > 3);
});

Deno.test("GroupRows lists the top rows, and each open node followed by its own rows, in the column's order", () => {
  const numbers = groupNumbers(
    groupTree(fixtureProfile("shop.pstats"), "directory"),
  );
  const tree = numbers.tree;
  const rows = new GroupRows(numbers, "internal", true);
  const top = rows.children(-1);
  assertEquals([...rows.rows(new Set())], [...top]);
  assert(rows.children(-1) === top, "sorted once");
  // Open every directory on the way down to the first file, and that file.
  const open = new Set<number>();
  let node = top.find((n) => tree.kind[n] === DIRECTORY)!;
  while (tree.kind[node] === DIRECTORY) {
    open.add(node);
    node = rows.children(node).find((n) =>
      tree.kind[n] === DIRECTORY || tree.kind[n] === FILE
    )!;
  }
  open.add(node);
  const listed = [...rows.rows(open)];
  const expected: number[] = [];
  const walk = (parent: number) => {
    const kids = sortNodes(numbers, nodeChildren(numbers, parent), "internal");
    for (const kid of kids) {
      expected.push(kid);
      if (open.has(kid)) walk(kid);
    }
  };
  walk(-1);
  assertEquals(listed, expected);
  for (const n of open) {
    // An open node's first row comes right after it.
    assertEquals(listed[listed.indexOf(n) + 1], rows.children(n)[0]);
  }
  const closed = listed.find((n) =>
    !open.has(n) && rows.children(n).length > 0
  )!;
  assert(!listed.includes(rows.children(closed)[0]!), "closed rows hidden");
  const internal = [...top].map((n) => numbers.internalTime[n]!);
  assertEquals(internal, [...internal].sort((a, b) => b - a));
});

Deno.test("nodeOpens() opens the directory level's rows and sampled functions, nothing else", () => {
  const opening = (tree: GroupTree) =>
    new Set(
      Array.from({ length: tree.size }, (_, n) => n).filter((n) =>
        nodeOpens(tree, n)
      ).map((n) => tree.kind[n]),
    );
  const traced = fixtureProfile("shop.pstats");
  const sampled = fixtureProfile("shop-sampled.pstats");
  assertEquals(
    opening(groupTree(traced, "directory")),
    new Set([DIRECTORY, FILE]),
  );
  assertEquals(
    opening(groupTree(sampled, "directory")),
    new Set([DIRECTORY, FILE, FUNCTION]),
  );
  for (const level of ["package", "file", "function"] as const) {
    assertEquals(opening(groupTree(traced, level)), new Set());
    assertEquals(opening(groupTree(sampled, level)), new Set([FUNCTION]));
  }
  assertEquals(opening(groupTree(sampled, "line")), new Set());
  assert(!opening(groupTree(sampled, "line")).has(LINE));
});

for (const name of ["shop", "shop-profile"]) {
  Deno.test(`sortFoldedEdges() keeps the callees of ${name}.pstats that match every term, sorted by the column`, () => {
    const profile = fixtureProfile(`${name}.pstats`);
    const tree = groupTree(profile, "function");
    // The function with the most callees.
    let node = tree.roots[0]!;
    let most = -1;
    for (const n of tree.roots) {
      const count = foldedEdges(tree, n, "callees").nodes.length;
      if (count > most) [node, most] = [n, count];
    }
    assert(most >= 3, `only ${most} callees`);
    const edges = foldedEdges(tree, node, "callees");
    const all = [...sortFoldedEdges(tree, edges)];
    assertEquals([...all].sort((a, b) => a - b), [...edges.nodes.keys()]);
    // By cumulative time, or calls where edges carry no times.
    const column = profile.edgeDetail ? edges.cumulativeTime : edges.calls;
    const values = all.map((i) => column[i]!);
    assertEquals(values, [...values].sort((a, b) => a - b));
    const down = [...sortFoldedEdges(tree, edges, { descending: true })]
      .map((i) => column[i]!);
    assertEquals(down, [...values].reverse());
    // By name: by short file, line and name, as the table's sort by file.
    const f = profile.functions;
    const place = (i: number) => {
      const row = tree.row[edges.nodes[i]!]!;
      return [f.shortFile[row]!, f.line[row]!, f.name[row]!] as const;
    };
    const byName = [...sortFoldedEdges(tree, edges, { sort: "name" })]
      .map(place);
    assertEquals(
      byName,
      [...byName].sort((a, b) =>
        (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0) || a[1] - b[1] ||
        (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0)
      ),
    );
    const calls = [...sortFoldedEdges(tree, edges, { sort: "calls" })]
      .map((i) => edges.calls[i]!);
    assertEquals(calls, [...calls].sort((a, b) => a - b));
    // A filter, as the table's: every term, ignoring case.
    const own = f.name[tree.row[edges.nodes[all[0]!]!]!]!;
    const term = own.slice(-4).toUpperCase();
    const kept = [...sortFoldedEdges(tree, edges, { filter: `${term} ` })];
    assert(kept.length >= 1);
    const matches = functionMatcher(profile, [term.toLowerCase()]);
    for (let i = 0; i < edges.nodes.length; i++) {
      assertEquals(kept.includes(i), matches(tree.row[edges.nodes[i]!]!));
    }
    assertEquals(
      sortFoldedEdges(tree, edges, { filter: `${term} no-such-thing` }).length,
      0,
    );
  });
}
