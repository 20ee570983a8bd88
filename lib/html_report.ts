/**
 * A self-contained HTML report: the web explorer's page with its script,
 * style and icon inline, and the bytes it would load from the server
 * embedded in it, so that it opens from `file://` without a server or a
 * network. The page reads them through the same `ProfileSource` interface as
 * from the server (`ui/source.ts`), so every view the page has is in the
 * report.
 *
 * The bytes are packed for compression, gzip-compressed and written as they
 * are, one byte a character, into a page encoded in windows-1252
 * (`report_bytes.ts`); the page's own text is kept to ASCII for that (other
 * characters are written as escapes). The report is written as it is made,
 * a part at a time, never held whole.
 *
 * The page keeps a strict Content-Security-Policy, in a `<meta>` element:
 * the inline script and style are allowed by their SHA-256 hashes, nothing
 * may be fetched, and there is no `unsafe-eval` or `unsafe-inline`.
 *
 * @module
 */

import type { UiAssets } from "./assets.ts";
import { ColumnPacker, escapeBytes } from "./report_bytes.ts";

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

/**
 * Bytes to embed, given a chunk at a time (say, a response's body) rather
 * than whole.
 */
export interface EmbeddedData {
  /** How many bytes there are in all. */
  readonly length: number;
  /** The bytes, in order. */
  readonly chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

/** Options for {@linkcode htmlReport}. */
export interface HtmlReportOptions {
  /** The page, as the server sends it (the built page's `UI_ASSETS`). */
  readonly assets: UiAssets;
  /**
   * The bytes the page loads, by the path it loads them from, exactly as the
   * server sends them (for a profile, `/api/profile`).
   */
  readonly data: ReadonlyMap<string, Uint8Array | EmbeddedData>;
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
 * Makes the HTML report's file, a part at a time: each part is made when
 * the one before has been taken, so that the report is never held whole.
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
 * const parts = await Array.fromAsync(htmlReport({
 *   assets,
 *   data: new Map([["/api/profile", new Uint8Array([1, 2, 3])]]),
 * }));
 * const page = new TextDecoder("windows-1252").decode(
 *   await new Blob(parts).arrayBuffer(),
 * );
 * assertStringIncludes(page, 'data-path="/api/profile"');
 * assertStringIncludes(page, '<meta charset="windows-1252">');
 * assertMatch(page, /script-src 'sha256-[A-Za-z0-9+\/]+=*'/);
 * ```
 *
 * @param options The page's assets and the data to embed.
 * @returns The file's contents, in parts to be written in order.
 */
export async function* htmlReport(
  options: HtmlReportOptions,
): AsyncGenerator<Uint8Array<ArrayBuffer>> {
  const { assets } = options;
  const script = _safeInScript(_asciiScript(assets.script.body));
  const style = _asciiStyle(assets.style.body).replace(
    /<\/style/gi,
    "<\\/style",
  );
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
  const head = _asciiHtml(assets.html)
    .replace(
      /<meta charset="utf-8">/i,
      () =>
        `<meta charset="windows-1252">\n    <meta http-equiv="Content-Security-Policy" content="${csp}">\n    <meta name="generator" content="${REPORT_GENERATOR}">${
          options.start === undefined
            ? ""
            : `\n    <meta name="${START_META}" content="${
              _asciiHtml(_escape(options.start))
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
      () =>
        `<title>${
          _asciiHtml(_escape(options.title ?? "profiling-explorer"))
        }</title>`,
    );
  if (
    !head.includes(`<script type="module">`) || !head.includes("<style>") ||
    !head.includes('<meta charset="windows-1252">')
  ) {
    throw new Error(
      "The page's HTML has no charset, script or style link to inline",
    );
  }
  const end = head.lastIndexOf("</body>");
  const encoder = new TextEncoder(); // ASCII only: the same bytes in windows-1252
  yield encoder.encode(head.slice(0, end));
  const entries = [...options.data].map(([path, data]) =>
    [
      path,
      data instanceof Uint8Array
        ? { length: data.length, chunks: [data] }
        : data,
    ] as const
  );
  const total = entries.reduce((n, [, data]) => n + data.length, 0);
  let done = 0;
  for (const [path, data] of entries) {
    yield encoder.encode(
      `<script type="${EMBEDDED_DATA_TYPE}" data-path="${
        _escape(path)
      }" data-length="${data.length}">`,
    );
    for await (
      const part of _packed(data.chunks, (n) => {
        done += n;
        options.onProgress?.(done, total);
      })
    ) {
      yield escapeBytes(part) as Uint8Array<ArrayBuffer>;
    }
    yield encoder.encode("</script>\n");
  }
  if (options.sources !== undefined) {
    const { json, editorUrl } = options.sources;
    yield encoder.encode(
      `<script type="${EMBEDDED_SOURCE_TYPE}"${
        editorUrl === null
          ? ""
          : ` data-editor-url="${_asciiHtml(_escape(editorUrl))}"`
      }>`,
    );
    // JSON can hold "</script>": its < written as an escape it reads back,
    // as is every character outside ASCII (the page is windows-1252).
    yield encoder.encode(_asciiJson(json.replaceAll("<", "\\u003c")));
    yield encoder.encode("</script>\n");
  }
  yield encoder.encode(head.slice(end));
}

/**
 * The bytes packed (an encoded profile's columns regrouped) and
 * gzip-compressed, as they come; `taken` is told of each input chunk.
 */
async function* _packed(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  taken: (n: number) => void,
): AsyncGenerator<Uint8Array> {
  const gzip = new CompressionStream("gzip");
  const writer = gzip.writable.getWriter();
  const reader = gzip.readable.getReader();
  const packer = new ColumnPacker("pack");
  let stop = false;
  // Fed while the output is read: each waits for the other as it must.
  const feeding = (async () => {
    try {
      for await (const chunk of chunks) {
        if (stop) break;
        const bytes = chunk as Uint8Array<ArrayBuffer>; // never shared
        for (const part of packer.push(bytes)) await writer.write(part);
        taken(chunk.length);
      }
      for (const part of packer.end()) await writer.write(part);
      await writer.close();
    } catch (error) {
      // The output ends with the error, rather than waiting for more.
      await writer.abort(error).catch(() => {});
      throw error;
    }
  })();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield value;
    }
    await feeding;
  } finally {
    stop = true;
    await reader.cancel().catch(() => {});
    await feeding.catch(() => {});
  }
}

/** Makes a script safe to put between `<script>` and `</script>`. */
function _safeInScript(script: string): string {
  // Inside JavaScript strings, regular expressions and comments, "<\/" and
  // "<\!" mean what "</" and "<!" do; they appear nowhere else.
  return script.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

/**
 * A script's text in ASCII: other characters as `\uXXXX` escapes, which
 * mean the same in strings, templates and regular expressions (and nothing
 * in comments). An identity escape (`\` before such a character) loses
 * its backslash.
 */
function _asciiScript(script: string): string {
  return script.replace(
    /(\\*)([\x80-\uffff])/g,
    (_, slashes: string, c: string) =>
      slashes.slice(slashes.length % 2) +
      `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** JSON's text in ASCII: other characters as `\uXXXX` escapes. */
function _asciiJson(json: string): string {
  return json.replace(
    /[\x80-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** A style sheet's text in ASCII: other characters as CSS escapes. */
function _asciiStyle(style: string): string {
  return style.replace(
    /[\u0080-\u{10ffff}]/gu,
    (c) => `\\${c.codePointAt(0)!.toString(16)} `,
  );
}

/** HTML in ASCII: other characters as character references. */
function _asciiHtml(html: string): string {
  return html.replace(
    /[\u0080-\u{10ffff}]/gu,
    (c) => `&#x${c.codePointAt(0)!.toString(16)};`,
  );
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
