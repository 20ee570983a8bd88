/**
 * The web explorer's speed in a real browser (headless Chromium through
 * playwright-core), on a large profile: time from starting the command to the
 * first table on screen (painted, by the clock the page and this script
 * share), then each filter keystroke, a sort, opening
 * callers and callees, and the flame graph (opening it, zooming, hovering),
 * each measured in the page from the event to the next painted frame. Run by `deno task bench`; alone:
 *
 *     deno run --allow-all scripts/bench_browser.ts FILE.pstats [RUNS]
 *
 * The first table is timed RUNS times (default 1), each in a new tab of the
 * running browser as the command opens one, against the faster of the
 * command line's runs just before and after it (the browser idle then), and
 * min and median are printed; the last run goes on to time the rest.
 *
 * The browser: CHROMIUM, a system Chromium or npm's (scripts/_chromium.ts).
 */
import type { Page } from "playwright-core";
import { explorerUrl } from "./_bench_tools.ts";
import { chromiumSettled, launchChromium } from "./_chromium.ts";
import { fromFileUrl } from "@std/path";

const MAIN = fromFileUrl(new URL("../main.ts", import.meta.url));
const [file, runsArg = "1"] = Deno.args;
/** How many times the first table is timed (the last run goes on). */
const RUNS = Number(runsArg);
if (file === undefined || !(Number.isInteger(RUNS) && RUNS >= 1)) {
  console.error("usage: bench_browser.ts FILE.pstats [FIRST_TABLE_RUNS]");
  Deno.exit(2);
}

/** In-page: run an action, then wait for two frames (the change is painted). */
async function timed(page: Page, action: string): Promise<number> {
  return Number(
    await page.evaluate(`(async () => {
      const start = performance.now();
      ${action};
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      return performance.now() - start;
    })()`),
  );
}

/**
 * The command line's own load of the file, as a whole process (a report of
 * one row): what the first table on screen is measured against.
 */
async function cliLoad(): Promise<number> {
  const start = performance.now();
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, "-f", "table", "-n", "1", file!],
    stdout: "null",
    stderr: "null",
  }).output();
  if (!output.success) throw new Error("The command line failed");
  return performance.now() - start;
}
const cli = [await cliLoad()];

/** A process's peak resident memory in MB (Linux), or null elsewhere. */
async function peakMb(pid: number): Promise<number | null> {
  try {
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    const kb = status.match(/^VmHWM:\s+(\d+) kB/m)?.[1];
    return kb === undefined ? null : Number(kb) * 1024 / 1e6;
  } catch {
    return null;
  }
}

const browser = await launchChromium();

/** A new tab, as the command opens for each run. */
async function newTab(): Promise<Page> {
  const tab = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  // Every task that kept the page's main thread busy over 50 ms (a keystroke
  // then waits), to find the longest once the call graph is in.
  await tab.addInitScript(`new PerformanceObserver((list) => {
    globalThis.__longTasks ??= [];
    for (const e of list.getEntries()) globalThis.__longTasks.push([e.startTime, e.duration]);
  }).observe({ type: "longtask", buffered: true })`);
  tab.on("pageerror", (e) => console.log("pageerror:", String(e)));
  tab.on("console", (m) => {
    if (Deno.env.get("BENCH_DEBUG")) console.log("page:", m.text());
  });
  return tab;
}
let page = await newTab();

/** One start of the command, up to its first table on screen. */
interface Started {
  child: Deno.ChildProcess;
  reader: ReadableStreamDefaultReader<string>;
  /** When the command started, on the clock pages share (ms since the epoch). */
  startedEpoch: number;
  /** When it started serving, ms after it started. */
  serving: number;
  /** When the page was asked for, ms after the command started. */
  gotoAt: number;
  /** When the page painted its first table, ms after the command started. */
  firstTable: number;
  /** When the driver heard of it, ms after the command started. */
  detected: number;
}

/**
 * Starts the command once the browser has settled, opens its page and waits
 * for the first table on screen. Its clock includes loading the file,
 * serving the page, the download and the first render, not the browser's
 * launch or the new page's start-up.
 */
async function startAndShow(): Promise<Started> {
  await chromiumSettled();
  const started = performance.now();
  const startedEpoch = performance.timeOrigin + started;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, "--port", "0", "--no-open", file!],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const { url, reader } = await explorerUrl(
    child.stdout,
    "The explorer exited",
  );
  const serving = performance.now() - started;
  const gotoAt = performance.now() - started;
  await page.goto(url);
  // When the page painted the first table, by its own clock, from a mark it
  // sets then. Waited for without polling: a driver polling every frame
  // (as waitForSelector does) keeps the browser drawing frames, which costs
  // the two cores more than a page that only waits for its data does.
  const shownAt = Number(
    await page.evaluate(`new Promise((resolve) => {
      const name = "profiling-explorer:shown";
      const known = performance.getEntriesByName(name)[0];
      if (known) return resolve(known.startTime);
      new PerformanceObserver((list, observer) => {
        const mark = list.getEntriesByName(name)[0];
        if (mark) {
          observer.disconnect();
          resolve(mark.startTime);
        }
      }).observe({ type: "mark" });
    })`),
  );
  // The driver hears of it later by however long the message takes to
  // reach it while the two cores are busy with the rest of the profile.
  const detected = performance.now() - started;
  const firstTable = Number(await page.evaluate(`performance.timeOrigin`)) +
    shownAt - startedEpoch;
  return {
    child,
    reader,
    startedEpoch,
    serving,
    gotoAt,
    firstTable,
    detected,
  };
}

/** Ends a started command. */
async function stop({ child, reader }: Started): Promise<void> {
  child.kill("SIGINT");
  await reader.cancel();
  await child.status;
}

// The first table, timed RUNS times: each run against the faster of the
// command line's runs just before and after it. The last run goes on to
// time the rest.
const firstTables: number[] = [];
const ratios: number[] = [];
let run: Started | undefined;
try {
  for (let k = 0; k < RUNS; k++) {
    run = await startAndShow();
    firstTables.push(run.firstTable);
    if (k < RUNS - 1) {
      // Stopped before the command line runs, which has the machine to
      // itself as it has before the first run.
      await stop(run);
      run = undefined;
      await page.close();
      cli.push(await cliLoad());
      page = await newTab();
      ratios.push(firstTables[k]! / Math.min(...cli.slice(-2)));
    }
  }
} catch (error) {
  if (run !== undefined) await stop(run);
  await browser.close();
  throw error;
}
const { child, reader, startedEpoch, serving, gotoAt, firstTable, detected } =
  run!;
const results: [string, number[], number][] = [];
const levelsAgain: number[] = [];
try {
  await page.waitForSelector("tbody tr.row", { timeout: 60_000 });
  const functions = await page.textContent(".status");
  if (Deno.env.get("BENCH_DEBUG")) {
    console.log(
      await page.evaluate(
        `JSON.stringify(performance.getEntries().map((e) => [e.name.slice(-30), e.entryType, Math.round(e.startTime), Math.round(e.duration), Math.round(e.responseStart ?? 0)]))`,
      ),
    );
    console.log("goto at", gotoAt.toFixed(0));
  }
  // Once the call graph is in, the page precomputes sorts and searches while
  // idle: let it finish, and time what follows from then.
  const edgesBy = performance.now() + 300_000;
  while (
    !await page.evaluate(
      `performance.getEntriesByName("profiling-explorer:edges").length > 0`,
    )
  ) {
    if (performance.now() > edgesBy) throw new Error("The edges never came");
    await new Promise((r) => setTimeout(r, 100));
  }
  await page.waitForTimeout(3000);
  const measuring = Number(await page.evaluate("performance.now()"));

  // Filter keystrokes: the term grows one character at a time.
  const keystrokes: number[] = [];
  const term = "site-packages get";
  for (let i = 1; i <= term.length; i++) {
    keystrokes.push(
      await timed(
        page,
        `const input = document.querySelector("#filter");
         input.value = ${JSON.stringify(term.slice(0, i))};
         input.dispatchEvent(new Event("input", { bubbles: true }))`,
      ),
    );
  }
  const clear = `const input = document.querySelector("#filter");
    input.value = ""; input.dispatchEvent(new Event("input", { bubbles: true }))`;
  await timed(page, clear);

  // Sorts: every column header, then each again (reversed); the location
  // header has two buttons, by file and line and by name.
  const sorts: number[] = [];
  const textSorts: number[] = [];
  for (
    const button of [
      "th.calls button",
      "th.internal button",
      "th.location button",
      "th.location button:nth-of-type(2)",
      "th.cumulative button",
    ]
  ) {
    for (let twice = 0; twice < 2; twice++) {
      const time = await timed(
        page,
        `document.querySelector(${JSON.stringify(button)}).click()`,
      );
      sorts.push(time);
      if (button.startsWith("th.location")) textSorts.push(time);
    }
  }

  // Callers and callees of the first rows, then back.
  const opens: number[] = [];
  for (let row = 0; row < 3; row++) {
    for (const which of [0, 1]) {
      opens.push(
        await timed(
          page,
          `document.querySelectorAll("tbody tr.row")[${row}]
             .querySelectorAll("td.links a")[${which}].click()`,
        ),
      );
      if (!(await page.$("tr.focal"))) throw new Error("no focal row");
      await page.goBack();
      await page.waitForSelector("tr.focal", { state: "detached" });
    }
  }
  // The flame graph: the first opening draws the call tree the page grew
  // while idle (every frame, up to its cap); then zooming into frames and
  // back, and hovering across the width.
  const flameOpen: number[] = [];
  const openFlame =
    `document.querySelector("nav.views a[href*='tab=flame']").click()`;
  const openTable =
    `document.querySelector("nav.views a:not([href*='tab=flame'])").click()`;
  flameOpen.push(await timed(page, openFlame));
  // On a large profile the call graph may still be on its way: wait for it
  // (the flame graph shows once the edges are in), and time the opening again.
  if (!(await page.$("canvas.flame-canvas"))) {
    await page.waitForSelector("canvas.flame-canvas", { timeout: 300_000 });
    await timed(page, openTable);
    flameOpen[0] = await timed(page, openFlame);
  }
  if (!(await page.$("canvas.flame-canvas"))) throw new Error("no flame graph");
  const flameFrames = await page.textContent(".status");
  for (let i = 0; i < 4; i++) {
    await timed(page, openTable);
    flameOpen.push(await timed(page, openFlame));
  }
  const canvas = `document.querySelector("canvas.flame-canvas")`;
  const at = (event: string, x: number, depth: number) =>
    `const c = ${canvas}; const b = c.getBoundingClientRect();
     c.dispatchEvent(new MouseEvent(${JSON.stringify(event)}, {
       bubbles: true, clientX: b.left + ${x}, clientY: b.top + ${depth} * 20 + 10,
     }))`;
  /** Zooms into the frame at `x` of rows 1 to 3 and back, each timed. */
  const zoomAndBack = async (x: number) => {
    const times: number[] = [];
    for (let depth = 1; depth <= 3; depth++) {
      const zoom = await timed(page, at("click", x, depth));
      // A made-up frame, or a tree of roots only: nothing to zoom into.
      if (!page.url().includes("z=")) break;
      times.push(zoom, await timed(page, "history.back()"));
      await page.waitForTimeout(50);
    }
    return times;
  };
  /** Hovers across the graph, at a row that changes with `x`, each timed. */
  const hoverAcross = async (row: (x: number) => number) => {
    const times: number[] = [];
    for (let x = 10; x < 1270; x += 60) {
      times.push(await timed(page, at("mousemove", x, row(x))));
    }
    return times;
  };
  const zooms = await zoomAndBack(5);
  const hovers = await hoverAcross((x) => 2 + (x % 3));
  // The default draws every frame (up to the page's cap); then a
  // threshold, 0.1%: a tree built and drawn on asking.
  const select = `const s = document.querySelector(".threshold select");
    s.value = "0.001"; s.dispatchEvent(new Event("change", { bubbles: true }))`;
  const threshold = [await timed(page, select)];
  const cutFrames = await page.textContent(".status");
  const cutHovers = await hoverAcross((x) => 3 + (x % 5));
  threshold.push(...await zoomAndBack(2));
  if (Deno.env.get("BENCH_DEBUG")) {
    console.log(keystrokes.map((t) => t.toFixed(0)).join(" "));
    console.log("flame", flameOpen.map((t) => t.toFixed(0)).join(" "));
  }

  // Groups: switch to the groups view, then between levels (the first visit
  // of a level builds its groups), then open rows of the directory tree.
  const levels: number[] = [];
  levels.push(
    await timed(
      page,
      `document.querySelector('a.tab[href*="tab=groups"]').click()`,
    ),
  );
  await page.waitForSelector("#group-by");
  const level = (by: string) =>
    `const select = document.querySelector("#group-by");
     select.value = "${by}";
     select.dispatchEvent(new Event("change", { bubbles: true }))`;
  for (const round of [0, 1]) {
    for (const by of ["package", "file", "function", "directory"]) {
      const time = await timed(page, level(by));
      (round === 0 ? levels : levelsAgain).push(time);
    }
  }
  if (Deno.env.get("BENCH_DEBUG")) {
    console.log(page.url(), await page.textContent(".status"));
  }
  // Largest first, so the tree's top rows are the big directories.
  if (
    (await page.getAttribute("th.cumulative", "aria-sort")) !== "descending"
  ) {
    await page.click("th.cumulative button");
  }
  const expands: number[] = [];
  for (let i = 0; i < 6; i++) {
    // Open the first closed row in view: a directory, then what it holds.
    expands.push(
      await timed(
        page,
        `(document.querySelector('tbody tr.row[aria-expanded="false"]:has(.dir) button.toggle') ??
          document.querySelector('tbody tr.row[aria-expanded="false"] button.toggle')).click()`,
      ),
    );
  }
  const groupRows = await page.$$eval(
    "tbody tr.row",
    (rows) => rows.length,
  );
  if (groupRows < 10) throw new Error("the groups did not open");
  if (Deno.env.get("BENCH_DEBUG")) {
    console.log(keystrokes.map((t) => t.toFixed(0)).join(" "));
    console.log("levels", levels.map((t) => t.toFixed(0)).join(" "));
    console.log("again", levelsAgain.map((t) => t.toFixed(0)).join(" "));
  }
  results.push(["filter keystroke", keystrokes, 100]);
  results.push(["sort (click a header)", sorts, 200]);
  results.push(["sort by location or name", textSorts, 200]);
  results.push(["open callers or callees", opens, 100]);
  results.push(["flame: first open", flameOpen.slice(0, 1), 100]);
  results.push(["flame: open again", flameOpen.slice(1), 100]);
  results.push(["flame: zoom in or out", zooms, 100]);
  results.push(["flame: hover a frame", hovers, 33]);
  results.push([`0.1%: build+draw`, threshold.slice(0, 1), 1000]);
  results.push([`0.1%: zoom, back`, threshold.slice(1), 100]);
  results.push([`0.1%: hover`, cutHovers, 33]);
  results.push(["group: first visit of a level", levels, 100]);
  results.push(["group: switch level again", levelsAgain, 100]);
  results.push(["group: open a tree row", expands, 100]);

  console.log(
    `\nWeb explorer in headless Chromium: ${functions}; flame graph: ${flameFrames}`,
  );
  cli.push(await cliLoad());
  const cliBest = Math.min(...cli.slice(-2));
  ratios.push(firstTable / cliBest);
  console.log(
    `  serving after ${(serving / 1000).toFixed(2)} s; first table on screen ${
      (firstTable / 1000).toFixed(2)
    } s after starting the command, ${
      (firstTable / cliBest).toFixed(2)
    }× the command line's own load and report (${
      (cliBest / 1000).toFixed(2)
    } s, the faster of two runs before and after; target: 1.3×); the driver saw it at ${
      (detected / 1000).toFixed(2)
    } s`,
  );
  if (RUNS > 1) {
    const median = (xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      const mid = sorted.length >> 1;
      return sorted.length % 2
        ? sorted[mid]!
        : (sorted[mid - 1]! + sorted[mid]!) / 2;
    };
    console.log(
      `  over ${RUNS} runs (min / median): first table ${
        (Math.min(...firstTables) / 1000).toFixed(2)
      } / ${(median(firstTables) / 1000).toFixed(2)} s, ${
        Math.min(...ratios).toFixed(2)
      }× / ${
        median(ratios).toFixed(2)
      }× the command line (each run against the faster of its runs just before and after; ${
        ratios.filter((r) => r <= 1.3).length
      } of ${RUNS} within 1.3×: ${ratios.map((r) => r.toFixed(2)).join(" ")})`,
    );
  }
  // Where the time after the load goes, by the page's marks: the server's
  // answer (load done), then for the first rows (when the server gave them)
  // the first query, draw and paint, and for the whole profile the
  // functions in, decoded, the query, the draw and the paint.
  const marks = JSON.parse(
    await page.evaluate(`JSON.stringify((() => {
      const marks = {};
      for (const e of performance.getEntriesByType("mark")) {
        if (e.name.startsWith("profiling-explorer:")) {
          (marks[e.name.slice(19)] ??= []).push(e.startTime);
        }
      }
      for (const e of performance.getEntriesByType("resource")) {
        const path = new URL(e.name).pathname;
        if (path === "/api/first" || path === "/api/profile") {
          marks[path] = [e.responseStart];
        }
      }
      return marks;
    })())`),
  ) as Record<string, number[]>;
  const pageOrigin = Number(await page.evaluate(`performance.timeOrigin`));
  const steps = (list: [string, number | undefined][]) => {
    let previous: number | null = null;
    const parts: string[] = [];
    for (const [name, at] of list) {
      if (at === undefined) continue;
      const since = pageOrigin + at - startedEpoch;
      parts.push(
        previous === null
          ? `${name} at ${(since / 1000).toFixed(2)} s`
          : `${name} +${(since - previous).toFixed(0)} ms`,
      );
      previous = since;
    }
    return parts.join(", ");
  };
  const firstRows = marks["first-rows"] !== undefined;
  if (firstRows) {
    console.log(
      `  first rows: ${
        steps([
          ["answered", marks["/api/first"]?.[0]],
          ["in", marks["first-rows"]?.[0]],
          ["queried", marks["queried"]?.[0]],
          ["drawn", marks["drawn"]?.[0]],
          ["painted", marks["shown"]?.[0]],
        ])
      }`,
    );
  }
  const whole = firstRows ? 1 : 0;
  console.log(
    `  ${firstRows ? "whole table" : "after the load"}: ${
      steps([
        ["answered", marks["/api/profile"]?.[0]],
        ["functions in", marks["functions-in"]?.[0]],
        ["decoded", marks["decoded"]?.[0]],
        ["queried", marks["queried"]?.[whole]],
        ["drawn", marks["drawn"]?.[whole]],
        ["painted", marks["whole"]?.[0]],
      ])
    }`,
  );
  const edgesMark = Number(
    await page.evaluate(
      `performance.getEntriesByName("profiling-explorer:edges")[0]?.startTime ?? NaN`,
    ),
  );
  console.log(
    `  call graph (edges) in ${
      ((gotoAt + edgesMark) / 1000).toFixed(2)
    } s after starting the command (the page's own clock from its navigation)`,
  );
  // The name and file sort order: sent by the server, or computed by the
  // page itself (an older server or report).
  const order = JSON.parse(
    await page.evaluate(`JSON.stringify(performance
      .getEntriesByName("profiling-explorer:order")
      .map((e) => [e.startTime, e.detail]))`),
  ) as [number, string][];
  if (Deno.env.get("BENCH_DEBUG")) {
    console.log(
      "long tasks (start, duration) after the edges at",
      edgesMark.toFixed(0),
      await page.evaluate(`JSON.stringify(globalThis.__longTasks ?? [])`),
      "measuring from",
      measuring.toFixed(0),
    );
  }
  const longest = Math.max(
    0,
    ...(JSON.parse(
      await page.evaluate(`JSON.stringify(globalThis.__longTasks ?? [])`),
    ) as [number, number][]).filter(([start]) =>
      start >= edgesMark && start < measuring
    ).map((
      [, duration],
    ) => duration),
  );
  console.log(
    `  longest main-thread task between the call graph's arrival and the first keystroke: ${
      longest.toFixed(0)
    } ms; name and file order ${
      order[0] === undefined
        ? "not marked"
        : `from the ${order[0][1]}, ${
          ((gotoAt + order[0][0]) / 1000).toFixed(2)
        } s after starting the command`
    }`,
  );
  for (const [name, times, target] of results) {
    if (times.length === 0) {
      console.log(`  ${name.padEnd(24)} none (no frame to zoom into)`);
      continue;
    }
    const sorted = [...times].sort((a, b) => a - b);
    const median = sorted[sorted.length >> 1]!;
    const worst = sorted.at(-1)!;
    console.log(
      `  ${name.padEnd(24)} median ${median.toFixed(0).padStart(4)} ms, worst ${
        worst.toFixed(0).padStart(4)
      } ms over ${times.length} (target: ${target} ms)`,
    );
  }
  // Memory: the page's JavaScript heap (after a collection) and the server's
  // peak resident size, against the file's size.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("HeapProfiler.collectGarbage");
  const heap = await cdp.send("Runtime.getHeapUsage") as { usedSize: number };
  const fileMb = (await Deno.stat(file!)).size / 1e6;
  const serverMb = await peakMb(child.pid);
  console.log(
    `  memory: file ${fileMb.toFixed(0)} MB; page heap ${
      (heap.usedSize / 1e6).toFixed(0)
    } MB (${
      (heap.usedSize / 1e6 / fileMb).toFixed(1)
    }× the file); server peak ${
      serverMb === null
        ? "unknown"
        : `${serverMb.toFixed(0)} MB (${
          (serverMb / fileMb).toFixed(1)
        }× the file; target: 3×)`
    }`,
  );
  console.log(
    "  (the earlier profiling-explorer waits 300 ms after each keystroke, then re-renders 200 rows on the server)",
  );
  console.log(
    "  (each figure runs from the event to the second painted frame after it, so 17 to 33 ms is the floor)",
  );
  console.log(
    `  ("0.1%": the flame graph with branches under 0.1% of the total cut, ${cutFrames})`,
  );
} finally {
  await browser.close();
  child.kill("SIGINT");
  await reader.cancel();
  await child.status;
}
