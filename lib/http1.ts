/**
 * HTTP/1.1 messages as `http_server.ts` reads and writes them: a request
 * head measured and parsed into a method, target, version and fields,
 * checked into the parts of a `Request`, and a `Response` written with its
 * length or in chunks. What it refuses is a status and one line to answer
 * ({@linkcode Refusal}).
 *
 * @module
 */

import { concatBytes } from "./bytes.ts";

/** The longest request head taken, in bytes. */
export const MAX_HEAD = 64 * 1024;
/** The most header fields in a request. */
export const MAX_FIELDS = 100;
/** The longest request body taken, in bytes. */
export const MAX_BODY = 64 * 1024;
/** The interim answer to `Expect: 100-continue`. */
export const CONTINUE: Uint8Array = _latin1Bytes(
  "HTTP/1.1 100 Continue\r\n\r\n",
);
/** Bodies up to this size are written with their head, in one write. */
const _JOIN_BELOW = 16 * 1024;

/** A parsed request head. */
export interface RequestHead {
  /** The method, as sent (`GET`, `HEAD`, …). */
  readonly method: string;
  /** The request target: a path and query, starting with `/`. */
  readonly target: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  readonly minor: 0 | 1;
  /** The header fields in order, names lower-cased. */
  readonly fields: [string, string][];
}

/**
 * Why a request cannot be handed to the handler: the status to answer, and
 * one line that says why.
 */
export interface Refusal {
  /** The HTTP status. */
  readonly status: number;
  /** One line of text. */
  readonly message: string;
}

/**
 * The length of the request head at the start of `bytes` (through the
 * empty line that ends it, CRLF or a bare LF), or -1 when it has not ended
 * within `length` bytes; `from` is where a search with fewer bytes stopped.
 *
 * @example
 * ```ts
 * import { headLength } from "./http1.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const bytes = new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\nnext");
 * assertEquals(headLength(bytes, 0, bytes.length), 27);
 * assertEquals(headLength(bytes, 0, 20), -1);
 * ```
 *
 * @param bytes The bytes read so far.
 * @param from Where to start looking for the end.
 * @param length How many of the bytes were read.
 * @returns The head's length, or -1.
 */
export function headLength(
  bytes: Uint8Array,
  from: number,
  length: number,
): number {
  for (let i = from; i < length; i++) {
    if (bytes[i] !== 10) continue;
    let j = i - 1;
    if (j >= 0 && bytes[j] === 13) j--;
    if (j >= 0 && bytes[j] === 10) return i + 1;
  }
  return -1;
}

const _TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const _REQUEST_LINE = /^([^ ]+) ([^ ]+) HTTP\/(\d)\.(\d)$/;
const _FIELD = /^([^:]+):[ \t]*(.*?)[ \t]*$/;

/**
 * Parses a request head (the bytes through its empty line, as
 * {@linkcode headLength} measures it); a {@linkcode Refusal} when it is not
 * one this server takes.
 *
 * @example
 * ```ts
 * import { parseRequestHead } from "./http1.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const text = "GET /a?b HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\n\r\n";
 * assertEquals(parseRequestHead(new TextEncoder().encode(text)), {
 *   method: "GET",
 *   target: "/a?b",
 *   minor: 1,
 *   fields: [["host", "x"], ["accept", "text/html"]],
 * });
 * const refused = parseRequestHead(new TextEncoder().encode("GET / HTTP/2.0\r\n\r\n"));
 * assertEquals("status" in refused && refused.status, 505);
 * ```
 *
 * @param bytes The head.
 * @returns The parsed head, or why it is refused.
 */
export function parseRequestHead(bytes: Uint8Array): RequestHead | Refusal {
  // Latin-1: one character a byte, as header values are.
  const lines = _latin1(bytes).split(/\r?\n/);
  const requestLine = _REQUEST_LINE.exec(lines[0] ?? "");
  if (requestLine === null || !_TOKEN.test(requestLine[1]!)) {
    return { status: 400, message: "Bad request line" };
  }
  const [, method, target, major, minor] = requestLine as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  if (major !== "1" || (minor !== "0" && minor !== "1")) {
    return {
      status: 505,
      message: `HTTP version ${major}.${minor} not supported: use HTTP/1.1`,
    };
  }
  if (!target.startsWith("/")) {
    return {
      status: 400,
      message: "Bad request target: expected a path starting with /",
    };
  }
  const fields: [string, string][] = [];
  // The head ends with two line breaks: the split's last two are empty.
  for (let i = 1; i < lines.length - 2; i++) {
    const line = lines[i]!;
    const field = _FIELD.exec(line);
    if (field === null || !_TOKEN.test(field[1]!)) {
      return { status: 400, message: "Bad header field" };
    }
    if (fields.length === MAX_FIELDS) {
      return {
        status: 431,
        message: `Over ${MAX_FIELDS} header fields`,
      };
    }
    fields.push([field[1]!.toLowerCase(), field[2]!]);
  }
  return { method, target, minor: minor === "1" ? 1 : 0, fields };
}

/** The parts of a request's `Request`, checked. */
export interface RequestParts {
  /** Its URL, from the Host field and the target. */
  readonly url: URL;
  /** Its header fields. */
  readonly headers: Headers;
  /** The length of its body, 0 when it has none. */
  readonly bodyLength: number;
  /** Whether the client waits for a 100 Continue before sending the body. */
  readonly expectsContinue: boolean;
}

/**
 * Checks a request head's fields into the parts of a `Request`: one Host
 * (`defaultHost` for HTTP/1.0 without one), a well-formed one, at most one
 * body length, up to {@linkcode MAX_BODY}; no chunked bodies.
 *
 * @example
 * ```ts
 * import { requestParts } from "./http1.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const head = {
 *   method: "GET",
 *   target: "/api?x=1",
 *   minor: 1 as const,
 *   fields: [["host", "127.0.0.1:8099"]] as [string, string][],
 * };
 * const parts = requestParts(head, "127.0.0.1:8099");
 * assertEquals("url" in parts && parts.url.href, "http://127.0.0.1:8099/api?x=1");
 * const bad = requestParts({ ...head, fields: [["host", "a b"]] }, "");
 * assertEquals("status" in bad && bad.status, 400);
 * ```
 *
 * @param head The request head.
 * @param defaultHost The Host of a request that names none.
 * @returns The parts, or why the request is refused.
 */
export function requestParts(
  head: RequestHead,
  defaultHost: string,
): RequestParts | Refusal {
  const headers = new Headers();
  let host: string | undefined;
  let lengths = 0;
  let length = 0;
  for (const [name, value] of head.fields) {
    if (name === "host") {
      if (host !== undefined) {
        return { status: 400, message: "Bad request: two Host headers" };
      }
      host = value;
    } else if (name === "transfer-encoding") {
      return {
        status: 411,
        message: "Length Required: send a request body with a Content-Length",
      };
    } else if (name === "content-length") {
      if (!/^\d{1,15}$/.test(value) || (lengths > 0 && +value !== length)) {
        return { status: 400, message: "Bad Content-Length" };
      }
      lengths++;
      length = Number(value);
    }
    try {
      headers.append(name, value);
    } catch {
      return { status: 400, message: "Bad header field" };
    }
  }
  if (host === undefined) {
    if (head.minor === 1) {
      return { status: 400, message: "Bad request: no Host header" };
    }
    host = defaultHost;
  }
  const url = URL.parse(`http://${host}${head.target}`);
  if (url === null || host === "" || /[\s@/\\?#]/.test(host)) {
    return { status: 400, message: "Bad request: malformed Host header" };
  }
  if (length > MAX_BODY) {
    return {
      status: 413,
      message: `Request body over ${MAX_BODY / 1024} KiB`,
    };
  }
  return {
    url,
    headers,
    bodyLength: length,
    expectsContinue: headers.get("expect")?.toLowerCase() === "100-continue",
  };
}

/**
 * Whether the client asked to keep the connection open: HTTP/1.1 unless it
 * says `Connection: close`, HTTP/1.0 only with `Connection: keep-alive`.
 *
 * @example
 * ```ts
 * import { keepAliveAsked } from "./http1.ts";
 * import { assert, assertFalse } from "@std/assert";
 *
 * const head = { method: "GET", target: "/", minor: 1 as const, fields: [] };
 * assert(keepAliveAsked(head));
 * assertFalse(keepAliveAsked({ ...head, fields: [["connection", "close"]] }));
 * assertFalse(keepAliveAsked({ ...head, minor: 0 }));
 * ```
 *
 * @param head The request head.
 * @returns Whether to keep the connection after the answer.
 */
export function keepAliveAsked(head: RequestHead): boolean {
  const tokens = head.fields
    .filter(([name]) => name === "connection")
    .flatMap(([, value]) => value.toLowerCase().split(","))
    .map((token) => token.trim());
  return head.minor === 1
    ? !tokens.includes("close")
    : tokens.includes("keep-alive");
}

/** Header fields of a response the server sets itself. */
const _HOP_BY_HOP = new Set([
  "connection",
  "content-length",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/**
 * Writes a response to a request: with its length when the handler gives
 * it or the body comes in one piece, else chunked (to the end of the
 * connection for HTTP/1.0); no body for `HEAD`, 1xx, 204 and 304. Answers
 * whether the connection can take another request: `keepAlive`, unless the
 * body failed or was cut, or had to end with the connection.
 *
 * @example
 * ```ts
 * import { writeResponse } from "./http1.ts";
 * import { assertStringIncludes } from "@std/assert";
 *
 * const out: Uint8Array[] = [];
 * const head = { method: "GET", target: "/", minor: 1 as const, fields: [] };
 * await writeResponse(
 *   async (bytes) => void out.push(bytes),
 *   head,
 *   new Response("hello"),
 *   true,
 * );
 * const text = out.map((bytes) => new TextDecoder().decode(bytes)).join("");
 * assertStringIncludes(text, "HTTP/1.1 200 OK\r\n");
 * assertStringIncludes(text, "content-length: 5\r\n");
 * assertStringIncludes(text, "\r\n\r\nhello");
 * ```
 *
 * @param write Writes bytes to the connection.
 * @param head The request's head.
 * @param response The handler's response.
 * @param keepAlive Whether the connection is to be kept after it.
 * @returns Whether the connection can take another request.
 */
export async function writeResponse(
  write: (bytes: Uint8Array) => Promise<void>,
  head: RequestHead,
  response: Response,
  keepAlive: boolean,
): Promise<boolean> {
  const status = response.status;
  const bodiless = head.method === "HEAD" || status < 200 || status === 204 ||
    status === 304;
  const declaredText = response.headers.get("content-length");
  const declared = declaredText !== null && /^\d{1,15}$/.test(declaredText)
    ? Number(declaredText)
    : undefined;
  let lines = `HTTP/1.1 ${status} ${
    response.statusText || _REASONS[status] || "Unknown"
  }\r\n`;
  for (const [name, value] of response.headers) {
    if (!_HOP_BY_HOP.has(name)) lines += `${name}: ${value}\r\n`;
  }
  if (!response.headers.has("date")) {
    lines += `date: ${new Date().toUTCString()}\r\n`;
  }
  const connectionField = () =>
    keepAlive
      ? head.minor === 0 ? "connection: keep-alive\r\n" : ""
      : "connection: close\r\n";

  if (bodiless || response.body === null) {
    await response.body?.cancel().catch(() => {});
    if (head.method === "HEAD" && declared !== undefined) {
      lines += `content-length: ${declared}\r\n`;
    } else if (!bodiless) lines += "content-length: 0\r\n";
    await write(_latin1Bytes(lines + connectionField() + "\r\n"));
    return keepAlive;
  }

  const reader = response.body.getReader();
  try {
    if (declared !== undefined) {
      lines += `content-length: ${declared}\r\n`;
      await write(_latin1Bytes(lines + connectionField() + "\r\n"));
      let sent = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (sent + value.length > declared) {
          await write(value.subarray(0, declared - sent));
          return false; // the handler sent more than it said
        }
        await write(value);
        sent += value.length;
      }
      return keepAlive && sent === declared;
    }
    // The length is known when the body comes in one piece (a string or
    // bytes): read ahead by one chunk to see.
    const firstRead = await reader.read();
    const first = firstRead.done ? new Uint8Array(0) : firstRead.value;
    const secondRead = firstRead.done ? firstRead : await reader.read();
    if (secondRead.done) {
      lines += `content-length: ${first.length}\r\n`;
      const headBytes = _latin1Bytes(lines + connectionField() + "\r\n");
      if (first.length < _JOIN_BELOW) {
        await write(concatBytes([headBytes, first]));
      } else {
        await write(headBytes);
        await write(first);
      }
      return keepAlive;
    }
    // A stream: chunked for HTTP/1.1, else to the end of the connection.
    const chunked = head.minor === 1;
    if (!chunked) keepAlive = false;
    if (chunked) lines += "transfer-encoding: chunked\r\n";
    await write(_latin1Bytes(lines + connectionField() + "\r\n"));
    const send = async (chunk: Uint8Array) => {
      if (chunk.length === 0) return;
      if (!chunked) return await write(chunk);
      const size = _latin1Bytes(`${chunk.length.toString(16)}\r\n`);
      if (chunk.length < _JOIN_BELOW) {
        await write(concatBytes([size, chunk, _CRLF]));
      } else {
        await write(size);
        await write(chunk);
        await write(_CRLF);
      }
    };
    await send(first);
    await send(secondRead.value);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      await send(value);
    }
    if (chunked) await write(_latin1Bytes("0\r\n\r\n"));
    return keepAlive;
  } catch {
    // The body failed, or the client went away: the answer is cut short,
    // which only closing the connection can say.
    await reader.cancel().catch(() => {});
    return false;
  } finally {
    reader.releaseLock();
  }
}

const _CRLF = Uint8Array.of(13, 10);

/** The reason phrases of the statuses the explorer and this server send. */
const _REASONS: Record<number, string> = {
  100: "Continue",
  200: "OK",
  201: "Created",
  204: "No Content",
  206: "Partial Content",
  301: "Moved Permanently",
  302: "Found",
  303: "See Other",
  304: "Not Modified",
  307: "Temporary Redirect",
  308: "Permanent Redirect",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  408: "Request Timeout",
  409: "Conflict",
  410: "Gone",
  411: "Length Required",
  413: "Content Too Large",
  414: "URI Too Long",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
  505: "HTTP Version Not Supported",
};

/**
 * A whole answer of `status` with a one-line text, that closes the
 * connection (and asks to retry in a second when it is a 503).
 *
 * @example
 * ```ts
 * import { refusalBytes } from "./http1.ts";
 * import { assertStringIncludes } from "@std/assert";
 *
 * const text = new TextDecoder().decode(refusalBytes(413, "Too large"));
 * assertStringIncludes(text, "HTTP/1.1 413 Content Too Large\r\n");
 * assertStringIncludes(text, "connection: close\r\n");
 * assertStringIncludes(text, "\r\n\r\nToo large\n");
 * ```
 *
 * @param status The HTTP status.
 * @param message One line that says why.
 * @returns The answer's bytes.
 */
export function refusalBytes(status: number, message: string): Uint8Array {
  const body = new TextEncoder().encode(message + "\n");
  const head = `HTTP/1.1 ${status} ${_REASONS[status] ?? "Error"}\r\n` +
    "content-type: text/plain; charset=utf-8\r\n" +
    `content-length: ${body.length}\r\n` +
    (status === 503 ? "retry-after: 1\r\n" : "") +
    "connection: close\r\n" +
    `date: ${new Date().toUTCString()}\r\n\r\n`;
  return concatBytes([_latin1Bytes(head), body]);
}

function _latin1(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    text += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return text;
}

function _latin1Bytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}
