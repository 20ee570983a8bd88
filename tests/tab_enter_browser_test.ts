/**
 * Enter after clicking a callers or callees tab opens the highlighted row,
 * in a real browser (Chromium through playwright-core): the tab clicked
 * with the mouse keeps no focus that would take the key and open the tab
 * again.
 */

import { assertEquals } from "@std/assert";
import { param, serve, withPage } from "./_browser.ts";

Deno.test({
  name:
    "Enter after clicking the callers or callees tab opens the highlighted row",
  async fn() {
    const shop = await serve("shop.pstats");
    await withPage([shop], async (page) => {
      const main = shop.profile.functions.name.indexOf("main");
      for (const tab of ["", "&tab=groups&by=function"]) {
        await page.goto(`${shop.url}?fn=${main}&view=callers${tab}`);
        await page.waitForSelector("tr.focal");
        await page.click(".crumbs a.tab >> text=callees");
        await page.waitForFunction(() =>
          location.search.includes("view=callees")
        );
        await page.waitForSelector("tbody tr.row.active");
        const name = await page.textContent("tbody tr.row.active .name");
        const row = Number(
          await page.getAttribute("tbody tr.row.active", "data-index"),
        );
        assertEquals(row, 0);
        await page.keyboard.press("Enter");
        await page.waitForFunction(
          (fn) => !location.search.includes(`fn=${fn}&`),
          main,
        );
        assertEquals(param(page, "view"), "callees", tab);
        await page.waitForSelector("tr.focal");
        assertEquals(await page.textContent("tr.focal .name"), name, tab);
      }
    });
  },
});
