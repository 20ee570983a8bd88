import { assertEquals, assertStringIncludes } from "@std/assert";
import { buildCallTree } from "../lib/call_tree.ts";
import { callerTree, sandwichSource } from "../lib/call_sandwich.ts";
import { collapsedStacks } from "../lib/folded_stacks.ts";
import { loadProfile } from "../lib/pstats/read.ts";
import { get as getAt, handlerOf } from "./_handler.ts";

const bytes = Deno.readFileSync(
  new URL("./fixtures/cprofile-3.13.pstats", import.meta.url),
);
const profile = loadProfile([{ source: "run.pstats", bytes }]);
const handler = handlerOf({ profile });
const get = (path: string) => getAt(handler, path);

Deno.test("/api/collapsed serves the folded stacks --format collapsed prints", async () => {
  const response = await get("/api/collapsed");
  assertEquals(response.status, 200);
  assertEquals(
    response.headers.get("content-type"),
    "text/plain; charset=utf-8",
  );
  assertEquals(
    await response.text(),
    [...collapsedStacks(buildCallTree(profile))].join(""),
  );
  const all = await (await get("/api/collapsed?min=0")).text();
  assertEquals(
    all,
    [...collapsedStacks(buildCallTree(profile, { minShare: 0 }))]
      .join(""),
  );
  // A percent sign is taken as --min-share takes it.
  const half = await get(`/api/collapsed?min=${encodeURIComponent("0.5%")}`);
  assertEquals(half.status, 200);
  assertEquals(
    await half.text(),
    [...collapsedStacks(buildCallTree(profile, { minShare: 0.005 }))]
      .join(""),
  );
});

Deno.test("/api/collapsed keeps the paths through matching functions, or one function's callers", async () => {
  const filtered = await (await get("/api/collapsed?q=normalize")).text();
  for (const line of filtered.trimEnd().split("\n")) {
    assertStringIncludes(line, "workload.py:31(normalize)");
  }
  const fib = profile.functions.name.indexOf("fib");
  const callers =
    await (await get(`/api/collapsed?fn=${fib}&direction=callers`))
      .text();
  assertEquals(
    callers,
    [...collapsedStacks(callerTree(sandwichSource(profile), fib))].join(""),
  );
  assertEquals(callers.split("\n")[0]!.split(";")[0], "workload.py:11(fib)");
});

Deno.test("/api/collapsed answers 400 to a bad threshold, direction or function", async () => {
  for (
    const query of [
      "min=200",
      "min=lots",
      "direction=up",
      "direction=callers",
      "fn=99999",
    ]
  ) {
    const response = await get(`/api/collapsed?${query}`);
    assertEquals(response.status, 400, query);
    assertStringIncludes((await response.json()).error, "Bad", query);
  }
});
