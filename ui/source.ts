/**
 * Where the page gets its profile from. The page loads the whole profile
 * once through a {@linkcode ProfileSource} and then queries it in the
 * browser; nothing else in the page knows where the data came from.
 *
 * Today there is one source, {@linkcode HttpProfileSource}, for the local
 * server. A self-contained HTML export would add a source that decodes bytes
 * embedded in the page.
 *
 * When comparing two runs, the source also has the run before (the base):
 * `loadBase()` gives it in the same form, and the page compares the two with
 * `lib/compare.ts`. A source without a base resolves `loadBase()` with
 * `null` (or leaves the method out).
 *
 * @module
 */

import type { Profile } from "../lib/profile.ts";
import { decodeProfile, functionsLength } from "../lib/wire.ts";

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
   * profile.
   */
  readonly onFunctions?: (profile: Profile) => void;
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
  readonly #fetch: typeof fetch;

  /**
   * @param url Where the encoded profile is served.
   * @param fetchImpl The `fetch` to use (for tests).
   * @param baseUrl Where the encoded base profile is served when comparing.
   */
  constructor(
    url = "/api/profile",
    fetchImpl: typeof fetch = fetch,
    baseUrl = "/api/base",
  ) {
    this.#url = url;
    this.#baseUrl = baseUrl;
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
      const text = (await response.text()).trim().slice(0, 200);
      throw new Error(
        `The server answered ${response.status} ${response.statusText}` +
          (text ? `: ${text}` : ""),
      );
    }
    const bytes = await _readAll(response, options);
    return decodeProfile(bytes);
  }
}

async function _readAll(
  response: Response,
  { onProgress, onFunctions }: LoadOptions,
): Promise<Uint8Array> {
  let functionsSent = onFunctions === undefined;
  const length = Number(response.headers.get("content-length") ?? NaN);
  const total = Number.isFinite(length) && length >= 0 ? length : undefined;
  if (response.body === null) return new Uint8Array(0);
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
      const length = functionsLength(bytes.subarray(0, loaded));
      if (length !== undefined && length <= loaded) {
        functionsSent = true;
        onFunctions!(
          decodeProfile(bytes.subarray(0, length), { edges: false }),
        );
      }
    }
  }
  return bytes.subarray(0, loaded);
}
