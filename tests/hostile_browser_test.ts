/**
 * Hostile files in the page, from an HTML report and from the server: one
 * path of 1 MiB shared by 2,000 functions (typing a filter with a colon,
 * sorting groups by name), a path 100,000 directories deep (the groups by
 * directory, left idle), and times that are not numbers (the header).
 */

import { assert, assertEquals } from "@std/assert";
import { join, toFileUrl } from "@std/path";
import { MAX_SHOWN_TEXT } from "../lib/escape.ts";
import { loadProfile } from "../lib/pstats/read.ts";
import { serveProfile, withPage } from "./_browser.ts";
import { runCli, withTempDir } from "./_cli.ts";
import {
  chainEntries,
  deepPathEntries,
  pstatsBytes,
  sharedPathEntries,
} from "./_hostile_shapes.ts";

/** The number of rows of the table shown, once the status has settled. */
async function rowCount(page: import("playwright-core").Page) {
  return await page.locator("tbody tr.row").count();
}

Deno.test({
  name:
    "an HTML report of one long path shared by 2,000 functions opens, filters with a colon and sorts groups by name",
  async fn(t) {
    await withTempDir(async (dir) => {
      const input = join(dir, "shared.pstats");
      await Deno.writeFile(
        input,
        pstatsBytes(sharedPathEntries(1 << 20, 2000)),
      );
      const report = join(dir, "report.html");
      const written = await runCli(["--html", report, input], dir);
      assertEquals(written.code, 0, written.stderr);
      const url = toFileUrl(report).href;
      await withPage([], async (page, problems) => {
        page.on("crash", () => problems.push("the page crashed"));
        await t.step("the first table shows paths cut", async () => {
          await page.goto(url);
          await page.waitForSelector("tbody tr.row");
          const path = await page.textContent("tbody tr.row .path") ?? "";
          assert(path.length <= MAX_SHOWN_TEXT + 8, `${path.length}`);
          assert(path.includes("…"));
        });
        await t.step(
          "typing f1: and py:12 filters as the text says",
          async () => {
            await page.fill("#filter", "f1:");
            await page.locator(".status", { hasText: "0 of 2,000" }).waitFor();
            assertEquals(await rowCount(page), 0);
            await page.fill("#filter", "py:12");
            await page.locator(".status", { hasText: "111 of 2,000" })
              .waitFor();
          },
        );
        await t.step("groups by function sort by name", async () => {
          await page.goto(`${url}?tab=groups&by=function&sort=name`);
          await page.waitForSelector("tbody tr.row");
          assert(await rowCount(page) > 10);
          const first = await page.textContent("tbody tr.row .name") ?? "";
          assertEquals(first, "f0");
        });
      }, { context: { offline: true } });
    });
  },
});

Deno.test({
  name:
    "the served page of a path 100,000 directories deep shows its groups and stays up while idle",
  async fn() {
    const deep = `${"a/".repeat(100_000)}x.py`;
    const entries = deepPathEntries(0);
    const profile = loadProfile([{
      source: "deep.pstats",
      bytes: pstatsBytes([
        entries[0]!,
        { ...entries[2]!, file: deep, callers: [[0, 1, 1, 1, 2]] },
        // A chain 2,000 calls deep under it, for the flame graph.
        ...chainEntries(2000, () => deep).map((e, i) => ({
          ...e,
          callers: e.callers.map(([at, ...rest]) =>
            [at + 2, ...rest] as [number, number, number, number, number]
          ).concat(i === 0 ? [[1, 1, 1, 1e-3, 2]] : []),
        })),
      ]),
    }]);
    const served = serveProfile(profile);
    const { url } = served;
    await withPage([served], async (page, problems) => {
      page.on("crash", () => problems.push("the page crashed"));
      await page.goto(`${url}?tab=groups&by=directory`);
      await page.waitForSelector("tbody tr.row");
      await page.waitForTimeout(2000);
      assert(await rowCount(page) >= 1);
      await page.goto(`${url}?tab=flame`);
      await page.locator(".status", { hasText: "2,004 frames" }).waitFor();
      await page.waitForTimeout(1000);
    });
  },
});

Deno.test({
  name:
    "times that are not numbers: the header shows finite totals and says how many were read as 0",
  async fn() {
    const profile = loadProfile([{
      source: "nan.pstats",
      bytes: pstatsBytes([
        {
          file: "/a.py",
          line: 1,
          name: "f",
          calls: 1,
          primitiveCalls: 1,
          internalTime: NaN,
          cumulativeTime: Infinity,
          callers: [],
        },
        {
          file: "/b.py",
          line: 2,
          name: "g",
          calls: 1,
          primitiveCalls: 1,
          internalTime: 0.25,
          cumulativeTime: 0.25,
          callers: [[0, 1, 1, 0.25, NaN]],
        },
      ]),
    }]);
    assertEquals(profile.clampedTimes, 3);
    const served = serveProfile(profile);
    const { url } = served;
    await withPage([served], async (page) => {
      for (const search of ["", "?tab=groups&by=file"]) {
        await page.goto(`${url}${search}`);
        await page.waitForSelector("tbody tr.row");
        const header = await page.textContent("header") ?? "";
        assert(!/NaN|Infinity/.test(header), header);
        assert(header.includes("250.000"), header);
        assertEquals(
          (await page.textContent("header .notice"))?.trim(),
          "3 bad times read as 0",
        );
        const table = await page.textContent("table") ?? "";
        assert(!/NaN|Infinity/.test(table), table);
      }
    });
  },
});
