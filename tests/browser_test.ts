/**
 * The page in a real browser (Chromium through playwright-core), against a
 * real server. The browser is CHROMIUM, else a system Chromium, else the
 * one the npm package @sparticuz/chromium ships (see scripts/_chromium.ts).
 */

import { assert, assertEquals, assertMatch } from "@std/assert";
import type { Page } from "playwright-core";
import { launchChromium } from "../scripts/_chromium.ts";
import { loadProfile } from "../lib/pstats/read.ts";
import { queryFunctions } from "../lib/query.ts";
import {
  openCallers,
  param,
  rowNames,
  screenshotThemes,
  serve,
  serveProfile,
  withPage,
} from "./_browser.ts";

async function status(page: Page): Promise<string> {
  return (await page.textContent(".status"))?.trim() ?? "";
}

Deno.test({
  name: "the page explores a profile in a real browser",
  async fn(t) {
    const small = await serve("cprofile-3.13.pstats");
    const many = await serve("many.pstats");
    const sampled = await serve("sampled.pstats");
    const wide = await serve("wide-calls.pstats");
    await withPage(
      [small, many, sampled, wide],
      async (page, problems, browser) => {
        await page.context().grantPermissions(
          ["clipboard-read", "clipboard-write"],
          { origin: new URL(small.url).origin },
        );

        await t.step("it lists every function, largest first", async () => {
          await page.goto(small.url);
          await page.waitForSelector("tbody tr.row");
          assertEquals(await status(page), "126 functions");
          assertEquals(
            await page.getAttribute("th.cumulative", "aria-sort"),
            "descending",
          );
          assertEquals(
            await page.title(),
            "cprofile-3.13.pstats · profiling-explorer",
          );
        });

        await t.step(
          "typing filters as you go and the URL follows",
          async () => {
            await page.fill("#filter", "workload fib");
            assertEquals(await status(page), "1 of 126 functions");
            assertEquals(await rowNames(page), ["fib"]);
            await page.waitForFunction(() => location.search.includes("q="));
            assertEquals(param(page, "q"), "workload fib");
          },
        );

        await t.step("a header sorts, and again reverses", async () => {
          await page.fill("#filter", "workload");
          await page.click("th.internal button");
          assertEquals(
            await page.getAttribute("th.internal", "aria-sort"),
            "descending",
          );
          assertEquals(
            await page.getAttribute("th.cumulative", "aria-sort"),
            null,
          );
          const descending = await rowNames(page);
          await page.click("th.internal button");
          assertEquals(
            await page.getAttribute("th.internal", "aria-sort"),
            "ascending",
          );
          assertEquals(await page.textContent("th.internal .arrow"), "▲");
          const ascending = await rowNames(page);
          assertEquals(ascending[ascending.length - 1], descending[0]);
          await page.waitForFunction(() => location.search.includes("desc=0"));
          assertEquals(param(page, "sort"), "internal");
        });

        await t.step(
          "a callers link walks the graph and Back returns",
          async () => {
            await openCallers(page, "workload.py:11", "fib", ["fib", "main"]);
            assertEquals(await page.inputValue("#filter"), "");
            await page.goBack();
            await page.waitForSelector("tr.focal", { state: "detached" });
            assertEquals(await page.inputValue("#filter"), "workload.py:11");
            assertEquals(await rowNames(page), ["fib"]);
          },
        );

        await t.step(
          "keys move the highlight, open callees and go back",
          async () => {
            await page.fill("#filter", "");
            await page.click("h2"); // Leave the filter.
            await page.keyboard.press("j");
            await page.keyboard.press("j");
            await page.keyboard.press("k");
            await page.keyboard.press("ArrowDown");
            assertEquals(
              await page.getAttribute("tr.row.active", "data-index"),
              "2",
            );
            const name = await page.textContent("tr.row.active .name");
            await page.keyboard.press("Enter");
            await page.waitForSelector("tr.focal");
            assertEquals(param(page, "view"), "callees");
            assertEquals(await page.textContent("tr.focal .name"), name);
            await page.keyboard.press("Backspace");
            await page.waitForSelector("tr.focal", { state: "detached" });
            assertEquals(
              await page.getAttribute("tr.row.active", "data-index"),
              "2",
            );
          },
        );

        await t.step("/ puts the selected text in the filter", async () => {
          // Browser-side code goes as strings: these files are type-checked
          // without the DOM library.
          await page.evaluate(
            `getSelection().selectAllChildren(
            document.querySelectorAll("tbody tr.row .name")[1])`,
          );
          const selected = String(
            await page.evaluate("String(getSelection())"),
          );
          await page.keyboard.press("/");
          assertEquals(await page.inputValue("#filter"), selected);
          assert(
            await page.evaluate(`document.activeElement?.id === "filter"`),
          );
          await page.keyboard.press("Escape");
          assertEquals(await page.inputValue("#filter"), "");
          await page.keyboard.press("Control+k");
          assert(
            await page.evaluate(`document.activeElement?.id === "filter"`),
          );
        });

        await t.step("reload restores the view from the URL", async () => {
          await page.goto(`${small.url}?q=fib&sort=calls&desc=0`);
          await page.waitForSelector("tbody tr.row");
          assertEquals(await page.inputValue("#filter"), "fib");
          assertEquals(
            await page.getAttribute("th.calls", "aria-sort"),
            "ascending",
          );
          await page.reload();
          await page.waitForSelector("tbody tr.row");
          assertEquals(await page.inputValue("#filter"), "fib");
          assertEquals(await status(page), "1 of 126 functions");
        });

        await t.step(
          "the copy button copies the full path and line",
          async () => {
            await page.hover("tbody tr.row td.location");
            await page.click("tbody tr.row button.copy");
            await page.waitForSelector("button.copy.copied");
            assertEquals(await page.textContent("button.copy"), "Copied");
            const text = String(
              await page.evaluate("navigator.clipboard.readText()"),
            );
            assertMatch(text, /workload\.py:11$/);
          },
        );

        await t.step("a long table scrolls to its very last row", async () => {
          await page.goto(many.url);
          await page.waitForSelector("tbody tr.row");
          const rows = await page.$$("tbody tr.row");
          assert(rows.length < 200, `${rows.length} rows in the DOM`);
          await page.$eval(
            ".scroller",
            (el) => (el.scrollTop = el.scrollHeight),
          );
          const last = String(many.profile.size - 1);
          await page.waitForSelector(`tbody tr.row[data-index="${last}"]`);
          await page.keyboard.press("End");
          assertEquals(
            await page.getAttribute("tr.row.active", "data-index"),
            last,
          );
        });

        await t.step(
          "a sampled profile talks about samples, not calls",
          async () => {
            // The table of the rows as stored (a bare URL folds them).
            await page.goto(`${sampled.url}?tab=table`);
            await page.waitForSelector("tbody tr.row");
            const headers = await page.$$eval(
              "thead th",
              (cells) => cells.map((cell) => cell.textContent?.trim() ?? ""),
            );
            assert(
              headers.some((h) => h.startsWith("samples")),
              headers.join("|"),
            );
            assert(
              headers.some((h) => h.startsWith("direct samples")),
              headers.join("|"),
            );
            assert(!headers.some((h) => /^calls/.test(h)), headers.join("|"));
            const totals = (await page.textContent(".totals")) ?? "";
            assertMatch(totals, /samples\s*40\b/);
            assert(!/calls/i.test(totals), totals);
          },
        );

        await t.step(
          "the calls column is as wide as its widest value",
          async () => {
            await page.goto(wide.url);
            await page.waitForSelector("tbody tr.row");
            const cells = await page.$$eval(
              "tbody tr.row td.calls",
              (tds) =>
                tds.map((td) =>
                  [
                    td.textContent?.trim() ?? "",
                    td.scrollWidth <= td.clientWidth,
                  ] as const
                ),
            );
            assert(
              cells.some(([text]) => text === "15,159/15,100"),
              JSON.stringify(cells),
            );
            for (const [text, fits] of cells) assert(fits, `${text} is cut`);
          },
        );

        await t.step(
          "screenshots of the main views land in tests/output/",
          async () => {
            const fib = queryFunctions(small.profile, {
              filter: "workload.py:11 fib",
            }).ids[0]!;
            await screenshotThemes(
              browser,
              problems,
              small.url,
              "tbody tr.row",
              [
                ["functions", "?sort=cumulative", 1280],
                ["callers", `?fn=${fib}&view=callers`, 1280],
                ["narrow", "?sort=cumulative", 420],
              ],
            );
          },
        );

        await t.step("nothing broke the Content-Security-Policy", () => {
          assertEquals(problems, []);
        });
      },
    );
  },
});

Deno.test({
  name: "the page isolates profile text and shows its control characters",
  async fn() {
    const { dict, entry, key, edge } = await import("./_marshal_writer.ts");
    // A file name that reverses what follows it, and a name with ESC.
    const evilFile = "/srv/\u202egnp.exe.py";
    const evilName = "run\x1b[2J\u2067x";
    const bytes = dict(
      [key(evilFile, 7, evilName), entry(1, 1, 0.5, 0.5)],
      [key("/srv/שלום.py", 3, "go"), entry(1, 1, 0.2, 0.2)],
      [
        key("/srv/app.py", 1, "main"),
        entry(
          1,
          1,
          0.1,
          0.6,
          dict([key(evilFile, 7, evilName), edge(1, 1, 0, 0)]),
        ),
      ],
    );
    const profile = loadProfile([{ source: "evil\u202e.pstats", bytes }]);
    const { server, url } = serveProfile(profile);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${url}?sort=name`);
      await page.waitForSelector("tbody tr.row");
      const row = await page.$$eval("tbody tr.row", (rows) =>
        rows.map((r) => ({
          path: r.querySelector(".path")?.textContent ?? "",
          name: r.querySelector(".name")?.textContent ?? "",
          title: r.querySelector(".label")?.getAttribute("title") ?? "",
          copy: r.querySelector("button.copy")?.getAttribute("title") ?? "",
        })));
      const evil = row.find((r) => r.name.startsWith("run"))!;
      assertEquals(evil.name, "run\\x1b[2J\\u2067x");
      assertMatch(evil.path, /\\u202egnp\.exe\.py:7$/);
      const bidi = await page.evaluate(
        `[".path", ".name", ".sources"].map((s) =>
          getComputedStyle(document.querySelector(s)).unicodeBidi)`,
      );
      assertEquals(bidi, ["isolate", "isolate", "isolate"]);
      // Tooltips: visible controls; right-to-left text between FSI and PDI.
      assertEquals(evil.title, "/srv/\\u202egnp.exe.py:7 run\\x1b[2J\\u2067x");
      assertEquals(evil.copy, "Copy /srv/\\u202egnp.exe.py:7");
      const hebrew = row.find((r) => r.name === "go")!;
      assertEquals(
        hebrew.title,
        "\u2068/srv/\u05e9\u05dc\u05d5\u05dd.py:3\u2069 go",
      );
      const header = await page.textContent(".sources");
      assertEquals(header, "evil\\u202e.pstats");
      assertEquals(
        await page.title(),
        "evil\\u202e.pstats · profiling-explorer",
      );
      // No raw control character anywhere in the page's text.
      const text = await page.evaluate("document.body.innerText") as string;
      for (const c of ["\x1b", "\u202e", "\u2067"]) {
        assert(!text.includes(c), text);
      }
    } finally {
      await browser.close();
      await server.shutdown();
    }
  },
});
