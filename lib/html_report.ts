/**
 * A self-contained HTML report: the web explorer's page with its script,
 * style and icon inline, and the bytes it would load from the server
 * embedded in it (gzip, then base64), so that it opens from `file://`
 * without a server or a network. The page reads them through the same
 * `ProfileSource` interface as from the server (`ui/source.ts`), so every
 * view the page has is in the report.
 *
 * The page keeps a strict Content-Security-Policy, in a `<meta>` element:
 * the inline script and style are allowed by their SHA-256 hashes, nothing
 * may be fetched, and there is no `unsafe-eval` or `unsafe-inline`.
 *
 * @module
 */

import type { UiAssets } from "./assets.ts";

export type { UiAssets };

/**
 * The type of the `<script>` elements that hold embedded data: not
 * JavaScript, so the browser neither runs them nor applies the CSP to them.
 */
export const EMBEDDED_DATA_TYPE = "application/x-profiling-explorer";

/**
 * The `<meta name="generator">` of every report, near the top of the file:
 * how a program tells a report it may replace from a file it must not touch.
 */
export const REPORT_GENERATOR = "profiling-explorer html report";

/** The `<meta name>` of the view a report opens on (`start`). */
export const START_META = "profiling-explorer-start";

/** Options for {@linkcode htmlReport}. */
export interface HtmlReportOptions {
  /** The page, as the server sends it (the built page's `UI_ASSETS`). */
  readonly assets: UiAssets;
  /**
   * The bytes the page loads, by the path it loads them from, exactly as the
   * server sends them (for a profile, `/api/profile`).
   */
  readonly data: ReadonlyMap<string, Uint8Array>;
  /**
   * The view the page opens on when its URL names none, as a query string
   * such as `?tab=groups&by=package` (the server's `--by` opens it so).
   */
  readonly start?: string;
  /** The page's title until the profile is loaded. */
  readonly title?: string;
  /** Called as the data is compressed, with bytes done and bytes in all. */
  readonly onProgress?: (done: number, total: number) => void;
  /**
   * Source files to carry (`--html-source`), as the JSON the page reads
   * (`ui/source_files.ts`), and the `--editor-url` template the page
   * follows to open them.
   */
  readonly sources?: {
    readonly json: string;
    readonly editorUrl: string | null;
  };
}

/** The type of the `<script>` element that holds embedded source files. */
export const EMBEDDED_SOURCE_TYPE = "application/x-profiling-explorer-source";

/**
 * Makes the HTML report's file.
 *
 * @example
 * ```ts
 * import { htmlReport, type UiAssets } from "./html_report.ts";
 * import { assertMatch, assertStringIncludes } from "@std/assert";
 *
 * // The built page is ui/bundle.gen.ts's UI_ASSETS; a small one here.
 * const assets: UiAssets = {
 *   html: '<!doctype html><html><head><meta charset="utf-8">' +
 *     '<link rel="stylesheet" href="/assets/app-1.css">' +
 *     '<script type="module" src="/assets/app-1.js"></script>' +
 *     "</head><body></body></html>",
 *   script: { path: "/assets/app-1.js", body: 'document.title = "hi";' },
 *   style: { path: "/assets/app-1.css", body: "body { margin: 0 }" },
 *   favicon: '<svg xmlns="http://www.w3.org/2000/svg"/>',
 * };
 * const parts = await htmlReport({
 *   assets,
 *   data: new Map([["/api/profile", new Uint8Array([1, 2, 3])]]),
 * });
 * const page = new TextDecoder().decode(
 *   await new Blob(parts).arrayBuffer(),
 * );
 * assertStringIncludes(page, 'data-path="/api/profile"');
 * assertMatch(page, /script-src 'sha256-[A-Za-z0-9+\/]+=*'/);
 * ```
 *
 * @param options The page's assets and the data to embed.
 * @returns The file's contents, in parts to be written in order.
 */
export async function htmlReport(
  options: HtmlReportOptions,
): Promise<Uint8Array<ArrayBuffer>[]> {
  const { assets } = options;
  const script = _safeInScript(assets.script.body);
  const style = assets.style.body.replace(/<\/style/gi, "<\\/style");
  const csp = [
    "default-src 'none'",
    `script-src '${await _sha256(script)}'`,
    `style-src '${await _sha256(style)}'`,
    "img-src data:",
    "base-uri 'none'",
    "form-action 'none'",
    "require-trusted-types-for 'script'",
    "trusted-types lit-html",
  ].join("; ");
  const icon = `data:image/svg+xml;base64,${
    _base64(new TextEncoder().encode(assets.favicon))
  }`;
  const head = assets.html
    .replace(
      /<meta charset="utf-8">/i,
      () =>
        `<meta charset="utf-8">\n    <meta http-equiv="Content-Security-Policy" content="${csp}">\n    <meta name="generator" content="${REPORT_GENERATOR}">${
          options.start === undefined
            ? ""
            : `\n    <meta name="${START_META}" content="${
              _escape(options.start)
            }">`
        }`,
    )
    .replace(/\s*<link rel="preload"[^>]*>/g, "")
    .replace(/<link rel="icon"[^>]*>/, `<link rel="icon" href="${icon}">`)
    .replace(/<link rel="stylesheet"[^>]*>/, () => `<style>${style}</style>`)
    .replace(
      /<script type="module" src="[^"]*"><\/script>/,
      () => `<script type="module">${script}</script>`,
    )
    .replace(
      /<title>[^<]*<\/title>/,
      () => `<title>${_escape(options.title ?? "profiling-explorer")}</title>`,
    );
  if (!head.includes(`<script type="module">`) || !head.includes("<style>")) {
    throw new Error("The page's HTML has no script or style link to inline");
  }
  const end = head.lastIndexOf("</body>");
  const encoder = new TextEncoder();
  const parts: Uint8Array<ArrayBuffer>[] = [encoder.encode(head.slice(0, end))];
  const total = [...options.data.values()].reduce((n, b) => n + b.length, 0);
  let done = 0;
  for (const [path, bytes] of options.data) {
    const packed = await _gzip(bytes, (n) => {
      options.onProgress?.(done + n, total);
    });
    done += bytes.length;
    parts.push(encoder.encode(
      `<script type="${EMBEDDED_DATA_TYPE}" data-path="${
        _escape(path)
      }" data-length="${bytes.length}">`,
    ));
    parts.push(encoder.encode(_base64(packed)));
    parts.push(encoder.encode("</script>\n"));
  }
  if (options.sources !== undefined) {
    const { json, editorUrl } = options.sources;
    parts.push(encoder.encode(
      `<script type="${EMBEDDED_SOURCE_TYPE}"${
        editorUrl === null ? "" : ` data-editor-url="${_escape(editorUrl)}"`
      }>`,
    ));
    // JSON can hold "</script>": its < written as an escape it reads back.
    parts.push(encoder.encode(json.replaceAll("<", "\\u003c")));
    parts.push(encoder.encode("</script>\n"));
  }
  parts.push(encoder.encode(head.slice(end)));
  return parts;
}

/** Makes a script safe to put between `<script>` and `</script>`. */
function _safeInScript(script: string): string {
  // Inside JavaScript strings, regular expressions and comments, "<\/" and
  // "<\!" mean what "</" and "<!" do; they appear nowhere else.
  return script.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

function _escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(
    />/g,
    "&gt;",
  ).replace(/"/g, "&quot;");
}

async function _sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(text),
  );
  return `sha256-${_base64(new Uint8Array(digest))}`;
}

function _base64(bytes: Uint8Array): string {
  return (bytes as Uint8Array & { toBase64(): string }).toBase64();
}

async function _gzip(
  bytes: Uint8Array,
  onProgress: (done: number) => void,
): Promise<Uint8Array> {
  const chunk = 4 << 20;
  let at = 0;
  const input = new ReadableStream<BufferSource>({
    pull(controller) {
      if (at >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(at, at + chunk));
      at += chunk;
      onProgress(Math.min(at, bytes.length));
    },
  });
  const packed = input.pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(packed).arrayBuffer());
}
