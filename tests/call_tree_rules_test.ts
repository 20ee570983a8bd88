/**
 * The call tree's rules (see lib/call_tree.ts), checked as properties of
 * every fixture and of generated call graphs of every shape.
 */
import { assert, assertAlmostEquals, assertEquals } from "@std/assert";
import {
  ALL,
  buildCallTree,
  type CallTree,
  pathsThrough,
} from "../lib/call_tree.ts";
import { calleeTree, callerTree } from "../lib/call_sandwich.ts";
import { callModel } from "../lib/call_model.ts";
import { collapsedStacks } from "../lib/folded_stacks.ts";
import type { Profile } from "../lib/profile.ts";
import {
  cyclesOnly,
  denseProgram,
  hostileNumbers,
  profileOf,
  simulate,
} from "./_call_graphs.ts";
import {
  assertWidthsAddUp,
  framesByPath,
  profilesOfEveryShape,
} from "./_rule_profiles.ts";

const PROFILES = profilesOfEveryShape(4);
const SHARES = [0, 0.001, 0.02];

function check(
  name: string,
  fn: (profile: Profile, tree: CallTree, minShare: number) => void,
): void {
  for (const [file, profile] of PROFILES) {
    for (const minShare of SHARES) {
      const tree = buildCallTree(profile, { minShare, maxNodes: 5_000 });
      try {
        fn(profile, tree, minShare);
      } catch (error) {
        throw new Error(`${name}: ${file} at ${minShare}: ${error}`);
      }
    }
  }
}

Deno.test("rule 1: the tree's weights and the folded stacks' add up to the profile's total", () => {
  check("rule 1", (profile, tree) => {
    const total = callModel(profile).total;
    assertAlmostEquals(tree.total, total, total * 1e-9);
    let selves = 0;
    for (let i = 0; i < tree.size; i++) selves += tree.self[i]!;
    assertAlmostEquals(selves, total, total * 1e-9);
    // Every frame is its own part plus its children.
    assertWidthsAddUp(tree, total * 1e-9);
    const scale = tree.unit === "seconds" ? 1e6 : 1;
    const lines = [...collapsedStacks(tree)];
    const weights = lines.reduce(
      (sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)),
      0,
    );
    // Each line rounds to a whole µs (sample): within 0.5% or a µs a line.
    assert(
      Math.abs(weights - total * scale) <=
        Math.max(total * scale * 0.005, lines.length),
      `${weights} of ${total * scale}`,
    );
  });
});

Deno.test("rule 2: no function's frames hold more own time than its internal time", () => {
  check("rule 2", (profile, tree) => {
    const model = callModel(profile);
    const own = new Float64Array(model.own.length);
    for (let i = 0; i < tree.size; i++) {
      const fn = tree.fn[i]!;
      if (fn >= 0) own[fn]! += tree.self[i]!;
    }
    for (let f = 0; f < own.length; f++) {
      assert(
        own[f]! <= model.own[f]! * (1 + 1e-9) + model.total * 1e-12,
        `function ${f}: ${own[f]} > ${model.own[f]}`,
      );
    }
    for (let i = 0; i < tree.size; i++) {
      // Made-up frames are leaves, with a name that says so.
      if (tree.fn[i]! < ALL) assertEquals(tree.end[i], i + 1);
    }
  });
});

Deno.test("rule 3: a lower threshold keeps every frame of a higher one, with its value", () => {
  for (const [file, profile] of PROFILES) {
    const fine = buildCallTree(profile, { minShare: 0, maxNodes: 20_000 });
    const coarse = buildCallTree(profile, { minShare: 0.02 });
    const values = framesByPath(fine);
    const path: number[] = [];
    let frames = 0;
    for (let i = 0; i < coarse.size; i++) {
      path.length = coarse.depth[i]!;
      path.push(coarse.fn[i]!);
      if (coarse.fn[i]! < 0) continue;
      frames++;
      const value = values.get(path.join(","));
      assert(value !== undefined, `${file}: ${path} is missing`);
      assertAlmostEquals(value, coarse.value[i]!, coarse.total * 1e-9, file);
    }
    assert(fine.size >= frames, file);
  }
});

Deno.test("rule 3: the frame cap cuts the smallest frames and says so", () => {
  const profile = profileOf(denseProgram(7, 20));
  const full = buildCallTree(profile, { minShare: 0 });
  const small = buildCallTree(profile, { minShare: 0, maxNodes: 30 });
  assert(small.capped && !full.capped, `${full.size} frames`);
  let smallest = Infinity;
  for (let i = 1; i < small.size; i++) {
    if (small.fn[i]! >= 0) smallest = Math.min(smallest, small.value[i]!);
  }
  // Every frame left out is no larger than every frame kept.
  let left = 0;
  const kept = new Set<string>();
  const path: number[] = [];
  for (let i = 0; i < small.size; i++) {
    path.length = small.depth[i]!;
    path.push(small.fn[i]!);
    kept.add(path.join(","));
  }
  for (let i = 0; i < full.size; i++) {
    path.length = full.depth[i]!;
    path.push(full.fn[i]!);
    if (full.fn[i]! >= 0 && !kept.has(path.join(","))) {
      left = Math.max(left, full.value[i]!);
    }
  }
  assert(left <= smallest * (1 + 1e-9), `${left} left out, ${smallest} kept`);
});

Deno.test("rule 4: every profile with time draws it, rootless ones too", () => {
  check("rule 4", (profile, tree) => {
    const total = callModel(profile).total;
    if (total > 0) {
      assert(tree.size > 1, "a frame");
      assert(
        [...collapsedStacks(tree)].length > 0 || total * 1e6 < 1,
        "a line",
      );
    }
  });
  // Every function has callers: the cycle starts at its largest function.
  const rootless = profileOf(cyclesOnly(3, 200));
  const tree = buildCallTree(rootless);
  assert(tree.notes.some((note) => note.includes("no caller outside")));
  assertAlmostEquals(tree.total, rootless.totals.time, 1e-12);
  const model = callModel(rootless);
  assertEquals(tree.fn[1], model.roots[0]![0]);
  assert(tree.value[1]! > tree.total * 0.5, `${tree.value[1]}`);
});

Deno.test("rule 5: a function's sandwich is cut from the whole tree, counting nested frames once", () => {
  for (const [file, profile] of PROFILES) {
    const whole = buildCallTree(profile, { minShare: 0, maxNodes: 5_000 });
    const size = whole.profile.size;
    for (let fn = 0; fn < size; fn += Math.max(1, Math.floor(size / 25))) {
      const { value } = pathsThrough(whole, [fn]);
      const down = calleeTree(whole, fn, { minShare: 0 });
      const up = callerTree(whole, fn, { minShare: 0 });
      assertAlmostEquals(down.total, value, whole.total * 1e-9, file);
      assertAlmostEquals(up.total, value, whole.total * 1e-9, file);
      // What the function's frames hold below them, function by function,
      // is what its callee tree holds.
      const below = new Map<number, number>();
      let insideUntil = 0;
      for (let i = 0; i < whole.size; i++) {
        if (i >= insideUntil && whole.fn[i] === fn) insideUntil = whole.end[i]!;
        if (i < insideUntil) {
          below.set(
            whole.fn[i]!,
            (below.get(whole.fn[i]!) ?? 0) + whole.self[i]!,
          );
        }
      }
      const merged = new Map<number, number>();
      for (let i = 0; i < down.size; i++) {
        merged.set(down.fn[i]!, (merged.get(down.fn[i]!) ?? 0) + down.self[i]!);
      }
      for (const [g, v] of below) {
        assertAlmostEquals(merged.get(g) ?? 0, v, whole.total * 1e-9, file);
      }
      // The callers' side adds up to the function's frames too.
      let roots = 0;
      for (let i = 0; i < up.size; i++) roots += up.self[i]!;
      assertAlmostEquals(roots, value, whole.total * 1e-9, file);
    }
  }
});

Deno.test("rule 7: numbers that are not times never reach the tree, and the tree says so", () => {
  check("rule 7", (_profile, tree) => {
    for (const column of [tree.value, tree.self, tree.start]) {
      assert(column.every(Number.isFinite), "finite");
      assert(column.every((x) => x >= 0), "not negative");
    }
  });
  // The reader reads the three that are not finite as 0 (and says so);
  // the tree cleans the negative one.
  const profile = profileOf(hostileNumbers(2));
  assertEquals(profile.clampedTimes, 3);
  const tree = buildCallTree(profile);
  const notes = tree.notes.join("; ");
  assert(notes.includes("1 number was not a time"), notes);
  assert(notes.includes("2 caller→callee edges claimed more time"), notes);
  const lines = [...collapsedStacks(tree)].join("");
  assert(!/Infinity|NaN/.test(lines), lines);
});

Deno.test("recursion the edges record is followed, own time staying within internal time", () => {
  // main → a → b → a → b … (a chain 10 deep), then c at the bottom.
  const nodes = simulate(4, (f, depth) => {
    if (f === 0) return [1];
    if (f === 1) return [2];
    if (f === 2) return depth < 20 ? [1] : [3];
    return [];
  }, 5);
  const profile = profileOf(nodes);
  const tree = buildCallTree(profile, { minShare: 0 });
  assert(tree.maxDepth >= 6, `${tree.maxDepth} deep`);
  // c is reached below the recursion, and holds all its time there.
  const c = pathsThrough(tree, [3]);
  assertAlmostEquals(c.value, nodes[3]!.ct, 1e-12);
  assert(tree.madeUp <= tree.total * 0.01, `${tree.madeUp}`);
});
