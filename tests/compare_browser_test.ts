/**
 * The compare view in a real browser (Chromium through playwright-core),
 * against a real server comparing two runs of the fixture program. It needs
 * Chromium: set CHROMIUM to its path if it is not /usr/bin/chromium.
 */

import { assert, assertEquals, assertMatch } from "@std/assert";
import { fromFileUrl, join, toFileUrl } from "@std/path";
import type { Page } from "playwright-core";
import { launchChromium } from "../scripts/_chromium.ts";
import {
  type ChangeKind,
  compareProfiles,
  NO_THRESHOLD,
  type NoiseThreshold,
  parseThreshold,
  queryComparison,
  rowFunction,
  rowNumbers,
} from "../lib/compare.ts";
import { formatCount } from "../lib/format.ts";
import { functionLocation } from "../lib/profile.ts";
import { runCli } from "./_cli.ts";
import {
  loadFixture,
  param,
  rowNames,
  screenshotThemes,
  serveProfile,
  withPage,
} from "./_browser.ts";
import { FIXTURES_URL } from "./_fixtures.ts";

const COMPARE = new URL("compare/", FIXTURES_URL);

async function serveComparison(
  before = "before.pstats",
  after = "after.pstats",
) {
  const base = await loadFixture(before, COMPARE);
  const profile = await loadFixture(after, COMPARE);
  return {
    ...serveProfile(profile, base),
    comparison: compareProfiles(base, profile),
  };
}

/** The visible rows' function names, top to bottom. */
function names(page: Page): Promise<string[]> {
  return rowNames(page, "table.compare");
}

/** The visible rows' changes in words. */
async function kinds(page: Page): Promise<string[]> {
  return await page.$$eval(
    "table.compare tbody tr.row td.kind",
    (cells) => cells.map((cell) => cell.textContent?.trim() ?? ""),
  );
}

Deno.test({
  name: "the page compares two runs in a real browser",
  async fn(t) {
    const served = await serveComparison();
    const { comparison } = served;
    await withPage([served], async (page, problems, browser) => {
      await t.step(
        "it opens in compare mode, largest regression first",
        async () => {
          await page.goto(served.url);
          await page.waitForSelector("table.compare tbody tr.row");
          await page.waitForFunction(() =>
            location.search.includes("tab=compare")
          );
          assertEquals(param(page, "tab"), "compare");
          assertEquals(
            await page.getAttribute("table.compare th.change", "aria-sort"),
            "descending",
          );
          const expected = [...queryComparison(comparison, { limit: 3 }).rows]
            .map(
              (row) => {
                const { profile, id } = rowFunction(comparison, row);
                return profile.functions.name[id];
              },
            );
          assertEquals((await names(page)).slice(0, 3), expected);
          assertEquals((await kinds(page))[0], "▲ slower");
          assertEquals(
            await page.title(),
            "before.pstats → after.pstats · profiling-explorer",
          );
        },
      );

      await t.step(
        "the header shows the totals before → after with the change",
        async () => {
          const totals = await page.textContent(".compare-totals");
          assertMatch(
            totals!.replace(/\s+/g, " "),
            /total time [\d,.]+ ms → [\d,.]+ ms \(−[\d.]+%\)/,
          );
          assertMatch(totals!, /before\.pstats → after\.pstats/);
        },
      );

      await t.step(
        "sorting by change % and again reverses, in the URL",
        async () => {
          await page.click("table.compare th.change-pct button");
          await page.waitForFunction(() =>
            location.search.includes("sort=cumulative_change_percent")
          );
          assertEquals((await kinds(page))[0], "+ added");
          await page.click("table.compare th.change-pct button");
          await page.waitForFunction(() => location.search.includes("desc=0"));
          assertEquals(
            await page.getAttribute("table.compare th.change-pct", "aria-sort"),
            "ascending",
          );
          assertEquals((await kinds(page))[0], "− removed");
        },
      );

      await t.step("chips show only faster or removed functions", async () => {
        await page.click("table.compare th.change button");
        await page.click("button.chip.faster");
        await page.waitForFunction(() =>
          location.search.includes("only=faster")
        );
        assert((await kinds(page)).every((k) => k === "▼ faster"));
        assertEquals(
          await page.getAttribute("button.chip.faster", "aria-pressed"),
          "true",
        );
        await page.click("button.chip.removed");
        await page.waitForFunction(() =>
          location.search.includes("only=faster%2Cremoved")
        );
        const shown = await kinds(page);
        assert(shown.every((k) => k === "▼ faster" || k === "− removed"));
        const total = queryComparison(comparison, {
          changes: ["faster", "removed"],
        }).total;
        assertEquals(
          (await page.textContent(".status"))?.trim(),
          `${total} of ${comparison.size} functions`,
        );
        // Removed functions are gone from the run after: they sort first by
        // time after, smallest first.
        await page.click("table.compare th.after button");
        await page.click("table.compare th.after button");
        assertEquals((await kinds(page))[0], "− removed");
        await page.click("table.compare th.change button");
        await page.click("button.chip.clear");
        await page.waitForFunction(() => !location.search.includes("only="));
      });

      await t.step(
        "filtering and walking to the callers compares edge by edge",
        async () => {
          await page.fill("#filter", "app.py parse");
          await page.waitForFunction(() => location.search.includes("q="));
          assertEquals(await names(page), ["parse"]);
          assertMatch(
            (await page.textContent("tr.row td.location"))!,
            /was line 12/,
          );
          await page.click("tr.row td.links a[aria-label=callers]");
          await page.waitForFunction(() =>
            location.search.includes("view=callers")
          );
          assertEquals(await page.textContent("tr.focal .name"), "parse");
          assertEquals(await names(page), ["main"]);
          // The edge main → parse got faster, with both lines shown.
          assertEquals(await kinds(page), ["▼ faster"]);
          assertMatch(
            (await page.textContent("tbody tr.row td.change"))!,
            /^−/,
          );
          await page.click("tbody tr.row td.links a[aria-label=callees]");
          await page.waitForFunction(() =>
            location.search.includes("view=callees")
          );
          const callees = await names(page);
          assert(callees.includes("fast_checksum"), callees.join(", "));
          assert(callees.includes("legacy_checksum"), callees.join(", "));
          await page.goBack();
          await page.waitForFunction(() =>
            location.search.includes("view=callers")
          );
          assertEquals(await page.textContent("tr.focal .name"), "parse");
        },
      );

      await t.step("the keyboard walks callers and callees too", async () => {
        await page.goto(`${served.url}?tab=compare&q=app.py+render`);
        await page.waitForSelector("table.compare tbody tr.row");
        await page.keyboard.press("Shift+Enter");
        await page.waitForFunction(() =>
          location.search.includes("view=callers")
        );
        assertEquals(await names(page), ["main"]);
        await page.keyboard.press("Backspace");
        await page.waitForFunction(() => !location.search.includes("view="));
      });

      await t.step("the table tab still shows the run after", async () => {
        await page.click("nav.views a:text('Table')");
        await page.waitForSelector("table:not(.compare) tbody tr.row");
        assertEquals(param(page, "tab"), null);
      });

      await t.step(
        "at any width the total time shows and locations keep their room",
        async () => {
          for (const width of [800, 1000, 1280, 1600]) {
            await page.setViewportSize({ width, height: 600 });
            await page.goto(`${served.url}?tab=compare`);
            await page.waitForSelector("table.compare tbody tr.row");
            const totals = (await page.$$eval(
              ".compare-totals > div",
              (divs) =>
                divs.map((d) => ({
                  text: d.textContent ?? "",
                  width: d.getBoundingClientRect().width,
                  right: d.getBoundingClientRect().right,
                })),
            )).filter((d) => d.width > 0);
            const location = await page.$eval(
              "tbody tr.row td.location",
              (td) => td.getBoundingClientRect().width,
            );
            const scroll = await page.$eval("html", (el) => el.scrollWidth);
            const time = totals.find((d) => d.text.includes("total time"));
            assert(time !== undefined, `${width}px: no total time`);
            for (const d of totals) {
              assert(d.right <= width, `${width}px: ${d.text} is cut`);
            }
            assert(location >= 180, `${width}px: location is ${location}px`);
            assert(scroll <= width, `${width}px: the page scrolls sideways`);
          }
          await page.setViewportSize({ width: 1280, height: 720 });
        },
      );

      await t.step(
        "screenshots of compare mode land in tests/output/",
        async () => {
          const main = queryComparison(comparison, { filter: "app.py main" })
            .rows[0]!;
          await screenshotThemes(
            browser,
            problems,
            served.url,
            "table.compare tbody tr.row",
            [
              ["compare", "?tab=compare", 1280],
              ["compare-callees", `?tab=compare&fn=${main}&view=callees`, 1280],
              ["compare-narrow", "?tab=compare", 420],
            ],
          );
        },
      );

      await t.step("nothing broke the Content-Security-Policy", () => {
        assertEquals(problems, []);
      });
    });
  },
});

Deno.test({
  name: "an HTML report of two runs opens in compare mode from file://",
  async fn() {
    const dir = await Deno.makeTempDir();
    const browser = await launchChromium();
    try {
      const report = join(dir, "compare.html");
      const result = await runCli(
        ["--html", report, "--base", "before.pstats", "after.pstats"],
        fromFileUrl(COMPARE),
      );
      assertEquals(result.code, 0, result.stderr);
      const context = await browser.newContext({ offline: true });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on("pageerror", (error) => problems.push(String(error)));
      await page.goto(toFileUrl(report).href);
      await page.waitForSelector("table.compare tbody tr.row");
      assertEquals((await kinds(page))[0], "▲ slower");
      assertMatch(
        (await page.textContent(".compare-totals"))!,
        /before\.pstats → after\.pstats/,
      );
      await page.fill("#filter", "app.py parse");
      await page.click("tr.row td.links a[aria-label=callers]");
      assertEquals(await names(page), ["main"]);
      assertEquals(problems, []);
      await context.close();
    } finally {
      await browser.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "the compare view of two sampled runs counts samples",
  async fn() {
    const browser = await launchChromium();
    const served = await serveComparison(
      "../sampled.pstats",
      "../sampled.pstats",
    );
    try {
      const page = await browser.newPage();
      await page.goto(`${served.url}?tab=compare`);
      await page.waitForSelector("table.compare tbody tr.row");
      assertEquals(
        (await page.textContent("table.compare th.calls button"))?.trim(),
        "samples",
      );
      assertMatch((await page.textContent(".compare-totals"))!, /samples/);
      assert((await kinds(page)).every((k) => k === "= same"));
    } finally {
      await browser.close();
      await served.server.shutdown();
    }
  },
});

Deno.test({
  name:
    "the compare view ignores noise by a threshold the page lets you change, kept in the URL",
  async fn(t) {
    // Two runs of one unchanged program (the Django test suite, twice).
    const served = await serveComparison(
      "../noise/run1.pstats",
      "../noise/run2.pstats",
    );
    const { comparison } = served;
    const count = (kind: ChangeKind, threshold?: NoiseThreshold) =>
      queryComparison(comparison, {
        changes: [kind],
        ...(threshold ? { threshold } : {}),
      }).total;
    const chip = async (page: Page, kind: string) =>
      (await page.textContent(`button.chip.${kind} .count`))?.trim();
    await withPage([served], async (page) => {
      await t.step("by default most functions are the same", async () => {
        await page.goto(`${served.url}?tab=compare`);
        await page.waitForSelector("table.compare tbody tr.row");
        const same = count("unchanged");
        assert(same / comparison.counts.matched > 0.9);
        assertEquals(await chip(page, "unchanged"), formatCount(same));
        assertEquals(await chip(page, "slower"), formatCount(count("slower")));
        assertEquals(
          await page.inputValue("label.noise select"),
          "0.5,5",
        );
      });

      await t.step(
        "the faster chip lists the largest speedup first",
        async () => {
          await page.click("button.chip.faster");
          await page.waitForFunction(() =>
            location.search.includes("only=faster")
          );
          assertEquals(
            await page.getAttribute("table.compare th.change", "aria-sort"),
            "ascending",
          );
          const expected = [
            ...queryComparison(comparison, { changes: ["faster"], limit: 5 })
              .rows,
          ].map((row) => {
            const { profile, id } = rowFunction(comparison, row);
            return functionLocation(profile, id).name;
          });
          assertEquals((await names(page)).slice(0, 5), expected);
          const first = queryComparison(comparison, { changes: ["faster"] })
            .rows[0]!;
          const deltas = [
            ...queryComparison(comparison, {
              changes: ["faster"],
            }).rows,
          ].map((row) => rowNumbers(comparison, row).delta.cumulativeTime);
          assertEquals(
            rowNumbers(comparison, first).delta.cumulativeTime,
            Math.min(...deltas),
          );
          await page.click("button.chip.clear");
          await page.waitForFunction(() => !location.search.includes("only="));
          assertEquals(
            await page.getAttribute("table.compare th.change", "aria-sort"),
            "descending",
          );
        },
      );

      await t.step(
        "no threshold counts every change, in the URL and after a reload",
        async () => {
          await page.selectOption("label.noise select", "0");
          await page.waitForFunction(() =>
            location.search.includes("threshold=0")
          );
          const every = count("unchanged", NO_THRESHOLD);
          assert(every < count("unchanged"));
          assertEquals(await chip(page, "unchanged"), formatCount(every));
          await page.reload();
          await page.waitForSelector("table.compare tbody tr.row");
          assertEquals(await chip(page, "unchanged"), formatCount(every));
          assertEquals(
            await page.inputValue("label.noise select"),
            "0",
          );
          // A threshold from a link that the menu lacks is offered too.
          await page.goto(`${served.url}?tab=compare&threshold=3,7`);
          await page.waitForSelector("table.compare tbody tr.row");
          assertEquals(
            await chip(page, "unchanged"),
            formatCount(count("unchanged", parseThreshold("3,7")!)),
          );
          assertMatch(
            (await page.textContent("label.noise select option:checked"))!,
            /under 3% of the total time or under 7% of a function's own/,
          );
        },
      );
    });
  },
});
