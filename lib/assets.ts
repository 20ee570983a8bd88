/**
 * The shape of the web page's assets, which the server sends and the HTML
 * report inlines. `deno task build` bundles `ui/` into `ui/bundle.gen.ts`,
 * whose `UI_ASSETS` is a {@linkcode UiAssets}; the program's entry passes it
 * in, so that nothing in `lib/` depends on the page being built.
 *
 * @module
 */

/**
 * The web page: its HTML, its script and style sheet (at paths named by
 * their hash), and its icon.
 *
 * @example
 * ```ts
 * import type { UiAssets } from "./assets.ts";
 *
 * const page: UiAssets = {
 *   html: '<!doctype html><html><head><meta charset="utf-8">' +
 *     '<link rel="stylesheet" href="/assets/app-1.css">' +
 *     '<script type="module" src="/assets/app-1.js"></script>' +
 *     "</head><body></body></html>",
 *   script: { path: "/assets/app-1.js", body: 'document.title = "hi";' },
 *   style: { path: "/assets/app-1.css", body: "body { margin: 0 }" },
 *   favicon: '<svg xmlns="http://www.w3.org/2000/svg"/>',
 * };
 * ```
 */
export interface UiAssets {
  /** The page. */
  readonly html: string;
  /** The page's script, at a path named by its hash. */
  readonly script: { readonly path: string; readonly body: string };
  /** The page's style sheet, at a path named by its hash. */
  readonly style: { readonly path: string; readonly body: string };
  /** The icon (SVG). */
  readonly favicon: string;
}

/**
 * The `<meta name>` by which the server's page says, before anything loads,
 * that it compares two runs: `lib/server.ts` writes it, the page reads it
 * to offer the Compare tab from the start (and never for one profile).
 */
export const COMPARING_META = "profiling-explorer-comparing";
