import { assert, assertEquals } from "@std/assert";
import { createProfile } from "../lib/profile.ts";
import { encodeProfile, functionsLength } from "../lib/wire.ts";
import { HttpProfileSource } from "../ui/source.ts";

/** Two functions, one calling the other. */
const profile = createProfile({
  sources: ["run.pstats"],
  sampled: false,
  edgeDetail: true,
  functions: {
    file: ["app.py", "app.py"],
    shortFile: ["app.py", "app.py"],
    line: Int32Array.of(1, 5),
    name: ["main", "work"],
    calls: Float64Array.of(1, 3),
    primitiveCalls: Float64Array.of(1, 3),
    internalTime: Float64Array.of(0.1, 0.4),
    cumulativeTime: Float64Array.of(0.5, 0.4),
  },
  edges: {
    caller: Uint32Array.of(0),
    callee: Uint32Array.of(1),
    calls: Float64Array.of(3),
    primitiveCalls: Float64Array.of(3),
    internalTime: Float64Array.of(0.4),
    cumulativeTime: Float64Array.of(0.4),
  },
});

Deno.test("HttpProfileSource shows the functions first, and reads the call graph once the page says it has drawn them", async () => {
  const bytes = encodeProfile(profile);
  const split = functionsLength(bytes)!;
  const parts = [bytes.slice(0, split), bytes.slice(split)];
  let pulls = 0;
  // Pulled only as the page reads: what it has not read stays on the server.
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const part = parts[pulls++];
      if (part === undefined) controller.close();
      else controller.enqueue(part);
    },
  }, { highWaterMark: 0 });
  const source = new HttpProfileSource(
    "/api/profile",
    () =>
      Promise.resolve(
        new Response(body, {
          headers: { "content-length": String(bytes.length) },
        }),
      ),
  );
  const drawn = Promise.withResolvers<void>();
  let shown: number | undefined;
  const loading = source.load({
    onFunctions(functions) {
      shown = functions.edges.caller.length;
      assertEquals(functions.functions.name, ["main", "work"]);
      return drawn.promise;
    },
  });
  while (shown === undefined) await new Promise((r) => setTimeout(r, 1));
  assertEquals(shown, 0, "the functions came without their edges");
  await new Promise((r) => setTimeout(r, 20));
  assertEquals(pulls, 1, "the call graph was read before the table was drawn");
  drawn.resolve();
  const loaded = await loading;
  assert(pulls >= 2);
  assertEquals([...loaded.edges.caller], [0]);
  assertEquals([...loaded.edges.calls], [3]);
});
