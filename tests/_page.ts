/**
 * The built web page for the tests that serve it: `ui/bundle.gen.ts`, which
 * `deno task build` writes (`deno task test` builds first). It is loaded
 * when the tests run rather than imported, so that the tests type-check on a
 * fresh clone, before any build; only `main.ts` imports it.
 */
import type { UiAssets } from "../lib/assets.ts";

const _BUNDLE = new URL("../ui/bundle.gen.ts", import.meta.url).href;

/** The page, as the program serves it. */
export const UI_ASSETS: UiAssets = (await import(_BUNDLE)).UI_ASSETS;
