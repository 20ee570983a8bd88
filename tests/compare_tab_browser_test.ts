/**
 * The Compare tab shows only when two runs are compared, from the first
 * moment the page draws (Chromium through playwright-core): a single
 * profile served as the command line serves it (its run before a promise
 * that comes to nothing) never flashes one while it loads.
 */

import { assert } from "@std/assert";
import type { Page } from "playwright-core";
import { loadFixture, serveWith, watchedPage, withPage } from "./_browser.ts";
import { FIXTURES_URL } from "./_fixtures.ts";

/** Records, from before the page's script runs, every tab the header shows. */
async function watchTabs(page: Page): Promise<void> {
  await page.addInitScript(`
    globalThis.__tabs = new Set();
    new MutationObserver(() => {
      for (const a of document.querySelectorAll("nav.views a")) {
        globalThis.__tabs.add(a.textContent.trim());
      }
    }).observe(document, { childList: true, subtree: true, characterData: true });
  `);
}

async function tabsSeen(page: Page): Promise<string[]> {
  return (await page.evaluate("[...globalThis.__tabs]") as string[]).sort();
}

Deno.test({
  name:
    "the Compare tab never shows for one profile, and shows from the start for two",
  async fn() {
    const profile = await loadFixture("shop.pstats");
    const before = await loadFixture(
      "before.pstats",
      new URL("compare/", FIXTURES_URL),
    );
    const after = await loadFixture(
      "after.pstats",
      new URL("compare/", FIXTURES_URL),
    );
    // As cli/serve.ts serves them: the profiles (and the run before, if
    // any) promised while they load.
    const single = serveWith({
      profile: Promise.resolve(profile),
      base: Promise.resolve(undefined),
      comparing: false,
    });
    const unsaid = serveWith({
      profile: Promise.resolve(profile),
      base: Promise.resolve(undefined),
    });
    const two = serveWith({
      profile: Promise.resolve(after),
      base: Promise.resolve(before),
      comparing: true,
    });
    await withPage([single, unsaid, two], async (page, problems, browser) => {
      for (const served of [single, unsaid]) {
        const one = await watchedPage(browser, problems);
        await watchTabs(one);
        await one.goto(served.url);
        await one.waitForSelector("tbody tr.row");
        await one.waitForFunction(() =>
          performance.getEntriesByName("profiling-explorer:edges").length > 0
        );
        await one.waitForTimeout(200);
        const seen = await tabsSeen(one);
        assert(seen.includes("Table"), seen.join(", "));
        assert(!seen.includes("Compare"), seen.join(", "));
        await one.close();
      }
      await watchTabs(page);
      await page.goto(two.url);
      await page.waitForSelector("table.compare tbody tr.row");
      assert((await tabsSeen(page)).includes("Compare"));
    });
  },
});
