/**
 * The HTTP/1.1 server (lib/http_server.ts) driven over TCP as clients
 * would: fetch, and raw sockets for what fetch cannot send (half a head,
 * pipelined requests, hostile heads, connections left open).
 */
import {
  assert,
  assertEquals,
  assertLess,
  assertMatch,
  assertStringIncludes,
} from "@std/assert";
import {
  type HttpServeOptions,
  maxConnectionsFor,
  openFileLimit,
  serveHttp,
} from "../lib/http_server.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A server on a free port with these options, shut down after `fn`. */
async function withServer(
  options: Partial<HttpServeOptions>,
  handler: (request: Request) => Response | Promise<Response>,
  fn: (port: number) => Promise<void>,
): Promise<void> {
  const server = serveHttp(
    { hostname: "127.0.0.1", port: 0, ...options },
    handler,
  );
  try {
    await fn(server.addr.port);
  } finally {
    await server.shutdown();
  }
}

/** A raw connection to the server. */
async function connect(port: number): Promise<Deno.TcpConn> {
  return await Deno.connect({ hostname: "127.0.0.1", port });
}

/** Sends `text` and reads until the server closes; answers all it said. */
async function exchange(port: number, text: string): Promise<string> {
  const conn = await connect(port);
  try {
    await conn.write(encoder.encode(text));
    return await readToEnd(conn);
  } finally {
    conn.close();
  }
}

async function readToEnd(conn: Deno.Conn): Promise<string> {
  const buffer = new Uint8Array(64 * 1024);
  let text = "";
  for (;;) {
    let n: number | null;
    try {
      n = await conn.read(buffer);
    } catch {
      break; // reset by the server
    }
    if (n === null) break;
    text += decoder.decode(buffer.subarray(0, n));
  }
  return text;
}

/** Reads until `text` holds `count` answers to `GET`s (bodies "hello"). */
async function readUntil(conn: Deno.Conn, done: (text: string) => boolean) {
  const buffer = new Uint8Array(4096);
  let text = "";
  while (!done(text)) {
    const n = await conn.read(buffer);
    if (n === null) break;
    text += decoder.decode(buffer.subarray(0, n));
  }
  return text;
}

const hello = () => new Response("hello");

Deno.test("serveHttp() answers fetch, with the length of a body that comes whole", async () => {
  await withServer(
    {},
    (request) =>
      new Response(`${request.method} ${new URL(request.url).pathname}`, {
        headers: { "x-answer": "yes" },
      }),
    async (port) => {
      const response = await fetch(`http://127.0.0.1:${port}/a/b?c=1`);
      assertEquals(response.status, 200);
      assertEquals(response.headers.get("x-answer"), "yes");
      assertEquals(response.headers.get("content-length"), "8");
      assert(response.headers.has("date"));
      assertEquals(await response.text(), "GET /a/b");
    },
  );
});

Deno.test("serveHttp() sends a stream chunked, in order, and HEAD with no body", async () => {
  const parts = ["one ", "two ", "three"];
  const handler = (request: Request) => {
    let i = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const part = parts[i++];
        if (part === undefined) controller.close();
        else controller.enqueue(encoder.encode(part));
      },
    });
    return request.method === "HEAD"
      ? new Response(null, { headers: { "content-length": "13" } })
      : new Response(body);
  };
  await withServer({}, handler, async (port) => {
    const raw = await exchange(
      port,
      "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assertStringIncludes(raw, "transfer-encoding: chunked\r\n");
    assertStringIncludes(
      raw,
      "\r\n\r\n4\r\none \r\n4\r\ntwo \r\n5\r\nthree\r\n0\r\n\r\n",
    );
    const head = await exchange(
      port,
      "HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assertMatch(head, /^HTTP\/1\.1 200 OK\r\n/);
    assertStringIncludes(head, "content-length: 13\r\n");
    assert(head.endsWith("\r\n\r\n"), "no body after the head");
    assertEquals(
      await (await fetch(`http://127.0.0.1:${port}/`)).text(),
      "one two three",
    );
  });
});

Deno.test("serveHttp() keeps a connection for the next request, and answers pipelined ones in order", async () => {
  let n = 0;
  await withServer({}, () => new Response(`answer ${++n}`), async (port) => {
    const conn = await connect(port);
    try {
      await conn.write(encoder.encode(
        "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n",
      ));
      const two = await readUntil(conn, (t) => t.includes("answer 2"));
      assertMatch(two, /answer 1[^]*answer 2/);
      await conn.write(encoder.encode(
        "GET /3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
      ));
      const three = await readToEnd(conn);
      assertStringIncludes(three, "connection: close\r\n");
      assertStringIncludes(three, "answer 3");
    } finally {
      conn.close();
    }
  });
});

Deno.test("serveHttp() answers HTTP/1.0 and closes, unless asked to keep the connection", async () => {
  const stream = () =>
    new Response(
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(encoder.encode("a stream "));
          controller.enqueue(encoder.encode("to the end"));
          controller.close();
        },
      }),
    );
  await withServer({}, stream, async (port) => {
    // A stream is sent to the end of the connection: 1.0 has no chunks.
    const plain = await exchange(port, "GET / HTTP/1.0\r\n\r\n");
    assertStringIncludes(plain, "connection: close\r\n");
    assert(!plain.includes("transfer-encoding"), plain);
    assert(plain.endsWith("\r\n\r\na stream to the end"), plain);
  });
  await withServer({}, hello, async (port) => {
    const conn = await connect(port);
    try {
      await conn.write(encoder.encode(
        "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
      ));
      const first = await readUntil(conn, (t) => t.endsWith("hello"));
      assertStringIncludes(first, "connection: keep-alive\r\n");
      await conn.write(encoder.encode("GET / HTTP/1.0\r\n\r\n"));
      const second = await readToEnd(conn);
      assertStringIncludes(second, "connection: close\r\n");
      assert(second.endsWith("hello"), second);
    } finally {
      conn.close();
    }
  });
});

Deno.test("serveHttp() answers a hostile or unsupported head with one line and closes", async () => {
  await withServer({}, hello, async (port) => {
    const cases: [string, RegExp, string][] = [
      ["GARBAGE\r\n\r\n", /^HTTP\/1\.1 400 /, "Bad request line"],
      [
        "GET / HTTP/2.0\r\nHost: x\r\n\r\n",
        /^HTTP\/1\.1 505 /,
        "not supported",
      ],
      ["GET / HTTP/1.1\r\n\r\n", /^HTTP\/1\.1 400 /, "no Host header"],
      [
        "GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
        /^HTTP\/1\.1 400 /,
        "malformed Host",
      ],
      [
        "GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
        /^HTTP\/1\.1 400 /,
        "Bad header",
      ],
      [
        "GET http://x/ HTTP/1.1\r\nHost: x\r\n\r\n",
        /^HTTP\/1\.1 400 /,
        "request target",
      ],
      [
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
        /^HTTP\/1\.1 411 /,
        "Content-Length",
      ],
      [
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n",
        /^HTTP\/1\.1 413 /,
        "over 64 KiB",
      ],
      [
        `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(70_000)}\r\n\r\n`,
        /^HTTP\/1\.1 431 /,
        "over 64 KiB",
      ],
    ];
    for (const [request, status, message] of cases) {
      const answer = await exchange(port, request);
      assertMatch(answer, status, request.slice(0, 60));
      assertStringIncludes(answer, "connection: close\r\n");
      assertStringIncludes(answer.split("\r\n\r\n")[1]!, message);
    }
  });
});

Deno.test("serveHttp() hands the handler a small request body", async () => {
  await withServer(
    {},
    async (request) =>
      new Response(`${request.method} ${await request.text()}`),
    async (port) => {
      const response = await fetch(`http://127.0.0.1:${port}/`, {
        method: "POST",
        body: "a body",
      });
      assertEquals(await response.text(), "POST a body");
    },
  );
});

Deno.test("serveHttp() turns a handler's error into the onError answer, and a 500 without one", async () => {
  const fail = () => {
    throw new Error("boom");
  };
  await withServer({}, fail, async (port) => {
    const response = await fetch(`http://127.0.0.1:${port}/`);
    assertEquals(response.status, 500);
    assertEquals(await response.text(), "Internal server error\n");
  });
  await withServer(
    {
      onError: (error) =>
        new Response(`Sorry: ${(error as Error).message}`, { status: 502 }),
    },
    fail,
    async (port) => {
      const response = await fetch(`http://127.0.0.1:${port}/`);
      assertEquals(response.status, 502);
      assertEquals(await response.text(), "Sorry: boom");
    },
  );
});

Deno.test("serveHttp() drops slow and idle clients and answers the others", async () => {
  await withServer(
    { headerTimeout: 300, idleTimeout: 600 },
    hello,
    async (port) => {
      /** Waits until the server closes; answers what it said and the ms. */
      const closed = async (conn: Deno.Conn, send: string) => {
        const start = performance.now();
        if (send) await conn.write(encoder.encode(send));
        const said = await readToEnd(conn);
        conn.close();
        return { said, ms: performance.now() - start };
      };
      // A client that never finishes its request head is told why; one that
      // sends nothing is just closed, both after the header timeout.
      const [partial, silent] = await Promise.all([
        connect(port).then((c) => closed(c, "GET / HTTP/1.1\r\nHost: x\r\n")),
        connect(port).then((c) => closed(c, "")),
      ]);
      assertMatch(partial.said, /^HTTP\/1\.1 408 /);
      assertStringIncludes(partial.said, "did not come whole within 300 ms");
      assertEquals(silent.said, "");
      for (const { ms } of [partial, silent]) {
        assert(ms >= 250 && ms < 3000, `closed after ${ms} ms`);
      }
      // A whole request is answered, and the connection kept until idle.
      const conn = await connect(port);
      const start = performance.now();
      await conn.write(encoder.encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
      assertStringIncludes(
        await readUntil(conn, (t) => t.includes("hello")),
        "hello",
      );
      const idle = await closed(conn, "");
      assertEquals(idle.said, "");
      const kept = performance.now() - start;
      assert(
        kept >= 550 && kept < 5000,
        `idle connection closed after ${kept} ms`,
      );
      assertEquals(
        await (await fetch(`http://127.0.0.1:${port}/`)).text(),
        "hello",
      );
    },
  );
});

Deno.test("serveHttp() at its cap closes the longest-waiting connection for a new one", async () => {
  await withServer({ maxConnections: 8 }, hello, async (port) => {
    // Eight clients that send half a request line fill the server.
    const waiting: Deno.TcpConn[] = [];
    for (let i = 0; i < 8; i++) {
      const conn = await connect(port);
      await conn.write(encoder.encode("GET / HT"));
      waiting.push(conn);
    }
    try {
      // A ninth, real, client is answered: the first waiter made room, and
      // is told why.
      const response = await fetch(`http://127.0.0.1:${port}/`);
      assertEquals(await response.text(), "hello");
      const first = await readToEnd(waiting[0]!);
      assertMatch(first, /^HTTP\/1\.1 503 /);
      assertStringIncludes(
        first,
        "Too many connections (8): this one waited longest",
      );
      // The others still wait, and can finish their request.
      await waiting[7]!.write(encoder.encode("TP/1.1\r\nHost: x\r\n\r\n"));
      assertStringIncludes(
        await readUntil(waiting[7]!, (t) => t.includes("hello")),
        "hello",
      );
    } finally {
      for (const conn of waiting) conn.close();
    }
  });
});

Deno.test("serveHttp() answers 503 when every connection is inside the handler, and recovers", async () => {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const handler = async (request: Request) => {
    if (new URL(request.url).pathname === "/slow") await released;
    return new Response("hello");
  };
  await withServer({ maxConnections: 4 }, handler, async (port) => {
    const busy = Array.from(
      { length: 4 },
      () => fetch(`http://127.0.0.1:${port}/slow`),
    );
    // Wait until the four are inside the handler.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const refused = await exchange(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assertMatch(refused, /^HTTP\/1\.1 503 /);
    assertStringIncludes(refused, "retry-after: 1\r\n");
    assertStringIncludes(refused, "Too many connections: all 4 are busy");
    release();
    for (const response of await Promise.all(busy)) {
      assertEquals(await response.text(), "hello");
    }
    assertEquals(
      await (await fetch(`http://127.0.0.1:${port}/`)).text(),
      "hello",
    );
  });
});

Deno.test("serveHttp() on shutdown finishes the answers in progress, then closes", async () => {
  let entered!: () => void;
  const inside = new Promise<void>((resolve) => (entered = resolve));
  const server = serveHttp({ hostname: "127.0.0.1", port: 0 }, async () => {
    entered();
    await new Promise((resolve) => setTimeout(resolve, 100));
    return new Response("late but whole");
  });
  const idle = await connect(server.addr.port);
  const answer = fetch(`http://127.0.0.1:${server.addr.port}/`);
  await inside;
  await server.shutdown();
  const response = await answer;
  assertEquals(await response.text(), "late but whole");
  // The idle connection was closed, and nothing listens any more.
  assertEquals(await readToEnd(idle), "");
  idle.close();
  await fetch(`http://127.0.0.1:${server.addr.port}/`).then(
    () => assert(false, "still listening"),
    () => {},
  );
});

Deno.test("maxConnectionsFor() leaves a reserve of the file limit for everything else", () => {
  assertEquals(maxConnectionsFor(1024), 896);
  assertEquals(maxConnectionsFor(20_000), 10_000);
  assertEquals(maxConnectionsFor(8192), 7168);
  assertEquals(maxConnectionsFor(100), 36);
  assertEquals(maxConnectionsFor(10), 16);
  assertEquals(maxConnectionsFor(Infinity), 10_000);
  assertEquals(maxConnectionsFor(undefined), 896);
  assertEquals(maxConnectionsFor(NaN), 896);
});

Deno.test({
  name: "openFileLimit() reads the soft limit of open files on Linux",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const limit = openFileLimit();
    assert(limit !== undefined && limit > 0);
    // The shell's soft limit is the same process property.
    const shell = await new Deno.Command("bash", {
      args: ["-c", `ulimit -Sn`],
    }).output();
    const text = decoder.decode(shell.stdout).trim();
    // Deno raises its soft limit to the hard one, so at least the shell's.
    assertLess(
      text === "unlimited" ? 0 : Number(text) - 1,
      limit === Infinity ? Number.MAX_VALUE : limit,
    );
  },
});
