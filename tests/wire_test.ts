import { assert, assertEquals } from "@std/assert";
import { createProfile, emptyEdges, type Profile } from "../lib/profile.ts";
import { loadProfile } from "../lib/pstats/read.ts";
import { decodeProfile, encodeProfile, functionsLength } from "../lib/wire.ts";
import { exactBits, exactEdges } from "./_exact.ts";
import { FIXTURES } from "./_fixtures.ts";

/** A profile of three functions and the edges with these counts. */
function profileWithEdges(calls: number[], primitiveCalls: number[]): Profile {
  const m = calls.length;
  return createProfile({
    sources: ["run.pstats"],
    sampled: false,
    edgeDetail: true,
    functions: {
      file: ["app.py", "app.py", "~"],
      shortFile: ["app.py", "app.py", "~"],
      line: Float64Array.of(1, 5, 0),
      name: ["main", "helper", "<built-in method builtins.len>"],
      calls: Float64Array.of(1, 3, 7),
      primitiveCalls: Float64Array.of(1, 2, 7),
      internalTime: Float64Array.of(0.5, 0.25, 0.125),
      cumulativeTime: Float64Array.of(0.875, 0.375, 0.125),
    },
    edges: {
      caller: Uint32Array.from({ length: m }, (_, k) => k % 2),
      callee: Uint32Array.from({ length: m }, (_, k) => 1 + (k % 2)),
      calls: Float64Array.from(calls),
      primitiveCalls: Float64Array.from(primitiveCalls),
      internalTime: Float64Array.from({ length: m }, (_, k) => k / 8),
      cumulativeTime: Float64Array.from({ length: m }, (_, k) => k / 4),
    },
  });
}

/** Every number of every column as its exact bits, so that -0 and 0 differ. */
function exact(profile: Profile): unknown {
  const f = profile.functions;
  return {
    names: [f.file, f.shortFile, f.name],
    functions: [
      f.line,
      f.calls,
      f.primitiveCalls,
      f.internalTime,
      f.cumulativeTime,
    ].map(exactBits),
    edges: exactEdges(profile.edges),
    totals: profile.totals,
  };
}

function header(bytes: Uint8Array): Record<string, unknown> {
  const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(
    4,
    true,
  );
  return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
}

Deno.test("encodeProfile() sends whole edge counts as u32 and primitive calls only where they differ", () => {
  const calls = [3, 1, 12, 4_294_967_295, 0, 7];
  const primitive = [3, 1, 2, 4_294_967_295, 0, 6];
  const profile = profileWithEdges(calls, primitive);
  const bytes = encodeProfile(profile);
  assertEquals(header(bytes).edgeCounts, "u32");
  assertEquals(header(bytes).primitiveExceptions, 2);
  assertEquals(exact(decodeProfile(bytes)), exact(profile));
  // The same profile with a fractional count goes as f64: 12 bytes more an
  // edge, less the exceptions' 8 bytes each (and the padding).
  const wide = encodeProfile(
    profileWithEdges([...calls, 0.5], [...primitive, 0.5]),
  );
  assert(
    wide.length - bytes.length >= 6 * 12 - 2 * 8,
    `${wide.length} vs ${bytes.length}`,
  );
});

Deno.test("encodeProfile() keeps counts exact that u32 cannot hold", () => {
  for (
    const [what, calls, primitive] of [
      ["a fraction", [1, 2.5], [1, 2]],
      ["2 ** 32", [2 ** 32, 1], [1, 1]],
      ["a negative count", [-1, 1], [-1, 1]],
      ["-0", [-0, 1], [-0, 1]],
      ["-0 among primitive calls", [0, 1], [-0, 1]],
      ["a large primitive count", [1, 1], [1, 2 ** 40]],
    ] as const
  ) {
    const profile = profileWithEdges([...calls], [...primitive]);
    const bytes = encodeProfile(profile);
    assertEquals(header(bytes).edgeCounts, undefined, what);
    assertEquals(exact(decodeProfile(bytes)), exact(profile), what);
  }
});

Deno.test("decodeProfile() rebuilds every fixture exactly, edges and all", () => {
  for (
    const name of [
      "cprofile-3.13.pstats",
      "profile-3.13.pstats",
      "yappi.pstats",
      "sampled.pstats",
      "many.pstats",
    ]
  ) {
    const profile = loadProfile([{
      source: name,
      bytes: Deno.readFileSync(`${FIXTURES}${name}`),
    }]);
    const bytes = encodeProfile(profile);
    assertEquals(exact(decodeProfile(bytes)), exact(profile), name);
    const edges = profile.edges.caller.length;
    if (name !== "yappi.pstats") {
      // Whole counts (yappi's edges are recursion counts and may not be).
      assertEquals(header(bytes).edgeCounts, "u32", name);
    }
    if (header(bytes).edgeCounts === "u32") {
      // Mostly 28 bytes an edge rather than 40.
      const primitive = Number(header(bytes).primitiveExceptions);
      assert(primitive < edges / 2, `${name}: ${primitive} of ${edges}`);
    }
  }
});

Deno.test("decodeProfile() takes the functions decoded early and reads only the edges", () => {
  const profile = loadProfile([{
    source: "cprofile-3.13.pstats",
    bytes: Deno.readFileSync(`${FIXTURES}cprofile-3.13.pstats`),
  }]);
  const bytes = encodeProfile(profile);
  const early = decodeProfile(bytes.subarray(0, functionsLength(bytes)), {
    edges: false,
  });
  assertEquals(early.edges.caller.length, 0);
  const whole = decodeProfile(bytes, { functions: early });
  assertEquals(exact(whole), exact(profile));
  assert(whole.functions === early.functions, "the same columns, not a copy");
  assertEquals(exact(decodeProfile(bytes)), exact(profile));
});

Deno.test("encodeProfile() sends each file once, even one shown two ways", () => {
  // Built by hand, not read: one file with two short forms (a built-in
  // keeps its file as it is) and files that alternate.
  const profile = createProfile({
    sources: ["run.pstats"],
    sampled: false,
    edgeDetail: true,
    functions: {
      file: ["/app/a.py", "~", "/app/b.py", "/app/a.py", "/app/a.py"],
      shortFile: ["a.py", "~", "b.py", "a.py", "/app/a.py"],
      line: Float64Array.of(1, 0, 2, 3, 0),
      name: ["f", "<len>", "g", "h", "i"],
      calls: Float64Array.of(1, 1, 1, 1, 1),
      primitiveCalls: Float64Array.of(1, 1, 1, 1, 1),
      internalTime: Float64Array.of(0, 0, 0, 0, 0),
      cumulativeTime: Float64Array.of(0, 0, 0, 0, 0),
    },
    edges: emptyEdges(),
  });
  const bytes = encodeProfile(profile);
  const copy = decodeProfile(bytes);
  assertEquals(copy.functions.file, profile.functions.file);
  assertEquals(copy.functions.shortFile, profile.functions.shortFile);
  const text = new TextDecoder().decode(bytes);
  assertEquals(text.split('"/app/b.py"').length - 1, 1);
});
