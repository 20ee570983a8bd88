/**
 * Helpers for the tests that drive the page in a real browser: serve a
 * fixture on a free port, collect what the page reports as broken, read the
 * URL, and take the light and dark screenshots in tests/output/.
 */
import { assert, assertEquals } from "@std/assert";
import { fromFileUrl } from "@std/path";
import type { Browser, BrowserContextOptions, Page } from "playwright-core";
import type { Profile } from "../lib/profile.ts";
import { FIXTURES_URL } from "./_fixtures.ts";
import { loadProfile } from "../lib/pstats/read.ts";
import {
  allowedHosts,
  createHandler,
  type HandlerOptions,
} from "../lib/server.ts";
import { UI_ASSETS } from "./_page.ts";
import { type HttpServer, serveHttp } from "../lib/http_server.ts";
import { launchChromium } from "../scripts/_chromium.ts";

/** Where the screenshots go, ending in `/`. */
export const OUTPUT: string = fromFileUrl(
  new URL("./output/", import.meta.url),
);

/** Reads one fixture (a name relative to `dir`) as a profile. */
export async function loadFixture(
  name: string,
  dir: URL = FIXTURES_URL,
): Promise<Profile> {
  const bytes = await Deno.readFile(new URL(name, dir));
  return loadProfile([{ source: name, bytes }]);
}

/** A server on a free port of 127.0.0.1, and its address. */
export interface Served {
  server: HttpServer;
  url: string;
}

/**
 * Serves the profile (compared with `base` when given) the way the program
 * does, on a free port; shut the server down when done.
 */
export function serveProfile(profile: Profile, base?: Profile): Served {
  return serveWith({ profile, ...(base === undefined ? {} : { base }) });
}

/**
 * Serves with the program's handler made with these options (a profile
 * still loading, say), on a free port; shut the server down when done.
 */
export function serveWith(
  options: Omit<HandlerOptions, "isAllowedHost">,
): Served {
  let handler = (_request: Request) =>
    Promise.resolve(new Response("Not ready", { status: 503 }));
  const server = serveHttp(
    { hostname: "127.0.0.1", port: 0 },
    (request) => handler(request),
  );
  const { port } = server.addr;
  handler = createHandler({
    assets: UI_ASSETS,
    ...options,
    isAllowedHost: allowedHosts("127.0.0.1", port),
  });
  return { server, url: `http://127.0.0.1:${port}/` };
}

/** Serves one fixture of tests/fixtures/; the profile comes back too. */
export async function serve(
  fixture: string,
): Promise<Served & { profile: Profile }> {
  const profile = await loadFixture(fixture);
  return { ...serveProfile(profile), profile };
}

/** Adds every uncaught error and console error of the page to `problems`. */
export function collectProblems(page: Page, problems: string[]): void {
  page.on("pageerror", (error) => problems.push(String(error)));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
}

/**
 * A new 1280×720 page in a context of its own (closing the page closes
 * it), whose problems {@linkcode collectProblems} collects.
 *
 * @param options More for the context: offline, a colour scheme, …
 */
export async function watchedPage(
  browser: Browser,
  problems: string[],
  options: BrowserContextOptions = {},
): Promise<Page> {
  const page = await browser.newPage({
    viewport: { width: 1280, height: 720 },
    ...options,
  });
  collectProblems(page, problems);
  return page;
}

/** What {@linkcode withPage} takes beside the servers and the body. */
export interface PageOptions {
  /** More for the page's context: offline, a colour scheme, … */
  context?: BrowserContextOptions;
  /** The problems the page may report (a 404 the test provokes, say). */
  allowed?: (problem: string) => boolean;
}

/**
 * Launches Chromium, runs `body` with a page of its own
 * ({@linkcode watchedPage}), and then checks that the page reported no
 * problems (but those `allowed`); the browser closes and the `servers` shut
 * down whatever happens.
 */
export async function withPage(
  servers: Served[],
  body: (page: Page, problems: string[], browser: Browser) => Promise<void>,
  options: PageOptions = {},
): Promise<void> {
  const { context = {}, allowed = () => false } = options;
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const problems: string[] = [];
    const page = await watchedPage(browser, problems, context);
    await body(page, problems, browser);
    await page.close();
    assertEquals(problems.filter((problem) => !allowed(problem)), []);
  } finally {
    await browser?.close();
    for (const { server } of servers) await server.shutdown();
  }
}

/**
 * The visible rows' function names, top to bottom.
 *
 * @param table A selector for the table, when the page shows more than one
 * kind (`table.compare`).
 */
export async function rowNames(page: Page, table = ""): Promise<string[]> {
  return await page.$$eval(
    `${table} tbody tr.row .name`.trim(),
    (cells) => cells.map((cell) => cell.textContent ?? ""),
  );
}

/**
 * Filters the table, follows the first row's callers link, and checks that
 * the URL says so and that the table shows `focal` with its `callers`.
 */
export async function openCallers(
  page: Page,
  filter: string,
  focal: string,
  callers: string[],
): Promise<void> {
  await page.fill("#filter", filter);
  await page.click("tbody tr.row td.links a >> text=callers");
  await page.waitForSelector("tr.focal");
  assertEquals(param(page, "view"), "callers");
  assertEquals(await page.textContent("tr.focal .name"), focal);
  assertEquals((await rowNames(page)).sort(), callers);
}

/** A parameter of the page's URL. */
export function param(page: Page, name: string): string | null {
  return new URL(page.url()).searchParams.get(name);
}

/**
 * Screenshots the page into tests/output/NAME.png, which must not be blank
 * (over 10 kB).
 *
 * @returns The file's path.
 */
export async function saveScreenshot(
  page: Page,
  name: string,
): Promise<string> {
  await Deno.mkdir(OUTPUT, { recursive: true });
  const path = `${OUTPUT}${name}.png`;
  await page.screenshot({ path });
  assert((await Deno.stat(path)).size > 10_000, path);
  return path;
}

/** One screenshot: its name, the page's query string, the window's width. */
export type Shot = [name: string, search: string, width: number];

/**
 * Takes each shot in a light and a dark window (`NAME-light.png`,
 * `NAME-dark.png`), each once `ready` is on the page; the pages' uncaught
 * errors go to `problems`.
 */
export async function screenshotThemes(
  browser: Browser,
  problems: string[],
  url: string,
  ready: string,
  shots: Shot[],
): Promise<void> {
  for (const scheme of ["light", "dark"] as const) {
    const themed = await browser.newContext({ colorScheme: scheme });
    try {
      const shot = await themed.newPage();
      shot.on("pageerror", (error) => problems.push(String(error)));
      for (const [view, search, width] of shots) {
        await shot.setViewportSize({ width, height: 720 });
        await shot.goto(`${url}${search}`);
        await shot.waitForSelector(ready);
        await saveScreenshot(shot, `${view}-${scheme}`);
      }
    } finally {
      await themed.close();
    }
  }
}
