/**
 * The web explorer's HTTP handler: the page (embedded at build time from
 * `ui/`), the whole profile in the binary form of `wire.ts`, and a small JSON
 * API over the same query code as the terminal report.
 *
 * The handler is a pure function from a `Request` to a `Response`;
 * `cli/serve.ts` serves it with `serveHttp()` (`http_server.ts`). No route
 * reads a file, and no HTML response contains profile text: the page fetches
 * the profile from the API.
 *
 * Routes (all `GET`, and `HEAD` for the same):
 *
 * | Path                          | Response                                  |
 * | ----------------------------- | ----------------------------------------- |
 * | `/`                           | the page (`assets`; 404 without)          |
 * | `/favicon.svg`                | the icon                                  |
 * | `/assets/app-HASH.js`, `.css` | the page's script and style (immutable)   |
 * | `/api/profile`                | the profile from `encodeProfile()`        |
 * | `/api/first`                  | the first rows, while that is on its way  |
 * | `/api/base`                   | the same of the base when comparing (204) |
 * | `/api/order`                  | the name and file sort order (binary)     |
 * | `/api/base/order`             | the same of the base when comparing (204) |
 * | `/api/compare`                | the two runs compared, paged (404)        |
 * | `/api/functions`              | functions, filtered, sorted and paged     |
 * | `/api/functions/:id`          | one function                              |
 * | `/api/functions/:id/callers`  | the edges into a function                 |
 * | `/api/functions/:id/callees`  | the edges out of a function               |
 * | `/api/collapsed`              | the call tree as folded stacks (text)     |
 * | `/api/source`                 | a source file the profile names (JSON)    |
 * | `/api/sources`                | the files the profile names, found or not |
 * | `POST /api/open`              | opens a file in the editor (JSON)         |
 *
 * `/api/first` takes the list routes' parameters and answers the JSON of
 * `encodeFirstRows()` (`lib/first_rows.ts`): the rows the page draws first,
 * while it waits for the whole profile; 204 for a profile small enough to
 * come as fast whole (see `HandlerOptions.firstRowsFrom`).
 *
 * The list routes take `q` (filter terms), `sort` (a `SortColumn`), `desc`
 * (`1`/`0`, `true`/`false`), `offset` and `limit` (default 100, at most
 * 10,000). `/api/collapsed` takes `min` (cut branches under this percentage
 * of the total, default 0.1), `q` (only paths through matching functions),
 * `t` (transforms, `merge:wrapper`, repeated, applied in order: see
 * `lib/call_transform.ts`) and `fn` with `direction` (`callees`, default,
 * or `callers`) for the tree of one function. `/api/compare` takes `q`,
 * `sort` (a `CompareSortColumn`), `desc`, `offset`, `limit`, `only` (kinds
 * of change, `slower,added`) and `threshold` (the noise threshold as
 * `--threshold` takes it, `0.5,5` by default), and answers the JSON report
 * of `--format json --base` with `total` and `offset` added.
 *
 * `/api/source` and `/api/open` are answered by `lib/source_routes.ts`
 * (the only routes that read a file, by the rules of
 * `lib/source_access.ts`), when the handler is given `sources`; the page's
 * HTML then carries `page` (the secret `/api/open` asks for) in a `<meta>`.
 *
 * @module
 */

import { COMPARING_META, type UiAssets } from "./assets.ts";
import {
  collapsedQuery,
  compareQueryOptions,
  functionIdParam,
  HttpError,
  queryOptions,
} from "./api_params.ts";
import { edgeRow, functionRow, pageInfo } from "./api_rows.ts";
import { collapsedText, type HeavyWork, HeavyWorkError } from "./heavy_work.ts";
import type { Profile } from "./profile.ts";
import {
  queryCallees,
  queryCallers,
  queryFunctions,
  textOrder,
} from "./query.ts";
import { encodeProfileParts } from "./wire.ts";
import { encodeFirstRows } from "./first_rows.ts";
import { encodeTextOrder } from "./order_wire.ts";
import {
  compareProfiles,
  type Comparison,
  queryComparison,
} from "./compare.ts";
import { compareJsonReport } from "./compare_report.ts";
import {
  openResponse,
  type PageMeta,
  pageMeta,
  sourceResponse,
  type SourceServing,
  sourcesResponse,
} from "./source_routes.ts";

export type { HeavyWork, PageMeta, SourceServing, UiAssets };
// The types those name, so the handler's options are documented whole.
export type { CollapsedQuery } from "./heavy_work.ts";
export type { SourceCatalog } from "./source_access.ts";
export type { EditorLaunch } from "./editor.ts";
export type { LaunchOutcome } from "./editor_launch.ts";
export { allowedHosts } from "./allowed_hosts.ts";
export { MAX_LIMIT } from "./api_params.ts";
export type { EdgeRow, FunctionRow } from "./api_rows.ts";

/** Options for {@linkcode createHandler}. */
export interface HandlerOptions {
  /**
   * The page to serve at `/`, with its icon, script and style: the built
   * page, `UI_ASSETS` of `ui/bundle.gen.ts`, which the program's entry
   * imports. Without it only the API answers (the page's paths get 404),
   * which is all the HTML report needs.
   */
  readonly assets?: UiAssets;
  /**
   * The profile to serve (the "after" side when comparing), or a promise of
   * it while it loads: the page and its assets are answered at once, so the
   * browser starts while a large profile is read, and the `/api/` routes
   * answer once it is in (503 Service Unavailable, with the reason, if it
   * could not be loaded).
   */
  readonly profile: Profile | PromiseLike<Profile>;
  /**
   * The profile before, when comparing two runs (or a promise of it, as for
   * `profile`): served at `/api/base` in the same form as `/api/profile`;
   * without it `/api/base` answers 204 No Content.
   */
  readonly base?: Profile | PromiseLike<Profile | undefined>;
  /**
   * Whether two runs are compared, known before `base` resolves: the page
   * then says so (`COMPARING_META`) and offers its Compare tab while the
   * runs load, and never for one profile. Without it, whether `base` is a
   * profile given as one.
   */
  readonly comparing?: boolean;
  /**
   * Whether a request's `Host` header names this server; others get 403.
   * Make one with {@linkcode allowedHosts}.
   */
  isAllowedHost(host: string): boolean;
  /** Called with any error a route throws (the client gets a 500). */
  onError?(error: unknown): void;
  /**
   * Where the folded stacks of `/api/collapsed` are worked out, whose cost
   * can grow faster than the profile: with a {@linkcode HeavyWork}, in its
   * worker, within its time limit, while the other requests are answered;
   * without one, on the thread that answers every request.
   */
  heavyWork?: HeavyWork;
  /**
   * From how many functions `/api/first` answers the first rows (fewer get
   * 204: the whole profile comes about as fast). Defaults to
   * {@linkcode FIRST_ROWS_FROM}.
   */
  firstRowsFrom?: number;
  /**
   * What the source and editor routes need (or a promise of it, while the
   * profile loads); without it they answer 404.
   */
  sources?: SourceServing | PromiseLike<SourceServing>;
  /** What the page's HTML tells the page about sources and the editor. */
  page?: PageMeta;
}

/** How long the first rows' turn lasts once the runtime has their answer. */
const _FIRST_SENT_MS = 5;

/** From how many functions `/api/first` answers, unless told otherwise. */
export const FIRST_ROWS_FROM = 20_000;

/**
 * The routes whose whole bytes the page loads through a `ProfileSource`
 * (`ui/source.ts`). An HTML report (`lib/html_report.ts`) embeds what each
 * of them answers (a 204 or 404, such as `/api/base` when not comparing, is left
 * out), so a route added here is in every report too.
 */
export const PAGE_DATA_PATHS: readonly string[] = [
  "/api/profile",
  "/api/base",
  "/api/order",
  "/api/base/order",
];

const _CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types lit-html",
].join("; ");

const _COMMON_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-resource-policy": "same-origin",
};

interface _Route {
  readonly pattern: URLPattern;
  /** Whether the route answers from the profile (and so waits for it). */
  readonly data: boolean;
  /** Whether it goes before the other routes that waited for the profile. */
  readonly first?: boolean;
  readonly get: (
    url: URL,
    groups: Record<string, string | undefined>,
  ) => Response | Promise<Response>;
}

/**
 * An encoded profile's parts as one streamed response: views of the
 * profile's columns, functions first, so nothing is copied and the page can
 * show the table before the edges have arrived.
 */
function _encodedResponse(chunks: Uint8Array<ArrayBuffer>[]): Response {
  const length = chunks.reduce((n, part) => n + part.length, 0);
  let next = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const part = chunks[next++];
      if (part === undefined) controller.close();
      else controller.enqueue(part);
    },
  });
  return new Response(body, {
    headers: {
      ..._COMMON_HEADERS,
      "content-type": "application/octet-stream",
      "content-length": String(length),
      "cache-control": "no-store",
    },
  });
}

/**
 * Makes the explorer's request handler for a profile.
 *
 * @example
 * ```ts
 * import { allowedHosts, createHandler } from "./server.ts";
 * import { createProfile } from "./profile.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const profile = createProfile({
 *   sources: ["run.pstats"],
 *   sampled: false,
 *   edgeDetail: true,
 *   functions: {
 *     file: ["app.py"],
 *     shortFile: ["app.py"],
 *     line: Int32Array.of(1),
 *     name: ["main"],
 *     calls: Float64Array.of(1),
 *     primitiveCalls: Float64Array.of(1),
 *     internalTime: Float64Array.of(0.5),
 *     cumulativeTime: Float64Array.of(0.5),
 *   },
 *   edges: {
 *     caller: new Uint32Array(0),
 *     callee: new Uint32Array(0),
 *     calls: new Float64Array(0),
 *     primitiveCalls: new Float64Array(0),
 *     internalTime: new Float64Array(0),
 *     cumulativeTime: new Float64Array(0),
 *   },
 * });
 * const handler = createHandler({
 *   profile,
 *   isAllowedHost: allowedHosts("127.0.0.1", 8000),
 * });
 * const response = await handler(
 *   new Request("http://127.0.0.1:8000/api/functions?sort=name"),
 * );
 * const body = await response.json();
 * assertEquals(body.total, 1);
 * assertEquals(body.rows[0].label, "app.py:1(main)");
 * ```
 *
 * @param options The profile and the allowed hosts.
 * @returns A handler for `serveHttp()` (or `Deno.serve`).
 */
export function createHandler(
  options: HandlerOptions,
): (request: Request) => Promise<Response> {
  // The profiles, once loaded (the routes that use them wait for that).
  let profile: Profile;
  let base: Profile | undefined;
  let loading: Promise<void> | undefined;
  // The requests that waited for `loading` resume each in a turn of its own,
  // the first rows' before the others, and the first rows' turn lasts until
  // their answer has gone out: the page's first rows do not wait for the
  // whole profile's encoding. A turn resolves with the function that ends it.
  const waiting: { first: boolean; resume: (end: () => void) => void }[] = [];
  let busy = false;
  const nextTurn = () => {
    const i = waiting.findIndex((w) => w.first);
    const [next] = waiting.splice(i < 0 ? 0 : i, 1);
    if (next === undefined) {
      busy = false;
      return;
    }
    let ended = false;
    next.resume(() => {
      if (ended) return;
      ended = true;
      if (waiting.length > 0) setTimeout(nextTurn, 0);
      else busy = false;
    });
  };
  const turn = (first: boolean) =>
    new Promise<() => void>((resume) => {
      waiting.push({ first, resume });
      // Those that wait now are all in the queue when the turns begin.
      if (!busy) {
        busy = true;
        setTimeout(nextTurn, 0);
      }
    });
  if (_isThenable(options.profile) || _isThenable(options.base)) {
    loading = Promise.all([options.profile, options.base]).then(([p, b]) => {
      profile = p;
      base = b;
      loading = undefined;
    });
    loading.catch(() => {}); // answered to each request that waits for it
  } else {
    profile = options.profile;
    base = options.base;
  }
  let parts: Uint8Array<ArrayBuffer>[] | undefined;
  let baseParts: Uint8Array<ArrayBuffer>[] | undefined;
  // The name and file sort orders, worked out on the first request.
  let order: Uint8Array<ArrayBuffer> | undefined;
  let baseOrder: Uint8Array<ArrayBuffer> | undefined;
  let comparison: Comparison | undefined;
  const fn = (groups: Record<string, string | undefined>) =>
    functionIdParam(profile, groups["id"]);
  // `/api/functions/:id/callers` and `…/callees`: the other function's row
  // with the edge's numbers.
  const edges = (
    url: URL,
    groups: Record<string, string | undefined>,
    callers: boolean,
  ) => {
    const id = fn(groups);
    const query = queryOptions(url.searchParams);
    const result = (callers ? queryCallers : queryCallees)(profile, id, query);
    const other = callers ? profile.edges.caller : profile.edges.callee;
    return _json({
      function: functionRow(profile, id),
      ...pageInfo(result, query),
      rows: Array.from(
        result.ids,
        (edge) => edgeRow(profile, edge, other[edge]!),
      ),
    });
  };

  const routes: _Route[] = [
    ...(options.assets === undefined ? [] : _pageRoutes(
      options.assets,
      options.page,
      options.comparing ??
        (options.base !== undefined && !_isThenable(options.base)),
    )),
    _route("/api/profile", () => {
      parts ??= encodeProfileParts(profile);
      return _encodedResponse(parts);
    }),
    _route("/api/first", (url) => {
      if (profile.size < (options.firstRowsFrom ?? FIRST_ROWS_FROM)) {
        return _noContent();
      }
      const text = encodeFirstRows(
        profile,
        queryOptions(url.searchParams),
        base !== undefined,
      );
      return _respond(text, "application/json; charset=utf-8", "no-store");
    }, true),
    _route("/api/base", () => {
      // Not comparing: nothing, without an error in the browser's console.
      if (base === undefined) return _noContent();
      baseParts ??= encodeProfileParts(base);
      return _encodedResponse(baseParts);
    }),
    _route("/api/order", () => {
      order ??= encodeTextOrder(textOrder(profile));
      return _respond(order, "application/octet-stream", "no-store");
    }),
    _route("/api/base/order", () => {
      if (base === undefined) return _noContent();
      baseOrder ??= encodeTextOrder(textOrder(base));
      return _respond(baseOrder, "application/octet-stream", "no-store");
    }),
    _route("/api/compare", (url) => {
      if (base === undefined) {
        throw new HttpError(
          404,
          "Not comparing: start with --base BEFORE.pstats AFTER.pstats",
        );
      }
      comparison ??= compareProfiles(base, profile);
      const query = compareQueryOptions(url.searchParams);
      const result = queryComparison(comparison, query);
      const report = [
        ...compareJsonReport(comparison, result.rows, query),
      ].join("");
      // The report of `--format json`, with the count and offset of the page.
      return new Response(
        `{"total":${result.total},"offset":${query.offset},${report.slice(1)}`,
        {
          headers: {
            ..._COMMON_HEADERS,
            "content-type": "application/json; charset=utf-8",
            "cache-control": "no-store",
          },
        },
      );
    }),
    _route("/api/functions", (url) => {
      const query = queryOptions(url.searchParams);
      const result = queryFunctions(profile, query);
      return _json({
        ...pageInfo(result, query),
        rows: Array.from(result.ids, (id) => functionRow(profile, id)),
      });
    }),
    _route(
      "/api/functions/:id",
      (_url, groups) => _json(functionRow(profile, fn(groups), true)),
    ),
    _route(
      "/api/functions/:id/callers",
      (url, groups) => edges(url, groups, true),
    ),
    _route(
      "/api/functions/:id/callees",
      (url, groups) => edges(url, groups, false),
    ),
    _route("/api/collapsed", (url) => {
      const query = collapsedQuery(profile, url.searchParams);
      if (options.heavyWork === undefined) {
        return _collapsedResponse(collapsedText(profile, query));
      }
      return options.heavyWork.collapsed(profile, query).then(
        _collapsedResponse,
        (error) => {
          if (!(error instanceof HeavyWorkError)) throw error;
          const response = _error(error.status, error.message, true);
          if (error.status === 503) response.headers.set("retry-after", "1");
          return response;
        },
      );
    }),
  ];

  return async (request: Request): Promise<Response> => {
    let api = false;
    try {
      // A server builds the URL from the Host header: a malformed one
      // (`127.0.0.1:8099.`, a space, two ports) is the client's error.
      const url = URL.parse(request.url);
      if (url === null) {
        return _error(400, "Bad request: malformed Host header", false);
      }
      api = url.pathname.startsWith("/api/");
      const host = request.headers.get("host") ?? url.host;
      if (!options.isAllowedHost(host)) {
        return _error(
          403,
          "Forbidden: this server does not answer to that Host",
          false,
        );
      }
      if (
        url.pathname === "/api/source" || url.pathname === "/api/sources" ||
        url.pathname === "/api/open"
      ) {
        return await _sourceRoute(request, url, options.sources);
      }
      for (const route of routes) {
        const match = route.pattern.exec({ pathname: url.pathname });
        if (match === null) continue;
        if (request.method !== "GET" && request.method !== "HEAD") {
          const response = _error(
            405,
            `Method not allowed: ${request.method}`,
            api,
          );
          response.headers.set("allow", "GET, HEAD");
          return response;
        }
        let endTurn: (() => void) | undefined;
        if (route.data && loading !== undefined) {
          try {
            await loading;
          } catch (error) {
            return _loadFailed(error, api);
          }
          endTurn = await turn(route.first === true);
        }
        try {
          const answer = route.get(url, match.pathname.groups);
          // Work done elsewhere (a worker) holds no turn while it runs.
          if (answer instanceof Promise) {
            endTurn?.();
            endTurn = undefined;
          }
          const response = await answer;
          if (request.method === "HEAD") return await _head(response);
          if (route.first && endTurn !== undefined) {
            const end = endTurn;
            endTurn = undefined;
            // Taken is not yet written: the socket gets a few ms to it.
            return _whenSent(response, () => setTimeout(end, _FIRST_SENT_MS));
          }
          return response;
        } finally {
          endTurn?.();
        }
      }
      return _error(404, "Not found", api);
    } catch (error) {
      if (error instanceof HttpError) {
        return _error(error.status, error.message, api);
      }
      try {
        options.onError?.(error);
      } catch {
        // A failing logger must not take the server down.
      }
      return _error(500, "Internal server error", api);
    }
  };
}

/** The 503 answer when the profile failed to load. */
function _loadFailed(error: unknown, api: boolean): Response {
  return _error(
    503,
    `The profile could not be loaded: ${
      error instanceof Error ? error.message : error
    }`,
    api,
  );
}

/** `/api/source` (GET) and `/api/open` (POST), when there are sources. */
async function _sourceRoute(
  request: Request,
  url: URL,
  sources: SourceServing | PromiseLike<SourceServing> | undefined,
): Promise<Response> {
  const open = url.pathname === "/api/open";
  const allowed = open ? ["POST"] : ["GET", "HEAD"];
  if (!allowed.includes(request.method)) {
    const response = _error(405, `Method not allowed: ${request.method}`, true);
    response.headers.set("allow", allowed.join(", "));
    return response;
  }
  if (sources === undefined) {
    return _error(404, "This explorer serves no source files", true);
  }
  let serving: SourceServing;
  try {
    serving = await sources;
  } catch (error) {
    return _loadFailed(error, true);
  }
  const response = open
    ? await openResponse(request, serving)
    : url.pathname === "/api/sources"
    ? await sourcesResponse(serving)
    : await sourceResponse(url, serving);
  for (const [name, value] of Object.entries(_COMMON_HEADERS)) {
    response.headers.set(name, value);
  }
  return request.method === "HEAD" ? await _head(response) : response;
}

/**
 * The answer to a HEAD request: the GET response's status and headers with
 * no body, and the length the body would have.
 */
async function _head(response: Response): Promise<Response> {
  const headers = new Headers(response.headers);
  if (!headers.has("content-length") && response.body !== null) {
    headers.set(
      "content-length",
      String((await response.arrayBuffer()).byteLength),
    );
  } else {
    await response.body?.cancel();
  }
  return new Response(null, { status: response.status, headers });
}

/** A route that answers from the profile. */
/**
 * The same response, calling `sent` once the runtime has taken the whole
 * body (or the client went away).
 */
function _whenSent(response: Response, sent: () => void): Response {
  if (response.body === null) {
    sent();
    return response;
  }
  const reader = response.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) {
        controller.close();
        sent();
      } else controller.enqueue(value);
    },
    async cancel(reason) {
      sent();
      await reader.cancel(reason);
    },
  });
  return new Response(body, response);
}

function _route(
  pathname: string,
  get: _Route["get"],
  first = false,
): _Route {
  return { pattern: new URLPattern({ pathname }), data: true, first, get };
}

/**
 * The page's routes: the page (saying whether it compares two runs, and
 * what it may do with sources), its icon, script and style.
 */
function _pageRoutes(
  assets: UiAssets,
  meta: PageMeta | undefined,
  comparing: boolean,
): _Route[] {
  let page = meta === undefined
    ? assets.html
    : assets.html.replace("</head>", `${pageMeta(meta)}\n</head>`);
  if (comparing) {
    page = page.replace(
      /<meta charset="utf-8">/i,
      (charset) =>
        `${charset}\n    <meta name="${COMPARING_META}" content="1">`,
    );
  }
  return [
    _static(
      "/",
      () =>
        _respond(page, "text/html; charset=utf-8", "no-cache", {
          "content-security-policy": _CSP,
        }),
    ),
    _static(
      "/favicon.svg",
      () => _respond(assets.favicon, "image/svg+xml", "no-cache"),
    ),
    _static(assets.script.path, () =>
      _respond(
        assets.script.body,
        "text/javascript; charset=utf-8",
        "public, max-age=31536000, immutable",
      )),
    _static(assets.style.path, () =>
      _respond(
        assets.style.body,
        "text/css; charset=utf-8",
        "public, max-age=31536000, immutable",
      )),
  ];
}

/** A route that answers the same whatever the profile: the page's files. */
function _static(pathname: string, get: _Route["get"]): _Route {
  return { pattern: new URLPattern({ pathname }), data: false, get };
}

function _isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | undefined)?.then === "function";
}

function _respond(
  body: string | Uint8Array<ArrayBuffer>,
  contentType: string,
  cacheControl: string,
  extra: Record<string, string> = {},
): Response {
  return new Response(body, {
    headers: {
      ..._COMMON_HEADERS,
      "content-type": contentType,
      "cache-control": cacheControl,
      ...extra,
    },
  });
}

/** A 204 No Content: nothing to send, and no error in a browser's console. */
function _noContent(): Response {
  return new Response(null, {
    status: 204,
    headers: { ..._COMMON_HEADERS, "cache-control": "no-store" },
  });
}

function _json(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), {
    status,
    headers: {
      ..._COMMON_HEADERS,
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
    },
  });
}

function _error(status: number, message: string, json: boolean): Response {
  if (json) return _json({ error: message }, status);
  return new Response(message + "\n", {
    status,
    headers: {
      ..._COMMON_HEADERS,
      "content-type": "text/plain; charset=utf-8",
      "cache-control": "no-store",
    },
  });
}

/** `/api/collapsed`: the call tree as folded stacks. */
function _collapsedResponse(text: string): Response {
  return _respond(text, "text/plain; charset=utf-8", "no-store");
}
