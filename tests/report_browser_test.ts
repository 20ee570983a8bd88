/**
 * The HTML report in a real browser: written by the command line, opened
 * from `file://` with the network off, and walked like the served page.
 */

import { assert, assertEquals, assertMatch } from "@std/assert";
import { join, toFileUrl } from "@std/path";
import { openCallers, param, rowNames, withPage } from "./_browser.ts";
import { writeHtmlReport } from "./_cli.ts";

Deno.test({
  name: "an HTML report opens from file:// with the network off",
  async fn(t) {
    const dir = await Deno.makeTempDir();
    const requests: string[] = [];
    try {
      const report = join(dir, "report.html");
      await writeHtmlReport(report, "cprofile-3.13.pstats");
      const url = toFileUrl(report).href;
      await withPage([], async (page, problems) => {
        page.on("request", (request) => requests.push(request.url()));

        await t.step("it lists every function, largest first", async () => {
          await page.goto(url);
          await page.waitForSelector("tbody tr.row");
          assertEquals(
            (await page.textContent(".status"))?.trim(),
            "126 functions",
          );
          assertEquals(
            await page.getAttribute("th.cumulative", "aria-sort"),
            "descending",
          );
          assertMatch(await page.title(), /^cprofile-3\.13\.pstats · /);
          assert(await page.isVisible("header img.logo"));
        });

        await t.step("filter and sort work and the URL follows", async () => {
          await page.fill("#filter", "workload");
          await page.click("th.internal button");
          assertEquals(
            await page.getAttribute("th.internal", "aria-sort"),
            "descending",
          );
          const shown = await rowNames(page);
          assert(shown.length > 3 && shown.length < 126, String(shown.length));
          await page.waitForFunction(() =>
            location.search.includes("sort=internal")
          );
          assertEquals(param(page, "q"), "workload");
          assertEquals(param(page, "sort"), "internal");
        });

        await t.step(
          "callers and callees walk the graph; Back returns",
          async () => {
            await openCallers(page, "workload.py:11", "fib", ["fib", "main"]);
            await page.goBack();
            await page.waitForSelector("tr.focal", { state: "detached" });
            assertEquals(await rowNames(page), ["fib"]);
            await page.fill("#filter", "");
            await page.click("h2");
            await page.keyboard.press("j");
            await page.keyboard.press("Enter");
            await page.waitForSelector("tr.focal");
            assertEquals(param(page, "view"), "callees");
          },
        );

        await t.step("a reload keeps the view in the URL", async () => {
          await page.goto(`${url}?q=fib&sort=calls&desc=0`);
          await page.waitForSelector("tbody tr.row");
          assertEquals(await page.inputValue("#filter"), "fib");
          assertEquals(
            await page.getAttribute("th.calls", "aria-sort"),
            "ascending",
          );
          assertEquals(
            (await page.textContent(".status"))?.trim(),
            "1 of 126 functions",
          );
        });

        await t.step("the page keeps a strict CSP and asks for nothing", () => {
          assertEquals(problems, []);
          const outside = requests.filter((r) =>
            !r.startsWith(url) && !r.startsWith("data:")
          );
          assertEquals(outside, []);
        });

        await t.step(
          "a damaged report says so instead of showing",
          async () => {
            // The page is windows-1252, one byte a character.
            const bytes = await Deno.readFile(report);
            const text = new TextDecoder("windows-1252").decode(bytes);
            const start = text.indexOf('data-path="/api/profile"');
            const at = text.indexOf(">", start) + 200;
            const damaged = join(dir, "damaged.html");
            bytes.fill(0x41, at, at + 400); // "A"
            await Deno.writeFile(damaged, bytes);
            const before = problems.length;
            await page.goto(toFileUrl(damaged).href);
            await page.waitForSelector(".state.failed");
            assertMatch(
              (await page.textContent(".state.failed")) ?? "",
              /Could not load the profile.*The profile in this page is damaged/s,
            );
            problems.length = before;
          },
        );

        await t.step("the flame graph is in the report too", async () => {
          await page.goto(`${url}?tab=flame`);
          await page.waitForSelector("canvas.flame-canvas");
          assertEquals(problems, []);
        });

        await t.step("and so are the groups", async () => {
          await page.goto(`${url}?tab=groups&by=file`);
          await page.waitForSelector("tbody tr.row");
          assertEquals(await page.inputValue("#group-by"), "file");
          assertMatch((await page.textContent(".status")) ?? "", /\d+ files/);
          assertEquals(problems, []);
        });

        await t.step(
          "a report made with --by opens on those groups",
          async () => {
            const grouped = join(dir, "grouped.html");
            await writeHtmlReport(
              grouped,
              "--by",
              "file",
              "cprofile-3.13.pstats",
            );
            await page.goto(toFileUrl(grouped).href);
            await page.waitForSelector("tbody tr.row");
            assertEquals(param(page, "tab"), "groups");
            assertEquals(await page.inputValue("#group-by"), "file");
            // A link's own view still wins.
            await page.goto(`${toFileUrl(grouped).href}?q=fib`);
            await page.waitForSelector("tbody tr.row");
            assertEquals(param(page, "tab"), null);
            assertEquals(problems, []);
          },
        );

        await t.step(
          "a report with --base opens on the comparison",
          async () => {
            const compare = join(dir, "compare.html");
            await writeHtmlReport(
              compare,
              "--base",
              "compare/before.pstats",
              "compare/after.pstats",
            );
            await page.goto(toFileUrl(compare).href);
            await page.waitForSelector("table.compare tbody tr.row");
            await page.waitForFunction(() =>
              location.search.includes("tab=compare")
            );
            assertEquals(problems, []);
          },
        );

        await t.step("a folder of profiles makes a report too", async () => {
          const folder = join(dir, "folder.html");
          await writeHtmlReport(folder, "folder/prof");
          await page.goto(toFileUrl(folder).href);
          await page.waitForSelector("tbody tr.row");
          assertEquals(
            (await page.textContent(".status"))?.trim(),
            "23 functions",
          );
          assertEquals(problems, []);
        });
      }, { context: { offline: true } });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
