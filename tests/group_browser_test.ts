/**
 * The groups view in a real browser (Chromium through playwright-core),
 * against a real server: the directory tree, the group-by control, sort and
 * filter, and a sampled profile folded into functions.
 */

import { assert, assertEquals } from "@std/assert";
import type { Page } from "playwright-core";
import { formatMs } from "../lib/format.ts";
import { nodeKey } from "../lib/group.ts";
import { queryGroups } from "../lib/group_rows.ts";
import { param, serve, withPage } from "./_browser.ts";

/** The rows in view: their label, tree level and whether they are open. */
async function rows(page: Page) {
  return await page.$$eval("tbody tr.row", (trs) =>
    trs.map((tr) => ({
      name: tr.querySelector("td.location")?.textContent?.replace(/\s+/g, " ")
        .trim().replace(/ ?(Copy|Copied)$/, "").replace(/^[▸▾] ?/, "") ??
        "",
      level: tr.getAttribute("aria-level"),
      expanded: tr.getAttribute("aria-expanded"),
      cumulative: tr.querySelector("td.cumulative")?.textContent?.trim() ?? "",
      functions: tr.querySelector("td.functions")?.textContent?.trim() ?? "",
      lines: tr.querySelector("td.lines")?.textContent?.trim() ?? "",
    })));
}

async function open(page: Page, name: string): Promise<void> {
  const row = page.locator("tbody tr.row", {
    has: page.locator(`td.location :text-is("${name}")`),
  });
  await row.locator("button.toggle").click();
  await page.locator("tbody tr.row[aria-expanded=true]", {
    has: page.locator(`td.location :text-is("${name}")`),
  }).waitFor();
}

Deno.test({
  name: "the groups view rolls a profile up in a real browser",
  async fn(t) {
    const shop = await serve("shop.pstats");
    const sampled = await serve("shop-sampled.pstats");
    await withPage([shop, sampled], async (page) => {
      await t.step(
        "the directory level is a tree that opens into sub-directories, files and functions",
        async () => {
          await page.goto(`${shop.url}?tab=groups`);
          await page.waitForSelector("tbody tr.row");
          assertEquals(await page.inputValue("#group-by"), "directory");
          const { numbers, ids } = queryGroups(shop.profile, "directory");
          const tree = numbers.tree;
          const top = (await rows(page)).map((r) => r.name);
          assert(top.includes("shop/"), top.join("|"));
          assertEquals(
            (await page.textContent(".status"))?.trim(),
            `${tree.roots.length} directories and files`,
          );
          // The shop/ row shows its numbers, counted once.
          const shopNode = [...ids].find((n) => nodeKey(tree, n) === "shop/")!;
          const shopRow = (await rows(page)).find((r) => r.name === "shop/")!;
          assertEquals(
            shopRow.cumulative,
            formatMs(numbers.cumulative[shopNode]!),
          );
          assertEquals(shopRow.functions, String(numbers.functions[shopNode]));
          assertEquals(shopRow.expanded, "false");

          await open(page, "shop/");
          const afterShop = await rows(page);
          const at = afterShop.findIndex((r) => r.name === "shop/");
          assertEquals(afterShop[at]!.expanded, "true");
          const children = afterShop.filter((r) => r.level === "2").map((r) =>
            r.name
          ).sort();
          assertEquals(children, [
            "__init__.py",
            "models/",
            "pricing/",
            "report/",
          ]);

          await open(page, "models/");
          await open(page, "order.py");
          const functions = (await rows(page)).filter((r) => r.level === "4")
            .map((r) => r.name);
          assert(
            functions.some((name) => name.endsWith("subtotal")),
            functions.join("|"),
          );
          // Closing shop/ hides everything under it.
          await page.locator("tbody tr.row", {
            has: page.locator('td.location :text-is("shop/")'),
          }).locator("button.toggle").click();
          await page.locator('tbody tr.row[aria-level="2"]').first().waitFor({
            state: "detached",
          });
        },
      );

      await t.step(
        "the keyboard opens and closes the highlighted row",
        async () => {
          await page.locator("tbody tr.row", {
            has: page.locator('td.location :text-is("shop/")'),
          }).locator("td.num.functions").click();
          await page.waitForSelector("tbody tr.row.active");
          assertEquals(
            await page.getAttribute("tbody tr.row.active", "aria-expanded"),
            "false",
          );
          await page.keyboard.press("ArrowRight");
          await page.waitForSelector(
            'tbody tr.row.active[aria-expanded="true"]',
          );
          assert((await rows(page)).some((r) => r.name === "models/"));
          await page.keyboard.press("ArrowLeft");
          await page.waitForSelector(
            'tbody tr.row.active[aria-expanded="false"]',
          );
          assert(!(await rows(page)).some((r) => r.name === "models/"));
        },
      );

      await t.step(
        "the group-by control switches level and is kept in the URL",
        async () => {
          await page.selectOption("#group-by", "package");
          await page.locator(".status", { hasText: "packages" }).waitFor();
          assertEquals(param(page, "by"), "package");
          const packages = await rows(page);
          assertEquals(
            packages.map((r) => r.name).sort(),
            [
              "__future__",
              "builtins",
              "enum",
              "frozen",
              "json",
              "re",
              "shop",
              "shop_main",
            ],
          );
          assert(packages.every((r) => r.expanded === null), "flat");
          await page.reload();
          await page.waitForSelector("tbody tr.row");
          assertEquals(await page.inputValue("#group-by"), "package");
        },
      );

      await t.step("sort works at the group level", async () => {
        await page.click("th.internal button");
        await page.waitForSelector('th.internal[aria-sort="descending"]');
        const { numbers, ids } = queryGroups(shop.profile, "package", {
          sort: "internal",
        });
        assertEquals(
          (await rows(page)).map((r) => r.name),
          [...ids].map((n) => nodeKey(numbers.tree, n)),
        );
      });

      await t.step(
        "a filter keeps the groups holding a match, with their numbers",
        async () => {
          await page.selectOption("#group-by", "directory");
          await page.locator(".status", { hasText: "directories" }).waitFor();
          await page.fill("#filter", "subtotal");
          await page.locator(".status", { hasText: "with matches" }).waitFor();
          const kept = await rows(page);
          assertEquals(kept.map((r) => r.name), ["shop/"]);
          assertEquals(kept[0]!.functions, "2");
          await page.fill("#filter", "");
        },
      );

      await t.step(
        "a sampled profile opens folded into functions, which open into their lines",
        async () => {
          await page.goto(sampled.url);
          await page.waitForSelector("tbody tr.row");
          assertEquals(param(page, "tab"), "groups");
          assertEquals(param(page, "by"), "function");
          const { numbers, ids } = queryGroups(sampled.profile, "function");
          const tree = numbers.tree;
          assert(
            (await page.textContent(".status"))?.includes(
              `${ids.length} functions (from ${sampled.profile.size} lines)`,
            ),
          );
          const item = [...ids].find((n) =>
            nodeKey(tree, n) === "shop/models/order.py(Item.subtotal)"
          )!;
          const row = (await rows(page)).find((r) =>
            r.name === "shop/models/order.py Item.subtotal"
          )!;
          assertEquals(row.lines, String(numbers.lines[item]));
          assertEquals(row.expanded, "false");
          await open(page, "Item.subtotal");
          const lines = (await rows(page)).filter((r) =>
            /^line \d+$/.test(r.name)
          );
          assertEquals(lines.length, numbers.lines[item]);
          assert(lines.length > 1);
        },
      );

      await t.step(
        "a sampled function's callers are folded by function",
        async () => {
          await page.locator("tbody tr.row", {
            has: page.locator('td.location :text-is("Item.subtotal")'),
          }).locator('td.links a[aria-label="callers"]').click();
          await page.waitForSelector("tr.focal");
          assertEquals(param(page, "view"), "callers");
          const callers = await rows(page);
          assertEquals(callers.map((r) => r.name), [
            "shop/models/order.py Order.subtotal",
          ]);
          assert(
            (await page.textContent(".status"))?.includes("folded by function"),
          );
        },
      );

      await t.step(
        "in a narrow window every group keeps its name, and calls are not cut",
        async () => {
          await page.setViewportSize({ width: 420, height: 800 });
          for (
            const url of [`${shop.url}?tab=groups`, `${sampled.url}?tab=groups`]
          ) {
            await page.goto(url);
            await page.waitForSelector("tbody tr.row");
            const cells = await page.$$eval(
              "thead th.direct, tbody tr.row:nth-child(-n + 12) td",
              (tds) =>
                tds.map((td) => ({
                  cls: td.className,
                  text: td.textContent?.trim() ?? "",
                  width: td.getBoundingClientRect().width,
                  cut: td.scrollWidth > td.clientWidth + 1,
                  right: td.getBoundingClientRect().right,
                })),
            );
            for (const cell of cells) {
              if (cell.cls.includes("location")) {
                assert(cell.width >= 100, `${url}: ${cell.text} is hidden`);
              } else if (cell.width > 0) {
                assert(!cell.cut, `${url}: ${cell.cls} "${cell.text}" is cut`);
              }
            }
          }
          // A function's callers: the group-by control, its name and the
          // callers/callees tabs are not drawn over the filter.
          await page.setViewportSize({ width: 1000, height: 600 });
          await page.goto(
            `${sampled.url}?tab=groups&by=line&fn=3&view=callees`,
          );
          await page.waitForSelector("tr.focal");
          const [tabs, filter] = await page.$$eval(
            [".crumbs .tabs", ".toolbar .filter"].join(", "),
            (els) => els.map((el) => el.getBoundingClientRect().toJSON()),
          );
          assert(
            tabs!.right <= filter!.left || tabs!.bottom <= filter!.top ||
              filter!.bottom <= tabs!.top,
            `The tabs (${tabs!.right}) overlap the filter (${filter!.left})`,
          );
          await page.setViewportSize({ width: 1280, height: 720 });
        },
      );
    });
  },
});
