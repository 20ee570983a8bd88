import { assertEquals, assertRejects } from "@std/assert";
import { decodeTextOrder, encodeTextOrder } from "../lib/order_wire.ts";
import type { Profile } from "../lib/profile.ts";
import { buildProfile, statsFile } from "../lib/pstats/build.ts";
import { textOrder } from "../lib/query.ts";
import { EmbeddedProfileSource, HttpProfileSource } from "../ui/source.ts";
import { get, handlerOf } from "./_handler.ts";
import { reportPage } from "./_report_page.ts";

/** Functions named as given, in app.py, in that order. */
const run = (source: string, names: string[]) =>
  buildProfile([statsFile(
    source,
    names.map((name, i) => ({
      key: ["app.py", i + 1, name] as const,
      calls: 1,
      primitiveCalls: 1,
      internalTime: 0.1,
      cumulativeTime: 0.1,
    })),
  )]);

function handlerFor(profile: Profile, base?: Profile) {
  return handlerOf({ profile, ...(base === undefined ? {} : { base }) });
}

Deno.test("/api/order serves the profile's name and file order", async () => {
  const profile = run("after.pstats", ["save", "load", "save", "parse"]);
  const response = await get(handlerFor(profile), "/api/order");
  assertEquals(response.status, 200);
  assertEquals(
    response.headers.get("content-type"),
    "application/octet-stream",
  );
  assertEquals(response.headers.get("cache-control"), "no-store");
  const order = decodeTextOrder(new Uint8Array(await response.arrayBuffer()));
  assertEquals([...order.names], [2, 0, 2, 1]);
  assertEquals(order.nameCount, 3);
  assertEquals([...order.files], [0, 0, 0, 0]);
  assertEquals(order.fileCount, 1);
});

Deno.test("/api/order is worked out on the first request, then served again as it was", async () => {
  const profile = run("after.pstats", ["b", "a"]);
  const handler = handlerFor(profile);
  const head = await get(handler, "/api/order", { method: "HEAD" });
  assertEquals(head.status, 200);
  assertEquals(head.headers.get("content-length"), String(16 + 8 * 2));
  assertEquals(await head.text(), "");
  const first = new Uint8Array(
    await (await get(handler, "/api/order")).arrayBuffer(),
  );
  // Were it worked out again, the renamed functions would swap places.
  const names = profile.functions.name as string[];
  names[0] = "a";
  names[1] = "b";
  const again = new Uint8Array(
    await (await get(handler, "/api/order")).arrayBuffer(),
  );
  assertEquals(again, first);
  assertEquals([...decodeTextOrder(again).names], [1, 0]);
});

Deno.test("/api/base/order serves the base's order, or 204 when not comparing", async () => {
  const handler = handlerFor(
    run("after.pstats", ["a", "b"]),
    run("before.pstats", ["z", "y", "x"]),
  );
  const base = await get(handler, "/api/base/order");
  assertEquals(base.status, 200);
  const order = decodeTextOrder(new Uint8Array(await base.arrayBuffer()));
  assertEquals([...order.names], [2, 1, 0]);
  const single = await get(
    handlerFor(run("after.pstats", ["a"])),
    "/api/base/order",
  );
  assertEquals(single.status, 204);
  await single.body?.cancel();
});

Deno.test("HttpProfileSource.loadOrder() reads the order, or null from a server without one", async () => {
  const profile = run("after.pstats", ["b", "a"]);
  const handler = handlerFor(profile);
  const source = new HttpProfileSource(
    "/api/profile",
    (input) => get(handler, String(input)),
  );
  assertEquals(await source.loadOrder("profile"), textOrder(profile));
  assertEquals(await source.loadOrder("base"), null);
  // An older server has no such route.
  const older = new HttpProfileSource(
    "/api/profile",
    () => Promise.resolve(new Response("Not found", { status: 404 })),
  );
  assertEquals(await older.loadOrder("profile"), null);
  const broken = new HttpProfileSource(
    "/api/profile",
    () => Promise.resolve(new Response("PXO1", { status: 200 })),
  );
  await assertRejects(
    () => broken.loadOrder("profile"),
    SyntaxError,
    "Not an encoded text order",
  );
});

Deno.test("EmbeddedProfileSource.loadOrder() reads the order a report carries, or null from an older report", async () => {
  const profile = run("after.pstats", ["b", "c", "a"]);
  const base = run("before.pstats", ["y", "x"]);
  const report = new EmbeddedProfileSource(
    await reportPage({
      "/api/order": encodeTextOrder(textOrder(profile)),
      "/api/base/order": encodeTextOrder(textOrder(base)),
    }),
  );
  assertEquals(await report.loadOrder("profile"), textOrder(profile));
  assertEquals(await report.loadOrder("base"), textOrder(base));
  const older = new EmbeddedProfileSource(await reportPage({}));
  assertEquals(await older.loadOrder("profile"), null);
  const damaged = new EmbeddedProfileSource(
    await reportPage({ "/api/order": new Uint8Array(8) }),
  );
  await assertRejects(
    () => damaged.loadOrder("profile"),
    Error,
    "The sort order in this page is damaged: Not an encoded text order",
  );
});
