/**
 * What the flame view tells about its own numbers, in a real browser: a
 * recursive function's own time is its internal time, made-up frames say
 * what they are, the frame cap is announced, a profile with no root still
 * draws, and "Hide frames under: nothing" never draws fewer frames. Writes
 * screenshots to tests/output/.
 */

import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import type { Page } from "playwright-core";
import { launchChromium } from "../scripts/_chromium.ts";
import {
  ALL,
  buildCallTree,
  type CallTree,
  madeUpMeaning,
} from "../lib/call_tree.ts";
import { formatMs } from "../lib/format.ts";
import { buildProfile, statsFile } from "../lib/pstats/build.ts";
import {
  collectProblems,
  saveScreenshot,
  serve,
  serveProfile,
} from "./_browser.ts";
import { cyclesOnly, profileOf, testSuite } from "./_call_graphs.ts";
import { FRAME_HEIGHT } from "../ui/flame_canvas.ts";

async function text(page: Page, selector: string): Promise<string> {
  return ((await page.textContent(selector)) ?? "").replace(/\s+/g, " ")
    .trim();
}

/** Hovers a node of the tree the page draws (unzoomed). */
async function hover(page: Page, tree: CallTree, node: number) {
  const box = (await page.locator("canvas.flame-canvas").boundingBox())!;
  const middle = (tree.start[node]! + tree.value[node]! / 2) / tree.total;
  await page.mouse.move(0, 0);
  await page.mouse.move(
    box.x + middle * box.width,
    box.y + tree.depth[node]! * FRAME_HEIGHT + FRAME_HEIGHT / 2,
  );
  await page.waitForSelector(".flame-tip:not([hidden])");
}

/** A program whose main calls `count` functions: as many frames. */
function wide(count: number) {
  const main = ["app.py", 1, "main"] as const;
  return buildProfile([statsFile("wide.pstats", [
    {
      key: main,
      calls: 1,
      primitiveCalls: 1,
      internalTime: 0.001,
      cumulativeTime: 0.001 + count * 1e-5,
    },
    ...Array.from({ length: count }, (_, i) => ({
      key: ["app.py", i + 10, `f${i}`] as const,
      calls: 1,
      primitiveCalls: 1,
      internalTime: 1e-5,
      cumulativeTime: 1e-5,
      callers: [{
        key: main,
        calls: 1,
        primitiveCalls: 1,
        internalTime: 1e-5,
        cumulativeTime: 1e-5,
      }],
    })),
  ])]);
}

Deno.test({
  name:
    "the flame view says which of its numbers are exact, estimated or made up",
  async fn(t) {
    const browser = await launchChromium();
    const small = await serve("cprofile-3.13.pstats");
    const recursion = await serve("recursion.pstats");
    const rootless = serveProfile(profileOf(cyclesOnly(3, 200)));
    const capped = serveProfile(wide(101_000));
    const suiteProfile = profileOf(testSuite(2_000));
    const suite = serveProfile(suiteProfile);
    const problems: string[] = [];
    try {
      const page = await browser.newPage({
        viewport: { width: 1280, height: 900 },
      });
      collectProblems(page, problems);

      await t.step(
        "hovering a recursive function shows its internal time as its own",
        async () => {
          await page.goto(`${small.url}?tab=flame`);
          await page.waitForSelector("canvas.flame-canvas");
          const tree = buildCallTree(small.profile);
          const fib = small.profile.functions.name.indexOf("fib");
          const frames = [...tree.fn].flatMap((fn, i) => fn === fib ? [i] : []);
          assertEquals(frames.length, 1);
          await hover(page, tree, frames[0]!);
          assertEquals(await text(page, ".flame-tip strong"), "fib");
          const tt = small.profile.functions.internalTime[fib]!;
          assertStringIncludes(
            await text(page, ".flame-tip"),
            `own ${formatMs(tt)} ms`,
          );
          assert(!(await text(page, ".flame-tip")).includes("estimated"));
        },
      );

      await t.step(
        "functions that call each other are followed down, each frame marked as an estimate",
        async () => {
          await page.goto(`${recursion.url}?tab=flame`);
          await page.waitForSelector("canvas.flame-canvas");
          const tree = buildCallTree(recursion.profile);
          const wrapper = recursion.profile.functions.name.indexOf("wrapper");
          const deepest = [...tree.fn].lastIndexOf(wrapper);
          assert(tree.depth[deepest]! > 12, `${tree.depth[deepest]}`);
          await hover(page, tree, deepest);
          assertEquals(await text(page, ".flame-tip strong"), "wrapper");
          assertStringIncludes(await text(page, ".flame-tip"), "estimated");
          await saveScreenshot(page, "flame-recursion");
        },
      );

      await t.step(
        "a made-up frame is hatched and says what it stands for",
        async () => {
          // Every frame of this profile is drawn by default: at 0.1%, the
          // smaller ones are cut into [other].
          await page.goto(`${recursion.url}?tab=flame&min=0.1`);
          await page.waitForSelector("canvas.flame-canvas");
          const tree = buildCallTree(recursion.profile, { minShare: 0.001 });
          let madeUp = -1;
          for (let i = 0; i < tree.size; i++) {
            if (
              tree.fn[i]! < ALL &&
              (madeUp < 0 || tree.value[i]! > tree.value[madeUp]!)
            ) madeUp = i;
          }
          assert(madeUp > 0, "a made-up frame");
          await hover(page, tree, madeUp);
          const name = await text(page, ".flame-tip strong");
          assert(name.startsWith("["), name);
          assertStringIncludes(
            await text(page, ".flame-tip"),
            madeUpMeaning(tree.fn[madeUp]!),
          );
          // The details bar (read by screen readers) says it too.
          assertStringIncludes(await text(page, ".flame-details"), "Made up");
          assertStringIncludes(await text(page, ".flame-legend"), "made up");
          // Clicked, it zooms into its caller: a made-up frame has nothing
          // below it, nor a function to name in the link.
          await page.mouse.down();
          await page.mouse.up();
          await page.waitForURL(/z=/);
          const caller = tree.fn[tree.parent[madeUp]!]!;
          assertEquals(
            await text(page, ".crumbs h2"),
            recursion.profile.functions.name[caller],
          );
        },
      );

      await t.step(
        "the legend toggles the marks of estimated frames",
        async () => {
          const pixels = `(() => {
            const c = document.querySelector("canvas.flame-canvas");
            return Array.from(c.getContext("2d").getImageData(0, 0, c.width, c.height).data).join();
          })()`;
          const marked = await page.evaluate(pixels);
          await page.uncheck(".flame-legend input[type=checkbox]");
          assert(await page.evaluate(pixels) !== marked);
          await page.check(".flame-legend input[type=checkbox]");
          assertEquals(await page.evaluate(pixels), marked);
        },
      );

      await t.step(
        "a profile where every function has callers still draws all its time",
        async () => {
          await page.goto(`${rootless.url}?tab=flame`);
          await page.waitForSelector("canvas.flame-canvas");
          assert(!(await text(page, ".flame")).includes("Nothing to draw"));
          assertStringIncludes(
            await text(page, ".flame-legend"),
            "no caller outside",
          );
        },
      );

      await t.step(
        "by default every frame is drawn, so a suite of small tests is not made up",
        async () => {
          // 2,000 tests of 0.05% of the total each: a 0.1% threshold cuts
          // them all into [other].
          await page.goto(`${suite.url}?tab=flame&min=0.1`);
          await page.waitForSelector("canvas.flame-canvas");
          const coarse = buildCallTree(suiteProfile, { minShare: 0.001 });
          const made = (tree: CallTree) =>
            `made up (${(tree.madeUp / tree.total * 100).toFixed(1)}%)`;
          assert(coarse.madeUp / coarse.total > 0.9);
          assertStringIncludes(await text(page, ".flame-legend"), made(coarse));
          // The page's default, and a link without min=: every frame.
          await page.goto(`${suite.url}?tab=flame`);
          await page.waitForSelector("canvas.flame-canvas");
          assertEquals(await page.inputValue(".threshold select"), "0");
          assertEquals(
            await text(page, ".threshold option:checked"),
            "nothing",
          );
          const tree = buildCallTree(suiteProfile);
          assertEquals(
            await text(page, ".status"),
            `${tree.size.toLocaleString("en-US")} frames`,
          );
          assert(tree.size > coarse.size * 10, `${tree.size}`);
          assertStringIncludes(
            await text(page, ".flame-legend"),
            "made up (0%)",
          );
          // A test's frame is drawn, in its package's colour: hover one.
          const test = [...tree.fn].findIndex((fn, i) =>
            fn >= 0 && tree.depth[i] === 3
          );
          await hover(page, tree, test);
          assertEquals(
            await text(page, ".flame-tip strong"),
            suiteProfile.functions.name[tree.fn[test]!],
          );
          await saveScreenshot(page, "flame-every-frame");
        },
      );

      await t.step(
        "the frame cap is announced, and asking for every frame never draws fewer",
        async () => {
          await page.goto(`${capped.url}?tab=flame&min=0.01`);
          await page.waitForSelector("canvas.flame-canvas");
          const some = Number(
            (await text(page, ".status")).replace(/\D/g, ""),
          );
          await page.selectOption(".threshold select", "0");
          // The tree grows while the page is idle, then shows in full.
          await page.locator(".flame-note", {
            hasText: "Only the 100,000 largest frames are drawn",
          }).waitFor();
          assert(!(await text(page, ".flame-legend")).includes("Growing"));
          const all = Number((await text(page, ".status")).replace(/\D/g, ""));
          assert(all >= some && all >= 100_000, `${all} < ${some}`);
          await saveScreenshot(page, "flame-capped");
        },
      );

      await t.step("nothing broke the Content-Security-Policy", () => {
        assertEquals(problems, []);
      });
      await page.close();
    } finally {
      await browser.close();
      for (const served of [small, recursion, rootless, capped, suite]) {
        await served.server.shutdown();
      }
    }
  },
});

Deno.test({
  name: "the flame view says nothing to draw only of what took no time",
  async fn() {
    const browser = await launchChromium();
    // A Django test run (scripts/make_noise_fixtures.sh): 6,331 functions,
    // far more frames than the 100,000 that sandwiches are cut from.
    const django = await serve("noise/run1.pstats");
    const empty = serveProfile(buildProfile([statsFile("idle.pstats", [{
      key: ["app.py", 1, "main"],
      calls: 1,
      primitiveCalls: 1,
      internalTime: 0,
      cumulativeTime: 0,
    }])]));
    const problems: string[] = [];
    try {
      const page = await browser.newPage();
      collectProblems(page, problems);
      // The whole profile draws: it has time.
      await page.goto(`${django.url}?tab=flame`);
      await page.waitForSelector("canvas.flame-canvas");
      // A function of a few microseconds, in frames too small for the tree
      // its callers and callees are cut from: said so, not "no time".
      const f = django.profile.functions;
      const tiny = f.name.indexOf(
        "<method 'difference' of 'frozenset' objects>",
      );
      assert(f.cumulativeTime[tiny]! > 0);
      await page.goto(`${django.url}?tab=flame&fn=${tiny}`);
      await page.waitForSelector("#app .state");
      const said = await text(page, "#app .state");
      assertStringIncludes(
        said,
        `this function's ${
          formatMs(f.cumulativeTime[tiny]!)
        } ms are in frames smaller than the 100,000 largest of the whole profile`,
      );
      assert(!said.includes("took no time"), said);
      // Only a function without time took none.
      await page.goto(`${empty.url}?tab=flame&fn=0`);
      await page.waitForSelector("#app .state");
      assertEquals(
        await text(page, "#app .state"),
        "Nothing to draw: this function took no time.",
      );
      await page.goto(`${empty.url}?tab=flame`);
      await page.waitForSelector("#app .state");
      assertEquals(
        await text(page, "#app .state"),
        "Nothing to draw: no function of this profile took any time.",
      );
      assertEquals(problems, []);
    } finally {
      await browser.close();
      await django.server.shutdown();
      await empty.server.shutdown();
    }
  },
});
