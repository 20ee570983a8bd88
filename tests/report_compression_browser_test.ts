/**
 * The HTML report's data, packed and compressed (`lib/report_bytes.ts`): a
 * profile of some thousands of functions, built in code, makes a report
 * whose data takes a fraction of what the server sends, and Chromium,
 * offline from `file://`, inflates it and shows the table as from the
 * server, names outside ASCII included.
 */

import { assert, assertEquals, assertMatch } from "@std/assert";
import { join, toFileUrl } from "@std/path";
import { launchChromium } from "../scripts/_chromium.ts";
import { rowNames, watchedPage } from "./_browser.ts";
import { runCli } from "./_cli.ts";
import { dict, edge, entry, key } from "./_marshal_writer.ts";
import { loadProfile } from "../lib/pstats/read.ts";
import { allowedHosts, createHandler } from "../lib/server.ts";

const FUNCTIONS = 3_000;

/**
 * A cProfile-like file: each function called by up to four others, times in
 * whole nanoseconds as cProfile takes them; one name outside ASCII.
 */
function profileBytes(): Uint8Array {
  let seed = 7;
  const next = () => (seed = (Math.imul(seed, 48271) >>> 0) % 0x7fffffff);
  const name = (i: number) => i === 42 ? "données_café" : `f${i}`;
  const file = (i: number) => `/srv/app/pkg${i % 40}/module${i % 7}.py`;
  const entries: [Uint8Array, Uint8Array][] = [];
  for (let i = 0; i < FUNCTIONS; i++) {
    const callers: [Uint8Array, Uint8Array][] = [];
    for (let c = 1; c <= i % 5 && c <= i; c++) {
      const j = (i * 7 + c * 13) % i;
      const calls = 1 + next() % 50;
      const tt = (next() % 1_000_000) * 1e-9;
      callers.push([key(file(j), j + 1, name(j)), edge(calls, calls, tt, tt)]);
    }
    const tt = (next() % 10_000_000) * 1e-9;
    entries.push([
      key(file(i), i + 1, name(i)),
      entry(1 + i % 9, 1 + i % 9, tt, tt + 1e-3, dict(...callers)),
    ]);
  }
  return dict(...entries);
}

Deno.test({
  name:
    "a report carries its data compressed, and Chromium shows the table from it offline",
  async fn() {
    const dir = await Deno.makeTempDir();
    const browser = await launchChromium();
    const problems: string[] = [];
    try {
      const input = join(dir, "many.pstats");
      const bytes = profileBytes();
      await Deno.writeFile(input, bytes);
      const report = join(dir, "report.html");
      const result = await runCli(["--html", report, input]);
      assertEquals(result.code, 0, result.stderr);

      // What the server sends for the page's table, against what the
      // report carries for it.
      const served = await createHandler({
        profile: loadProfile([{ source: input, bytes }]),
        isAllowedHost: allowedHosts("127.0.0.1", 8099),
      })(new Request("http://127.0.0.1:8099/api/profile"));
      const servedLength = (await served.arrayBuffer()).byteLength;
      const page = new TextDecoder("windows-1252").decode(
        await Deno.readFile(report),
      );
      const data = page.match(
        /data-path="\/api\/profile" data-length="(\d+)">([^<]*)</,
      );
      if (data === null) throw new Error("No profile in the report");
      assertEquals(Number(data[1]), servedLength);
      // gzip and base64, as reports were once written, took 0.65 of it.
      assert(
        data[2]!.length < 0.5 * servedLength,
        `${data[2]!.length} characters for ${servedLength} bytes`,
      );

      const tab = await watchedPage(browser, problems, { offline: true });
      await tab.goto(toFileUrl(report).href);
      await tab.waitForSelector("tbody tr.row");
      assertEquals(
        (await tab.textContent(".status"))?.trim(),
        `${FUNCTIONS.toLocaleString("en-US")} functions`,
      );
      await tab.fill("#filter", "café");
      await tab.waitForFunction(() => location.search.includes("q="));
      assertEquals(
        (await tab.textContent(".status"))?.trim(),
        `1 of ${FUNCTIONS.toLocaleString("en-US")} functions`,
      );
      assertEquals(await rowNames(tab), ["données_café"]);
      // The URL keeps the name as UTF-8, whatever the page's own encoding.
      await tab.reload();
      await tab.waitForSelector("tbody tr.row");
      assertEquals(await tab.inputValue("#filter"), "café");
      assertEquals(await rowNames(tab), ["données_café"]);
      // Sorted by name, with the order the page works out itself.
      await tab.goto(`${toFileUrl(report).href}?sort=name&desc=0`);
      await tab.waitForSelector("tbody tr.row");
      assertEquals((await rowNames(tab)).slice(0, 3), [
        "données_café",
        "f0",
        "f1",
      ]);
      assertMatch(await tab.title(), /^many\.pstats · /);
      assertEquals(problems, []);
    } finally {
      await browser.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
