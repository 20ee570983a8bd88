/**
 * The call tree against what really happened: recursion.pstats was written
 * by cProfile in the same run that recorded its true stacks
 * (recursion.stacks.json, scripts/make_tree_fixtures.sh), both timed by a
 * clock that ticks once per line of Python run.
 */
import { assert, assertAlmostEquals, assertEquals } from "@std/assert";
import {
  ALL,
  buildCallTree,
  type CallTree,
  frameLabel,
  pathsThrough,
} from "../lib/call_tree.ts";
import { loadProfile } from "../lib/pstats/read.ts";

const FIXTURES = new URL("./fixtures/", import.meta.url);
const bytes = Deno.readFileSync(new URL("recursion.pstats", FIXTURES));
const profile = loadProfile([{ source: "recursion.pstats", bytes }]);
const truth: {
  total: number;
  frames: string[];
  stacks: [number[], number][];
} = JSON.parse(
  Deno.readTextFileSync(new URL("recursion.stacks.json", FIXTURES)),
);

/** pstats' name of a function (func_std_string), as the stacks have it. */
function pstatsName(fn: number): string {
  const f = profile.functions;
  return `${f.file[fn]}:${f.line[fn]}(${f.name[fn]})`;
}

const idOf = new Map<string, number>();
for (let fn = 0; fn < profile.size; fn++) idOf.set(pstatsName(fn), fn);

/**
 * The true tree: each path's value and own ticks, a function calling itself
 * directly folded into one frame as the estimate folds it.
 */
function trueTree(): { value: Map<string, number>; own: Map<string, number> } {
  const value = new Map<string, number>();
  const own = new Map<string, number>();
  for (const [frames, ticks] of truth.stacks) {
    const path: number[] = [];
    for (const frame of frames) {
      const fn = idOf.get(truth.frames[frame]!)!;
      if (path.at(-1) !== fn) path.push(fn);
    }
    const key = path.join(",");
    own.set(key, (own.get(key) ?? 0) + ticks);
    for (let d = 1; d <= path.length; d++) {
      const prefix = path.slice(0, d).join(",");
      value.set(prefix, (value.get(prefix) ?? 0) + ticks);
    }
  }
  return { value, own };
}

function pathOf(tree: CallTree, node: number): string {
  const path: number[] = [];
  for (let n = node; n > 0; n = tree.parent[n]!) path.push(tree.fn[n]!);
  return path.reverse().join(",");
}

const TRUE = trueTree();

Deno.test("the fixture's clock is shared: cProfile's total is the ticks of the true stacks", () => {
  assertEquals(profile.totals.time, truth.total);
  assertEquals(
    truth.stacks.reduce((sum, [, ticks]) => sum + ticks, 0),
    truth.total,
  );
});

Deno.test("every frame the tree calls exact has its true value and own time", () => {
  const tree = buildCallTree(profile, { minShare: 0 });
  let exact = 0;
  for (let i = 1; i < tree.size; i++) {
    if (tree.estimated[i] === 1 || tree.fn[i]! < ALL) continue;
    exact++;
    const path = pathOf(tree, i);
    const label = frameLabel(profile, tree.fn[i]!);
    assertAlmostEquals(tree.value[i]!, TRUE.value.get(path) ?? 0, 1e-6, label);
    assertAlmostEquals(tree.self[i]!, TRUE.own.get(path) ?? 0, 1e-6, label);
  }
  // The program's top and its straight calls are exact.
  assert(exact >= 10, `${exact} exact frames`);
  for (const name of ["main", "handle", "fib"]) {
    const fn = profile.functions.name.indexOf(name);
    assertEquals(tree.estimated[[...tree.fn].indexOf(fn)], 0, name);
  }
});

Deno.test("a function calling itself is one frame holding all its internal time", () => {
  const tree = buildCallTree(profile, { minShare: 0 });
  const fib = profile.functions.name.indexOf("fib");
  const frames = [...tree.fn].flatMap((fn, i) => fn === fib ? [i] : []);
  assertEquals(frames.length, 1);
  assertEquals(tree.self[frames[0]!], profile.functions.internalTime[fib]);
  assertEquals(tree.estimated[frames[0]!], 0);
});

Deno.test("the middleware chain is followed down, and the view is found below it", () => {
  const tree = buildCallTree(profile);
  const view = profile.functions.name.indexOf("view");
  const middleware = profile.functions.name.indexOf("middleware");
  // The view's whole time is under the chain, as it was.
  assertAlmostEquals(
    pathsThrough(tree, [view]).value,
    profile.functions.cumulativeTime[view]!,
    1e-6,
  );
  let deepest = 0;
  for (let i = 0; i < tree.size; i++) {
    if (tree.fn[i] === middleware) deepest = Math.max(deepest, tree.depth[i]!);
  }
  const top = [...tree.fn].indexOf(middleware);
  assert(deepest - tree.depth[top]! >= 4, `${deepest - tree.depth[top]!} deep`);
});

Deno.test("the estimate places most of the run's own time under the right caller and grand-caller", () => {
  // Misplaced own time, comparing each frame by its last three functions:
  // a regression guard for the estimate (measured 0.5% when written).
  const tree = buildCallTree(profile, { minShare: 0 });
  const estimated = new Map<string, number>();
  for (let i = 1; i < tree.size; i++) {
    const key = pathOf(tree, i).split(",").slice(-3).join(",");
    estimated.set(key, (estimated.get(key) ?? 0) + tree.self[i]!);
  }
  const actual = new Map<string, number>();
  for (const [path, ticks] of TRUE.own) {
    const key = path.split(",").slice(-3).join(",");
    actual.set(key, (actual.get(key) ?? 0) + ticks);
  }
  let misplaced = 0;
  for (const key of new Set([...estimated.keys(), ...actual.keys()])) {
    misplaced += Math.abs((estimated.get(key) ?? 0) - (actual.get(key) ?? 0));
  }
  const share = misplaced / 2 / truth.total;
  assert(share < 0.05, `${(share * 100).toFixed(1)}% misplaced`);
});
