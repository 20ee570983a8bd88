/// <reference lib="dom" />
/**
 * The flame graph's transforms in a real browser (Chromium through
 * playwright-core): presets, a frame's menu and the keys add them as
 * chips, in the URL; a chip's × and Back take them away; reload keeps
 * them; the status line says what was dropped. Screenshots go to
 * tests/output/.
 */

import { assert, assertEquals, assertMatch } from "@std/assert";
import type { Page } from "playwright-core";
import { launchChromium } from "../scripts/_chromium.ts";
import { sandwichSource } from "../lib/call_sandwich.ts";
import { DEFAULT_MIN_SHARE } from "../lib/call_tree.ts";
import { callModel } from "../lib/call_model.ts";
import {
  parseTransform,
  type Transform,
  transformCallTree,
} from "../lib/call_transform.ts";
import { formatPercent } from "../lib/format.ts";
import type { Profile } from "../lib/profile.ts";
import { saveScreenshot, serve, watchedPage } from "./_browser.ts";
import { FRAME_HEIGHT } from "../ui/flame_canvas.ts";
import { writeHtmlReport } from "./_cli.ts";
import { fixturePath } from "./_fixtures.ts";

async function text(page: Page, selector: string): Promise<string> {
  return ((await page.textContent(selector)) ?? "").replace(/\s+/g, " ")
    .trim();
}

/** The page's transforms, as its URL holds them. */
function transforms(page: Page): string[] {
  return new URL(page.url()).searchParams.getAll("t");
}

/** The frames the page should draw for these transforms (at the default). */
function expectedFrames(profile: Profile, texts: string[]): number {
  const stack = texts.map((t) => parseTransform(t)) as Transform[];
  const fine = transformCallTree(sandwichSource(profile), stack);
  return transformCallTree(fine, [], { minShare: DEFAULT_MIN_SHARE }).size;
}

/** Focuses the graph anew: its cursor on the root. */
async function refocus(page: Page): Promise<void> {
  await page.evaluate("document.activeElement?.blur()");
  await page.focus("canvas.flame-canvas");
}

/** A point on the frame at a depth, `x` pixels from the left. */
async function frameAt(page: Page, depth: number, x: number) {
  const box = (await page.locator("canvas.flame-canvas").boundingBox())!;
  return { x: box.x + x, y: box.y + depth * FRAME_HEIGHT + FRAME_HEIGHT / 2 };
}

Deno.test({
  name:
    "transforms are added by preset, menu and key, and removed by chip and Back",
  async fn(t) {
    const browser = await launchChromium();
    const shop = await serve("shop.pstats");
    const problems: string[] = [];
    try {
      const page = await watchedPage(browser, problems);
      const frames = async () =>
        Number(
          (await text(page, ".status")).match(/^([\d,]+) frames/)?.[1]
            ?.replace(/,/g, ""),
        );

      await t.step("the flame graph offers the presets", async () => {
        await page.goto(`${shop.url}?tab=flame`);
        await page.waitForSelector("canvas.flame-canvas");
        assertEquals(
          await text(page, ".transforms"),
          "Transforms: none + Hide the standard library + Hide built-ins + Collapse site-packages by package",
        );
      });

      await t.step("a preset becomes a chip, in the URL", async () => {
        await page.click(".transforms button >> text=Hide built-ins");
        await page.waitForSelector(".chip.transform");
        assertEquals(transforms(page), ["merge:builtins"]);
        assertEquals(
          await text(page, ".chip.transform"),
          "Merge builtins ×",
        );
        assertEquals(
          await frames(),
          expectedFrames(shop.profile, ["merge:builtins"]),
        );
        // The root was exec, a built-in: <module> is the root now.
        await page.focus("canvas.flame-canvas");
        await page.keyboard.press("ArrowDown");
        assertEquals(await text(page, ".flame-details .name"), "<module>");
        // Its own time holds exec's: told apart.
        assertMatch(
          await text(page, ".flame-details .numbers"),
          /own [\d.,]+ ms \+ [\d.,]+ ms merged in/,
        );
      });

      await t.step(
        "keys focus on and merge the frame under the cursor",
        async () => {
          await page.keyboard.press("ArrowDown");
          assertEquals(await text(page, ".flame-details .name"), "main");
          await page.keyboard.press("f");
          await page.waitForFunction(() => location.search.includes("focus"));
          assertEquals(transforms(page), [
            "merge:builtins",
            "focus:shop_main.py:54:main",
          ]);
          const stack = ["merge:builtins", "focus:shop_main.py:54:main"];
          assertEquals(await frames(), expectedFrames(shop.profile, stack));
          const shown = transformCallTree(
            sandwichSource(shop.profile),
            stack.map((s) => parseTransform(s)!),
          ).total;
          assertMatch(
            await text(page, ".status"),
            new RegExp(
              `frames · ${
                formatPercent(shown, callModel(shop.profile).total).replace(
                  ".",
                  "\\.",
                )
              } of the profile shown$`,
            ),
          );
          assertEquals(
            await text(page, ".chip.transform:last-of-type"),
            "Focus on main ×",
          );
          // main is the root now; m merges its largest callee into it.
          await refocus(page);
          await page.keyboard.press("ArrowDown");
          assertEquals(await text(page, ".flame-details .name"), "main");
          await page.keyboard.press("ArrowDown");
          const callee = await text(page, ".flame-details .name");
          await page.keyboard.press("m");
          await page.waitForFunction(() =>
            new URL(location.href).searchParams.getAll("t").length === 3
          );
          assert(
            transforms(page)[2]!.endsWith(`:${callee}`),
            transforms(page)[2],
          );
          assertEquals(
            await text(page, ".chip.transform:last-of-type"),
            `Merge ${callee} ×`,
          );
        },
      );

      await t.step(
        "a frame's menu drops it, and the status says by how much",
        async () => {
          const point = await frameAt(page, 2, 30);
          await page.mouse.click(point.x, point.y, { button: "right" });
          await page.waitForSelector(".frame-menu");
          const name = await text(page, ".frame-menu-title");
          const items = await page.$$eval(
            ".frame-menu [role=menuitem]",
            (buttons) =>
              buttons.map((b) =>
                `${b.querySelector("span")?.textContent} ${
                  b.querySelector("kbd")?.textContent
                }`
              ),
          );
          assertEquals(items.slice(0, 3), [
            `Merge ${name} m`,
            `Focus on ${name} f`,
            `Drop ${name} d`,
          ]);
          // The menu has the keyboard: Escape closes it, nothing applied.
          await page.keyboard.press("Escape");
          await page.waitForSelector(".frame-menu", { state: "detached" });
          assertEquals(transforms(page).length, 3);
          await page.mouse.click(point.x, point.y, { button: "right" });
          await page.click(`.frame-menu >> text=Drop ${name}`);
          await page.waitForFunction(() =>
            new URL(location.href).searchParams.getAll("t").length === 4
          );
          assert(transforms(page)[3]!.startsWith("drop:"));
          assertMatch(await text(page, ".status"), / ms dropped \(\d+\.\d%\)$/);
          assertMatch(
            await text(page, ".flame-legend"),
            new RegExp(`Drop ".*${name}" removed [\\d.,]+ ms`),
          );
        },
      );

      await t.step(
        "Shift+F10 opens the cursor frame's menu, whose items the arrow keys and Enter choose",
        async () => {
          const before = transforms(page);
          await page.focus("canvas.flame-canvas");
          await page.keyboard.press("ArrowDown");
          await page.keyboard.press("ArrowDown");
          await page.waitForSelector(".flame-details .name");
          const name = await text(page, ".flame-details .name");
          await page.keyboard.press("Shift+F10");
          await page.waitForSelector(".frame-menu");
          assertEquals(await text(page, ".frame-menu-title"), name);
          await page.keyboard.press("Home");
          await page.keyboard.press("ArrowDown");
          assertEquals(
            await page.evaluate(() =>
              document.activeElement?.querySelector("span")?.textContent
            ),
            `Focus on ${name}`,
          );
          await page.keyboard.press("Enter");
          await page.waitForFunction(
            (n) => new URL(location.href).searchParams.getAll("t").length === n,
            before.length + 1,
          );
          assert(transforms(page).at(-1)!.startsWith("focus:"));
          // Backspace undoes it.
          await page.focus("canvas.flame-canvas");
          await page.keyboard.press("Backspace");
          await page.waitForFunction(
            (n) => new URL(location.href).searchParams.getAll("t").length === n,
            before.length,
          );
          assertEquals(transforms(page), before);
        },
      );

      await t.step(
        "a chip's × removes its transform; Back brings it back",
        async () => {
          const before = transforms(page);
          await page.click(
            '.chip.transform button[aria-label="Remove: Focus on main"]',
          );
          await page.waitForFunction(() => !location.search.includes("focus"));
          assertEquals(
            transforms(page),
            before.filter((t) => !t.startsWith("focus")),
          );
          assertEquals(
            await frames(),
            expectedFrames(shop.profile, transforms(page)),
          );
          await page.keyboard.press("Backspace");
          await page.waitForFunction(() => location.search.includes("focus"));
          assertEquals(transforms(page), before);
        },
      );

      await t.step(
        "reload keeps the transforms: they are in the URL",
        async () => {
          const before = transforms(page);
          await page.reload();
          await page.waitForSelector(".chip.transform");
          assertEquals(transforms(page), before);
          assertEquals(
            await page.$$eval(".chip.transform", (c) => c.length),
            before.length,
          );
          assertEquals(await frames(), expectedFrames(shop.profile, before));
          await saveScreenshot(page, "flame-transforms-light");
        },
      );

      await t.step(
        "the collapse key and preset make one frame of a group",
        async () => {
          await page.goto(`${shop.url}?tab=flame&t=merge:builtins`);
          await page.waitForSelector("canvas.flame-canvas");
          await refocus(page);
          // <module>'s smaller child, importlib's _handle_fromlist: stdlib.
          await page.keyboard.press("ArrowDown");
          await page.keyboard.press("ArrowDown");
          await page.keyboard.press("ArrowRight");
          assertMatch(
            await text(page, ".flame-details .path"),
            /<frozen importlib/,
          );
          await page.keyboard.press("p");
          await page.waitForFunction(() =>
            location.search.includes("collapse")
          );
          assertEquals(transforms(page), ["merge:builtins", "collapse:stdlib"]);
          await refocus(page);
          await page.keyboard.press("ArrowDown");
          await page.keyboard.press("ArrowDown");
          await page.keyboard.press("ArrowRight");
          assertEquals(
            await text(page, ".flame-details .name"),
            "stdlib [collapsed]",
          );
          assertMatch(
            await text(page, ".flame-details .numbers"),
            /Collapsed: consecutive frames of the group, as one/,
          );
        },
      );
      await t.step(
        "transforms that leave nothing say so, and can be taken off",
        async () => {
          // Every root of the shop's run is a built-in (exec, the profiler's
          // disable): dropping them leaves no time.
          await page.goto(`${shop.url}?tab=flame&t=drop:builtins`);
          // Not "Loading the call graph…", which has the same class.
          await page.waitForSelector(".state >> text=Nothing to draw");
          assertEquals(
            await text(page, ".state"),
            "Nothing to draw: the transforms leave no time (remove one above).",
          );
          await page.click(".chip.transform .remove");
          await page.waitForSelector("canvas.flame-canvas");
          assertEquals(transforms(page), []);
        },
      );

      await t.step(
        "an --html report opens on the transforms it was given",
        async () => {
          const dir = await Deno.makeTempDir();
          try {
            const report = `${dir}/report.html`;
            await writeHtmlReport(
              report,
              "--merge",
              "builtins",
              "--collapse",
              "stdlib",
              fixturePath("shop.pstats"),
            );
            await page.goto(`file://${report}`);
            await page.waitForSelector(".chip.transform");
            assertEquals(transforms(page), [
              "merge:builtins",
              "collapse:stdlib",
            ]);
            assertEquals(
              await page.$$eval(".chip.transform", (c) => c.length),
              2,
            );
            assertEquals(
              await frames(),
              expectedFrames(shop.profile, transforms(page)),
            );
            // And its chips come off as on the server.
            await page.click(".chip.transform .remove >> nth=0");
            await page.waitForFunction(() =>
              !location.search.includes("merge")
            );
            assertEquals(transforms(page), ["collapse:stdlib"]);
          } finally {
            await Deno.remove(dir, { recursive: true });
          }
        },
      );
      assertEquals(problems, []);
    } finally {
      await browser.close();
      await shop.server.shutdown();
    }
  },
  sanitizeOps: false,
  sanitizeResources: false,
});
