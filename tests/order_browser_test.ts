/**
 * The sorts by name and by location in a real browser, with the order the
 * server works out (`/api/order`), and without it (an older server), when
 * the page works it out itself.
 */

import { assertEquals } from "@std/assert";
import type { Page } from "playwright-core";
import { functionLocation, type Profile } from "../lib/profile.ts";
import { queryFunctions, type SortColumn } from "../lib/query.ts";
import {
  compareProfiles,
  queryComparison,
  rowFunction,
} from "../lib/compare.ts";
import { allowedHosts, createHandler } from "../lib/server.ts";
import { serveHttp } from "../lib/http_server.ts";
import { loadFixture, withPage } from "./_browser.ts";
import { trickyProfile, trickyRuns } from "./_tricky_profile.ts";
import { UI_ASSETS } from "./_page.ts";

/**
 * Serves the profile on a free port as the program does, with or without
 * the route of the name and file order.
 */
function serveWith(profile: Profile, withOrder: boolean, base?: Profile) {
  let handler = (_request: Request) =>
    Promise.resolve(new Response("Not ready", { status: 503 }));
  const server = serveHttp(
    { hostname: "127.0.0.1", port: 0 },
    (request) =>
      !withOrder && new URL(request.url).pathname.endsWith("/order")
        ? Promise.resolve(new Response("Not found", { status: 404 }))
        : handler(request),
  );
  handler = createHandler({
    assets: UI_ASSETS,
    profile,
    ...(base === undefined ? {} : { base }),
    isAllowedHost: allowedHosts("127.0.0.1", server.addr.port),
  });
  return { server, url: `http://127.0.0.1:${server.addr.port}/` };
}

/**
 * Where the page says its name and file order came from (of the base when
 * comparing, with `mark` `"profiling-explorer:base-order"`), once it has it.
 */
async function orderFrom(
  page: Page,
  mark = "profiling-explorer:order",
): Promise<string> {
  await page.waitForFunction(
    (mark) => performance.getEntriesByName(mark).length > 0,
    mark,
  );
  return await page.evaluate(
    (mark) =>
      String((performance.getEntriesByName(mark)[0] as PerformanceMark).detail),
    mark,
  );
}

/** The visible rows' locations and names, top to bottom. */
async function labels(page: Page): Promise<string[]> {
  return await page.$$eval(
    "tbody tr.row td.location .label",
    (cells) => cells.map((cell) => cell.textContent!.replace(/\s+/g, " ")),
  );
}

/** The first `count` rows of the sort, as the table shows them. */
function expected(
  profile: Profile,
  sort: SortColumn,
  count: number,
): string[] {
  const { ids } = queryFunctions(profile, { sort, limit: count });
  return [...ids].map((id) => {
    const { location, name } = functionLocation(profile, id);
    return location === "" ? name : `${location} ${name}`;
  });
}

/** Sorts by location, then by name, checking the rows against the lib's. */
async function assertTextSorts(page: Page, profile: Profile): Promise<void> {
  await page.click("th.location button:nth-of-type(1)");
  await page.waitForFunction(() => location.search.includes("sort=file"));
  const byFile = await labels(page);
  assertEquals(byFile.length >= Math.min(profile.size, 10), true);
  assertEquals(byFile, expected(profile, "file", byFile.length));
  await page.click("th.location button:nth-of-type(2)");
  await page.waitForFunction(() => location.search.includes("sort=name"));
  const byName = await labels(page);
  assertEquals(byName, expected(profile, "name", byName.length));
}

Deno.test({
  name: "the page sorts by name and location with the server's order",
  async fn(t) {
    // Built-ins and equal names in different files.
    const profile = await loadFixture("cprofile-3.13.pstats");
    const withOrder = serveWith(profile, true);
    const older = serveWith(profile, false);
    // Non-ASCII text too, and lines beyond 32 bits.
    const tricky = trickyProfile();
    const hard = serveWith(tricky, true);
    const runs = trickyRuns();
    const comparing = serveWith(runs.after(), true, runs.before());
    const servers = [withOrder, older, hard, comparing];
    const allowed = (problem: string) => problem.includes("404 (Not Found)");
    await withPage(servers, async (page) => {
      await t.step(
        "the order comes from the server, not the page",
        async () => {
          await page.goto(withOrder.url);
          await page.waitForSelector("tbody tr.row");
          assertEquals(await orderFrom(page), "server");
          await assertTextSorts(page, profile);
        },
      );

      await t.step(
        "without it, the page works the order out itself",
        async () => {
          await page.goto(older.url);
          await page.waitForSelector("tbody tr.row");
          assertEquals(await orderFrom(page), "page");
          await assertTextSorts(page, profile);
        },
      );
      await t.step("it sorts non-ASCII text as the server does", async () => {
        await page.goto(hard.url);
        await page.waitForSelector("tbody tr.row");
        assertEquals(await orderFrom(page), "server");
        await assertTextSorts(page, tricky);
      });
      await t.step(
        "comparing, it sorts by name with the base's order too",
        async () => {
          await page.goto(`${comparing.url}?tab=compare`);
          await page.waitForSelector("table.compare tbody tr.row");
          assertEquals(await orderFrom(page), "server");
          assertEquals(
            await orderFrom(page, "profiling-explorer:base-order"),
            "server",
          );
          await page.click("table.compare th.location button:nth-of-type(2)");
          await page.waitForFunction(() =>
            location.search.includes("sort=name")
          );
          const shown = await page.$$eval(
            "table.compare tbody tr.row .name",
            (cells) => cells.map((cell) => cell.textContent ?? ""),
          );
          const comparison = compareProfiles(runs.before(), runs.after());
          const { rows } = queryComparison(comparison, { sort: "name" });
          assertEquals(
            shown,
            [...rows].slice(0, shown.length).map((row) => {
              const { profile, id } = rowFunction(comparison, row);
              return functionLocation(profile, id).name;
            }),
          );
        },
      );
    }, { allowed });
  },
});
