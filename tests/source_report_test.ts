/**
 * `--html-source`: the HTML report carries the Python files the profile
 * names, by the source view's rules, lists them on the terminal, and shows
 * them offline from `file://` in a real browser.
 */

import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { join, toFileUrl } from "@std/path";
import { launchChromium } from "../scripts/_chromium.ts";
import { collectProblems } from "./_browser.ts";
import { FIXTURES, runCli, withTempDir } from "./_cli.ts";
import { EMBEDDED_SOURCE_TYPE } from "../lib/html_report.ts";

Deno.test("a report carries no source without --html-source", async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, "report.html");
    const result = await runCli(["--html", out, "cprofile-3.13.pstats"]);
    assertEquals(result.code, 0, result.stderr);
    assert(
      !(await Deno.readTextFile(out)).includes(
        `<script type="${EMBEDDED_SOURCE_TYPE}"`,
      ),
    );
  });
});

Deno.test("--html-source needs --html", async () => {
  const result = await runCli(["--html-source", "cprofile-3.13.pstats"]);
  assertEquals(result.code, 2);
  assertStringIncludes(
    result.stderr,
    "--html-source applies to an --html report",
  );
});

Deno.test("--html-source embeds the files the profile names and lists them, and names those it cannot", async () => {
  await withTempDir(async (dir) => {
    await Deno.copyFile(
      `${FIXTURES}shop-sampled.pstats`,
      `${dir}/shop-sampled.pstats`,
    );
    const out = join(dir, "report.html");
    const shop = [
      "shop/models/__init__.py",
      "shop/models/catalog.py",
      "shop/models/order.py",
      "shop/pricing/discount.py",
      "shop/pricing/rules/volume.py",
      "shop/pricing/tax.py",
      "shop/report/render.py",
      "shop_main.py",
    ];
    const listed = (stdout: string) =>
      stdout.split("\n").filter((l) => /^ {2}[^ ]/.test(l)).map((l) =>
        l.trim()
      );
    // Without a mapping, the folder of the copy holds none of the files.
    // (The standard library's files are embedded where this Python has them.)
    const bare = await runCli([
      "--html",
      out,
      "--html-source",
      "shop-sampled.pstats",
    ], dir);
    assertEquals(bare.code, 0, bare.stderr);
    assertEquals(listed(bare.stdout).filter((l) => shop.includes(l)), []);
    for (const file of shop) {
      assertStringIncludes(bare.stdout, `not embedded: "${file}" is not there`);
    }
    const result = await runCli([
      "--html",
      out,
      "--html-source",
      "--map-path",
      `.=${FIXTURES}`,
      "shop-sampled.pstats",
    ], dir);
    assertEquals(result.code, 0, result.stderr);
    assertEquals(
      listed(result.stdout).filter((l) => shop.includes(l)).sort(),
      shop,
    );
    assert(!result.stdout.includes('not embedded: "shop'), result.stdout);
    assert(
      /^Embedding \d+ source files \(\d+ KiB\) in the report:/.test(
        result.stdout,
      ),
    );
    const page = await Deno.readTextFile(out);
    // The text is there, with < escaped inside the script element.
    assertStringIncludes(page, "def price(self, sku):");
    const tag = `<script type="${EMBEDDED_SOURCE_TYPE}">`;
    const script = page.slice(page.indexOf(tag) + tag.length);
    assert(page.includes(tag));
    assert(!script.slice(0, script.indexOf("</script>")).includes("<"));
  });
});

Deno.test({
  name: "a report made with --html-source shows the source view offline",
  async fn() {
    await withTempDir(async (dir) => {
      const out = join(dir, "report.html");
      const result = await runCli([
        "--html",
        out,
        "--html-source",
        "--editor-url",
        "vscode://file/{path}:{line}",
        "cprofile-3.13.pstats",
      ]);
      assertEquals(result.code, 0, result.stderr);
      const browser = await launchChromium();
      const problems: string[] = [];
      try {
        const context = await browser.newContext({
          offline: true,
          viewport: { width: 1280, height: 720 },
        });
        const page = await context.newPage();
        collectProblems(page, problems);
        const opened: string[] = [];
        page.on("request", (request) => opened.push(request.url()));
        await page.goto(`${toFileUrl(out).href}?tab=source`);
        await page.waitForSelector(".source-line[data-line]");
        assertEquals(
          (await page.textContent(".source-path"))?.trim(),
          `${FIXTURES}workload.py`,
        );
        const lines = (await Deno.readTextFile(`${FIXTURES}workload.py`)).split(
          "\n",
        );
        assertEquals(
          await page.locator(".source-line[data-line]").count(),
          lines.length,
        );
        // o follows the editor URL with the file's path and the line.
        await page.locator(".source-code").focus();
        await page.keyboard.press("o");
        const end = Date.now() + 10_000;
        while (
          !opened.some((u) => u.startsWith("vscode:")) && Date.now() < end
        ) {
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        const line = await page.getAttribute(
          ".source-line.cursor",
          "data-line",
        );
        assert(
          opened.includes(`vscode://file${FIXTURES}workload.py:${line}`),
          opened.join("\n"),
        );
        assertEquals(problems.filter((p) => !p.includes("vscode")), []);
      } finally {
        await browser.close();
      }
    });
  },
});
