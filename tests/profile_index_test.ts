/**
 * The caller and callee indexes of `createProfile()` (a counting sort, built
 * on first use) against the obvious grouping, on random graphs.
 */
import { assert, assertEquals } from "@std/assert";
import { createProfile, type Profile } from "../lib/profile.ts";

function graph(size: number, edges: number, seed: number): Profile {
  let a = seed;
  const next = () => {
    a = (Math.imul(a, 1103515245) + 12345) >>> 0;
    return a / 4294967296;
  };
  const caller = Uint32Array.from({ length: edges }, () => next() * size);
  const callee = Uint32Array.from({ length: edges }, () => next() * size);
  const zeros = (n: number) => new Float64Array(n);
  return createProfile({
    sources: ["made.pstats"],
    sampled: false,
    edgeDetail: true,
    functions: {
      file: Array.from({ length: size }, () => "app.py"),
      shortFile: Array.from({ length: size }, () => "app.py"),
      line: Float64Array.from({ length: size }, (_, i) => i),
      name: Array.from({ length: size }, (_, i) => `f${i}`),
      calls: zeros(size),
      primitiveCalls: zeros(size),
      internalTime: zeros(size),
      cumulativeTime: zeros(size),
    },
    edges: {
      caller,
      callee,
      calls: zeros(edges),
      primitiveCalls: zeros(edges),
      internalTime: zeros(edges),
      cumulativeTime: zeros(edges),
    },
  });
}

/** Per function, its edges in id order, as the index should list them. */
function grouped(endpoint: Uint32Array, size: number): number[][] {
  const lists: number[][] = Array.from({ length: size }, () => []);
  endpoint.forEach((fn, edge) => lists[fn]!.push(edge));
  return lists;
}

function fromIndex(start: Uint32Array, edges: Uint32Array): number[][] {
  return Array.from(
    { length: start.length - 1 },
    (_, i) => [...edges.subarray(start[i]!, start[i + 1]!)],
  );
}

Deno.test("the caller and callee indexes list each function's edges in order", () => {
  for (
    const [size, edges, seed] of [[1, 0, 1], [1, 5, 2], [7, 40, 3], [
      500,
      4000,
      4,
    ], [3000, 100, 5]]
  ) {
    const p = graph(size!, edges!, seed!);
    assertEquals(
      fromIndex(p.callerStart, p.callerEdges),
      grouped(p.edges.callee, size!),
    );
    assertEquals(
      fromIndex(p.calleeStart, p.calleeEdges),
      grouped(p.edges.caller, size!),
    );
  }
});

Deno.test("the indexes are built once, on first use, then are plain properties", () => {
  const p = graph(50, 200, 9);
  const before = Object.getOwnPropertyDescriptor(p, "callerStart")!;
  assert(before.get !== undefined, "built before it was read");
  const start = p.callerStart;
  assert(p.callerStart === start && p.callerEdges === p.callerEdges);
  assertEquals(Object.getOwnPropertyDescriptor(p, "callerStart")!.value, start);
  assert(Object.getOwnPropertyDescriptor(p, "calleeStart")!.get !== undefined);
  // A copy of the profile reads them too.
  const copy = { ...p };
  assertEquals([...copy.calleeEdges], [...p.calleeEdges]);
});
