import {
  assert,
  assertEquals,
  assertFalse,
  assertMatch,
  assertStringIncludes,
} from "@std/assert";
import { createProfile, type Profile } from "../lib/profile.ts";
import { queryFunctions } from "../lib/query.ts";
import {
  allowedHosts,
  createHandler,
  type EdgeRow,
  type FunctionRow,
} from "../lib/server.ts";
import { decodeProfile } from "../lib/wire.ts";
import { serveHttp } from "../lib/http_server.ts";
import { UI_ASSETS } from "./_page.ts";
import { handlerOf, jsonOf, ORIGIN } from "./_handler.ts";

/**
 * entry_point (app.py:1) calls work three times and a lambda once; work recurses
 * (5 calls, 3 primitive) and calls len ten times.
 */
function smallProfile(): Profile {
  return createProfile({
    sources: ["/tmp/run.pstats"],
    sampled: false,
    edgeDetail: true,
    functions: {
      file: ["/srv/app.py", "/srv/app.py", "~", "/srv/lib/<gen>.py"],
      shortFile: ["app.py", "app.py", "~", "lib/<gen>.py"],
      line: Int32Array.of(1, 10, 0, 5),
      name: [
        "entry_point",
        "work",
        "<built-in method builtins.len>",
        "<lambda>",
      ],
      calls: Float64Array.of(1, 5, 10, 1),
      primitiveCalls: Float64Array.of(1, 3, 10, 1),
      internalTime: Float64Array.of(0.1, 0.6, 0.05, 0.01),
      cumulativeTime: Float64Array.of(1, 0.8, 0.05, 0.01),
    },
    edges: {
      caller: Uint32Array.of(0, 1, 1, 0),
      callee: Uint32Array.of(1, 1, 2, 3),
      calls: Float64Array.of(3, 2, 10, 1),
      primitiveCalls: Float64Array.of(3, 0, 10, 1),
      internalTime: Float64Array.of(0.4, 0.2, 0.05, 0.01),
      cumulativeTime: Float64Array.of(0.6, 0.2, 0.05, 0.01),
    },
  });
}

function handlerFor(profile = smallProfile()) {
  return handlerOf({ assets: UI_ASSETS, profile });
}

async function get(
  path: string,
  init: RequestInit = {},
  handler = handlerFor(),
): Promise<Response> {
  return await handler(new Request(ORIGIN + path, init));
}

interface ListBody<Row> {
  total: number;
  offset: number;
  limit: number;
  rows: Row[];
}

interface EdgeListBody extends ListBody<EdgeRow> {
  function: FunctionRow;
}

/** Sends a GET with the given Host header and returns the whole answer. */
async function rawGet(port: number, host: string, path: string) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(
      new TextEncoder().encode(
        `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      ),
    );
    let text = "";
    const decoder = new TextDecoder();
    const buffer = new Uint8Array(4096);
    for (
      let n = await conn.read(buffer);
      n !== null;
      n = await conn.read(buffer)
    ) {
      text += decoder.decode(buffer.subarray(0, n), { stream: true });
    }
    return text;
  } finally {
    conn.close();
  }
}

Deno.test("handler serves the page as HTML with a restrictive CSP", async () => {
  const response = await get("/");
  assertEquals(response.status, 200);
  assertEquals(
    response.headers.get("content-type"),
    "text/html; charset=utf-8",
  );
  assertEquals(response.headers.get("x-content-type-options"), "nosniff");
  assertEquals(response.headers.get("cache-control"), "no-cache");
  const csp = response.headers.get("content-security-policy") ?? "";
  assertStringIncludes(csp, "default-src 'none'");
  assertStringIncludes(csp, "script-src 'self'");
  assertFalse(csp.includes("unsafe-inline"));
  const page = await response.text();
  assertStringIncludes(page, `src="${UI_ASSETS.script.path}"`);
  assertStringIncludes(page, `href="${UI_ASSETS.style.path}"`);
  assertStringIncludes(page, `href="/favicon.svg"`);
});

Deno.test("handler never puts profile text in the page", async () => {
  const page = await (await get("/")).text();
  for (
    const text of ["run.pstats", "app.py", "entry_point", "<lambda>", "<gen>"]
  ) {
    assertFalse(page.includes(text), `the page contains ${text}`);
  }
});

Deno.test("handler serves the script, style and icon with their types", async () => {
  const script = await get(UI_ASSETS.script.path);
  assertEquals(
    script.headers.get("content-type"),
    "text/javascript; charset=utf-8",
  );
  assertEquals(
    script.headers.get("cache-control"),
    "public, max-age=31536000, immutable",
  );
  assertEquals(await script.text(), UI_ASSETS.script.body);
  assertMatch(UI_ASSETS.script.path, /^\/assets\/app-[0-9a-f]{12}\.js$/);

  const style = await get(UI_ASSETS.style.path);
  assertEquals(style.headers.get("content-type"), "text/css; charset=utf-8");
  assertEquals(await style.text(), UI_ASSETS.style.body);
  assertMatch(UI_ASSETS.style.path, /^\/assets\/app-[0-9a-f]{12}\.css$/);

  const icon = await get("/favicon.svg");
  assertEquals(icon.headers.get("content-type"), "image/svg+xml");
  assertEquals(icon.headers.get("x-content-type-options"), "nosniff");
  assertStringIncludes(await icon.text(), "<svg");
});

Deno.test("handler serves the page it is given, and without one only the API", async () => {
  const assets = {
    html: "<!doctype html><title>stand-in</title>",
    script: { path: "/assets/app-0123456789ab.js", body: "void 0;" },
    style: { path: "/assets/app-0123456789ab.css", body: "body{}" },
    favicon: "<svg/>",
  };
  const given = handlerOf({ assets, profile: smallProfile() });
  assertEquals(await (await get("/", {}, given)).text(), assets.html);
  assertEquals(
    await (await get(assets.script.path, {}, given)).text(),
    "void 0;",
  );
  const apiOnly = handlerOf({ profile: smallProfile() });
  for (const path of ["/", "/favicon.svg", UI_ASSETS.script.path]) {
    const response = await get(path, {}, apiOnly);
    assertEquals(response.status, 404, path);
    await response.body?.cancel();
  }
  const api = await get("/api/profile", {}, apiOnly);
  assertEquals(api.status, 200);
  await api.body?.cancel();
});

Deno.test("handler serves the profile in the form decodeProfile() reads", async () => {
  const handler = handlerFor();
  const response = await get("/api/profile", {}, handler);
  assertEquals(response.status, 200);
  assertEquals(
    response.headers.get("content-type"),
    "application/octet-stream",
  );
  const bytes = new Uint8Array(await response.arrayBuffer());
  const profile = decodeProfile(bytes);
  const original = smallProfile();
  assertEquals(profile.functions.name, original.functions.name);
  assertEquals(profile.totals, original.totals);
  assertEquals([...profile.edges.callee], [...original.edges.callee]);
  // Encoded once, the same bytes every time.
  const again = await get("/api/profile", {}, handler);
  assertEquals(new Uint8Array(await again.arrayBuffer()), bytes);
});

Deno.test("GET /api/functions filters, sorts and pages with the query code", async () => {
  const profile = smallProfile();
  const handler = handlerFor(profile);
  const all = await jsonOf<ListBody<FunctionRow>>(
    await get("/api/functions", {}, handler),
  );
  assertEquals(all.total, 4);
  assertEquals(all.offset, 0);
  assertEquals(all.limit, 100);
  assertEquals(
    all.rows.map((row) => row.id),
    [...queryFunctions(profile).ids],
  );
  assertEquals(all.rows[0], {
    id: 0,
    file: "/srv/app.py",
    shortFile: "app.py",
    line: 1,
    name: "entry_point",
    label: "app.py:1(entry_point)",
    builtin: false,
    calls: 1,
    primitiveCalls: 1,
    internalTime: 0.1,
    cumulativeTime: 1,
  });

  const page = await jsonOf<ListBody<FunctionRow>>(
    await get("/api/functions?sort=calls&desc=0&offset=1&limit=2", {}, handler),
  );
  assertEquals(page.total, 4);
  assertEquals(page.rows.map((row) => row.name), ["<lambda>", "work"]);

  const filtered = await jsonOf<ListBody<FunctionRow>>(
    await get("/api/functions?q=APP.PY%20wo", {}, handler),
  );
  assertEquals(filtered.total, 1);
  assertEquals(filtered.rows[0]?.name, "work");

  const builtin = await jsonOf<ListBody<FunctionRow>>(
    await get("/api/functions?q=builtins.len", {}, handler),
  );
  assertEquals(builtin.rows[0]?.label, "{built-in method builtins.len}");
  assertEquals(builtin.rows[0]?.builtin, true);
});

Deno.test("GET /api/functions/:id returns one function", async () => {
  const row = await jsonOf<FunctionRow>(await get("/api/functions/1"));
  assertEquals(row.name, "work");
  assertEquals(row.calls, 5);
  assertEquals(row.primitiveCalls, 3);
});

Deno.test("GET /api/functions/:id/callers returns the edges into a function", async () => {
  const body = await jsonOf<EdgeListBody>(
    await get("/api/functions/1/callers?sort=calls"),
  );
  assertEquals(body.function.name, "work");
  assertEquals(body.total, 2);
  assertEquals(
    body.rows.map((row) => [row.edge, row.id, row.name, row.calls]),
    [[0, 0, "entry_point", 3], [1, 1, "work", 2]],
  );
  const [main] = body.rows;
  assertEquals(main?.primitiveCalls, 3);
  assertEquals(main?.internalTime, 0.4);
  assertEquals(main?.cumulativeTime, 0.6);

  const filtered = await jsonOf<EdgeListBody>(
    await get("/api/functions/1/callers?q=entry"),
  );
  assertEquals(filtered.rows.map((row) => row.name), ["entry_point"]);
});

Deno.test("GET /api/functions/:id/callees returns the edges out of a function", async () => {
  const body = await jsonOf<EdgeListBody>(
    await get("/api/functions/0/callees?sort=name"),
  );
  assertEquals(body.function.name, "entry_point");
  assertEquals(
    body.rows.map((row) => [row.edge, row.name, row.calls]),
    [[3, "<lambda>", 1], [0, "work", 3]],
  );
  const none = await jsonOf<EdgeListBody>(
    await get("/api/functions/2/callees"),
  );
  assertEquals(none.total, 0);
  assertEquals(none.rows, []);
});

Deno.test("handler refuses a request whose Host is not the served address", async () => {
  for (
    const host of [
      "evil.example:8000",
      "evil.example",
      "127.0.0.1:9000",
      "localhost",
      "",
    ]
  ) {
    const response = await get("/api/profile", { headers: { host } });
    assertEquals(response.status, 403, host);
    assertEquals(
      response.headers.get("content-type"),
      "text/plain; charset=utf-8",
    );
    assertStringIncludes(await response.text(), "Forbidden");
  }
  for (const host of ["127.0.0.1:8000", "localhost:8000", "[::1]:8000"]) {
    const response = await get("/", { headers: { host } });
    assertEquals(response.status, 200, host);
    await response.body?.cancel();
  }
});

Deno.test("handler answers 404 for unknown routes and old asset names", async () => {
  for (
    const path of [
      "/nope",
      "/index.html",
      "/assets/app-000000000000.js",
      "/api",
      "/api/functions/1/friends",
      "/api/functions/",
      "/ui/app.ts",
      "/../deno.json",
    ]
  ) {
    const response = await get(path);
    assertEquals(response.status, 404, path);
    await response.body?.cancel();
  }
  const api = await jsonOf<{ error: string }>(await get("/api/nope"));
  assertEquals(api.error, "Not found");
});

Deno.test("handler answers 405 with Allow for methods other than GET and HEAD", async () => {
  for (const method of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
    const response = await get("/api/functions", { method });
    assertEquals(response.status, 405, method);
    assertEquals(response.headers.get("allow"), "GET, HEAD");
    await response.body?.cancel();
  }
});

Deno.test("handler answers HEAD like GET without a body", async () => {
  const response = await get("/", { method: "HEAD" });
  assertEquals(response.status, 200);
  assertEquals(
    response.headers.get("content-type"),
    "text/html; charset=utf-8",
  );
  assertEquals(await response.text(), "");
});

Deno.test("handler answers 400 for bad ids and parameters", async () => {
  for (
    const path of [
      "/api/functions/abc",
      "/api/functions/-1/callers",
      "/api/functions/1.5/callees",
      "/api/functions/4",
      "/api/functions/99999999999/callers",
      "/api/functions?sort=bogus",
      "/api/functions?desc=maybe",
      "/api/functions?offset=-1",
      "/api/functions?limit=1e3",
      "/api/functions?limit=10001",
      "/api/functions/0/callers?limit=x",
    ]
  ) {
    const response = await get(path);
    assertEquals(response.status, 400, path);
    const body = await jsonOf<{ error: string }>(response);
    assertMatch(body.error, /^Bad /, path);
  }
});

Deno.test("handler turns an error in a route into a 500, never a crash", async () => {
  const broken = Object.defineProperty({ ...smallProfile() }, "functions", {
    get(): never {
      throw new Error("boom");
    },
  });
  const errors: unknown[] = [];
  const handler = createHandler({
    profile: broken,
    isAllowedHost: () => true,
    onError: (error) => errors.push(error),
  });
  const response = await handler(new Request(ORIGIN + "/api/functions/0"));
  assertEquals(response.status, 500);
  assertEquals(
    await jsonOf<{ error: string }>(response),
    { error: "Internal server error" },
  );
  assertEquals(errors.length, 1);
  const page = await handler(new Request(ORIGIN + "/api/profile"));
  assertEquals(page.status, 500);
  await page.body?.cancel();
});

Deno.test("allowedHosts() on loopback allows only the loopback names and port", () => {
  for (const hostname of ["127.0.0.1", "localhost", "::1", "[::1]"]) {
    const allowed = allowedHosts(hostname, 8000);
    assert(allowed("127.0.0.1:8000"), hostname);
    assert(allowed("localhost:8000"), hostname);
    assert(allowed("LOCALHOST:8000"), hostname);
    assert(allowed("[::1]:8000"), hostname);
    assertFalse(allowed("127.0.0.1:8001"), hostname);
    assertFalse(allowed("127.0.0.1"), hostname);
    assertFalse(allowed("192.168.1.2:8000"), hostname);
    assertFalse(allowed("evil.example:8000"), hostname);
    assertFalse(allowed("localhost.evil.example:8000"), hostname);
    assertFalse(allowed("127.0.0.1:8000:8000"), hostname);
    assertFalse(allowed(""), hostname);
  }
  // Port 80 may be left out of the Host header.
  assert(allowedHosts("127.0.0.1", 80)("localhost"));
});

Deno.test("allowedHosts() on every interface allows IP literals but no DNS names", () => {
  for (const hostname of ["0.0.0.0", "::", "[::]"]) {
    const allowed = allowedHosts(hostname, 8000);
    assert(allowed("192.168.1.20:32768"), hostname);
    assert(allowed("10.0.0.5"), hostname);
    assert(allowed("127.0.0.1:8000"), hostname);
    assert(allowed("localhost:49153"), hostname);
    assert(allowed("[fe80::1]:8000"), hostname);
    assertFalse(allowed("evil.example:8000"), hostname);
    assertFalse(allowed("my-laptop.local:8000"), hostname);
    assertFalse(allowed("1.2.3.4.evil.example"), hostname);
    assertFalse(allowed("256.1.1.1:8000"), hostname);
    assertFalse(allowed("1.2.3:8000"), hostname);
    assertFalse(allowed("[evil]:8000"), hostname);
    assertFalse(allowed("10.0.0.5:99999"), hostname);
  }
});

Deno.test("allowedHosts() on another address allows just that address", () => {
  const allowed = allowedHosts("192.168.1.20", 8000);
  assert(allowed("192.168.1.20:8000"));
  assertFalse(allowed("192.168.1.20:8001"));
  assertFalse(allowed("localhost:8000"));
  assertFalse(allowed("evil.example:8000"));
});

Deno.test("the real server serves the page and the profile over TCP", async () => {
  const profile = smallProfile();
  let handler: (request: Request) => Promise<Response> = () => {
    throw new Error("Not listening yet");
  };
  const server = serveHttp(
    { hostname: "127.0.0.1", port: 0 },
    (request) => handler(request),
  );
  try {
    const { port } = server.addr;
    handler = createHandler({
      assets: UI_ASSETS,
      profile,
      isAllowedHost: allowedHosts("127.0.0.1", port),
    });
    const base = `http://127.0.0.1:${port}`;

    const page = await fetch(base + "/");
    assertEquals(page.status, 200);
    assertStringIncludes(await page.text(), UI_ASSETS.script.path);

    const script = await fetch(base + UI_ASSETS.script.path);
    assertEquals(script.status, 200);
    assertEquals(await script.text(), UI_ASSETS.script.body);

    const data = await fetch(base + "/api/profile");
    assertEquals(data.status, 200);
    const decoded = decodeProfile(new Uint8Array(await data.arrayBuffer()));
    assertEquals(decoded.functions.name, profile.functions.name);
    assertEquals(decoded.totals, profile.totals);

    // fetch() sets Host from the URL, so speak HTTP by hand to send others.
    assertMatch(
      await rawGet(port, `localhost:${port}`, "/api/functions/0"),
      /^HTTP\/1\.1 200 /,
    );
    const refused = await rawGet(port, `attacker.example:${port}`, "/");
    assertMatch(refused, /^HTTP\/1\.1 403 /);
    assertStringIncludes(refused, "Forbidden");
  } finally {
    await server.shutdown();
  }
});
