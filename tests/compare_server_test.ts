import { assertEquals } from "@std/assert";
import { buildProfile, statsFile } from "../lib/profile.ts";
import { allowedHosts, createHandler } from "../lib/server.ts";
import { decodeProfile } from "../lib/wire.ts";

const run = (source: string, time: number) =>
  buildProfile([statsFile(source, [{
    key: ["app.py", 1, "main"],
    calls: 1,
    primitiveCalls: 1,
    internalTime: time,
    cumulativeTime: time,
  }])]);

const get = (handler: (r: Request) => Promise<Response>, path: string) =>
  handler(new Request(`http://127.0.0.1:8000${path}`));

Deno.test("/api/base serves the profile before, in the form of /api/profile", async () => {
  const handler = createHandler({
    profile: run("after.pstats", 0.25),
    base: run("before.pstats", 0.5),
    isAllowedHost: allowedHosts("127.0.0.1", 8000),
  });
  const base = await get(handler, "/api/base");
  assertEquals(base.status, 200);
  assertEquals(base.headers.get("content-type"), "application/octet-stream");
  const before = decodeProfile(new Uint8Array(await base.arrayBuffer()));
  assertEquals(before.sources, ["before.pstats"]);
  assertEquals(before.totals.time, 0.5);
  const profile = await get(handler, "/api/profile");
  const after = decodeProfile(new Uint8Array(await profile.arrayBuffer()));
  assertEquals(after.sources, ["after.pstats"]);
});

Deno.test("/api/base answers 204 No Content when not comparing", async () => {
  const handler = createHandler({
    profile: run("after.pstats", 0.25),
    isAllowedHost: allowedHosts("127.0.0.1", 8000),
  });
  const response = await get(handler, "/api/base");
  assertEquals(response.status, 204);
  await response.body?.cancel();
});
