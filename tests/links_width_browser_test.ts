/// <reference lib="dom" />
/**
 * The callers and callees cells hold their counts whole, measured in a real
 * browser (Chromium through playwright-core): each cell's text against its
 * box (`scrollWidth` against `clientWidth`), for counts from 1 to 100,000,
 * wide and narrow. Three reports of `callees 2…` for 2,063 preceded it.
 */

import { assert, assertEquals } from "@std/assert";
import { formatCount } from "../lib/format.ts";
import type { Profile } from "../lib/profile.ts";
import { buildProfile, statsFile } from "../lib/pstats/build.ts";
import type { FunctionKey } from "../lib/pstats/stats_table.ts";
import { serveProfile, withPage } from "./_browser.ts";

/** How many callers and callees each hub has. */
const COUNTS = [1, 12, 123, 2_063, 12_345, 100_000];

/**
 * Hubs that call `n` of 100,000 leaves and are called by as many, the
 * hub with the most first by cumulative time.
 */
function hubs(): Profile {
  const leaf = (
    i: number,
  ): FunctionKey => ["/srv/app/leaves.py", i + 1, `f${i}`];
  const hub = (n: number): FunctionKey => ["/srv/app/hubs.py", n, `hub${n}`];
  const leaves = COUNTS.at(-1)!;
  return buildProfile([statsFile("hubs.pstats", [
    ...COUNTS.map((n) => ({
      key: hub(n),
      calls: n,
      primitiveCalls: n,
      internalTime: 1,
      cumulativeTime: 1 + n,
      callers: Array.from({ length: n }, (_, i) => ({
        key: leaf(i),
        calls: 1,
      })),
    })),
    ...Array.from({ length: leaves }, (_, i) => ({
      key: leaf(i),
      calls: 1,
      primitiveCalls: 1,
      internalTime: 1e-6,
      cumulativeTime: 1e-6,
      callers: COUNTS.filter((n) => i < n).map((n) => ({
        key: hub(n),
        calls: 1,
      })),
    })),
  ])]);
}

/** A links cell as measured: its text, its text's width and its box's. */
interface Cell {
  text: string;
  scroll: number;
  client: number;
  links: { left: number; right: number }[];
}

Deno.test({
  name:
    "the callers and callees cells show counts from 1 to 100,000 whole, wide and narrow",
  async fn() {
    const profile = hubs();
    const served = serveProfile(profile);
    await withPage([served], async (page) => {
      for (const width of [1280, 1000, 700, 420]) {
        await page.setViewportSize({ width, height: 720 });
        await page.goto(served.url);
        await page.waitForSelector("tbody tr.row td.links a .count");
        await page.waitForFunction(
          () =>
            ![...document.querySelectorAll("td.links .count")].some((c) =>
              c.textContent === "…"
            ),
        );
        const cells: Cell[] = await page.$$eval(
          "tbody tr.row td.links",
          (tds) =>
            tds.map((td) => ({
              text: td.textContent?.replace(/\s+/g, " ").trim() ?? "",
              scroll: td.scrollWidth,
              client: td.clientWidth,
              links: [...td.querySelectorAll("a")].map((a) => {
                const box = a.getBoundingClientRect();
                const cell = td.getBoundingClientRect();
                return {
                  left: box.left - cell.left,
                  right: box.right - cell.left,
                };
              }),
            })),
        );
        for (const n of COUNTS) {
          const count = formatCount(n);
          const cell = cells.find((c) =>
            c.text.split(" ").filter((part: string) => part.endsWith(count))
              .length ===
              2
          );
          if (cell === undefined) {
            throw new Error(`${width}px: no cell shows ${count} twice`);
          }
          assert(
            cell.scroll <= cell.client,
            `${width}px: "${cell.text}" needs ${cell.scroll}px of ${cell.client}px`,
          );
          for (const link of cell.links) {
            assert(
              link.right <= cell.client + 1,
              `${width}px: a link of "${cell.text}" ends at ${link.right}px of ${cell.client}px`,
            );
          }
        }
        // The focal function's tabs hold their counts whole too.
        const hub = profile.functions.name.indexOf("hub100000");
        await page.goto(`${served.url}?fn=${hub}&view=callers`);
        await page.waitForSelector("tr.focal");
        const tabs: Cell[] = await page.$$eval(
          ".crumbs .tab",
          (links) =>
            links.map((a) => ({
              text: a.textContent?.replace(/\s+/g, " ").trim() ?? "",
              scroll: a.scrollWidth,
              client: a.clientWidth,
              links: [],
            })),
        );
        assertEquals(tabs.map((tab) => tab.text).slice(0, 2), [
          "callers 100,000",
          "callees 100,000",
        ]);
        for (const tab of tabs) {
          assert(tab.scroll <= tab.client, `${width}px: "${tab.text}" is cut`);
        }
      }
    });
  },
});
