/**
 * The first rows the server gives while the whole profile is on its way
 * (`lib/first_rows.ts`, `/api/first`): the same rows as the full query, the
 * numbers exact, and drawn from a profile that has only them.
 */
import { assert, assertEquals, assertThrows } from "@std/assert";
import {
  decodeFirstRows,
  encodeFirstRows,
  firstRowsProfile,
} from "../lib/first_rows.ts";
import { createProfile, emptyEdges, type Profile } from "../lib/profile.ts";
import { queryFunctions } from "../lib/query.ts";
import { loadFixture } from "./_browser.ts";
import { get, handlerOf, statusOf } from "./_handler.ts";

/** A profile whose numbers JSON cannot hold as they are. */
function oddNumbers(): Profile {
  return createProfile({
    sources: ["odd.pstats"],
    sampled: false,
    edgeDetail: true,
    functions: {
      file: ["a.py", "b.py", "c.py", "d.py"],
      shortFile: ["a.py", "b.py", "c.py", "d.py"],
      line: Float64Array.of(1, 2 ** 40, 3, 4),
      name: ["nan", "inf", "negative zero", "tiny"],
      calls: Float64Array.of(1, Infinity, 3, 4),
      primitiveCalls: Float64Array.of(1, 2, -0, 4),
      internalTime: Float64Array.of(NaN, 0.1, -0, 5e-324),
      cumulativeTime: Float64Array.of(NaN, Infinity, -0, 1 / 3),
    },
    edges: emptyEdges(),
  });
}

/** Every number as its exact bits, so that -0 and 0 differ. */
function bits(values: ArrayLike<number>): string[] {
  return Array.from(values, (v) => Object.is(v, -0) ? "-0" : String(v));
}

Deno.test("the first rows are the full query's first rows, numbers exact", async () => {
  const profile = await loadFixture("cprofile-3.13.pstats");
  for (const sort of ["cumulative", "internal", "calls", "name"] as const) {
    const query = { sort, filter: "py", limit: 7 };
    const first = decodeFirstRows(encodeFirstRows(profile, query, false));
    const expected = queryFunctions(profile, query);
    assertEquals([...first.ids], [...expected.ids]);
    assertEquals(first.total, expected.total);
    assertEquals(first.size, profile.size);
    assertEquals(first.totals, profile.totals);
    const f = profile.functions;
    assertEquals(first.name, [...expected.ids].map((id) => f.name[id]));
    assertEquals(
      bits(first.cumulativeTime),
      bits([...expected.ids].map((id) => f.cumulativeTime[id]!)),
    );
  }
  const odd = oddNumbers();
  const first = decodeFirstRows(encodeFirstRows(odd, { sort: "name" }, true));
  assert(first.comparing);
  for (
    const key of [
      "line",
      "calls",
      "primitiveCalls",
      "internalTime",
      "cumulativeTime",
    ] as const
  ) {
    assertEquals(
      bits(first[key]),
      bits([...first.ids].map((id) => odd.functions[key][id]!)),
      key,
    );
  }
});

Deno.test("the profile of the first rows has them at their own ids, with the real totals", async () => {
  const profile = await loadFixture("cprofile-3.13.pstats");
  const first = decodeFirstRows(
    encodeFirstRows(profile, { sort: "internal", limit: 5 }, false),
  );
  const shown = firstRowsProfile(first);
  assertEquals(shown.size, profile.size);
  assertEquals(shown.totals, profile.totals);
  assertEquals(shown.sources, profile.sources);
  for (const id of first.ids) {
    assertEquals(shown.functions.name[id], profile.functions.name[id]);
    assertEquals(shown.functions.file[id], profile.functions.file[id]);
    assertEquals(
      shown.functions.internalTime[id],
      profile.functions.internalTime[id],
    );
  }
  // The same first rows come out of it.
  assertEquals(
    [...queryFunctions(shown, { sort: "internal", limit: 5 }).ids],
    [...first.ids],
  );
  assertEquals(shown.edges.caller.length, 0);
});

Deno.test("decodeFirstRows() refuses what is not first rows", () => {
  const good = JSON.parse(encodeFirstRows(oddNumbers(), { limit: 2 }, false));
  for (
    const bad of [
      "[]",
      "{}",
      JSON.stringify({ ...good, ids: [0, 99] }),
      JSON.stringify({ ...good, name: ["only one"] }),
      JSON.stringify({ ...good, size: -1 }),
      JSON.stringify({ ...good, sources: [1] }),
    ]
  ) {
    assertThrows(() => decodeFirstRows(bad), SyntaxError, undefined, bad);
  }
});

Deno.test("/api/first answers the first rows of a large profile, 204 for a small one", async () => {
  const profile = await loadFixture("cprofile-3.13.pstats");
  const small = handlerOf({ profile });
  assertEquals(await statusOf(small, "/api/first?limit=5"), 204);
  const handler = handlerOf({ profile, firstRowsFrom: 0 });
  const response = await get(
    handler,
    "/api/first?sort=calls&desc=0&q=py&limit=5",
  );
  assertEquals(response.status, 200);
  const first = decodeFirstRows(await response.text());
  const expected = queryFunctions(profile, {
    sort: "calls",
    descending: false,
    filter: "py",
    limit: 5,
  });
  assertEquals([...first.ids], [...expected.ids]);
  assertEquals(first.total, expected.total);
  assertEquals(await statusOf(handler, "/api/first?sort=nope"), 400);
});

Deno.test("while the profile loads, the first rows are answered before the whole profile", async () => {
  const { promise, resolve } = Promise.withResolvers<Profile>();
  const handler = handlerOf({ profile: promise, firstRowsFrom: 0 });
  const order: string[] = [];
  // Asked for after the whole profile, as a page's requests may arrive.
  const whole = get(handler, "/api/profile").then(
    async (response) => {
      order.push("profile");
      await response.body?.cancel();
    },
  );
  const first = get(handler, "/api/first?limit=3").then(
    async (response) => {
      order.push("first");
      assertEquals(decodeFirstRows(await response.text()).ids.length, 3);
    },
  );
  resolve(await loadFixture("cprofile-3.13.pstats"));
  await Promise.all([whole, first]);
  assertEquals(order, ["first", "profile"]);
});
