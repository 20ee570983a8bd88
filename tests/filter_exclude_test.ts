/**
 * A filter's `-term` leaves out what it names in every list (the table,
 * callers and callees, groups and their folded edges, compared runs), the
 * flame graph's highlighting and the API, through the one rule of
 * `lib/search.ts`; and `/api/collapsed` takes the call tree's transforms.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { buildCallTree, pathsThrough } from "../lib/call_tree.ts";
import { sandwichSource } from "../lib/call_sandwich.ts";
import { transformCallTree } from "../lib/call_transform.ts";
import {
  compareCallees,
  compareProfiles,
  queryComparison,
} from "../lib/compare.ts";
import { collapsedStacks } from "../lib/folded_stacks.ts";
import { foldedEdges, groupTree, nodeKey } from "../lib/group.ts";
import { queryGroups, sortFoldedEdges } from "../lib/group_rows.ts";
import type { Profile } from "../lib/profile.ts";
import { buildProfile, statsFile } from "../lib/pstats/build.ts";
import { loadProfile } from "../lib/pstats/read.ts";
import { queryFunctions } from "../lib/query.ts";
import { functionSearchText } from "../lib/search.ts";
import { get, handlerOf } from "./_handler.ts";

const SITE = "/venv/lib/python3.12/site-packages";

type Key = readonly [string, number, string];
const INDEX: Key = ["/srv/app/views.py", 1, "index"];
const GET: Key = [`${SITE}/django/db/query.py`, 5, "get"];
const LOCAL: Key = ["/srv/app/django/db/local.py", 7, "get"];
const LEN: Key = ["~", 0, "<built-in method django/db.len>"];

/** index calls a django/db function in site-packages, one of its own, a built-in. */
function run(scale: number): Profile {
  const entry = (key: Key, time: number, callers: Key[] = []) => ({
    key,
    calls: 1,
    primitiveCalls: 1,
    internalTime: time,
    cumulativeTime: time,
    callers: callers.map((caller) => ({
      key: caller,
      calls: 1,
      primitiveCalls: 1,
      internalTime: time,
      cumulativeTime: time,
    })),
  });
  return buildProfile([statsFile("run.pstats", [
    { ...entry(INDEX, 0.1), cumulativeTime: 0.1 + 0.6 * scale },
    entry(GET, 0.3 * scale, [INDEX]),
    entry(LOCAL, 0.2 * scale, [INDEX]),
    entry(LEN, 0.1 * scale, [INDEX]),
  ])], { cwd: "/srv" });
}

const FILTER = "-site-packages -~ django/db";

function names(profile: Profile, ids: Iterable<number>): string[] {
  return [...ids].map((id) => profile.functions.shortFile[id]!);
}

Deno.test("the table and a function's callees leave out what -terms name", async () => {
  const profile = run(1);
  assertEquals(
    names(profile, queryFunctions(profile, { filter: FILTER }).ids),
    ["app/django/db/local.py"],
  );
  const response = await get(
    handlerOf({ profile }),
    `/api/functions/0/callees?q=${encodeURIComponent(FILTER)}`,
  );
  assertEquals(response.status, 200);
  const body = await response.json();
  assertEquals(
    body.rows.map((r: { shortFile: string }) => r.shortFile),
    ["app/django/db/local.py"],
  );
});

Deno.test("groups keep only the functions a filter with -terms keeps, and so do folded edges", () => {
  const profile = run(1);
  const { numbers, ids } = queryGroups(profile, "file", { filter: FILTER });
  assertEquals(
    [...ids].map((node) => nodeKey(numbers.tree, node)),
    ["app/django/db/local.py"],
  );
  const tree = groupTree(profile, "function");
  const edges = foldedEdges(tree, tree.functionNode[0]!, "callees");
  const kept = sortFoldedEdges(tree, edges, { filter: FILTER });
  assertEquals(
    [...kept].map((i) => nodeKey(tree, edges.nodes[i]!)),
    ["app/django/db/local.py:7(get)"],
  );
  // Built-ins are left out of folded edges by -~ too.
  const notBuiltIn = sortFoldedEdges(tree, edges, { filter: "-~" });
  assertEquals(notBuiltIn.length, 2);
});

Deno.test("compared runs leave out what -terms name, functions and edges", () => {
  const comparison = compareProfiles(run(1), run(2));
  const { rows } = queryComparison(comparison, { filter: FILTER });
  assertEquals(rows.length, 1);
  const index = queryComparison(comparison, { filter: "index" }).rows[0]!;
  const callees = compareCallees(comparison, index, { filter: FILTER });
  assertEquals(callees.total, 1);
});

Deno.test("the flame graph's highlight and /api/collapsed follow -terms", async () => {
  const bytes = Deno.readFileSync(
    new URL("./fixtures/shop.pstats", import.meta.url),
  );
  const profile = loadProfile([{ source: "shop.pstats", bytes }]);
  const tree = buildCallTree(profile);
  const { ids } = queryFunctions(profile, { filter: "order -subtotal" });
  assert(ids.length > 0);
  for (const id of ids) {
    const text = functionSearchText(profile, id);
    assert(text.includes("order") && !text.includes("subtotal"));
  }
  const keep = pathsThrough(tree, ids).marked;
  const handler = handlerOf({ profile });
  const folded = await get(
    handler,
    `/api/collapsed?q=${encodeURIComponent("order -subtotal")}`,
  );
  assertEquals(
    await folded.text(),
    [...collapsedStacks(tree, { keep })].join(""),
  );
  // Transforms, in order, as the page applies them.
  const transformed = await get(
    handler,
    "/api/collapsed?t=merge:builtins&t=collapse:stdlib&min=0.5",
  );
  assertEquals(transformed.status, 200);
  const expected = transformCallTree(sandwichSource(profile), [
    { kind: "merge", target: "builtins" },
    { kind: "collapse", target: "stdlib" },
  ], { minShare: 0.005 });
  const body = await transformed.text();
  assertEquals(body, [...collapsedStacks(expected)].join(""));
  assertStringIncludes(body, "stdlib [collapsed]");
  for (
    const bad of ["t=fold:x", "t=merge:", "t=drop:%20-%20", "t=collapse:/"]
  ) {
    const response = await get(handler, `/api/collapsed?${bad}`);
    assertEquals(response.status, 400, bad);
    assertStringIncludes(await response.text(), "Bad t");
  }
});
