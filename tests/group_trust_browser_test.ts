/// <reference lib="dom" />
/**
 * The groups view's numbers explain themselves, in a real browser (Chromium
 * through playwright-core) on a Django test run (tests/fixtures/noise/,
 * made by scripts/make_noise_fixtures.sh): a group past 100% is marked and
 * said to be re-entered, the cumulative column's tooltip says what it
 * counts, and the filter's share of the total, counted once, is the flame
 * graph's.
 */

import { assert, assertEquals, assertMatch } from "@std/assert";
import type { Page } from "playwright-core";
import { buildCallTree, pathsThrough } from "../lib/call_tree.ts";
import { formatPercent } from "../lib/format.ts";
import { groupNumbers, groupTree, nodeKey, passesTotal } from "../lib/group.ts";
import { queryFunctions } from "../lib/query.ts";
import { loadFixture, serveProfile, withPage } from "./_browser.ts";
import { FIXTURES_URL } from "./_fixtures.ts";

const NOISE = new URL("noise/", FIXTURES_URL);

async function status(page: Page): Promise<string> {
  return (await page.textContent(".status"))?.replace(/\s+/g, " ").trim() ??
    "";
}

Deno.test({
  name:
    "the groups view marks and explains a group past 100%, and its filter's share is the flame graph's",
  async fn(t) {
    const profile = await loadFixture("run1.pstats", NOISE);
    const served = serveProfile(profile);
    await withPage([served], async (page) => {
      await t.step(
        "django passes 100% by package: its cell is marked and a note says why",
        async () => {
          const numbers = groupNumbers(groupTree(profile, "package"));
          const tree = numbers.tree;
          const django = tree.groupKey.indexOf("django");
          assert(django >= 0);
          assert(passesTotal(numbers, django));
          await page.goto(`${served.url}?tab=groups&by=package`);
          await page.waitForSelector("tbody tr.row");
          const row = page.locator("tbody tr.row", {
            has: page.locator('td.location :text-is("django")'),
          });
          const cell = row.locator("td.cumulative-pct");
          assertEquals(
            (await cell.textContent())?.replace(/\s+/g, " ").trim(),
            `${
              formatPercent(numbers.cumulative[django]!, profile.totals.time)
            }* (re-entered: counted again)`,
          );
          assertMatch(
            (await cell.getAttribute("title"))!,
            /re-entered through code outside it/,
          );
          // Every group marked is one past the total, and no other.
          const marked = await page.$$eval(
            "tbody tr.row",
            (trs) =>
              trs.filter((tr) => tr.querySelector("td.reentered") !== null)
                .map((tr) =>
                  tr.querySelector("td.location .name")?.textContent?.trim()
                ),
          );
          const passing = [...tree.listed].filter((n) =>
            passesTotal(numbers, n)
          ).map((n) => nodeKey(tree, n));
          const shown = await page.$$eval(
            "tbody tr.row td.location .name",
            (names) => names.map((n) => n.textContent?.trim()),
          );
          assertEquals(
            marked.sort(),
            passing.filter((key) => shown.includes(key)).sort(),
          );
          assertMatch(
            (await page.textContent("p.groups-note"))!,
            /A group over 100% was re-entered through code outside it, whose time it counts again\./,
          );
        },
      );

      await t.step(
        "the cumulative column's tooltip says what it counts",
        async () => {
          const title = await page.getAttribute(
            "th.cumulative",
            "title",
          );
          assertMatch(
            title!,
            /^Time entering the group from functions outside it/,
          );
          assertMatch(
            title!,
            /comes back in through code outside it counts again/,
          );
          assert(!title!.includes("counted once"), title!);
        },
      );

      await t.step(
        "with a filter, the groups and the flame graph give one share, counted once",
        async () => {
          const q = "django/db/models";
          const tree = buildCallTree(profile);
          const { ids } = queryFunctions(profile, { filter: q });
          const { value } = pathsThrough(tree, ids);
          const share = `${formatPercent(value, tree.total)} of the total`;
          await page.goto(`${served.url}?tab=groups&by=package&q=${q}`);
          await page.waitForSelector("tbody tr.row");
          await page.waitForFunction(
            () =>
              !document.querySelector(".status")?.textContent?.includes("…"),
          );
          assertEquals(
            await status(page),
            `1 package of ${
              groupTree(profile, "package").listed.length
            } with matches; the matching functions: ${share}, counted once`,
          );
          // The group's own column counts re-entries again: more than that.
          const numbers = groupNumbers(groupTree(profile, "package"), q);
          const django = numbers.tree.groupKey.indexOf("django");
          assert(numbers.cumulative[django]! > value);
          await page.goto(`${served.url}?tab=flame&q=${q}`);
          await page.waitForSelector("canvas.flame-canvas");
          // Opened while the tree grows, it shows what has grown "so far".
          await page.waitForFunction(
            () =>
              !document.querySelector(".status")?.textContent?.includes(
                "so far",
              ),
          );
          assertMatch(
            await status(page),
            new RegExp(`: ${share.replace(".", "\\.")}, counted once$`),
          );
        },
      );
      await t.step(
        "a package has the flame graph's colour in the groups view",
        async () => {
          await page.goto(`${served.url}?tab=flame`);
          await page.waitForSelector(".flame-legend .legend-item");
          // Browser-side code as strings: these files are type-checked
          // without the DOM library.
          const legend = Object.fromEntries(
            await page.evaluate(`[...document.querySelectorAll(
              ".flame-legend .legend-item")].map((item) => [
                item.textContent.trim(),
                getComputedStyle(item.querySelector(".swatch")).backgroundColor,
              ])`) as [string, string][],
          );
          await page.goto(`${served.url}?tab=groups&by=package`);
          await page.waitForSelector("tbody tr.row .swatch");
          const groups = Object.fromEntries(
            await page.evaluate(`[...document.querySelectorAll(
              "tbody tr.row")].map((row) => [
                row.querySelector(".name").textContent.trim(),
                getComputedStyle(row.querySelector(".swatch")).backgroundColor,
              ])`) as [string, string][],
          );
          const shared = ["django", "frozen", "builtins"];
          for (const name of shared) {
            assert(legend[name] !== undefined, `${name} not in the legend`);
            assertEquals(groups[name], legend[name], name);
          }
          assert(new Set(shared.map((name) => groups[name])).size === 3);
        },
      );
    });
  },
});
