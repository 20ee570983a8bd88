/**
 * The first rows in a real browser: while a large profile loads, the page
 * draws the first screen of its table from `/api/first`, then the whole
 * table once the profile is in, with the same rows; what needs the rest
 * waits for it.
 */
import { assert, assertEquals } from "@std/assert";
import type { Page } from "playwright-core";
import type { Profile } from "../lib/profile.ts";
import { queryFunctions, type SortColumn } from "../lib/query.ts";
import { loadFixture, rowNames, serveWith, withPage } from "./_browser.ts";

/** The names of the first `count` functions sorted by `sort`. */
function firstNames(
  profile: Profile,
  sort: SortColumn,
  count: number,
): string[] {
  const ids = queryFunctions(profile, { sort, limit: count }).ids;
  return Array.from(ids, (id) => profile.functions.name[id]!);
}

/** Whether the page has set a mark of ours. */
async function marked(page: Page, name: string): Promise<boolean> {
  return await page.evaluate(
    (name) =>
      performance.getEntriesByName(`profiling-explorer:${name}`).length > 0,
    name,
  );
}

Deno.test({
  name:
    "while a large profile loads, its first rows show, then the whole table",
  async fn(t) {
    const profile = await loadFixture("many.pstats");
    // The profile is on its way until the test says so, and the browser's
    // request for it is held until the first rows have been looked at.
    const loaded = Promise.withResolvers<Profile>();
    const served = serveWith({
      profile: loaded.promise,
      firstRowsFrom: 10_000,
    });
    const { url } = served;
    await withPage([served], async (page) => {
      let release = () => {};
      await page.route("**/api/profile", async (route) => {
        await new Promise<void>((resolve) => release = resolve);
        await route.continue();
      });

      await t.step("the first rows come before the profile", async () => {
        await page.goto(`${url}?sort=calls`);
        loaded.resolve(profile);
        await page.waitForSelector("tbody tr.row");
        assert(await marked(page, "first-rows"));
        assert(!await marked(page, "whole"));
        const shown = await rowNames(page);
        assert(shown.length >= 10, `only ${shown.length} rows`);
        assertEquals(shown, firstNames(profile, "calls", shown.length));
        assertEquals(
          (await page.textContent(".status"))?.trim(),
          "20,000 functions",
        );
      });

      await t.step(
        "a query they do not answer waits for the profile",
        async () => {
          await page.click("th.internal button");
          await page.waitForSelector("tr.empty");
          assertEquals(
            (await page.textContent("tr.empty"))?.trim(),
            "Loading the profile…",
          );
        },
      );

      await t.step(
        "so does another tab, without working on a part of the profile",
        async () => {
          await page.click("nav.views a >> text=Flame graph");
          assertEquals(new URL(page.url()).searchParams.get("tab"), "flame");
          assertEquals(await page.$$("canvas"), []);
          assertEquals(
            (await page.textContent("tr.empty"))?.trim(),
            "Loading the profile…",
          );
          await page.goBack();
          assertEquals(new URL(page.url()).searchParams.get("tab"), null);
        },
      );

      await t.step("then the whole table shows, sorted as asked", async () => {
        release();
        await page.waitForFunction(() =>
          performance.getEntriesByName("profiling-explorer:whole").length > 0
        );
        await page.waitForSelector("tbody tr.row");
        const shown = await rowNames(page);
        assertEquals(shown, firstNames(profile, "internal", shown.length));
        assertEquals(new URL(page.url()).searchParams.get("sort"), "internal");
      });
    });
  },
});
