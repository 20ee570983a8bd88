/**
 * The flame view in a real browser (Chromium through playwright-core),
 * against a real server: open it, hover, zoom, go back, search, move with
 * the keyboard, open a function's callers and callees. Writes screenshots
 * to tests/output/. It needs Chromium: set CHROMIUM to its path if it is not
 * /usr/bin/chromium.
 */

import { assert, assertEquals, assertMatch } from "@std/assert";
import type { Page } from "playwright-core";
import { fromFileUrl } from "@std/path";
import { buildCallTree, pathsThrough } from "../lib/call_tree.ts";
import { formatPercent } from "../lib/format.ts";
import { queryFunctions } from "../lib/query.ts";
import { param, serve, withPage } from "./_browser.ts";
import { FRAME_HEIGHT } from "../ui/flame_canvas.ts";
import { writeHtmlReport } from "./_cli.ts";
import { fixturePath } from "./_fixtures.ts";

async function text(page: Page, selector: string): Promise<string> {
  return ((await page.textContent(selector)) ?? "").replace(/\s+/g, " ")
    .trim();
}

/** Moves the mouse to a frame at a depth, `x` pixels from the left. */
async function pointAt(page: Page, depth: number, x: number) {
  const box = (await page.locator("canvas.flame-canvas").boundingBox())!;
  const point = {
    x: box.x + x,
    y: box.y + depth * FRAME_HEIGHT + FRAME_HEIGHT / 2,
  };
  await page.mouse.move(point.x, point.y);
  return point;
}

Deno.test({
  name: "the flame view draws, zooms, goes back and searches in a real browser",
  async fn(t) {
    const small = await serve("cprofile-3.13.pstats");
    const tree = await serve("call-tree.pstats");
    const shop = await serve("shop.pstats");
    const sampled = await serve("sampled.pstats");
    const servers = [small, tree, shop, sampled];
    await withPage(servers, async (page, problems, browser) => {
      await t.step(
        "the Flame graph tab opens it, and the URL says so",
        async () => {
          await page.goto(small.url);
          await page.waitForSelector("tbody tr.row");
          await page.click("nav.views a >> text=Flame graph");
          await page.waitForSelector("canvas.flame-canvas");
          assertEquals(param(page, "tab"), "flame");
          assertEquals(await text(page, ".crumbs h2"), "Flame graph");
          const frames = buildCallTree(small.profile).size;
          assertEquals(await text(page, ".status"), `${frames} frames`);
          assertMatch(
            (await page.getAttribute("canvas.flame-canvas", "aria-label"))!,
            /^Flame graph of \d+ frames/,
          );
          // The canvas is drawn (not blank) across the width.
          const width = await page.$eval(
            "canvas.flame-canvas",
            (c) => (c as unknown as { width: number }).width,
          );
          assert(width >= 1200, `${width}`);
        },
      );

      await t.step(
        "hovering a frame shows its function and shares",
        async () => {
          // Depth 3 is main (all, exec, <module>, main), from the left edge.
          await pointAt(page, 3, 40);
          await page.waitForSelector(".flame-tip:not([hidden])");
          assertEquals(await text(page, ".flame-tip strong"), "main");
          assertMatch(
            await text(page, ".flame-tip"),
            /ms on this path · \d+\.\d% of the total · \d+\.\d% of its caller/,
          );
          assertEquals(await text(page, ".flame-details .name"), "main");
        },
      );

      await t.step("a click zooms into the frame, Back zooms out", async () => {
        const point = await pointAt(page, 3, 40);
        await page.mouse.click(point.x, point.y);
        await page.waitForFunction(() => location.search.includes("z="));
        assertEquals(await text(page, ".crumbs h2"), "main");
        const crumbs = await page.$$eval(
          ".crumbs a",
          (links) => links.map((a) => a.textContent?.trim()),
        );
        assertEquals(crumbs, [
          "Flame graph",
          "{built-in method builtins.exec}",
          "<module>",
        ]);
        // Zoomed, main's child checksum spans more of the width than before.
        await pointAt(page, 4, 700);
        await page.waitForSelector(".flame-tip:not([hidden])");
        assertEquals(await text(page, ".flame-tip strong"), "checksum");
        await page.goBack();
        await page.waitForFunction(() => !location.search.includes("z="));
        assertEquals(await text(page, ".crumbs h2"), "Flame graph");
        // A breadcrumb zooms out too.
        await page.goForward();
        await page.waitForFunction(() => location.search.includes("z="));
        await page.click(".crumbs a >> text=<module>");
        assertEquals(await text(page, ".crumbs h2"), "<module>");
        await page.goBack();
        assertEquals(await text(page, ".crumbs h2"), "main");
      });

      await t.step(
        "the filter highlights frames and gives their share",
        async () => {
          await page.goto(`${small.url}?tab=flame`);
          await page.waitForSelector("canvas.flame-canvas");
          await page.fill("#filter", "normalize");
          const whole = buildCallTree(small.profile);
          const { ids } = queryFunctions(small.profile, {
            filter: "normalize",
          });
          const { marked, value } = pathsThrough(whole, ids);
          const count = marked.reduce((a, b) => a + b, 0);
          assertEquals(
            await text(page, ".status"),
            `${count} frames match: ${
              formatPercent(value, whole.total)
            } of the total, counted once`,
          );
          await page.waitForFunction(() => location.search.includes("q="));
          assertEquals(param(page, "q"), "normalize");
          await page.fill("#filter", "");
        },
      );

      await t.step("the keyboard moves between frames and zooms", async () => {
        await page.focus("canvas.flame-canvas");
        assertEquals(await text(page, ".flame-details .name"), "all");
        await page.keyboard.press("ArrowDown");
        await page.keyboard.press("ArrowDown");
        await page.keyboard.press("ArrowDown");
        assertEquals(await text(page, ".flame-details .name"), "main");
        await page.keyboard.press("ArrowDown");
        assertEquals(await text(page, ".flame-details .name"), "checksum");
        await page.keyboard.press("ArrowRight");
        assertEquals(await text(page, ".flame-details .name"), "fib");
        await page.keyboard.press("Enter");
        await page.waitForFunction(() => location.search.includes("z="));
        assertEquals(await text(page, ".crumbs h2"), "fib");
        // Escape zooms out one frame, Backspace goes back.
        await page.keyboard.press("Escape");
        assertEquals(await text(page, ".crumbs h2"), "main");
        await page.keyboard.press("Backspace");
        await page.waitForSelector(".crumbs h2 >> text=fib");
        await page.keyboard.press("Backspace");
        await page.waitForFunction(() => !location.search.includes("z="));
      });

      await t.step(
        "a frame opens its function's callers and callees",
        async () => {
          await page.evaluate("document.activeElement.blur()");
          await page.focus("canvas.flame-canvas");
          for (let i = 0; i < 4; i++) await page.keyboard.press("ArrowDown");
          await page.keyboard.press("ArrowRight");
          assertEquals(await text(page, ".flame-details .name"), "fib");
          await page.click(".flame-details a >> text=flame of this function");
          await page.waitForSelector("canvas.flame-canvas.callers");
          assertEquals(await text(page, ".crumbs h2"), "fib");
          assertEquals(
            await page.$$eval("canvas.flame-canvas", (c) => c.length),
            2,
          );
          assertMatch(
            await text(page, ".flame"),
            /Who calls fib, up to the roots/,
          );
          await page.focus("canvas.flame-canvas.callers");
          assertEquals(await text(page, ".flame-details .name"), "fib");
          // Up from fib in the inverted graph: its caller, main.
          await page.keyboard.press("ArrowUp");
          assertEquals(await text(page, ".flame-details .name"), "main");
          await page.click(".flame-details a >> text=callers ↑");
          await page.waitForSelector("tr.focal");
          assertEquals(param(page, "view"), "callers");
          assertEquals(await text(page, "tr.focal .name"), "main");
          // And from the table, a function's flame graph is one click away.
          await page.click(".crumbs .tabs a >> text=flame");
          await page.waitForSelector("canvas.flame-canvas.callers");
          assertEquals(await text(page, ".crumbs h2"), "main");
          await page.goBack();
          await page.waitForSelector("tr.focal");
          await page.goBack();
          await page.waitForSelector("canvas.flame-canvas.callers");
          assertEquals(await text(page, ".crumbs h2"), "fib");
        },
      );

      await t.step("a sampled profile's frames count samples", async () => {
        await page.goto(`${sampled.url}?tab=flame`);
        await page.waitForSelector("canvas.flame-canvas");
        await pointAt(page, 1, 40);
        await page.waitForSelector(".flame-tip:not([hidden])");
        assertEquals(await text(page, ".flame-tip strong"), "<module>");
        assertEquals(await text(page, ".flame-details .path"), "app/main.py:1");
        assertEquals(
          await text(page, ".flame-details .numbers"),
          "40 samples on this path · 100.0% of the total · 100.0% of its caller · own 1 sample",
        );
      });

      await t.step("the graph follows a change of theme", async () => {
        await page.goto(`${small.url}?tab=flame`);
        await page.waitForSelector("canvas.flame-canvas");
        const pixel = `(() => {
          const c = document.querySelector("canvas.flame-canvas");
          return Array.from(c.getContext("2d").getImageData(2, 2, 1, 1).data);
        })()`;
        const light = JSON.stringify(await page.evaluate(pixel));
        await page.emulateMedia({ colorScheme: "dark" });
        // The browser tells the page of the change a moment later. (Not
        // waitForFunction: the page's Content-Security-Policy forbids eval.)
        let dark = light;
        for (let i = 0; i < 50 && dark === light; i++) {
          await page.waitForTimeout(100);
          dark = JSON.stringify(await page.evaluate(pixel));
        }
        assert(dark !== light, `${light} stays ${dark}`);
        await page.emulateMedia({ colorScheme: "light" });
      });

      await t.step("a tree-shaped profile shows its exact tree", async () => {
        await page.goto(`${tree.url}?tab=flame&min=0`);
        await page.waitForSelector("canvas.flame-canvas");
        assertEquals(
          await text(page, ".status"),
          `${buildCallTree(tree.profile, { minShare: 0 }).size} frames`,
        );
        assertEquals(await page.inputValue(".threshold select"), "0");
        // A threshold the menu does not offer, from a link, is offered.
        await page.goto(`${tree.url}?tab=flame&min=0.05`);
        await page.waitForSelector("canvas.flame-canvas");
        assertEquals(await page.inputValue(".threshold select"), "0.0005");
        assertEquals(
          await text(page, ".threshold option:checked"),
          "0.05%",
        );
      });

      await t.step(
        "screenshots of the flame view land in tests/output/",
        async () => {
          const out = fromFileUrl(new URL("./output/", import.meta.url));
          await Deno.mkdir(out, { recursive: true });
          const fib = queryFunctions(small.profile, {
            filter: "workload.py:11 fib",
          }).ids[0]!;
          for (const scheme of ["light", "dark"] as const) {
            const themed = await browser.newContext({
              colorScheme: scheme,
              viewport: { width: 1280, height: 720 },
            });
            try {
              const shot = await themed.newPage();
              shot.on("pageerror", (error) => problems.push(String(error)));
              // A program of several packages, coloured by package.
              await shot.goto(`${shop.url}?tab=flame`);
              await shot.waitForSelector("canvas.flame-canvas");
              await pointAt(shot, 4, 60);
              await shot.waitForSelector(".flame-tip:not([hidden])");
              const path = `${out}flame-${scheme}.png`;
              await shot.screenshot({ path });
              assert((await Deno.stat(path)).size > 10_000, path);
              await shot.fill("#filter", "normalize");
              const search = `${out}flame-search-${scheme}.png`;
              await shot.screenshot({ path: search });
              assert((await Deno.stat(search)).size > 10_000, search);
              await shot.goto(`${small.url}?tab=flame&fn=${fib}`);
              await shot.waitForSelector("canvas.flame-canvas.callers");
              const sandwich = `${out}flame-function-${scheme}.png`;
              await shot.screenshot({ path: sandwich });
              assert((await Deno.stat(sandwich)).size > 10_000, sandwich);
              // A narrow window: nothing sticks out sideways.
              await shot.setViewportSize({ width: 420, height: 720 });
              await shot.goto(`${shop.url}?tab=flame`);
              await shot.waitForSelector("canvas.flame-canvas");
              await pointAt(shot, 3, 60);
              await shot.waitForSelector(".flame-tip:not([hidden])");
              const narrow = `${out}flame-narrow-${scheme}.png`;
              await shot.screenshot({ path: narrow });
              assert((await Deno.stat(narrow)).size > 10_000, narrow);
              assertEquals(
                await shot.evaluate("document.documentElement.scrollWidth"),
                420,
              );
            } finally {
              await themed.close();
            }
          }
        },
      );

      await t.step(
        "a self-contained HTML report shows the flame graph too",
        async () => {
          const dir = await Deno.makeTempDir();
          try {
            const report = `${dir}/report.html`;
            await writeHtmlReport(report, fixturePath("cprofile-3.13.pstats"));
            await page.goto(`file://${report}`);
            await page.waitForSelector("tbody tr.row");
            await page.click("nav.views a >> text=Flame graph");
            await page.waitForSelector("canvas.flame-canvas");
            const point = await pointAt(page, 3, 40);
            await page.mouse.click(point.x, point.y);
            await page.waitForFunction(() => location.search.includes("z="));
            assertEquals(await text(page, ".crumbs h2"), "main");
          } finally {
            await Deno.remove(dir, { recursive: true });
          }
        },
      );

      await t.step("nothing broke the Content-Security-Policy", () => {
        assertEquals(problems, []);
      });
    });
  },
});
