/// <reference lib="dom" />
/**
 * Where the page gets its profile from. The page loads the whole profile
 * once through a {@linkcode ProfileSource} and then queries it in the
 * browser; nothing else in the page knows where the data came from.
 *
 * There are two: {@linkcode HttpProfileSource} for the local server, and
 * {@linkcode EmbeddedProfileSource} for the same bytes carried in the page by
 * an HTML report (`lib/html_report.ts`); {@linkcode pageSource} picks one.
 * Every view reads the profile through it, so every view is in the report.
 *
 * When comparing two runs, the source also has the run before (the base):
 * `loadBase()` gives it in the same form, and the page compares the two with
 * `lib/compare.ts`. A source without a base resolves `loadBase()` with
 * `null` (or leaves the method out).
 *
 * While a big profile is on its way, the server can also give the first
 * rows of the page's first table on their own: `loadFirst()` (`null` when
 * it has none), which the page draws until the whole profile is in.
 *
 * The order the sorts by name and by file use is worked out once by the
 * server: `loadOrder()` gives it (`null` when the source has none, as a
 * report, which leaves out what the page can work out), for the page to
 * hand to the profile with `presetTextOrder()` instead of sorting the texts
 * itself.
 *
 * @module
 */

import { COMPARING_META } from "../lib/assets.ts";
import type { Profile } from "../lib/profile.ts";
import { decodeFirstRows, type FirstRows } from "../lib/first_rows.ts";
import type { TextOrder } from "../lib/query.ts";
import { decodeTextOrder } from "../lib/order_wire.ts";
import { decodeProfile, functionsLength } from "../lib/wire.ts";
import { ColumnPacker, EmbeddedTextReader } from "../lib/report_bytes.ts";

/** Which profile's order to load: the profile, or the base when comparing. */
export type OrderSide = "profile" | "base";

/** How far a download has got. */
export interface LoadProgress {
  /** Bytes received so far. */
  readonly loaded: number;
  /** Bytes expected in all, when known. */
  readonly total: number | undefined;
}

/** Options for {@linkcode ProfileSource.load}. */
export interface LoadOptions {
  /** Cancels the load. */
  readonly signal?: AbortSignal;
  /** Called as bytes arrive. */
  readonly onProgress?: (progress: LoadProgress) => void;
  /**
   * Called once, as soon as the functions have arrived, with a profile that
   * has them but no edges yet, so the table can show while the edges (most
   * of the bytes) are still loading. `load()` then resolves with the whole
   * profile. The download waits for the promise it may return (until the
   * table is on screen), so that the rest of the bytes do not compete with
   * drawing it for the machine: tens of megabytes on their way keep the
   * browser and the server busy.
   */
  readonly onFunctions?: (profile: Profile) => void | Promise<void>;
  /**
   * The bytes are read only once this settles: the first rows, drawn while
   * the profile is on its way, are not kept waiting by megabytes arriving.
   */
  readonly readAfter?: Promise<void>;
}

/** A place a profile can be loaded from. */
export interface ProfileSource {
  /** Where the profile comes from, for messages. */
  readonly description: string;
  /**
   * Loads the whole profile.
   *
   * @throws {Error} When it cannot be had; the message says why.
   */
  load(options?: LoadOptions): Promise<Profile>;
  /**
   * Loads the profile before, when comparing two runs: `null` when there is
   * none. `onFunctions` is not called.
   *
   * @throws {Error} When it cannot be had; the message says why.
   */
  loadBase?(options?: LoadOptions): Promise<Profile | null>;
  /**
   * Whether a run before is to come, known before anything loads: the page
   * offers the Compare tab from the start only then (without it, it waits
   * for `loadBase()`).
   */
  comparing?(): boolean;
  /**
   * Loads the name and file sort order of the profile or of the base: `null`
   * when the source has none (the page then works it out itself).
   *
   * @throws {Error} When it cannot be read; the message says why.
   */
  loadOrder?(side: OrderSide): Promise<TextOrder | null>;
  /**
   * Loads the first rows of the functions table for a query, before the
   * whole profile: `null` when the source has none for it (a small profile,
   * or any failure: the whole profile's load reports those).
   */
  loadFirst?(query: FirstRowsQuery): Promise<FirstRows | null>;
}

/** The query the first rows answer: the page's first table. */
export interface FirstRowsQuery {
  /** The filter. */
  readonly filter: string;
  /** The column sorted by. */
  readonly sort: string;
  /** Whether largest first. */
  readonly descending: boolean;
  /** How many rows. */
  readonly limit: number;
}

/**
 * Loads a profile from the server's `/api/profile`, in the binary form of
 * `encodeProfile()`, and the base run when comparing from `/api/base` (which
 * answers 204 No Content when not comparing).
 */
export class HttpProfileSource implements ProfileSource {
  readonly description: string;
  readonly #url: string;
  readonly #baseUrl: string;
  readonly #orderUrls: Readonly<Record<OrderSide, string>>;
  readonly #firstUrl: string;
  readonly #fetch: typeof fetch;

  /**
   * @param url Where the encoded profile is served.
   * @param fetchImpl The `fetch` to use (for tests).
   * @param baseUrl Where the encoded base profile is served when comparing.
   * @param orderUrls Where the profile's and the base's encoded text orders
   * are served.
   * @param firstUrl Where the first rows of a query are served.
   */
  constructor(
    url = "/api/profile",
    fetchImpl: typeof fetch = fetch,
    baseUrl = "/api/base",
    orderUrls: Readonly<Record<OrderSide, string>> = {
      profile: "/api/order",
      base: "/api/base/order",
    },
    firstUrl = "/api/first",
  ) {
    this.#url = url;
    this.#firstUrl = firstUrl;
    this.#baseUrl = baseUrl;
    this.#orderUrls = orderUrls;
    // A bare `fetch` must be called with the global object as `this`.
    this.#fetch = (input, init) => fetchImpl(input, init);
    this.description = url;
  }

  async load(options: LoadOptions = {}): Promise<Profile> {
    return (await this.#load(this.#url, options, false))!;
  }

  loadBase(options: LoadOptions = {}): Promise<Profile | null> {
    const { onFunctions: _, ...rest } = options;
    return this.#load(this.#baseUrl, rest, true);
  }

  /** Whether the server's page says it compares two runs (its `<meta>`). */
  comparing(): boolean {
    return globalThis.document?.querySelector(
      `meta[name="${COMPARING_META}"]`,
    ) != null;
  }

  async loadOrder(side: OrderSide): Promise<TextOrder | null> {
    let response: Response;
    try {
      response = await this.#fetch(this.#orderUrls[side]);
    } catch (error) {
      if (error instanceof TypeError) {
        throw new Error(
          "Could not reach the server: is profiling-explorer still running?",
        );
      }
      throw error;
    }
    // None here (not comparing, or an older server): the page sorts itself.
    if (response.status === 204 || response.status === 404) {
      await response.body?.cancel();
      return null;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(
        `The server answered ${response.status} ${response.statusText}`,
      );
    }
    return decodeTextOrder(new Uint8Array(await response.arrayBuffer()));
  }

  async loadFirst(query: FirstRowsQuery): Promise<FirstRows | null> {
    const params = new URLSearchParams({
      q: query.filter,
      sort: query.sort,
      desc: query.descending ? "1" : "0",
      limit: String(query.limit),
    });
    try {
      const response = await this.#fetch(`${this.#firstUrl}?${params}`);
      if (response.status !== 200) {
        await response.body?.cancel();
        return null;
      }
      return decodeFirstRows(await response.text());
    } catch {
      return null;
    }
  }

  async #load(
    url: string,
    options: LoadOptions,
    optional: boolean,
  ): Promise<Profile | null> {
    let response: Response;
    try {
      response = await this.#fetch(
        url,
        options.signal ? { signal: options.signal } : {},
      );
    } catch (error) {
      if (error instanceof TypeError) {
        throw new Error(
          "Could not reach the server: is profiling-explorer still running?",
        );
      }
      throw error;
    }
    if (optional && response.status === 204) {
      await response.body?.cancel();
      return null;
    }
    if (!response.ok) {
      throw new Error(await _failure(response));
    }
    const { bytes, functions } = await _readAll(response, options);
    // The functions shown early are kept; only the edges are decoded now.
    return decodeProfile(bytes, functions ? { functions } : {});
  }
}

/**
 * What a failed response says: the API's `{"error": …}` message (such as
 * why the profile could not be loaded), or the status and the start of the
 * text.
 */
async function _failure(response: Response): Promise<string> {
  const text = (await response.text()).trim();
  try {
    const { error } = JSON.parse(text);
    if (typeof error === "string") return error;
  } catch {
    // Not the API's JSON: shown as it is.
  }
  return `The server answered ${response.status} ${response.statusText}` +
    (text ? `: ${text.slice(0, 200)}` : "");
}

/**
 * Reads the whole response, handing `onFunctions` the functions as soon as
 * they are in; answers the bytes and that profile of the functions.
 */
async function _readAll(
  response: Response,
  { onProgress, onFunctions, readAfter }: LoadOptions,
): Promise<{ bytes: Uint8Array; functions?: Profile }> {
  let functionsSent = onFunctions === undefined;
  let functionsEnd: number | undefined;
  const length = Number(response.headers.get("content-length") ?? NaN);
  const total = Number.isFinite(length) && length >= 0 ? length : undefined;
  if (response.body === null) return { bytes: new Uint8Array(0) };
  let functions: Profile | undefined;
  await readAfter;
  const reader = response.body.getReader();
  let bytes = new Uint8Array(total ?? 1 << 20);
  let loaded = 0;
  onProgress?.({ loaded, total });
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    if (loaded + value.length > bytes.length) {
      const grown = new Uint8Array(
        Math.max(bytes.length * 2, loaded + value.length),
      );
      grown.set(bytes.subarray(0, loaded));
      bytes = grown;
    }
    bytes.set(value, loaded);
    loaded += value.length;
    onProgress?.({ loaded, total });
    if (!functionsSent) {
      // Known once the header is in; worked out once (the header holds
      // every name, megabytes of them in a big profile).
      functionsEnd ??= functionsLength(bytes.subarray(0, loaded));
      const length = functionsEnd;
      if (length !== undefined && length <= loaded) {
        functionsSent = true;
        performance.mark("profiling-explorer:functions-in");
        functions = decodeProfile(bytes.subarray(0, length), { edges: false });
        performance.mark("profiling-explorer:decoded");
        await onFunctions!(functions);
      }
    }
  }
  const all = bytes.subarray(0, loaded);
  return functions ? { bytes: all, functions } : { bytes: all };
}

/** The type of the page's `<script>` elements that hold embedded data. */
const _EMBEDDED_TYPE = "application/x-profiling-explorer";

/**
 * Loads the profiles an HTML report carries in the page: the bytes the
 * server would send from `/api/profile` (and `/api/base` when comparing) in
 * `<script type="application/x-profiling-explorer" data-path="...">`
 * elements, packed, gzip-compressed and written one byte a character
 * (`lib/report_bytes.ts`), decompressed with the browser's
 * `DecompressionStream`.
 */
export class EmbeddedProfileSource implements ProfileSource {
  readonly description = "the profile in this page";
  readonly #root: ParentNode;

  /** @param root Where the data elements are (the document). */
  constructor(root: ParentNode = document) {
    this.#root = root;
  }

  /** Whether `root` holds a profile, as a report's page does. */
  static isIn(root: ParentNode = document): boolean {
    return _embedded(root, "/api/profile") !== undefined;
  }

  async load(options: LoadOptions = {}): Promise<Profile> {
    const element = _embedded(this.#root, "/api/profile");
    if (element === undefined) throw new Error("This page has no profile");
    return await _loadEmbedded(element, options);
  }

  /** Whether the report carries a run before. */
  comparing(): boolean {
    return _embedded(this.#root, "/api/base") !== undefined;
  }

  async loadBase(options: LoadOptions = {}): Promise<Profile | null> {
    const element = _embedded(this.#root, "/api/base");
    if (element === undefined) return null;
    const { onFunctions: _, ...rest } = options;
    return await _loadEmbedded(element, rest);
  }

  async loadOrder(side: OrderSide): Promise<TextOrder | null> {
    const path = side === "base" ? "/api/base/order" : "/api/order";
    const element = _embedded(this.#root, path);
    // Reports leave it out (the page works it out itself), as did those
    // made before it was sent.
    if (element === undefined) return null;
    try {
      const stream = _embeddedBytes(element, false);
      return decodeTextOrder(
        new Uint8Array(await new Response(stream).arrayBuffer()),
      );
    } catch (error) {
      throw new Error(
        `The sort order in this page is damaged: ${
          error instanceof Error ? error.message : error
        }`,
      );
    }
  }
}

/**
 * Where the page gets its profile: from what it carries if it is an HTML
 * report, else from the server that served it.
 *
 * @param root Where to look for embedded data (the document).
 */
export function pageSource(root: ParentNode = document): ProfileSource {
  return EmbeddedProfileSource.isIn(root)
    ? new EmbeddedProfileSource(root)
    : new HttpProfileSource();
}

function _embedded(root: ParentNode, path: string): Element | undefined {
  for (const element of root.querySelectorAll("script")) {
    if (
      element.getAttribute("type") === _EMBEDDED_TYPE &&
      element.getAttribute("data-path") === path
    ) {
      return element;
    }
  }
  return undefined;
}

async function _loadEmbedded(
  element: Element,
  options: LoadOptions,
): Promise<Profile> {
  const length = element.getAttribute("data-length") ?? "";
  try {
    const response = new Response(_embeddedBytes(element, true), {
      headers: /^\d+$/.test(length) ? { "content-length": length } : {},
    });
    const { bytes, functions } = await _readAll(response, options);
    return decodeProfile(bytes, functions ? { functions } : {});
  } catch (error) {
    throw new Error(
      `The profile in this page is damaged: ${
        error instanceof Error ? error.message : error
      }`,
    );
  }
}

/**
 * The bytes an element carries (see `lib/report_bytes.ts`), decompressed as
 * they are read, and unpacked when `unpack`: read from its text a megabyte
 * at a time, and between the slices a task of the page's own, so that the
 * table, ready once the functions (first in the bytes) are in, is painted
 * while the edges are still being decompressed, which stream callbacks
 * alone would never let happen.
 */
function _embeddedBytes(
  element: Element,
  unpack: boolean,
): ReadableStream<Uint8Array> {
  const text = new EmbeddedTextReader(element.textContent ?? "");
  let first = true;
  const stream = new ReadableStream<Uint8Array<ArrayBuffer>>({
    async pull(controller) {
      if (text.remaining === 0) return controller.close();
      if (!first) await _nextTask();
      first = false;
      controller.enqueue(text.next(1 << 20)!);
    },
  }).pipeThrough(new DecompressionStream("gzip"));
  if (!unpack) return stream;
  const packer = new ColumnPacker("unpack");
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        // A decompressed chunk, of its own buffer.
        const bytes = chunk as Uint8Array<ArrayBuffer>;
        for (const part of packer.push(bytes)) controller.enqueue(part);
      },
      flush(controller) {
        for (const part of packer.end()) controller.enqueue(part);
      },
    }),
  );
}

/** Resolves in a new task (unlike a timer, without a 4 ms clamp). */
function _nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      channel.port2.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
