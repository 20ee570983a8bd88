import { assertEquals, assertRejects } from "@std/assert";
import { encodeProfile } from "../lib/wire.ts";
import { EmbeddedProfileSource, HttpProfileSource } from "../ui/source.ts";
import { reportPage } from "./_report_page.ts";
import { run } from "./_runs.ts";

/** A run of `main` alone, taking `time` seconds. */
const mainRun = (source: string, time: number) =>
  run([{ key: ["app.py", 1, "main"], time }], { source });

/** A `fetch` that answers each path from a table. */
function fakeFetch(routes: Record<string, () => Response>): typeof fetch {
  return (input) => {
    const path = String(input);
    const route = routes[path];
    return Promise.resolve(
      route ? route() : new Response("Not found", { status: 404 }),
    );
  };
}

Deno.test("HttpProfileSource.loadBase() gives the run before, or null when not comparing", async () => {
  const bytes = encodeProfile(mainRun("before.pstats", 0.5));
  const comparing = new HttpProfileSource(
    "/api/profile",
    fakeFetch({ "/api/base": () => new Response(bytes.slice()) }),
  );
  assertEquals((await comparing.loadBase())?.sources, ["before.pstats"]);
  const single = new HttpProfileSource(
    "/api/profile",
    fakeFetch({ "/api/base": () => new Response(null, { status: 204 }) }),
  );
  assertEquals(await single.loadBase(), null);
  const broken = new HttpProfileSource(
    "/api/profile",
    fakeFetch({
      "/api/base": () => new Response("No", { status: 500 }),
    }),
  );
  await assertRejects(
    () => broken.loadBase(),
    Error,
    "The server answered 500",
  );
});

Deno.test("HttpProfileSource.load() says why the server could not load the profile", async () => {
  const source = new HttpProfileSource(
    "/api/profile",
    fakeFetch({
      "/api/profile": () =>
        Response.json({
          error: "The profile could not be loaded: run.pstats: Truncated",
        }, { status: 503 }),
    }),
  );
  await assertRejects(
    () => source.load(),
    Error,
    "The profile could not be loaded: run.pstats: Truncated",
  );
});

Deno.test("EmbeddedProfileSource.loadBase() gives the run a report carries, or null", async () => {
  const after = encodeProfile(mainRun("after.pstats", 0.25));
  const before = encodeProfile(mainRun("before.pstats", 0.5));
  const both = new EmbeddedProfileSource(
    await reportPage({ "/api/profile": after, "/api/base": before }),
  );
  assertEquals((await both.load()).sources, ["after.pstats"]);
  assertEquals((await both.loadBase())?.totals.time, 0.5);
  const one = new EmbeddedProfileSource(
    await reportPage({ "/api/profile": after }),
  );
  assertEquals(await one.loadBase(), null);
});
