/**
 * Folded stacks stay bounded whatever the profile's shape: deep chains and
 * long file names (issue #19), from the command line, the API and the
 * library, with weights that still add up.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { buildCallTree } from "../lib/call_tree.ts";
import {
  collapsedStacks,
  DEFAULT_FOLDED_BYTES,
  MAX_LABEL,
} from "../lib/folded_stacks.ts";
import { loadProfile } from "../lib/pstats/read.ts";
import { buildProfile, statsFile } from "../lib/pstats/build.ts";
import { runCli, withTempDir } from "./_cli.ts";
import { get, handlerOf } from "./_handler.ts";
import {
  concat,
  dict,
  edge,
  entry,
  i32,
  int,
  str,
  tuple,
} from "./_marshal_writer.ts";

/**
 * A chain main → f1 → f2 → … `depth` deep, each 1 ms of its own. With
 * `file`, every key's file is that text, written once and referred back
 * to, as marshal shares a repeated string.
 */
function chain(depth: number, file?: string): Uint8Array {
  const fileOf = (() => {
    if (file === undefined) return (i: number) => str(`mod${i % 10}.py`);
    const bytes = new TextEncoder().encode(file);
    let written = false;
    return () => {
      if (written) return concat("r", i32(0));
      written = true;
      // The string with FLAG_REF set: the first entry of the ref table.
      return concat([0x75 | 0x80], i32(bytes.length), bytes);
    };
  })();
  const pairs: [Uint8Array, Uint8Array][] = [];
  for (let i = 0; i < depth; i++) {
    const ms = (depth - i) / 1000;
    const key = tuple(fileOf(i), int(i + 1), str(`f${i}`));
    const callers = i === 0 ? dict() : dict([
      tuple(fileOf(i - 1), int(i), str(`f${i - 1}`)),
      edge(1, 1, 0.001, ms),
    ]);
    pairs.push([key, entry(1, 1, 0.001, ms, callers)]);
  }
  return dict(...pairs);
}

function weights(text: string): number {
  return text.trimEnd().split("\n").reduce(
    (sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)),
    0,
  );
}

Deno.test("collapsedStacks() ends paths past the depth bound in one [deeper] frame that keeps their weight", () => {
  const profile = loadProfile([{ source: "deep.pstats", bytes: chain(40) }]);
  const tree = buildCallTree(profile, { minShare: 0 });
  const lines = [...collapsedStacks(tree, { maxDepth: 10 })];
  assertEquals(lines.length, 11);
  assert(lines.every((line) => line.split(";").length <= 11));
  assertStringIncludes(lines.at(-1)!, "(f9);[deeper] 30000");

  assertEquals(weights(lines.join("")), 40_000);
});

Deno.test("collapsedStacks() cuts the smallest frames into [other] until the text fits its size bound", () => {
  const profile = loadProfile([{ source: "deep.pstats", bytes: chain(300) }]);
  const tree = buildCallTree(profile, { minShare: 0 });
  const text = [...collapsedStacks(tree, { maxBytes: 20_000 })].join("");
  assert(text.length <= 20_000, `${text.length} characters`);
  assertStringIncludes(text, "[other]");
  assertEquals(weights(text), 300_000);
});

Deno.test("collapsedStacks() keeps a deep large path and cuts the shallow small frames first", () => {
  // main calls a chain 60 deep (half the time, at its end) and 400 small
  // functions (the other half).
  const main = ["app.py", 1, "main"] as const;
  const link = (i: number) => ["chain.py", i + 1, `link${i}`] as const;
  const small = (i: number) => ["small.py", i + 1, `small${i}`] as const;
  const call = (key: readonly [string, number, string], ms: number) => ({
    key,
    calls: 1,
    primitiveCalls: 1,
    internalTime: ms / 1000,
    cumulativeTime: ms / 1000,
  });
  const profile = buildProfile([statsFile("mixed.pstats", [
    { ...call(main, 0), cumulativeTime: 0.8 },
    ...Array.from({ length: 60 }, (_, i) => ({
      ...call(link(i), i === 59 ? 400 : 0),
      cumulativeTime: 0.4,
      callers: [{
        ...call(i === 0 ? main : link(i - 1), 0),
        cumulativeTime: 0.4,
      }],
    })),
    ...Array.from({ length: 400 }, (_, i) => ({
      ...call(small(i), 1),
      callers: [call(main, 1)],
    })),
  ])]);
  const tree = buildCallTree(profile);
  const all = [...collapsedStacks(tree)].join("");
  assertEquals(all.split("\n").length - 1, 401);
  // Room for the deep path and a few small ones: the small ones go first.
  const text = [...collapsedStacks(tree, { maxBytes: 3_000 })].join("");
  assert(text.length <= 3_000, `${text.length} characters`);
  assertStringIncludes(text, "chain.py:60(link59) 400000\n");
  assertStringIncludes(text, "app.py:1(main);[other] ");
  assert(!text.includes("[deeper]"), text);
  assertEquals(weights(text), 800_000);
});

Deno.test("-f collapsed of a 10,000-deep chain writes a bounded text whose weights add up", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/deep.pstats`;
    const bytes = chain(10_000);
    await Deno.writeFile(path, bytes);
    const result = await runCli([path, "-f", "collapsed", "--min-share", "0"]);
    assertEquals(result.code, 0, result.stderr);
    assert(result.stdout.length < 8_000_000, `${result.stdout.length} bytes`);
    assertStringIncludes(result.stdout, "[deeper]");
    assertEquals(weights(result.stdout), 10_000_000);
    // The server answers the same text.
    const profile = loadProfile([{ source: "deep.pstats", bytes }]);
    const response = await get(handlerOf({ profile }), "/api/collapsed?min=0");
    assertEquals(response.status, 200);
    assertEquals(await response.text(), result.stdout);
  });
});

Deno.test("-f collapsed of a chain of 1 MB file names cuts the names, stays within its size bound and says what it cut", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/long.pstats`;
    const name = `/srv/${"x".repeat(1 << 20)}.py`;
    await Deno.writeFile(path, chain(300, name));
    const result = await runCli([path, "-f", "collapsed", "--min-share", "0"]);
    assertEquals(result.code, 0, result.stderr);
    assert(
      result.stdout.length <= DEFAULT_FOLDED_BYTES * 1.01,
      `${result.stdout.length} bytes`,
    );
    assertStringIncludes(
      result.stderr,
      "the folded stacks would pass 64 MiB: frames under ",
    );
    for (const frame of result.stdout.split("\n")[0]!.split(";")) {
      assert(frame.length <= MAX_LABEL + 20, `${frame.length}`);
    }
    assertEquals(weights(result.stdout), 300_000);
  });
});
