/**
 * The source view in a real browser (Chromium through playwright-core),
 * against the program itself started as a child process: the profile is
 * copied to a folder of its own so that its relative paths are found only
 * through `--map-path`, and the editor is a stub script that records the
 * arguments it is started with. Writes screenshots to tests/output/.
 */

import { assert, assertEquals, assertMatch } from "@std/assert";
import type { Page } from "playwright-core";
import { fileHeat } from "../lib/source_heat.ts";
import { formatCount } from "../lib/format.ts";
import { loadFixture, param, saveScreenshot, withPage } from "./_browser.ts";
import { FIXTURES, MAIN } from "./_cli.ts";
import { type ServerChild, startServer } from "./_server_child.ts";
import { writeStubEditor } from "./_stub_editor.ts";

async function text(page: Page, selector: string): Promise<string> {
  return ((await page.textContent(selector)) ?? "").replace(/\s+/g, " ").trim();
}

/** A folder with a copy of the fixture and a stub editor. */
async function setUp(fixture: string) {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  await Deno.copyFile(`${FIXTURES}${fixture}`, `${dir}/${fixture}`);
  return { dir, ...await writeStubEditor(dir) };
}

/**
 * Waits for the page to say the stub editor opened; checks that it was given
 * a line, and answers the file it was given.
 */
async function openedFile(page: Page, record: string): Promise<string> {
  await page.waitForSelector(".opened-toast >> text=Opened in stub-editor");
  const [flag, line, file] = (await Deno.readTextFile(record)).split("\n");
  assertEquals(flag, "--at");
  assertMatch(line!, /^\d+$/);
  return file!;
}

async function start(
  dir: string,
  fixture: string,
  args: string[],
): Promise<ServerChild> {
  return await startServer(Deno.execPath(), [
    "run",
    "--allow-all",
    MAIN,
    fixture,
    "--no-open",
    "--port",
    "0",
    ...args,
  ], {
    cwd: dir,
    env: { EDITOR: "", VISUAL: "", PROFILING_EXPLORER_EDITOR: "" },
  });
}

/** Waits until `check` holds (polling), for at most 10 s. */
async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  const end = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("Timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * The line the cursor is on, from the page; the URL says the same, or
 * nothing while the cursor is on the function's own line.
 */
async function cursor(page: Page): Promise<number> {
  const line = Number(
    await page.getAttribute(".source-line.cursor", "data-line"),
  );
  // The URL follows the cursor a moment later (typing is not throttled).
  await until(() => [null, String(line)].includes(param(page, "line")));
  const inUrl = param(page, "line");
  if (inUrl !== null) assertEquals(inUrl, String(line));
  return line;
}

Deno.test({
  name:
    "the source view shows a sampled profile's heat map and moves between hot lines",
  async fn(t) {
    const { dir, record, stub } = await setUp("shop-sampled.pstats");
    const profile = await loadFixture("shop-sampled.pstats");
    const server = await start(dir, "shop-sampled.pstats", [
      "--map-path",
      `.=${FIXTURES}`,
      "--editor",
      `${stub} --at {line} {file}`,
    ]);
    try {
      await withPage([], async (page) => {
        const file = "shop/models/catalog.py";
        const heat = fileHeat(profile, file);
        assert(heat.hotSpots.length >= 3, `${heat.hotSpots.length} hot spots`);
        // A row of the file's hottest line.
        const row = heat.lines.get(heat.hotSpots[0]!)!.rows[0]!;

        await t.step(
          "a row's Source tab opens its file at its line",
          async () => {
            await page.goto(`${server.url}?fn=${row}&view=callers`);
            await page.click("nav.views a >> text=Source");
            await page.waitForSelector(".source-line");
            assertEquals(param(page, "tab"), "source");
            assertEquals(
              await text(page, ".source-path"),
              `${FIXTURES}${file}`,
            );
            assertEquals(await cursor(page), heat.hotSpots[0]);
            const lines = (await Deno.readTextFile(`${FIXTURES}${file}`)).split(
              "\n",
            );
            assertEquals(
              await page.locator(".source-line[data-line]").count(),
              lines.length,
            );
          },
        );

        await t.step(
          "each sampled line shows its samples, shaded, and each function's hottest line a star",
          async () => {
            for (const [line, h] of heat.lines) {
              const selector = `.source-line[data-line="${line}"]`;
              assertEquals(
                await text(page, `${selector} .n.direct`),
                String(h.direct),
              );
              assertEquals(
                await text(page, `${selector} .n.cumulative`),
                String(h.cumulative),
              );
              const shade = Number(
                await page.$eval(
                  selector,
                  (e) =>
                    (e as unknown as {
                      style: { getPropertyValue(name: string): string };
                    }).style.getPropertyValue("--heat"),
                ),
              );
              assertEquals(
                shade.toFixed(3),
                Math.sqrt(h.direct / heat.max).toFixed(3),
              );
            }
            assertEquals(
              await page.locator(".source-line.hottest").count(),
              new Set(
                heat.functions.filter((m) => m.primitiveCalls > 0).map((m) =>
                  m.line
                ),
              ).size,
            );
            // Keywords are highlighted.
            assert(await page.locator(".source-line .tok-keyword").count() > 5);
            await saveScreenshot(page, "source-sampled");
          },
        );

        await t.step(
          "n and N move between the hot spots, hottest first",
          async () => {
            await page.locator(".source-code").focus();
            await page.keyboard.press("n");
            assertEquals(await cursor(page), heat.hotSpots[1]);
            await page.keyboard.press("n");
            assertEquals(await cursor(page), heat.hotSpots[2]);
            await page.keyboard.press("Shift+N");
            assertEquals(await cursor(page), heat.hotSpots[1]);
            await page.keyboard.press("ArrowDown");
            assertEquals(await cursor(page), heat.hotSpots[1]! + 1);
          },
        );

        await t.step("a hot spot in the list jumps to its line", async () => {
          await page.click(`.hot-spot >> nth=2`);
          assertEquals(await cursor(page), heat.hotSpots[2]);
        });

        await t.step("the search box finds lines in the file", async () => {
          await page.fill("#filter", "def ");
          await page.waitForSelector(".source-line.match");
          const lines = (await Deno.readTextFile(`${FIXTURES}${file}`)).split(
            "\n",
          );
          const expected = lines.flatMap((l, i) =>
            l.toLowerCase().includes("def ") ? [i + 1] : []
          );
          assertEquals(
            await page.locator(".source-line.match").count(),
            expected.length,
          );
          await page.press("#filter", "Enter");
          assertEquals(
            await cursor(page),
            expected.find((n) => n > heat.hotSpots[2]!) ?? expected[0],
          );
          await page.fill("#filter", "");
        });

        await t.step(
          "o opens the cursor's line in the editor, with the file's path here",
          async () => {
            await page.locator(".source-code").focus();
            const line = await cursor(page);
            await page.keyboard.press("o");
            await page.waitForSelector(".source-opened");
            assertEquals(
              await text(page, ".source-opened"),
              "Opened in stub-editor",
            );
            assertEquals(
              await Deno.readTextFile(record),
              `--at\n${line}\n${FIXTURES}${file}\n`,
            );
          },
        );

        await t.step("o on a table row opens that function", async () => {
          await Deno.remove(record);
          await page.goto(`${server.url}?q=catalog.py`);
          await page.waitForSelector("tbody tr.row");
          await page.keyboard.press("o");
          assertEquals(
            await openedFile(page, record),
            `${FIXTURES}shop/models/catalog.py`,
          );
          assertMatch(await text(page, ".keys"), /\bo editor\b/);
        });

        await t.step(
          "o on a flame graph frame opens the function under the cursor",
          async () => {
            await Deno.remove(record);
            await page.goto(`${server.url}?tab=flame`);
            await page.waitForSelector("canvas.flame-canvas");
            await page.focus("canvas.flame-canvas");
            // Down the largest path to the first frame of the shop's code.
            let shown = "";
            for (let i = 0; i < 20 && !shown.startsWith("shop/"); i++) {
              await page.keyboard.press("ArrowDown");
              await page.waitForSelector(".flame-details .path");
              shown = await text(page, ".flame-details .path");
            }
            const file = shown.slice(0, shown.lastIndexOf(":"));
            assertMatch(await text(page, ".keys"), /\bo editor\b/);
            await page.keyboard.press("o");
            const opened = await openedFile(page, record);
            assert(
              opened.startsWith(FIXTURES) && opened.endsWith(file),
              `${opened} is not ${file} here`,
            );
          },
        );
      }, { context: { viewport: { width: 1280, height: 800 } } });
    } finally {
      await server.stop("SIGTERM");
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "the source view annotates a traced profile's functions with their numbers and callees",
  async fn(t) {
    const { dir } = await setUp("cprofile-3.13.pstats");
    const profile = await loadFixture("cprofile-3.13.pstats");
    const server = await start(dir, "cprofile-3.13.pstats", [
      "--map-path",
      `.=${FIXTURES}`,
    ]);
    try {
      await withPage([], async (page) => {
        const heat = fileHeat(profile, "workload.py");

        await t.step(
          "the Source tab without a function opens the hottest function's file",
          async () => {
            await page.goto(`${server.url}?tab=source`);
            await page.waitForSelector(".source-line");
            assertEquals(
              await text(page, ".source-path"),
              `${FIXTURES}workload.py`,
            );
            assertEquals(
              await page.locator(".function-note").count(),
              heat.functions.length,
            );
          },
        );

        await t.step(
          "each function's note gives its calls, times and callees, and says no call-site lines are known",
          async () => {
            const f = profile.functions;
            for (const m of heat.functions) {
              const note = page.locator(
                `.function-note[data-fn="${m.ids[0]}"]`,
              );
              const numbers =
                (await note.locator(".function-numbers").textContent())!
                  .replace(/\s+/g, " ").trim();
              const calls = m.calls === m.primitiveCalls
                ? formatCount(m.calls)
                : `${formatCount(m.calls)}/${formatCount(m.primitiveCalls)}`;
              assert(
                numbers.startsWith(
                  `${m.name} ${calls} call${m.calls === 1 ? "" : "s"} `,
                ),
                numbers,
              );
              const listed = await note.locator(".callees li a")
                .allTextContents();
              assertEquals(
                listed,
                m.callees.slice(0, 20).map((c) =>
                  f.name[c.id]!.replace(
                    /^<(.*)>$/,
                    (_, x) => f.file[c.id] === "~" ? `{${x}}` : `<${x}>`,
                  )
                ),
                m.name,
              );
              assertEquals(
                await note.locator(".callees-note").count(),
                m.callees.length > 0 ? 1 : 0,
              );
            }
            const note = page.locator(".function-note .callees-note").first();
            assert(
              (await note.textContent())!.replace(/\s+/g, " ").includes(
                "pstats stores no call-site lines",
              ),
            );
            await saveScreenshot(page, "source-traced");
          },
        );

        await t.step("n visits the functions by internal time", async () => {
          await page.locator(".source-code").focus();
          const start = Number(
            await page.getAttribute(".source-line.cursor", "data-line"),
          );
          await page.keyboard.press("n");
          const first = await cursor(page);
          const at = heat.hotSpots.indexOf(start);
          assertEquals(
            first,
            heat.hotSpots[at < 0 ? 0 : (at + 1) % heat.hotSpots.length],
          );
          await page.keyboard.press("n");
          const second = await cursor(page);
          assertEquals(
            heat.hotSpots.indexOf(second),
            (heat.hotSpots.indexOf(first) + 1) % heat.hotSpots.length,
          );
        });

        await t.step("without an editor, o says how to set one", async () => {
          await page.keyboard.press("o");
          await page.waitForSelector(".source-opened");
          assertMatch(await text(page, ".source-opened"), /--editor/);
        });

        await t.step(
          "a file that is not found says so and offers the mapping",
          async () => {
            const other = await start(dir, "cprofile-3.13.pstats", []);
            try {
              await page.goto(`${other.url}?tab=source`);
              await page.waitForSelector(".source-problem");
              const said = await text(page, ".source-problem");
              assert(said.includes("is not there"), said);
              assert(said.includes("--map-path"), said);
              // The profile's Python files that are not here are listed.
              await page.click(".missing-files summary");
              const listed = await text(page, ".missing-files");
              // (The standard library's files are here where this Python is.)
              assertMatch(
                listed,
                /^\d+ Python files? of this profile (is|are) not shown here/,
              );
              assert(listed.includes("workload.py"), listed);
            } finally {
              await other.stop("SIGTERM");
            }
          },
        );
      }, {
        context: { viewport: { width: 1280, height: 800 } },
        allowed: (problem) => problem.includes("404"),
      });
    } finally {
      await server.stop("SIGTERM");
      await Deno.remove(dir, { recursive: true });
    }
  },
});
