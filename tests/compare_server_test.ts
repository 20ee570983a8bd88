import { assertEquals } from "@std/assert";
import { COMPARING_META } from "../lib/assets.ts";
import type { HandlerOptions } from "../lib/server.ts";
import { decodeProfile } from "../lib/wire.ts";
import { get, handlerOf, statusOf } from "./_handler.ts";
import { run } from "./_runs.ts";

/** A run of `main` alone, taking `time` seconds. */
const mainRun = (source: string, time: number) =>
  run([{ key: ["app.py", 1, "main"], time }], { source });

Deno.test("/api/base serves the profile before, in the form of /api/profile", async () => {
  const handler = handlerOf({
    profile: mainRun("after.pstats", 0.25),
    base: mainRun("before.pstats", 0.5),
  });
  const base = await get(handler, "/api/base");
  assertEquals(base.status, 200);
  assertEquals(base.headers.get("content-type"), "application/octet-stream");
  const before = decodeProfile(new Uint8Array(await base.arrayBuffer()));
  assertEquals(before.sources, ["before.pstats"]);
  assertEquals(before.totals.time, 0.5);
  const profile = await get(handler, "/api/profile");
  const after = decodeProfile(new Uint8Array(await profile.arrayBuffer()));
  assertEquals(after.sources, ["after.pstats"]);
});

Deno.test("/api/base answers 204 No Content when not comparing", async () => {
  const handler = handlerOf({
    profile: mainRun("after.pstats", 0.25),
  });
  assertEquals(await statusOf(handler, "/api/base"), 204);
});

Deno.test("/api/compare answers the JSON report of the two runs, filtered, sorted and paged", async () => {
  const run2 = (source: string, times: Record<string, number>) =>
    run(
      Object.entries(times).map(([name, time]) => ({
        key: ["app.py", 1, name] as const,
        time,
      })),
      { source },
    );
  const handler = handlerOf({
    base: run2("before.pstats", { load: 1, parse: 2, old: 1 }),
    profile: run2("after.pstats", { load: 3, parse: 1, new: 0.5 }),
  });
  const body = async (path: string) => {
    const response = await get(handler, path);
    assertEquals(response.status, 200);
    return await response.json();
  };
  const all = await body("/api/compare");
  assertEquals(all.total, 4);
  assertEquals(all.base.files, ["before.pstats"]);
  assertEquals(all.current.files, ["after.pstats"]);
  assertEquals(
    all.functions.map((f: { name: string }) => f.name),
    ["load", "new", "parse", "old"],
  );
  assertEquals(all.functions[0].delta.cumulative_time, 2);
  const page = await body(
    "/api/compare?only=faster,removed&sort=name&desc=1&limit=1&offset=1",
  );
  assertEquals([page.total, page.offset], [2, 1]);
  assertEquals(page.functions.map((f: { name: string }) => f.name), ["old"]);
  for (const bad of ["?sort=speed", "?only=quicker", "?desc=maybe"]) {
    assertEquals(await statusOf(handler, `/api/compare${bad}`), 400, bad);
  }
});

Deno.test("/api/compare judges changes by the threshold asked for, the default without one", async () => {
  // In a 1 s run, f takes 3 ms more of its 10 ms and main 3 ms less: 0.3%
  // of the run each.
  const run2 = (source: string, f: number) =>
    run([
      { key: ["app.py", 1, "main"], time: 1 - f },
      { key: ["app.py", 5, "f"], time: f },
    ], { source });
  const handler = handlerOf({
    base: run2("before.pstats", 0.01),
    profile: run2("after.pstats", 0.013),
  });
  const changes = async (query: string) => {
    const response = await get(handler, `/api/compare?sort=name${query}`);
    assertEquals(response.status, 200);
    const report = await response.json();
    return [
      report.threshold,
      report.functions.map((f: { change: string }) => f.change),
    ];
  };
  assertEquals(await changes(""), [{ of_total: 0.005, of_own: 0.05 }, [
    "unchanged",
    "unchanged",
  ]]);
  assertEquals(await changes("&threshold=0"), [{ of_total: 0, of_own: 0 }, [
    "slower",
    "faster",
  ]]);
  assertEquals(await changes("&threshold=0&only=slower"), [
    { of_total: 0, of_own: 0 },
    ["slower"],
  ]);
  const bad = await get(handler, "/api/compare?threshold=lots");
  assertEquals(bad.status, 400);
  assertEquals(
    (await bad.json()).error,
    `Bad threshold "lots": use percentages of the total and of a function's own time, such as 0.5,5`,
  );
});

Deno.test("/api/compare answers 404 when not comparing", async () => {
  const handler = handlerOf({
    profile: mainRun("after.pstats", 0.25),
  });
  assertEquals(await statusOf(handler, "/api/compare"), 404);
});

Deno.test("the page says it compares two runs before they load, and only then", async () => {
  const assets = {
    html: '<!doctype html><html><head><meta charset="utf-8"></head></html>',
    script: { path: "/assets/a.js", body: "" },
    style: { path: "/assets/a.css", body: "" },
    favicon: "<svg/>",
  };
  const page = async (
    options: Partial<HandlerOptions>,
  ) => {
    const handler = handlerOf({
      assets,
      profile: Promise.resolve(mainRun("after.pstats", 0.25)),
      ...options,
    });
    return (await (await get(handler, "/")).text()).includes(
      `<meta name="${COMPARING_META}" content="1">`,
    );
  };
  assertEquals(await page({}), false);
  assertEquals(await page({ base: Promise.resolve(undefined) }), false);
  assertEquals(
    await page({ base: Promise.resolve(undefined), comparing: false }),
    false,
  );
  assertEquals(
    await page({ base: mainRun("before.pstats", 0.5) }),
    true,
  );
  assertEquals(
    await page({
      base: Promise.resolve(mainRun("before.pstats", 0.5)),
      comparing: true,
    }),
    true,
  );
});
