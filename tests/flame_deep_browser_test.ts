/**
 * The flame graph of a deep call tree in a real browser: its canvas shows
 * only the rows in view, and hovering, clicking and the keys still find
 * the frames under them once it is scrolled.
 */
import { assert, assertEquals } from "@std/assert";
import type { Page } from "playwright-core";
import { buildCallTree, type CallTree } from "../lib/call_tree.ts";
import { serveProfile, withPage } from "./_browser.ts";
import { type Node, profileOf } from "./_call_graphs.ts";
import { FRAME_HEIGHT } from "../ui/flame_canvas.ts";

/** How deep the chain of calls goes. */
const DEPTH = 300;

/**
 * A chain `f0 → f1 → … → f299` of calls, each `f{i}` also calling a leaf
 * `f{300 + i}` that takes 1 second: a tree about 300 rows deep, two
 * frames a row.
 */
function deepProgram(): Node[] {
  const chain: Node[] = Array.from({ length: DEPTH }, (_, i) => ({
    calls: 1,
    primitive: 1,
    tt: 0,
    ct: DEPTH - i,
    callers: i === 0 ? [] : [[i - 1, 1, 1, DEPTH - i]],
  }));
  const leaves: Node[] = Array.from({ length: DEPTH }, (_, i) => ({
    calls: 1,
    primitive: 1,
    tt: 1,
    ct: 1,
    callers: [[i, 1, 1, 1]],
  }));
  return [...chain, ...leaves];
}

async function text(page: Page, selector: string): Promise<string> {
  return ((await page.textContent(selector)) ?? "").replace(/\s+/g, " ")
    .trim();
}

/** Waits for two frames: what a scroll asked for is drawn. */
async function painted(page: Page): Promise<void> {
  await page.evaluate(() =>
    new Promise((done) =>
      requestAnimationFrame(() => requestAnimationFrame(done))
    )
  );
}

/** Boxes of the scroller, the graph's rows and its canvas. */
async function boxes(page: Page) {
  return {
    scroller: (await page.locator(".flame-scroll").boundingBox())!,
    rows: (await page.locator(".flame-rows").first().boundingBox())!,
    canvas: (await page.locator("canvas.flame-canvas").first()
      .boundingBox())!,
  };
}

/** The frame of the chain's function at a depth of the unzoomed tree. */
function chainFrame(tree: CallTree, depth: number): number {
  let best = -1;
  for (let i = 0; i < tree.size; i++) {
    if (tree.depth[i] !== depth) continue;
    if (best < 0 || tree.value[i]! > tree.value[best]!) best = i;
  }
  return best;
}

Deno.test({
  name:
    "the flame graph of a deep tree draws the rows in view and finds the frames under the mouse once scrolled",
  async fn(t) {
    const profile = profileOf(deepProgram());
    const tree = buildCallTree(profile);
    assert(tree.maxDepth > DEPTH, `${tree.maxDepth} rows`);
    const served = serveProfile(profile);
    await withPage([served], async (page) => {
      await page.goto(`${served.url}?tab=flame`);
      await page.waitForSelector("canvas.flame-canvas");
      await painted(page);

      await t.step("the canvas is no taller than the scroller", async () => {
        const { scroller, rows, canvas } = await boxes(page);
        assertEquals(rows.height, (tree.maxDepth + 1) * FRAME_HEIGHT);
        assert(
          canvas.height <= scroller.height + 4 * FRAME_HEIGHT,
          `canvas ${canvas.height} px, scroller ${scroller.height} px`,
        );
        assert(canvas.height >= scroller.height, `${canvas.height} px`);
      });

      // Scrolled about two thirds down, a row in the middle of the view.
      await page.$eval(".flame-scroll", (el) => {
        el.scrollTop = 4000;
      });
      await painted(page);
      const { scroller, rows, canvas } = await boxes(page);
      const middle = scroller.y + scroller.height / 2;
      const depth = Math.floor((middle - rows.y) / FRAME_HEIGHT);
      assert(depth > 150, `depth ${depth}`);
      const node = chainFrame(tree, depth);
      const name = profile.functions.name[tree.fn[node]!]!;
      const share = (tree.start[node]! + tree.value[node]! / 2) / tree.total;
      const point = {
        x: rows.x + share * rows.width,
        y: rows.y + depth * FRAME_HEIGHT + FRAME_HEIGHT / 2,
      };

      await t.step("the canvas follows the scroll", () => {
        assert(
          canvas.y <= scroller.y && canvas.y + canvas.height >=
              scroller.y + scroller.height,
          `canvas ${canvas.y}+${canvas.height}, scroller ${scroller.y}+${scroller.height}`,
        );
      });

      await t.step(
        "hovering a frame after scrolling names its function",
        async () => {
          await page.mouse.move(point.x, point.y);
          await page.waitForSelector(".flame-tip:not([hidden])");
          assertEquals(await text(page, ".flame-tip strong"), name);
          assertEquals(await text(page, ".flame-details .name"), name);
          // The leaf beside it, one row down.
          const leaf = tree.end[node]! - 1;
          assertEquals(tree.depth[leaf], depth + 1);
          const at = (tree.start[leaf]! + tree.value[leaf]! / 2) / tree.total;
          await page.mouse.move(
            rows.x + at * rows.width,
            point.y + FRAME_HEIGHT,
          );
          assertEquals(
            await text(page, ".flame-tip strong"),
            profile.functions.name[tree.fn[leaf]!]!,
          );
        },
      );

      await t.step("a click after scrolling zooms to that frame", async () => {
        await page.mouse.click(point.x, point.y);
        await page.waitForURL(/z=/);
        assertEquals(await text(page, ".crumbs h2"), name);
      });

      await t.step(
        "moving down with the keys scrolls the cursor into view",
        async () => {
          await page.$eval(".flame-scroll", (el) => {
            el.scrollTop = 0;
          });
          await page.focus("canvas.flame-canvas");
          for (let i = 0; i < 60; i++) await page.keyboard.press("ArrowDown");
          await painted(page);
          const { scroller, rows } = await boxes(page);
          assert(
            (await page.$eval(".flame-scroll", (el) => el.scrollTop)) > 0,
          );
          // The cursor's function is named, and its row is in view.
          const cursor = await text(page, ".flame-details .name");
          const deeper = Number(cursor.slice(1)) - Number(name.slice(1));
          // (The first key may only place the cursor on the zoomed frame,
          // the canvas being focused already by the click.)
          assert(deeper === 59 || deeper === 60, `${deeper} rows down`);
          const y = rows.y + (depth + deeper) * FRAME_HEIGHT;
          assert(
            y >= scroller.y && y + FRAME_HEIGHT <= scroller.y + scroller.height,
            `row at ${y}, scroller ${scroller.y}+${scroller.height}`,
          );
        },
      );

      await t.step(
        "hovering a caller after scrolling the inverted graph names it",
        async () => {
          // f280's callers, f279 up to f0, one a row, the root on top.
          const k = 280;
          const fn = `pkg${k % 3}/mod${k % 7}.py:${k + 1}:f${k}`;
          await page.goto(
            `${served.url}?tab=flame&fn=${encodeURIComponent(fn)}`,
          );
          await page.waitForSelector("canvas.flame-canvas.callers");
          await painted(page);
          const all = (await page.locator(".flame-rows").first()
            .boundingBox())!;
          const count = all.height / FRAME_HEIGHT;
          assert(count > k, `${count} rows`);
          await page.$eval(".flame-scroll", (el, y) => {
            el.scrollTop = y;
          }, all.height / 2);
          await painted(page);
          const { scroller, rows, canvas } = await boxes(page);
          assert(canvas.height <= scroller.height + 4 * FRAME_HEIGHT);
          const row = Math.floor(
            (scroller.y + scroller.height / 2 - rows.y) / FRAME_HEIGHT,
          );
          const depth = count - 1 - row;
          assert(depth > 50 && depth < k - 50, `depth ${depth}`);
          await page.mouse.move(
            rows.x + rows.width / 2,
            rows.y + row * FRAME_HEIGHT + FRAME_HEIGHT / 2,
          );
          await page.waitForSelector(".flame-tip:not([hidden])");
          assertEquals(await text(page, ".flame-tip strong"), `f${k - depth}`);
        },
      );
    });
  },
});
