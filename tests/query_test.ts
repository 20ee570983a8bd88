import { assertEquals, assertThrows } from "@std/assert";
import type { Profile } from "../lib/profile.ts";
import { buildProfile, statsFile } from "../lib/pstats/build.ts";
import {
  checkFilter,
  parseFilter,
  queryCallees,
  queryCallers,
  queryFunctions,
  shareQueryCache,
  SORT_COLUMNS,
  type SortColumn,
} from "../lib/query.ts";
import { loadProfile } from "../lib/pstats/read.ts";
import { decodeProfile, encodeProfile } from "../lib/wire.ts";
import { fixturePath } from "./_fixtures.ts";

/** A profile with ties, zeros, negatives and a built-in, made by a seeded generator. */
function randomProfile(size: number, seed: number): Profile {
  let state = seed;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;
  const values = [0, 0, 1, 2, 2, 3.5, 1e-9, 1e-9, 100, 0.25, -1, 7e5];
  return buildProfile([statsFile(
    "random.pstats",
    Array.from({ length: size }, (_, i) => {
      const calls = pick([0, 1, 1, 2, 10, 3]);
      return {
        key: i === 0 ? ["~", 0, "<built-in method builtins.len>"] as const : [
          `pkg/${pick(["a", "b", "c"])}.py`,
          i,
          pick(["f", "g", "h", "Z"]),
        ] as const,
        calls,
        primitiveCalls: Math.min(calls, pick([0, 1, 2])),
        internalTime: pick(values),
        cumulativeTime: pick(values),
        callers: i > 1
          ? [{ key: ["pkg/a.py", i - 1, "f"] as const, calls: 1 }]
          : [],
      };
    }),
  )]);
}

/** The order a plain comparator sort gives: by key, ties by id. */
function expectedOrder(
  profile: Profile,
  column: SortColumn,
  descending: boolean,
): number[] {
  const f = profile.functions;
  const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);
  const key = (i: number): number | string => {
    switch (column) {
      case "calls":
        return f.calls[i]!;
      case "primitive_calls":
        return f.primitiveCalls[i]!;
      case "internal":
        return f.internalTime[i]!;
      case "cumulative":
        return f.cumulativeTime[i]!;
      case "internal_per_call":
        return ratio(f.internalTime[i]!, f.calls[i]!);
      case "cumulative_per_call":
        return ratio(f.cumulativeTime[i]!, f.primitiveCalls[i]!);
      case "name":
        return f.file[i] === "~"
          ? "{built-in method builtins.len}"
          : f.name[i]!;
      case "file":
        return `${f.shortFile[i]}\u0000${
          String(f.line[i]).padStart(10, "0")
        }\u0000${f.name[i]}`;
    }
  };
  const ids = Array.from({ length: profile.size }, (_, i) => i);
  const sign = descending ? -1 : 1;
  return ids.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return sign * (ka < kb ? -1 : ka > kb ? 1 : 0) || a - b;
  });
}

Deno.test("queryFunctions() sorts by every column both ways, ties in id order", () => {
  const profile = randomProfile(3000, 7);
  for (const column of SORT_COLUMNS) {
    for (const descending of [true, false]) {
      assertEquals(
        [...queryFunctions(profile, { sort: column, descending }).ids],
        expectedOrder(profile, column, descending),
        `${column} ${descending ? "descending" : "ascending"}`,
      );
    }
  }
});

Deno.test("queryFunctions() gives a first page of a large profile without sorting it all, the same rows", () => {
  for (const column of SORT_COLUMNS) {
    for (const descending of [true, false]) {
      // A fresh profile each time: no full order known yet.
      const profile = randomProfile(3000, 11);
      const expected = expectedOrder(profile, column, descending);
      const pages: [number, number][] = [[0, 1], [0, 40], [7, 30], [0, 375]];
      for (const [offset, limit] of pages) {
        const page = queryFunctions(profile, {
          sort: column,
          descending,
          offset,
          limit,
        });
        assertEquals(page.total, profile.size);
        assertEquals(
          [...page.ids],
          expected.slice(offset, offset + limit),
          `${column} ${
            descending ? "descending" : "ascending"
          } ${offset}+${limit}`,
        );
      }
    }
  }
});

Deno.test("queryFunctions() sorts numbers largest first and names A-Z unless told", () => {
  const profile = randomProfile(500, 3);
  assertEquals(
    [...queryFunctions(profile, { sort: "internal" }).ids],
    expectedOrder(profile, "internal", true),
  );
  assertEquals(
    [...queryFunctions(profile, { sort: "name" }).ids],
    expectedOrder(profile, "name", false),
  );
});

Deno.test("queryFunctions() keeps functions matching every term, ignoring case", () => {
  const profile = loadProfile([{
    source: "cprofile-3.13.pstats",
    bytes: Deno.readFileSync(fixturePath("cprofile-3.13.pstats")),
  }]);
  const f = profile.functions;
  const names = (filter: string) =>
    [...queryFunctions(profile, { filter, sort: "name" }).ids].map((id) =>
      f.name[id]
    );
  assertEquals(names("WORKLOAD.PY FIB"), ["fib"]);
  assertEquals(names("workload.py:11"), ["fib"]);
  assertEquals(names("fib nosuchthing"), []);
  // Built-ins match by the name pstats shows and by the stored one.
  assertEquals(names("{built-in method builtins.len}"), [
    "<built-in method builtins.len>",
  ]);
  assertEquals(names("<built-in method builtins.len>"), [
    "<built-in method builtins.len>",
  ]);
});

Deno.test("queryFunctions() pages with offset and limit and counts all matches", () => {
  const profile = randomProfile(100, 11);
  const all = [...queryFunctions(profile).ids];
  const page = queryFunctions(profile, { offset: 10, limit: 5 });
  assertEquals(page.total, profile.size);
  assertEquals([...page.ids], all.slice(10, 15));
  assertEquals(queryFunctions(profile, { offset: profile.size }).ids.length, 0);
  assertEquals(queryFunctions(profile, { limit: 0 }).total, profile.size);
});

Deno.test("queryCallers() and queryCallees() give the edges with their numbers", () => {
  const profile = loadProfile([{
    source: "cprofile-3.13.pstats",
    bytes: Deno.readFileSync(fixturePath("cprofile-3.13.pstats")),
  }]);
  const f = profile.functions;
  const e = profile.edges;
  const fib = [
    ...queryFunctions(profile, { filter: "workload.py:11 fib" }).ids,
  ][0]!;
  const callers = queryCallers(profile, fib, { sort: "calls" });
  assertEquals(
    [...callers.ids].map((edge) => [f.name[e.caller[edge]!], e.calls[edge]]),
    [["fib", 3192], ["main", 1]],
  );
  const main = e.caller[callers.ids[1]!]!;
  const callees = queryCallees(profile, main, { filter: "fib" });
  assertEquals([...callees.ids].map((edge) => f.name[e.callee[edge]!]), [
    "fib",
  ]);
  assertEquals(queryCallers(profile, fib, { filter: "main" }).total, 1);
});

Deno.test("parseFilter() splits on any white space and lowers case", () => {
  assertEquals(parseFilter("\tA  b\nC "), {
    include: ["a", "b", "c"],
    exclude: [],
  });
  assertEquals(parseFilter(undefined), { include: [], exclude: [] });
});

Deno.test("parseFilter() reads -term as an exclusion, a lone - as nothing, and quoted terms as written", () => {
  assertEquals(parseFilter("-site-packages -~ django/db"), {
    include: ["django/db"],
    exclude: ["site-packages", "~"],
  });
  assertEquals(parseFilter("a - b -"), { include: ["a", "b"], exclude: [] });
  assertEquals(parseFilter('"-x" -"Built-in  Method" "a b'), {
    include: ["-x", "a b"],
    exclude: ["built-in method"],
  });
  assertEquals(parseFilter('--x "" -"" x'), {
    include: ["x"],
    exclude: ["-x"],
  });
  // At most 32 terms, included and excluded together.
  const many = parseFilter("-a b ".repeat(20));
  assertEquals(many.include.length + many.exclude.length, 32);
  assertEquals(
    checkFilter("-a b ".repeat(20)),
    "the filter has 40 terms; at most 32 are allowed",
  );
});

Deno.test("queryFunctions() and the callers and callees leave out what a -term names", () => {
  const entry = (
    file: string,
    line: number,
    name: string,
    callers: string[] = [],
  ) => ({
    key: [file, line, name] as const,
    calls: 1,
    primitiveCalls: 1,
    internalTime: 1,
    cumulativeTime: 1,
    callers: callers.map((caller) => ({
      key: ["/srv/app/views.py", 1, caller] as const,
      calls: 1,
    })),
  });
  const profile = buildProfile([statsFile("run.pstats", [
    entry("/srv/app/views.py", 1, "index"),
    entry("/venv/lib/python3.12/site-packages/django/db/query.py", 5, "get", [
      "index",
    ]),
    entry("/srv/app/django/db/local.py", 7, "get", ["index"]),
    entry("~", 0, "<built-in method django/db>", ["index"]),
  ])]);
  const names = (
    filter: string,
  ) => [...queryFunctions(profile, { filter }).ids].sort();
  assertEquals(names("django/db"), [1, 2, 3]);
  assertEquals(names("-site-packages -~ django/db"), [2]);
  assertEquals(names('"-~"'), []);
  const callees = queryCallees(profile, 0, { filter: "-site-packages get" });
  assertEquals(
    [...callees.ids].map((e) => profile.edges.callee[e]),
    [2],
  );
});

Deno.test("shareQueryCache() lets a rebuilt profile reuse the sort orders", () => {
  const profile = randomProfile(200, 5);
  const copy = decodeProfile(encodeProfile(profile));
  queryFunctions(profile, { sort: "calls" });
  shareQueryCache(profile, copy);
  assertEquals(
    [...queryFunctions(copy, { sort: "calls" }).ids],
    [...queryFunctions(profile, { sort: "calls" }).ids],
  );
  assertThrows(() => shareQueryCache(profile, randomProfile(3, 1)), RangeError);
});

Deno.test("decodeProfile() without edges keeps every function", () => {
  const profile = randomProfile(50, 9);
  const partial = decodeProfile(encodeProfile(profile), { edges: false });
  assertEquals(partial.size, profile.size);
  assertEquals(partial.edges.caller.length, 0);
  assertEquals(partial.totals, profile.totals);
  assertEquals([...queryCallers(partial, 3).ids], []);
});

Deno.test("queryFunctions() gives the same answers when a filter is typed a letter at a time", () => {
  const profile = randomProfile(2000, 13);
  const fresh = (
    filter: string,
    sort: SortColumn,
  ) => [...queryFunctions(randomProfileCopy(profile), { filter, sort }).ids];
  // Refining, widening, replacing and re-sorting, in the order a user might.
  const steps: [string, SortColumn][] = [
    ["p", "cumulative"],
    ["pk", "cumulative"],
    ["pkg/a", "cumulative"],
    ["pkg/a f", "cumulative"],
    ["pkg/a", "cumulative"],
    ["pkg/a f", "calls"],
    ["pkg/b", "calls"],
    ["g pkg/b", "calls"],
    ["", "calls"],
    ["z", "name"],
  ];
  for (const [filter, sort] of steps) {
    assertEquals(
      [...queryFunctions(profile, { filter, sort }).ids],
      fresh(filter, sort),
      `${filter} by ${sort}`,
    );
  }
});

/** The same profile as a new object, with nothing cached. */
function randomProfileCopy(profile: Profile): Profile {
  return decodeProfile(encodeProfile(profile));
}
