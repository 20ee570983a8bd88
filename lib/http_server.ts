/**
 * A small HTTP/1.1 server for a `Request → Response` handler, on
 * `Deno.listen`, for a server that must stay up whatever its clients do.
 * `Deno.serve` has no timeouts for slow clients (denoland/deno#3515), and
 * its accept loop ends on the first error, out of file descriptors
 * included (the process then exits with "Too many open files"). This one:
 *
 * - Closes a connection whose request head does not come whole within a
 *   header timeout (408 when part of it came), and one on which nothing
 *   moves for an idle timeout (between requests, or while the client does
 *   not read its answer).
 * - Caps the open connections, by default from the process's limit of open
 *   files ({@linkcode maxConnectionsFor}; where the limit cannot be read,
 *   1,024 is assumed, and the cap is lowered when the process finds itself
 *   out of descriptors). At the cap, a new connection
 *   takes the place of the one that has waited longest for a request
 *   (silent, half-sent, or idle between requests), else of the one whose
 *   answer moved least recently; only when every connection is inside the
 *   handler is the new one answered 503 and closed.
 * - Uses one file descriptor a connection, and never stops accepting: an
 *   accept that fails for want of descriptors (EMFILE) lowers the cap to
 *   seven eighths of the connections then open, frees a descriptor by
 *   closing the longest-waiting connection, and tries again; other failures
 *   wait a little (10 ms, doubling up to 1 s).
 * - On shutdown, stops accepting, closes the connections waiting for a
 *   request, and lets the answers in progress finish (within a grace
 *   period) before closing the rest.
 *
 * What it speaks: HTTP/1.1 and 1.0, keep-alive, pipelining (answered in
 * order), request bodies with a `Content-Length` up to 64 KiB (chunked
 * request bodies get 411), answers with a `Content-Length` when the length
 * is known and chunked otherwise (the messages are read and written by
 * `http1.ts`). No TLS, HTTP/2, compression or upgrades.
 *
 * @module
 */

import {
  CONTINUE,
  headLength,
  keepAliveAsked,
  MAX_HEAD,
  parseRequestHead,
  type Refusal,
  refusalBytes,
  type RequestHead,
  requestParts,
  writeResponse,
} from "./http1.ts";

/** Options for {@linkcode serveHttp}. */
export interface HttpServeOptions {
  /** The address to listen on. */
  hostname: string;
  /** The port to listen on; 0 picks a free one. */
  port: number;
  /** Stops the server, as {@linkcode HttpServer.shutdown} does. */
  signal?: AbortSignal;
  /**
   * How long a client may take to send a request head, from its first
   * byte (from the connection's start for the first request), in ms.
   * Defaults to 10,000.
   */
  headerTimeout?: number;
  /**
   * How long a connection may stay with nothing sent either way (waiting
   * for the next request, or for the client to read its answer), in ms.
   * Defaults to 60,000.
   */
  idleTimeout?: number;
  /**
   * The most connections open at once, to begin with (it is lowered when
   * accepting finds the process out of file descriptors). Defaults to
   * `maxConnectionsFor(openFileLimit())`.
   */
  maxConnections?: number;
  /**
   * On shutdown, how long the answers in progress may take to finish, in
   * ms. Defaults to 2,000.
   */
  shutdownGrace?: number;
  /** Called with any error the handler throws; the client gets its answer (default: a 500). */
  onError?: (error: unknown) => Response;
}

/** A running server. */
export interface HttpServer extends AsyncDisposable {
  /** The address and port it listens on. */
  readonly addr: Deno.NetAddr;
  /**
   * The most connections it keeps open at once: as asked, or lower once the
   * process has run out of file descriptors.
   */
  readonly maxConnections: number;
  /** Settles once the server has stopped and every connection is closed. */
  readonly finished: Promise<void>;
  /** Stops the server (see the module's documentation) and waits for it. */
  shutdown(): Promise<void>;
}

/** The most connections by default, whatever the file limit. */
const _MAX_CONNECTIONS = 10_000;
/** The file limit assumed where it cannot be read. */
const _DEFAULT_FILE_LIMIT = 1024;
/** How long a last word (an error answer) to a client may take, in ms. */
const _LAST_WORD_MS = 1000;
const _MIN_BACKOFF_MS = 10;
const _MAX_BACKOFF_MS = 1000;

/**
 * The soft limit of open files of this process, from `/proc/self/limits`
 * (Linux; Deno raises the soft limit to the hard one as it starts), or
 * `undefined` where that cannot be read (elsewhere, or without
 * `--allow-all`: Deno lets no narrower permission read `/proc`).
 *
 * @example
 * ```ts
 * import { openFileLimit } from "./http_server.ts";
 * import { assert } from "@std/assert";
 *
 * const limit = openFileLimit();
 * assert(limit === undefined || limit > 0);
 * ```
 *
 * @returns The limit, or `undefined`.
 */
export function openFileLimit(): number | undefined {
  if (Deno.build.os !== "linux") return undefined;
  let text: string;
  try {
    text = Deno.readTextFileSync("/proc/self/limits");
  } catch {
    return undefined;
  }
  const soft = /^Max open files\s+(\d+|unlimited)\s/m.exec(text)?.[1];
  if (soft === undefined) return undefined;
  return soft === "unlimited" ? Infinity : Number(soft);
}

/**
 * The default cap on open connections for a limit of open files: the limit
 * less a reserve for everything else the process opens (an eighth of it,
 * at least 64), between 16 and 10,000. An unknown limit counts as 1,024.
 *
 * @example
 * ```ts
 * import { maxConnectionsFor } from "./http_server.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(maxConnectionsFor(1024), 896);
 * assertEquals(maxConnectionsFor(256), 192);
 * assertEquals(maxConnectionsFor(1_048_576), 10_000);
 * assertEquals(maxConnectionsFor(undefined), 896);
 * ```
 *
 * @param fileLimit The process's limit of open files.
 * @returns The cap.
 */
export function maxConnectionsFor(fileLimit: number | undefined): number {
  const limit = fileLimit === undefined || !(fileLimit > 0)
    ? _DEFAULT_FILE_LIMIT
    : fileLimit;
  if (limit === Infinity) return _MAX_CONNECTIONS;
  const reserve = Math.max(64, Math.ceil(limit / 8));
  return Math.max(16, Math.min(_MAX_CONNECTIONS, limit - reserve));
}

/**
 * Starts the server. Like `Deno.serve`, it throws at once when the address
 * cannot be listened on (`Deno.errors.AddrInUse` and others).
 *
 * @example
 * ```ts
 * import { serveHttp } from "./http_server.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const server = serveHttp(
 *   { hostname: "127.0.0.1", port: 0 },
 *   () => new Response("hello"),
 * );
 * const response = await fetch(`http://127.0.0.1:${server.addr.port}/`);
 * assertEquals(await response.text(), "hello");
 * await server.shutdown();
 * ```
 *
 * @param options Where to listen, the timeouts, the cap and the stop signal.
 * @param handler The request handler.
 * @returns The running server.
 */
export function serveHttp(
  options: HttpServeOptions,
  handler: (request: Request) => Response | Promise<Response>,
): HttpServer {
  const listener = Deno.listen({
    hostname: options.hostname,
    port: options.port,
  });
  const addr = listener.addr;
  const state: _State = {
    headerTimeout: options.headerTimeout ?? 10_000,
    idleTimeout: options.idleTimeout ?? 60_000,
    defaultHost: addr.hostname.includes(":")
      ? `[${addr.hostname}]:${addr.port}`
      : `${addr.hostname}:${addr.port}`,
    connections: new _Connections(),
    stopping: false,
    handler,
    onError: options.onError,
  };
  let maxConnections = options.maxConnections ??
    maxConnectionsFor(openFileLimit());
  const grace = options.shutdownGrace ?? 2000;
  const tasks = new Set<Promise<void>>();
  let wake: (() => void) | undefined;
  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  const stop = () => {
    if (state.stopping) return;
    state.stopping = true;
    _close(listener);
    wake?.();
    for (const connection of [...state.connections.all]) {
      if (connection.phase === "waiting") connection.close();
    }
    graceTimer = setTimeout(() => {
      for (const connection of [...state.connections.all]) connection.close();
    }, grace);
  };
  if (options.signal?.aborted) stop();
  else options.signal?.addEventListener("abort", stop, { once: true });

  const track = (task: Promise<void>) => {
    tasks.add(task);
    const done = () => void tasks.delete(task);
    task.then(done, done);
  };
  const admit = (conn: Deno.TcpConn) => {
    try {
      conn.setNoDelay(true);
    } catch {
      // Gone already: its first read says so.
    }
    if (state.connections.all.size >= maxConnections) {
      const victim = state.connections.victim();
      if (victim === undefined) {
        // Every connection is inside the handler: none is idle to close.
        track(
          new _Connection(conn, state).lastWord(
            503,
            `Too many connections: all ${maxConnections} are busy; try again shortly`,
          ),
        );
        return;
      }
      track(victim.shed(maxConnections));
    }
    track(_serveConnection(new _Connection(conn, state)));
  };

  const accepting = (async () => {
    let backoff = 0;
    while (!state.stopping) {
      let conn: Deno.TcpConn;
      try {
        conn = await listener.accept();
      } catch (error) {
        if (state.stopping || error instanceof Deno.errors.BadResource) break;
        // Out of file descriptors: close the longest-waiting connection,
        // at once, and try again; with none to close, wait.
        const outOfFiles = _isOutOfFiles(error);
        if (outOfFiles) {
          // The limit is lower than the cap assumed: learn it.
          const open = state.connections.all.size;
          maxConnections = Math.max(
            16,
            Math.min(maxConnections, Math.floor(open * 7 / 8)),
          );
          // Down to the new cap, the longest-waiting first.
          while (state.connections.all.size > maxConnections + 1) {
            const extra = state.connections.victim();
            if (extra === undefined) break;
            track(extra.shed(maxConnections));
          }
        }
        const victim = outOfFiles ? state.connections.victim() : undefined;
        if (victim !== undefined) {
          victim.close();
          continue;
        }
        // Another passing failure, or nothing to close: wait a little.
        backoff = Math.min(
          _MAX_BACKOFF_MS,
          Math.max(_MIN_BACKOFF_MS, backoff * 2),
        );
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, backoff);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
        continue;
      }
      backoff = 0;
      if (state.stopping) {
        _close(conn);
        break;
      }
      admit(conn);
    }
  })();

  const finished = (async () => {
    await accepting;
    while (tasks.size > 0) await Promise.allSettled([...tasks]);
    clearTimeout(graceTimer);
  })();
  const shutdown = async () => {
    stop();
    await finished;
  };
  return {
    addr,
    get maxConnections() {
      return maxConnections;
    },
    finished,
    shutdown,
    [Symbol.asyncDispose]: shutdown,
  };
}

/** What every connection of a server shares. */
interface _State {
  readonly headerTimeout: number;
  readonly idleTimeout: number;
  /** The Host of requests that name none (HTTP/1.0). */
  readonly defaultHost: string;
  readonly connections: _Connections;
  stopping: boolean;
  readonly handler: (request: Request) => Response | Promise<Response>;
  readonly onError: ((error: unknown) => Response) | undefined;
}

/**
 * Where a connection is: waiting for a request (or for the rest of its
 * head, or its body), inside the handler, or writing the answer.
 */
type _Phase = "waiting" | "handling" | "writing" | "closed";

/** The open connections, in the order in which they would be closed. */
class _Connections {
  readonly all = new Set<_Connection>();
  // Sets keep insertion order: the first is the longest waiting, or the
  // writer whose answer moved least recently.
  readonly #waiting = new Set<_Connection>();
  readonly #writing = new Set<_Connection>();

  enter(connection: _Connection, phase: _Phase): void {
    this.#waiting.delete(connection);
    this.#writing.delete(connection);
    if (phase === "closed") {
      this.all.delete(connection);
      return;
    }
    this.all.add(connection);
    if (phase === "waiting") this.#waiting.add(connection);
    else if (phase === "writing") this.#writing.add(connection);
  }

  /** A writer's answer moved: it goes last in the order. */
  moved(connection: _Connection): void {
    if (this.#writing.delete(connection)) this.#writing.add(connection);
  }

  /** The connection to close to make room, if any may be. */
  victim(): _Connection | undefined {
    for (const connection of this.#waiting) return connection;
    for (const connection of this.#writing) return connection;
    return undefined;
  }
}

/** One client connection. */
class _Connection {
  readonly conn: Deno.TcpConn;
  readonly state: _State;
  phase: _Phase = "waiting";
  /** Bytes read and not yet used (a head, a body, pipelined requests). */
  buffer = new Uint8Array(4096);
  length = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(conn: Deno.TcpConn, state: _State) {
    this.conn = conn;
    this.state = state;
    state.connections.enter(this, "waiting");
  }

  get closed(): boolean {
    return this.#closed;
  }

  enter(phase: _Phase): void {
    if (this.#closed) return;
    this.phase = phase;
    this.state.connections.enter(this, phase);
  }

  /** Runs `then` in `ms` unless another deadline replaces this one. */
  deadline(ms: number, then: () => void = () => this.close()): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(then, ms);
  }

  clearDeadline(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Reads more bytes into the buffer; false at the end or on a failure. */
  async fill(): Promise<boolean> {
    if (this.length === this.buffer.length) {
      const grown = new Uint8Array(this.buffer.length * 2);
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
    }
    let n: number | null;
    try {
      n = await this.conn.read(this.buffer.subarray(this.length));
    } catch {
      return false;
    }
    if (n === null) return false;
    this.length += n;
    return true;
  }

  /** Drops the first `n` bytes of the buffer. */
  consume(n: number): void {
    this.buffer.copyWithin(0, n, this.length);
    this.length -= n;
    if (this.length === 0 && this.buffer.length > 4096) {
      this.buffer = new Uint8Array(4096);
    }
  }

  /** Writes all of `data`, each write within the idle timeout. */
  async write(data: Uint8Array): Promise<void> {
    let at = 0;
    while (at < data.length) {
      this.deadline(this.state.idleTimeout);
      at += await this.conn.write(data.subarray(at));
      this.state.connections.moved(this);
    }
    this.clearDeadline();
  }

  /**
   * Closed to make room for a new connection; a client that has sent part
   * of a request is told why.
   */
  async shed(max: number): Promise<void> {
    if (this.phase === "waiting" && this.length > 0) {
      await this.lastWord(
        503,
        `Too many connections (${max}): this one waited longest`,
      );
    } else this.close();
  }

  /** Answers `status` with a one-line message, then closes. */
  async lastWord(status: number, message: string): Promise<void> {
    if (this.#closed) return;
    this.state.connections.enter(this, "closed");
    this.phase = "closed";
    this.deadline(_LAST_WORD_MS);
    try {
      await this.conn.write(refusalBytes(status, message));
    } catch {
      // The client went away.
    }
    this.close();
  }

  close(): void {
    clearTimeout(this.#timer);
    if (this.#closed) return;
    this.#closed = true;
    this.phase = "closed";
    this.state.connections.enter(this, "closed");
    _close(this.conn);
  }
}

/** Serves one connection's requests in order, until it closes. */
async function _serveConnection(connection: _Connection): Promise<void> {
  const { state } = connection;
  let first = true;
  try {
    while (!state.stopping && !connection.closed) {
      connection.enter("waiting");
      const end = await _readHead(connection, first);
      first = false;
      if (end === undefined) return;
      if (end === "large") {
        await connection.lastWord(
          431,
          `Request head over ${MAX_HEAD / 1024} KiB`,
        );
        return;
      }
      const head = parseRequestHead(connection.buffer.subarray(0, end));
      connection.consume(end);
      if ("status" in head) {
        await connection.lastWord(head.status, head.message);
        return;
      }
      const request = await _request(connection, head);
      if (request === undefined) return;
      if ("status" in request) {
        await connection.lastWord(request.status, request.message);
        return;
      }
      connection.enter("handling");
      connection.clearDeadline();
      const response = await _answer(state, request);
      if (connection.closed) {
        await response.body?.cancel().catch(() => {});
        return;
      }
      connection.enter("writing");
      const keepAlive = !state.stopping && keepAliveAsked(head);
      const write = (bytes: Uint8Array) => connection.write(bytes);
      if (!await writeResponse(write, head, response, keepAlive)) return;
    }
  } catch {
    // A failed read or write: the connection is done.
  } finally {
    connection.close();
  }
}

/**
 * Reads until the buffer holds a whole request head; answers its length,
 * `"large"` when it would be over the limit, or `undefined` when the client
 * went away or was too slow. The first request's head must come whole
 * within the header timeout; a later one's first byte within the idle
 * timeout, then the rest within the header timeout.
 */
async function _readHead(
  connection: _Connection,
  first: boolean,
): Promise<number | "large" | undefined> {
  const { headerTimeout, idleTimeout } = connection.state;
  let started = false;
  const start = () => {
    started = true;
    connection.deadline(headerTimeout, () => {
      if (connection.length > 0) {
        void connection.lastWord(
          408,
          `Request Timeout: the request head did not come whole within ${
            _seconds(headerTimeout)
          }`,
        );
      } else connection.close();
    });
  };
  if (first) start();
  else connection.deadline(idleTimeout);
  let scanned = 0;
  for (;;) {
    // Empty lines before a request line are ignored (RFC 9112, 2.2).
    let skip = 0;
    while (
      skip < connection.length &&
      (connection.buffer[skip] === 13 || connection.buffer[skip] === 10)
    ) skip++;
    if (skip > 0) {
      connection.consume(skip);
      scanned = 0;
    }
    if (connection.length > 0 && !started) start();
    const end = headLength(connection.buffer, scanned, connection.length);
    if (end > MAX_HEAD) return "large";
    if (end >= 0) {
      connection.clearDeadline();
      return end;
    }
    if (connection.length >= MAX_HEAD) return "large";
    scanned = Math.max(0, connection.length - 2);
    if (!await connection.fill()) return undefined;
  }
}

/**
 * The handler's `Request` for a head, after reading its body if it has
 * one; a refusal when it cannot be made; `undefined` when the client went
 * away while sending the body.
 */
async function _request(
  connection: _Connection,
  head: RequestHead,
): Promise<Request | Refusal | undefined> {
  const parts = requestParts(head, connection.state.defaultHost);
  if ("status" in parts) return parts;
  let body: Uint8Array<ArrayBuffer> | undefined;
  const length = parts.bodyLength;
  if (length > 0) {
    if (parts.expectsContinue) await connection.write(CONTINUE);
    connection.deadline(connection.state.idleTimeout);
    while (connection.length < length) {
      if (!await connection.fill()) return undefined;
      connection.deadline(connection.state.idleTimeout);
    }
    connection.clearDeadline();
    body = connection.buffer.slice(0, length);
    connection.consume(length);
  }
  const bodyless = head.method === "GET" || head.method === "HEAD";
  return new Request(parts.url, {
    method: head.method,
    headers: parts.headers,
    ...(body !== undefined && !bodyless ? { body } : {}),
  });
}

/** The handler's answer; errors become the `onError` answer or a 500. */
async function _answer(state: _State, request: Request): Promise<Response> {
  try {
    return await state.handler(request);
  } catch (error) {
    try {
      if (state.onError) return state.onError(error);
    } catch {
      // A failing error handler is answered as the error was.
    }
    return new Response("Internal server error\n", {
      status: 500,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  }
}

function _seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

function _isOutOfFiles(error: unknown): boolean {
  return /os error 2[34]\b|too many open files/i.test(String(error));
}

function _close(resource: { close(): void }): void {
  try {
    resource.close();
  } catch {
    // Already closed.
  }
}
