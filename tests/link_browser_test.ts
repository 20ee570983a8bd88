/**
 * Links that survive the next profile, in a real browser: a link made on
 * one run of a program (tests/fixtures/compare/before.pstats) opens the
 * same function, and the same zoomed flame graph, on a re-run whose lines
 * moved and whose checkout lives in another folder
 * (tests/fixtures/compare/after.pstats). Old numeric links keep working.
 */

import { assert, assertEquals } from "@std/assert";
import type { Page } from "playwright-core";
import type { Profile } from "../lib/profile.ts";
import { serve, withPage } from "./_browser.ts";

async function text(page: Page, selector: string): Promise<string> {
  return ((await page.textContent(selector)) ?? "").replace(/\s+/g, " ").trim();
}

function find(profile: Profile, name: string, inFile = "app.py"): number {
  const f = profile.functions;
  for (let i = 0; i < profile.size; i++) {
    if (f.name[i] === name && f.file[i]!.endsWith(inFile)) return i;
  }
  throw new Error(`no ${name}`);
}

/** Waits until the page's query string holds `part`. */
async function searchHolds(page: Page, part: string): Promise<string> {
  const end = Date.now() + 10_000;
  for (;;) {
    const search = decodeURIComponent(new URL(page.url()).search);
    if (search.includes(part)) return new URL(page.url()).search;
    if (Date.now() > end) throw new Error(`${search} lacks ${part}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

Deno.test({
  name:
    "a link made on one run opens the same function on a re-run with moved lines",
  async fn(t) {
    const before = await serve("compare/before.pstats");
    const after = await serve("compare/after.pstats");
    await withPage([before, after], async (page) => {
      const renderBefore = find(before.profile, "render");
      const renderAfter = find(after.profile, "render");
      assert(
        before.profile.functions.line[renderBefore] !==
          after.profile.functions.line[renderAfter],
      );

      let link = "";
      await t.step(
        "a function's URL names it by file, line and name",
        async () => {
          await page.goto(`${before.url}?fn=${renderBefore}&view=callers`);
          await page.waitForSelector(".crumbs .focal-name");
          link = await searchHolds(page, "fn=app.py:21:render");
          assertEquals(await text(page, ".crumbs .focal-name"), "render");
        },
      );

      await t.step(
        "the same link on the re-run opens the moved function",
        async () => {
          await page.goto(`${after.url}${link}`);
          await page.waitForSelector(".crumbs .focal-name");
          assertEquals(await text(page, ".crumbs .focal-name"), "render");
          // The URL now names it where it is today.
          await searchHolds(page, "fn=app.py:22:render");
          assertEquals(
            new URL(page.url()).searchParams.get("view"),
            "callers",
          );
        },
      );

      await t.step(
        "the old numeric link still opens the function of that id",
        async () => {
          await page.goto(`${after.url}?fn=${renderAfter}&view=callers`);
          await page.waitForSelector(".crumbs .focal-name");
          assertEquals(await text(page, ".crumbs .focal-name"), "render");
        },
      );

      await t.step(
        "a function gone from the re-run is said to be unknown",
        async () => {
          const gone = find(before.profile, "legacy_checksum");
          await page.goto(`${before.url}?fn=${gone}&view=callers`);
          await page.waitForSelector(".crumbs .focal-name");
          const goneLink = await searchHolds(page, "legacy_checksum");
          await page.goto(`${after.url}${goneLink}`);
          await page.waitForSelector("text=Unknown function");
        },
      );

      await t.step(
        "a zoomed flame graph's link zooms into the same path on the re-run",
        async () => {
          // main → scale → its lambda: a lambda alone is one of several in
          // app.py; on its path, its caller tells which.
          const f = before.profile.functions;
          const main = find(before.profile, "main");
          const scale = find(before.profile, "scale");
          let lambda = -1;
          for (let i = 0; i < before.profile.size; i++) {
            if (f.name[i] === "<lambda>" && f.line[i] === f.line[scale]! + 1) {
              lambda = i;
            }
          }
          assert(lambda >= 0);
          const moduleId = find(before.profile, "<module>");
          await page.goto(
            `${before.url}?tab=flame&z=${
              [moduleId, main, scale, lambda].join(".")
            }`,
          );
          await page.waitForSelector("canvas.flame-canvas");
          const zoomed = await searchHolds(page, "z=app.py:34:<lambda>");
          await page.goto(`${after.url}${zoomed}`);
          await page.waitForSelector("canvas.flame-canvas");
          await searchHolds(page, "z=app.py:38:<lambda>");
          const z = new URL(page.url()).searchParams.getAll("z");
          assertEquals(z, [
            "app.py:1:<module>",
            "app.py:54:main",
            "app.py:37:scale",
            "app.py:38:<lambda>",
          ]);
        },
      );
    });
  },
});
