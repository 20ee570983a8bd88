/**
 * Heavy work off the thread that answers requests (lib/heavy_work.ts): the
 * folded stacks of a dense call graph, the shape of a crafted file whose
 * `/api/collapsed?min=0` held every other request for 30 s, are worked out
 * in a worker, within a time limit, while the server answers the others.
 */
import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertLess,
  assertRejects,
  assertStringIncludes,
  fail,
} from "@std/assert";
import { join } from "@std/path";
import {
  type CollapsedQuery,
  collapsedText,
  HeavyWork,
  HeavyWorkError,
} from "../lib/heavy_work.ts";
import { serveHttp } from "../lib/http_server.ts";
import type { Profile } from "../lib/profile.ts";
import { buildProfile, statsFile } from "../lib/pstats/build.ts";
import { loadProfile } from "../lib/pstats/read.ts";
import { allowedHosts, createHandler } from "../lib/server.ts";
import { MAIN, START_PERMISSIONS, withTempDir } from "./_cli.ts";
import { concat, edge, entry, key } from "./_marshal_writer.ts";
import { startServer } from "./_server_child.ts";

/** `n` functions that all call each other, and a root that calls them all. */
function denseProfile(n: number): Profile {
  const root = ["main.py", 1, "main"] as const;
  const fn = (i: number) => [`m${i}.py`, 1, `f${i}`] as const;
  return buildProfile([statsFile("dense.pstats", [
    {
      key: root,
      calls: 1,
      primitiveCalls: 1,
      internalTime: 0.001,
      cumulativeTime: 1000,
    },
    ...Array.from({ length: n }, (_, i) => ({
      key: fn(i),
      calls: n + 1,
      primitiveCalls: n + 1,
      internalTime: 0.001,
      cumulativeTime: 1,
      callers: [
        {
          key: root,
          calls: 1,
          primitiveCalls: 1,
          internalTime: 0.001,
          cumulativeTime: 0.001,
        },
        ...Array.from({ length: n }, (_, j) => j)
          .filter((j) => j !== i)
          .map((j) => ({
            key: fn(j),
            calls: 1,
            primitiveCalls: 1,
            internalTime: 1e-6,
            cumulativeTime: 1e-6,
          })),
      ],
    })),
  ])]);
}

/** The same graph as a pstats file, its pieces joined once. */
function densePstats(n: number): Uint8Array {
  const root = key("main.py", 1, "main");
  const keys = Array.from({ length: n }, (_, i) => key(`m${i}.py`, 1, `f${i}`));
  const call = edge(1, 1, 1e-6, 1e-6);
  const [open, close] = [concat("{"), concat("0")];
  const parts: Uint8Array[] = [open, root, entry(1, 1, 0.001, 1000)];
  for (let i = 0; i < n; i++) {
    // The entry without its empty callers dict ("{0"), then the callers.
    const numbers = entry(n + 1, n + 1, 0.001, 1);
    parts.push(keys[i]!, numbers.subarray(0, numbers.length - 2));
    parts.push(open, root, edge(1, 1, 0.001, 0.001));
    for (let j = 0; j < n; j++) if (j !== i) parts.push(keys[j]!, call);
    parts.push(close);
  }
  parts.push(close);
  const out = new Uint8Array(
    parts.reduce((size, part) => size + part.length, 0),
  );
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const DENSE = 1000;
const ALL: CollapsedQuery = { minShare: 0, direction: "callees", filter: "" };

const fixture = loadProfile([{
  source: "run.pstats",
  bytes: Deno.readFileSync(
    new URL("./fixtures/cprofile-3.13.pstats", import.meta.url),
  ),
}]);

/** Whether a promise is still pending after `ms`. */
async function pendingAfter(
  promise: Promise<unknown>,
  ms: number,
): Promise<boolean> {
  let settled = false;
  promise.then(() => (settled = true), () => (settled = true));
  await new Promise((resolve) => setTimeout(resolve, ms));
  return !settled;
}

const TOO_FAST =
  "the dense graph's folded stacks came too fast to show anything: make the test's graph denser";

Deno.test("HeavyWork works out in its worker the folded stacks collapsedText() gives", async () => {
  using work = new HeavyWork();
  const fib = fixture.functions.name.indexOf("fib");
  const queries: CollapsedQuery[] = [
    ALL,
    { minShare: 0.001, direction: "callees", filter: "normalize" },
    { minShare: 0, direction: "callers", fn: fib, filter: "" },
    // With transforms, and a filter that excludes.
    {
      minShare: 0.001,
      direction: "callees",
      filter: "-~ workload",
      transforms: [
        { kind: "merge", target: "builtins" },
        { kind: "focus", target: "workload.py:main" },
      ],
    },
    {
      minShare: 0,
      direction: "callees",
      fn: fib,
      filter: "",
      transforms: [{ kind: "drop", target: "normalize" }],
    },
  ];
  for (const query of queries) {
    const text = await work.collapsed(fixture, query);
    assert(text.length > 0);
    assertEquals(text, collapsedText(fixture, query));
  }
});

Deno.test("HeavyWork stops a job over its time limit with a 503 that says what to do, and runs the next", async () => {
  using work = new HeavyWork({ timeLimit: 1000 });
  const error = await work.collapsed(denseProfile(DENSE), ALL).then(
    () => fail(TOO_FAST),
    (error) => error,
  );
  assertInstanceOf(error, HeavyWorkError);
  assertEquals(error.status, 503);
  assertStringIncludes(error.message, "took over 1 s and were stopped");
  assertStringIncludes(error.message, "raise min");
  // A new worker takes the next job.
  assertEquals(await work.collapsed(fixture, ALL), collapsedText(fixture, ALL));
});

Deno.test("HeavyWork answers Busy beyond its queue, and fails the jobs left when closed", async () => {
  const work = new HeavyWork({ queueLimit: 1 });
  const dense = denseProfile(DENSE);
  const running = work.collapsed(dense, ALL);
  const waiting = work.collapsed(dense, ALL);
  const busy = await assertRejects(
    () => work.collapsed(dense, ALL),
    HeavyWorkError,
  );
  assertStringIncludes(
    busy.message,
    "Busy: 1 folded-stack requests are waiting",
  );
  assert(await pendingAfter(running, 100), TOO_FAST);
  work.close();
  for (const job of [running, waiting]) {
    const error = await assertRejects(() => job, HeavyWorkError);
    assertEquals(error.message, "The server is stopping");
  }
});

Deno.test("while a heavy /api/collapsed is worked out, the server answers the other requests", async () => {
  const profile = denseProfile(DENSE);
  const work = new HeavyWork();
  let handler = (_request: Request): Promise<Response> => fail("not ready");
  const server = serveHttp(
    { hostname: "127.0.0.1", port: 0 },
    (request) => handler(request),
  );
  const origin = `http://127.0.0.1:${server.addr.port}`;
  handler = createHandler({
    profile,
    heavyWork: work,
    isAllowedHost: allowedHosts("127.0.0.1", server.addr.port),
  });
  try {
    const heavy = fetch(`${origin}/api/collapsed?min=0`);
    assert(await pendingAfter(heavy, 300), TOO_FAST);
    const start = performance.now();
    const light = await fetch(`${origin}/api/functions?limit=1`);
    assertEquals(light.status, 200);
    assertEquals((await light.json()).total, DENSE + 1);
    // Answered while the heavy one still runs, and at once (a generous
    // bound: on the request thread it waited the whole heavy request).
    assert(await pendingAfter(heavy, 0), "the heavy request came first");
    assertLess(performance.now() - start, 5000);
    // Stopping the work answers the heavy request, and says why.
    work.close();
    const stopped = await heavy;
    assertEquals(stopped.status, 503);
    assertEquals(
      await stopped.json(),
      { error: "The server is stopping" },
    );
  } finally {
    work.close();
    await server.shutdown();
  }
});

Deno.test("the explorer answers other requests while the folded stacks of a dense file are worked out", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeFile(join(dir, "dense.pstats"), densePstats(DENSE));
    await using server = await startServer(Deno.execPath(), [
      "run",
      ...START_PERMISSIONS,
      MAIN,
      "--no-open",
      "--port",
      "0",
      join(dir, "dense.pstats"),
    ]);
    const heavy = fetch(new URL("/api/collapsed?min=0", server.url));
    assert(await pendingAfter(heavy, 500), TOO_FAST);
    const light = await fetch(new URL("/api/functions?limit=1", server.url));
    assertEquals(light.status, 200);
    assertEquals((await light.json()).total, DENSE + 1);
    assert(await pendingAfter(heavy, 0), "the heavy request came first");
    // Ctrl+C stops the work, answers the heavy request, and ends cleanly.
    const exit = await server.stop("SIGINT");
    const stopped = await heavy;
    assertEquals(stopped.status, 503);
    assertEquals(await stopped.json(), { error: "The server is stopping" });
    assertEquals(exit.code, 0, exit.stderr);
    assertStringIncludes(exit.stdout, "Stopped.");
  });
});
