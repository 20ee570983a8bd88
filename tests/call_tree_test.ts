import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertThrows,
} from "@std/assert";
import {
  ALL,
  buildCallTree,
  type CallTree,
  frameLabel,
  OTHER,
  pathsThrough,
  treeFunction,
  UNATTRIBUTED,
} from "../lib/call_tree.ts";
import { calleeTree, callerTree } from "../lib/call_sandwich.ts";
import { collapsedStacks } from "../lib/folded_stacks.ts";
import type { Profile } from "../lib/profile.ts";
import {
  buildProfile,
  type StatsEntry,
  statsFile,
} from "../lib/pstats/build.ts";
import type { FunctionKey } from "../lib/pstats/stats_table.ts";
import { assertWidthsAddUp } from "./_rule_profiles.ts";
import { fixtureProfile, FIXTURES_URL } from "./_fixtures.ts";

/** Each node's path of frame labels, joined by `;`. */
function paths(profile: Profile, tree: CallTree): string[] {
  const out: string[] = [];
  const stack: string[] = [];
  for (let i = 0; i < tree.size; i++) {
    stack.length = tree.depth[i]!;
    stack.push(frameLabel(profile, tree.fn[i]!));
    out.push(stack.join(";"));
  }
  return out;
}

function node(tree: CallTree, profile: Profile, path: string): number {
  const i = paths(profile, tree).indexOf(path);
  assert(i >= 0, `no node ${path}`);
  return i;
}

/** A function for synthetic profiles: `name` in app.py at `line`. */
function fn(name: string, line: number): FunctionKey {
  return ["app.py", line, name];
}

function entry(
  key: FunctionKey,
  tt: number,
  ct: number,
  callers: [FunctionKey, number, number][] = [],
  calls = 1,
): StatsEntry {
  return {
    key,
    calls,
    primitiveCalls: calls,
    internalTime: tt,
    cumulativeTime: ct,
    callers: callers.map(([caller, n, edgeCt]) => ({
      key: caller,
      calls: n,
      primitiveCalls: n,
      internalTime: 0,
      cumulativeTime: edgeCt,
    })),
  };
}

interface Stacks {
  total_time: number;
  stacks: { frames: string[]; self: number; value: number }[];
}

Deno.test("buildCallTree() reproduces a real tree-shaped profile exactly, as Python reads it", () => {
  const profile = fixtureProfile("call-tree.pstats");
  const want: Stacks = JSON.parse(
    Deno.readTextFileSync(new URL("call-tree.stacks.json", FIXTURES_URL)),
  );
  const tree = buildCallTree(profile, { minShare: 0 });
  const got = paths(profile, tree);
  assertEquals(
    got.slice(1).sort(),
    want.stacks.map((s) => ["all", ...s.frames].join(";")).sort(),
  );
  for (const stack of want.stacks) {
    const i = got.indexOf(["all", ...stack.frames].join(";"));
    assertAlmostEquals(tree.value[i]!, stack.value, 1e-12, stack.frames.at(-1));
    assertAlmostEquals(tree.self[i]!, stack.self, 1e-12, stack.frames.at(-1));
  }
  assertAlmostEquals(tree.total, want.total_time, 1e-12);
});

Deno.test("collapsedStacks() prints Python's stacks of a tree-shaped profile with their own times in µs", () => {
  const profile = fixtureProfile("call-tree.pstats");
  const want: Stacks = JSON.parse(
    Deno.readTextFileSync(new URL("call-tree.stacks.json", FIXTURES_URL)),
  );
  const tree = buildCallTree(profile, { minShare: 0 });
  const lines = [...collapsedStacks(tree)];
  const weights = new Map(lines.map((line) => {
    const at = line.lastIndexOf(" ");
    return [line.slice(0, at), Number(line.slice(at + 1))];
  }));
  for (const stack of want.stacks) {
    const weight = Math.round(stack.self * 1e6);
    const got = weights.get(stack.frames.join(";"));
    if (weight === 0) continue;
    if (got === undefined) throw new Error(`no line for ${stack.frames}`);
    assert(Math.abs(got - weight) <= 1, `${got} µs, Python ${weight} µs`);
  }
  assert(lines.every((line) => line.endsWith("\n")));
});

Deno.test("buildCallTree() starts at the outermost exec of python -m cProfile, though imports call it again", () => {
  const profile = fixtureProfile("cprofile-3.13.pstats");
  const tree = buildCallTree(profile, { minShare: 0 });
  const roots: string[] = [];
  for (let i = 1; i < tree.size; i++) {
    if (tree.depth[i] === 1) roots.push(frameLabel(profile, tree.fn[i]!));
  }
  assertEquals(roots[0], "{built-in method builtins.exec}");
  // The roots account for the whole profile: its total internal time.
  assertAlmostEquals(
    tree.total,
    profile.totals.time,
    profile.totals.time * 1e-9,
  );
  assertWidthsAddUp(tree);
});

Deno.test("buildCallTree() follows recursion through others, and a function that never nests is never below itself", () => {
  // main → a → b → a: a nests (2 calls, 1 outermost) and is followed; b
  // never nests, so it is not entered again below itself.
  const main = fn("main", 1), a = fn("a", 10), b = fn("b", 20);
  const profile = buildProfile([statsFile("run.pstats", [
    entry(main, 0.1, 1),
    {
      ...entry(a, 0.4, 0.9, [[main, 1, 0.9], [b, 1, 0.3]], 2),
      primitiveCalls: 1,
    },
    entry(b, 0.2, 0.5, [[a, 1, 0.5]]),
  ])]);
  const tree = buildCallTree(profile, { minShare: 0 });
  const got = paths(profile, tree);
  assert(
    got.includes("all;app.py:1(main);app.py:10(a);app.py:20(b);app.py:10(a)"),
  );
  assert(!got.some((p) => /20\(b\).*20\(b\)/.test(p)), got.join("\n"));
  assertWidthsAddUp(tree);
});

Deno.test("buildCallTree() shares a frame among callees that claim more than it has, own time too", () => {
  // f (1 s, 0.2 s of it its own) claims 0.9 s in g and 0.6 s in h: 1.7 s in
  // all, against its 1 s: everything is scaled by 1/1.7.
  const f = fn("f", 1), g = fn("g", 10), h = fn("h", 20);
  const profile = buildProfile([statsFile("run.pstats", [
    entry(f, 0.2, 1),
    entry(g, 0.9, 0.9, [[f, 1, 0.9]]),
    entry(h, 0.6, 0.6, [[f, 1, 0.6]]),
  ])]);
  const tree = buildCallTree(profile, { minShare: 0 });
  const fNode = node(tree, profile, "all;app.py:1(f)");
  const gNode = node(tree, profile, "all;app.py:1(f);app.py:10(g)");
  const hNode = node(tree, profile, "all;app.py:1(f);app.py:20(h)");
  assertAlmostEquals(tree.self[fNode]!, 0.2 / 1.7, 1e-12);
  assertAlmostEquals(tree.value[gNode]!, 0.9 / 1.7, 1e-12);
  assertAlmostEquals(tree.value[hNode]!, 0.6 / 1.7, 1e-12);
  assertEquals(tree.estimated[gNode], 1);
  assertWidthsAddUp(tree);
});

Deno.test("buildCallTree() cuts small branches into [other] and loses nothing", () => {
  const profile = fixtureProfile("cprofile-3.13.pstats");
  const full = buildCallTree(profile, { minShare: 0 });
  for (const minShare of [0.001, 0.01, 0.05]) {
    const cut = buildCallTree(profile, { minShare });
    assert(cut.size < full.size, `${minShare}: ${cut.size} nodes`);
    assertAlmostEquals(cut.total, full.total, full.total * 1e-12);
    assertWidthsAddUp(cut);
    for (let i = 1; i < cut.size; i++) {
      // Cut branches gather in one [other] frame per parent, whatever its
      // size.
      if (cut.fn[i]! < ALL) continue;
      assert(
        cut.value[i]! >= minShare * cut.total,
        `${minShare}: node ${i} is ${cut.value[i]}`,
      );
    }
    const weights = [...collapsedStacks(cut)]
      .reduce((sum, line) => sum + Number(line.trimEnd().split(" ").at(-1)), 0);
    assert(Math.abs(weights - cut.total * 1e6) <= cut.size, `${weights}`);
  }
  const coarse = buildCallTree(profile, { minShare: 0.01 });
  assert([...coarse.fn].includes(OTHER), "an [other] frame");
});

Deno.test("buildCallTree() of the profile module shares a callee's time by the calls on each edge", () => {
  const profile = fixtureProfile("profile-3.13.pstats");
  assert(!profile.edgeDetail);
  const tree = buildCallTree(profile, { minShare: 0 });
  assertEquals(tree.unit, "seconds");
  // The top `profile:0(<code object ...>)` frame holds the whole run.
  const top = tree.fn[1]!;
  assertEquals(tree.value[1], profile.functions.cumulativeTime[top]);
  assertAlmostEquals(
    tree.self[1]!,
    profile.functions.internalTime[top]!,
    1e-12,
  );
  assertWidthsAddUp(tree);
});

Deno.test("buildCallTree() of a sampled profile counts samples", () => {
  const profile = fixtureProfile("sampled.pstats");
  const tree = buildCallTree(profile, { minShare: 0 });
  assertEquals(tree.unit, "samples");
  assertEquals(tree.total, profile.totals.primitiveCalls);
  const lines = [...collapsedStacks(tree)];
  const samples = lines.reduce(
    (sum, line) => sum + Number(line.trimEnd().split(" ").at(-1)),
    0,
  );
  assertEquals(samples, 40);
  assert(lines.includes("app/main.py:1(<module>) 1\n"), lines.join(""));
});

Deno.test("buildCallTree() of an edge-less profile with counts only splits by calls", () => {
  // main calls work 3 times and helper once; work and helper have no
  // edge times, only calls.
  const main = fn("main", 1), work = fn("work", 10), log = fn("log", 20);
  const profile = buildProfile([statsFile("run.pstats", [
    entry(main, 0.1, 1),
    {
      key: work,
      calls: 4,
      primitiveCalls: 4,
      internalTime: 0.8,
      cumulativeTime: 0.8,
      callers: [{ key: main, calls: 3 }, { key: log, calls: 1 }],
    },
    {
      key: log,
      calls: 1,
      primitiveCalls: 1,
      internalTime: 0,
      cumulativeTime: 0.2,
      callers: [{ key: main, calls: 1 }],
    },
  ])]);
  assert(!profile.edgeDetail);
  const tree = buildCallTree(profile, { minShare: 0 });
  const v = (path: string) => tree.value[node(tree, profile, path)]!;
  assertAlmostEquals(v("all;app.py:1(main);app.py:10(work)"), 0.6, 1e-12);
  assertAlmostEquals(v("all;app.py:1(main);app.py:20(log)"), 0.2, 1e-12);
  assertAlmostEquals(
    v("all;app.py:1(main);app.py:20(log);app.py:10(work)"),
    0.2,
    1e-12,
  );
  assertWidthsAddUp(tree);
});

Deno.test("calleeTree() merges every path into a function; callerTree() inverts it up to the roots", () => {
  const profile = fixtureProfile("cprofile-3.13.pstats");
  const normalize = profile.functions.name.indexOf("normalize");
  const ct = profile.functions.cumulativeTime[normalize]!;
  const whole = buildCallTree(profile, { minShare: 0 });
  const down = calleeTree(whole, normalize, { minShare: 0 });
  assertEquals(down.fn[0], normalize);
  assertAlmostEquals(down.value[0]!, ct, ct * 1e-3);
  assertWidthsAddUp(down);
  const up = callerTree(whole, normalize, { minShare: 0 });
  assertEquals(up.direction, "callers");
  const callers = [];
  for (let i = 1; i < up.size; i++) {
    if (up.depth[i] === 1) callers.push(profile.functions.name[up.fn[i]!]);
  }
  assertEquals(callers.sort(), ["count_words", "tokens"]);
  // Every caller path ends at the outermost exec.
  const leaves = paths(profile, up).filter((_, i) => up.end[i] === i + 1);
  for (const leaf of leaves) {
    assert(leaf.endsWith("{built-in method builtins.exec}"), leaf);
  }
  assertAlmostEquals(
    up.value.filter((_, i) => up.depth[i] === 1).reduce((a, b) => a + b, 0),
    ct,
    ct * 1e-3,
  );
  assertWidthsAddUp(up);
});

Deno.test("pathsThrough() marks a function's frames and counts nested ones once", () => {
  const profile = fixtureProfile("cprofile-3.13.pstats");
  const tree = buildCallTree(profile, { minShare: 0 });
  const exec = profile.functions.name.indexOf(
    "<built-in method builtins.exec>",
  );
  const main = profile.functions.name.indexOf("main");
  const { marked, value } = pathsThrough(tree, [exec, main]);
  assertEquals(marked[0], 0);
  assertEquals(value, tree.value[tree.fn.indexOf(exec)]);
  // Every frame of either is marked; the nested ones count once.
  const frames = [...tree.fn].filter((fn) => fn === exec || fn === main);
  assertEquals(marked.reduce((a, b) => a + b, 0), frames.length);
  assertEquals(tree.fn[0], ALL);
});

Deno.test("collapsedStacks() keeps only the paths through the kept frames", () => {
  const profile = fixtureProfile("cprofile-3.13.pstats");
  const tree = buildCallTree(profile);
  const normalize = profile.functions.name.indexOf("normalize");
  const { marked } = pathsThrough(tree, [normalize]);
  const lines = [...collapsedStacks(tree, { keep: marked })];
  assert(lines.length >= 2);
  for (const line of lines) {
    assert(line.includes("workload.py:31(normalize)"), line);
  }
});

Deno.test("the call trees refuse unknown functions and shares outside 0 to 1", () => {
  const profile = fixtureProfile("cprofile-3.13.pstats");
  const tree = buildCallTree(profile);
  assertThrows(() => calleeTree(tree, profile.size), RangeError);
  assertThrows(() => callerTree(tree, -1), RangeError);
  assertThrows(() => buildCallTree(profile, { minShare: 2 }), RangeError);
  assertThrows(() => buildCallTree(profile, { minShare: NaN }), RangeError);
});

Deno.test("buildCallTree() stops growing at maxNodes and still adds up", () => {
  const profile = fixtureProfile("cprofile-3.13.pstats");
  const full = buildCallTree(profile, { minShare: 0 });
  const small = buildCallTree(profile, { minShare: 0, maxNodes: 20 });
  const frames = [...small.fn].filter((fn) => fn >= 0).length;
  assert(frames <= 20, `${frames} frames`);
  assert(small.capped);
  assert(small.size < full.size);
  assertAlmostEquals(small.total, full.total, full.total * 1e-12);
  assertWidthsAddUp(small);
});

Deno.test("buildCallTree() gives a re-entered root's budget to its largest callee first", () => {
  // exec runs main (0.99 s); main imports a module, whose loader runs exec
  // again, which runs mod (0.3 s): exec's edges claim 1.29 s of its 1 s.
  const exec = fn("exec", 0), main = fn("main", 1), load = fn("load", 20);
  const mod = fn("mod", 30);
  const profile = buildProfile([statsFile("run.pstats", [
    {
      ...entry(exec, 0.01, 1, [[load, 1, 0.3]], 2),
      primitiveCalls: 1,
    },
    entry(main, 0.39, 0.99, [[exec, 1, 0.99]]),
    entry(load, 0.3, 0.6, [[main, 1, 0.6]]),
    entry(mod, 0.3, 0.3, [[exec, 1, 0.3]]),
  ])]);
  const tree = buildCallTree(profile, { minShare: 0 });
  assertEquals(tree.madeUp, 0);
  const v = (path: string) => tree.value[node(tree, profile, path)]!;
  assertAlmostEquals(v("all;app.py:0(exec)"), 1, 1e-12);
  // main keeps what it claims; mod (run by main's import) is found below
  // it, where the import runs exec again.
  assertAlmostEquals(v("all;app.py:0(exec);app.py:1(main)"), 0.99, 1e-12);
  assert(
    v("all;app.py:0(exec);app.py:1(main);app.py:20(load);app.py:0(exec);app.py:30(mod)") >=
      0.29 - 1e-12,
  );
  assertWidthsAddUp(tree);
});

Deno.test("buildCallTree() of a sampled profile keyed by line draws one frame per function", () => {
  for (const name of ["sampled.pstats", "shop-sampled.pstats"]) {
    const profile = fixtureProfile(name);
    const tree = buildCallTree(profile, { minShare: 0 });
    assert(tree.profile.size <= profile.size, "lines folded");
    if (name === "shop-sampled.pstats") {
      assert(tree.profile.size < profile.size);
    }
    const seen = new Set<string>();
    for (let i = 1; i < tree.size; i++) {
      const fn = tree.fn[i]!;
      if (fn < 0) continue;
      const f = tree.profile.functions;
      const key = `${tree.parent[i]} ${f.file[fn]} ${f.name[fn]}`;
      assert(!seen.has(key), `${name}: two frames of ${f.name[fn]}`);
      seen.add(key);
    }
    // Each of the profile's lines leads to its function's frames.
    for (let row = 0; row < profile.size; row++) {
      const fn = treeFunction(profile, row);
      assertEquals(
        tree.profile.functions.name[fn],
        profile.functions.name[row],
      );
    }
  }
});

Deno.test("buildCallTree() puts time no recorded call accounts for on an [unattributed] frame", () => {
  // yappi leaves out the call from squares_sum into its generator
  // expression: the generator is a root, and the time squares_sum spent in
  // it is nowhere under squares_sum.
  const profile = fixtureProfile("yappi.pstats");
  const tree = buildCallTree(profile);
  const squares = profile.functions.name.indexOf("squares_sum");
  const at = [...tree.fn].indexOf(squares);
  assertEquals(tree.fn[at + 1], UNATTRIBUTED);
  assert(tree.value[at + 1]! > tree.value[at]! * 0.9);
  const generator = profile.functions.name.indexOf("<genexpr>");
  assertEquals(tree.parent[[...tree.fn].indexOf(generator)], 0);
  // Both hold the same time: the roots are scaled to the total, and the
  // tree says so.
  assertAlmostEquals(tree.total, profile.totals.time, 1e-12);
  assert(tree.notes.some((note) => note.includes("scaled")), tree.notes[0]);
});
