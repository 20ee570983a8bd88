/// <reference lib="dom" />
/**
 * A stand-in for an HTML report's page, for the tests of
 * `EmbeddedProfileSource` (`ui/source.ts`) that run without a browser.
 */

import { htmlReport, type UiAssets } from "../lib/html_report.ts";

/** A page small enough for `htmlReport()` to inline. */
const _ASSETS: UiAssets = {
  html: '<!doctype html><html><head><meta charset="utf-8">' +
    '<link rel="stylesheet" href="/a.css">' +
    '<script type="module" src="/a.js"></script></head><body></body></html>',
  script: { path: "/a.js", body: "" },
  style: { path: "/a.css", body: "" },
  favicon: "<svg/>",
};

/**
 * A page holding the given data elements as an HTML report writes them
 * (`htmlReport()`), each with the text a browser reads from it.
 */
export async function reportPage(
  data: Record<string, Uint8Array>,
): Promise<ParentNode> {
  const parts = await Array.fromAsync(
    htmlReport({ assets: _ASSETS, data: new Map(Object.entries(data)) }),
  );
  // The browser decodes the page as its <meta charset> says.
  const page = new TextDecoder("windows-1252").decode(
    await new Blob(parts).arrayBuffer(),
  );
  const elements = [
    ...page.matchAll(/<script ([^>]*)>([^<]*)<\/script>/g),
  ].map(([, attributes, text]) => {
    const values = Object.fromEntries(
      [...attributes!.matchAll(/([\w-]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    return {
      textContent: text,
      getAttribute: (name: string) => values[name] ?? null,
    };
  });
  return { querySelectorAll: () => elements } as unknown as ParentNode;
}
