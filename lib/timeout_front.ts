/**
 * Serves an HTTP handler with timeouts for slow clients, which `Deno.serve`
 * lacks (denoland/deno#3515): a client must send its first request head
 * within a header timeout, and a connection on which nothing moves for an
 * idle timeout is closed, so that idle or half-open connections cannot pile
 * up. A small TCP front on the address the user chose accepts connections,
 * waits for the request head, and then relays the bytes to `Deno.serve` on
 * a loopback port of its own.
 *
 * @module
 */

/** Options for {@linkcode serveWithTimeouts}. */
export interface TimeoutServeOptions {
  /** The address to listen on. */
  hostname: string;
  /** The port to listen on; 0 picks a free one. */
  port: number;
  /** Stops the server. */
  signal: AbortSignal;
  /** How long a client may take to send its first request head, in ms. Defaults to 10,000. */
  headerTimeout?: number;
  /** How long a connection may stay with nothing sent either way, in ms. Defaults to 60,000. */
  idleTimeout?: number;
  /** Called with any error the handler throws (the client gets a 500). */
  onError?: (error: unknown) => Response;
}

/** A running server. */
export interface TimeoutServer {
  /** The address and port it listens on. */
  readonly addr: Deno.NetAddr;
  /** Settles once the server has stopped. */
  readonly finished: Promise<void>;
}

/** The longest request head accepted, in bytes. */
const _MAX_HEAD = 64 * 1024;

/**
 * Starts the server. Like `Deno.serve`, it throws at once when the address
 * cannot be listened on (`Deno.errors.AddrInUse` and others).
 *
 * @example
 * ```ts
 * import { serveWithTimeouts } from "./timeout_front.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const controller = new AbortController();
 * const server = serveWithTimeouts(
 *   { hostname: "127.0.0.1", port: 0, signal: controller.signal },
 *   () => new Response("hello"),
 * );
 * const response = await fetch(`http://127.0.0.1:${server.addr.port}/`);
 * assertEquals(await response.text(), "hello");
 * controller.abort();
 * await server.finished;
 * ```
 *
 * @param options Where to listen, the timeouts and the stop signal.
 * @param handler The request handler.
 * @returns The running server.
 */
export function serveWithTimeouts(
  options: TimeoutServeOptions,
  handler: (request: Request) => Response | Promise<Response>,
): TimeoutServer {
  const headerTimeout = options.headerTimeout ?? 10_000;
  const idleTimeout = options.idleTimeout ?? 60_000;
  const listener = Deno.listen({
    hostname: options.hostname,
    port: options.port,
  });
  const inner = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen() {},
    ...(options.onError ? { onError: options.onError } : {}),
  }, handler);
  const open = new Set<Deno.Conn>();
  const closeAll = () => {
    for (const conn of open) _close(conn);
    open.clear();
  };
  const stop = () => {
    _close(listener);
    closeAll();
    void inner.shutdown();
  };
  if (options.signal.aborted) stop();
  else options.signal.addEventListener("abort", stop, { once: true });
  const connections: Promise<void>[] = [];
  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        open.add(conn);
        const done = _relay(
          conn,
          inner.addr.port,
          headerTimeout,
          idleTimeout,
          open,
        )
          .finally(() => {
            open.delete(conn);
            connections.splice(connections.indexOf(done), 1);
          });
        connections.push(done);
      }
    } catch {
      // The listener was closed.
    }
  })();
  const finished = (async () => {
    await accepting;
    closeAll();
    await Promise.allSettled([...connections]);
    await inner.finished;
  })();
  return { addr: listener.addr as Deno.NetAddr, finished };
}

/** Waits for a client's request head, then relays the connection. */
async function _relay(
  conn: Deno.Conn,
  port: number,
  headerTimeout: number,
  idleTimeout: number,
  open: Set<Deno.Conn>,
): Promise<void> {
  const head = await _readHead(conn, headerTimeout);
  if (head === undefined) {
    _close(conn);
    return;
  }
  let upstream: Deno.TcpConn;
  try {
    upstream = await Deno.connect({ hostname: "127.0.0.1", port });
  } catch {
    _close(conn);
    return;
  }
  open.add(upstream);
  let last = Date.now();
  const touch = () => (last = Date.now());
  const idle = setInterval(() => {
    if (Date.now() - last > idleTimeout) {
      _close(conn);
      _close(upstream);
    }
  }, Math.min(idleTimeout, 1000));
  try {
    await _writeAll(upstream, head);
    const up = _copy(conn, upstream, touch).then(
      () => upstream.closeWrite(),
      () => _close(upstream),
    ).catch(() => {});
    await _copy(upstream, conn, touch).catch(() => {});
    _close(conn);
    _close(upstream);
    await up;
  } catch {
    _close(conn);
    _close(upstream);
  } finally {
    clearInterval(idle);
    open.delete(upstream);
  }
}

/**
 * Reads up to the end of the first request head (a blank line), within
 * the timeout; `undefined` when the client is too slow, sends too much or
 * goes away.
 */
async function _readHead(
  conn: Deno.Conn,
  timeout: number,
): Promise<Uint8Array | undefined> {
  let data = new Uint8Array(4096);
  let length = 0;
  const timer = setTimeout(() => _close(conn), timeout);
  try {
    for (;;) {
      if (length === data.length) {
        if (length >= _MAX_HEAD) return undefined;
        const grown = new Uint8Array(data.length * 2);
        grown.set(data);
        data = grown;
      }
      const n = await conn.read(data.subarray(length));
      if (n === null) return undefined;
      const from = Math.max(0, length - 3);
      length += n;
      for (let i = from; i + 3 < length; i++) {
        if (
          data[i] === 13 && data[i + 1] === 10 && data[i + 2] === 13 &&
          data[i + 3] === 10
        ) {
          return data.subarray(0, length);
        }
      }
    }
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/** Copies bytes from one connection to another until the first ends. */
async function _copy(
  from: Deno.Conn,
  to: Deno.Conn,
  touch: () => void,
): Promise<void> {
  const buffer = new Uint8Array(256 * 1024);
  for (;;) {
    const n = await from.read(buffer);
    if (n === null) return;
    touch();
    await _writeAll(to, buffer.subarray(0, n));
  }
}

async function _writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  let at = 0;
  while (at < data.length) at += await conn.write(data.subarray(at));
}

function _close(resource: { close(): void }): void {
  try {
    resource.close();
  } catch {
    // Already closed.
  }
}
