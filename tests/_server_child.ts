/**
 * Helpers for the black-box tests that start the program as a child process
 * serving a profile: wait for its "running at URL" line, send it requests
 * with any `Host` header, and stop it with a signal, closing every stream.
 *
 * @module
 */

/** How a stopped child exited, and everything it printed. */
export interface ChildExit {
  /** The exit code. */
  code: number;
  /** The signal that ended it, if one did. */
  signal: Deno.Signal | null;
  /** All of its standard output. */
  stdout: string;
  /** All of its standard error. */
  stderr: string;
}

/** A child process that serves a profile. */
export interface ServerChild extends AsyncDisposable {
  /** The URL from its "running at URL" line. */
  readonly url: URL;
  /** The port it listens on. */
  readonly port: number;
  /** Its process id. */
  readonly pid: number;
  /** Its standard output up to and including the "running at" line. */
  readonly started: string;
  /**
   * Sends a signal, waits for the child to exit (killing it after a while),
   * and returns how it exited.
   */
  stop(signal: Deno.Signal): Promise<ChildExit>;
  /**
   * Waits for the child to exit by itself (killing it after a while), and
   * returns how it exited.
   */
  exited(): Promise<ChildExit>;
}

const _START_MS = 30_000;
const _STOP_MS = 10_000;

/**
 * Starts `command` with `args` and waits until it prints its "running at
 * URL" line. Its standard input is null.
 *
 * @throws {Error} When it exits first, or does not print the line in time.
 */
export async function startServer(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; clearEnv?: boolean } =
    {},
): Promise<ServerChild> {
  const child = new Deno.Command(command, {
    args,
    ...options,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let stdout = "";
  let exited = false;
  const drain = async (): Promise<ChildExit> => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      stdout += value;
    }
    const status = await child.status;
    exited = true;
    return {
      code: status.code,
      signal: status.signal,
      stdout,
      stderr: await stderr,
    };
  };
  const timer = setTimeout(() => _kill(child, "SIGKILL"), _START_MS);
  let url: URL;
  try {
    for (;;) {
      const match = /running at (http:\/\/\S+)/.exec(stdout);
      if (match !== null) {
        url = new URL(match[1]!);
        break;
      }
      const { value, done } = await reader.read();
      if (done) {
        const exit = await drain();
        throw new Error(
          `The server exited with code ${exit.code} before it was running:\n${exit.stdout}\n${exit.stderr}`,
        );
      }
      stdout += value;
    }
  } finally {
    clearTimeout(timer);
  }
  const stop = async (signal: Deno.Signal): Promise<ChildExit> => {
    _kill(child, signal);
    const timer = setTimeout(() => _kill(child, "SIGKILL"), _STOP_MS);
    try {
      return await drain();
    } finally {
      clearTimeout(timer);
    }
  };
  const wait = async (): Promise<ChildExit> => {
    const timer = setTimeout(() => _kill(child, "SIGKILL"), _START_MS);
    try {
      return await drain();
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    url,
    port: Number(url.port),
    pid: child.pid,
    started: stdout,
    stop,
    exited: wait,
    async [Symbol.asyncDispose]() {
      if (!exited) await stop("SIGKILL");
    },
  };
}

function _kill(child: Deno.ChildProcess, signal: Deno.Signal): void {
  try {
    child.kill(signal);
  } catch {
    // It has exited already.
  }
}

/** A response read off the wire. */
export interface RawResponse {
  /** The status code. */
  status: number;
  /** The header lines, lower-cased names, as one string. */
  head: string;
  /** The body as text (decoded as UTF-8, whatever it is). */
  body: string;
}

/**
 * Sends `GET path` to 127.0.0.1:`port` over a plain TCP connection with the
 * given `Host` header, which `fetch` would not let a caller choose freely,
 * and reads the whole response.
 */
export async function rawGet(
  port: number,
  path: string,
  host: string,
): Promise<RawResponse> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  try {
    await conn.write(
      new TextEncoder().encode(
        `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      ),
    );
    const buffer = new Uint8Array(64 * 1024);
    for (;;) {
      const n = await conn.read(buffer);
      if (n === null) break;
      chunks.push(buffer.slice(0, n));
    }
  } finally {
    conn.close();
  }
  const text = new TextDecoder().decode(await new Blob(chunks).arrayBuffer());
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) throw new Error(`No HTTP response head in ${text}`);
  const head = text.slice(0, end);
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(head);
  if (status === null) throw new Error(`No HTTP status line in ${head}`);
  return {
    status: Number(status[1]),
    head: head.toLowerCase(),
    body: text.slice(end + 4),
  };
}
