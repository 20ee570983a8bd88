/**
 * The call tree's rules (lib/call_tree.ts) after transforms
 * (lib/call_transform.ts), checked as properties of every fixture and of
 * generated call graphs of every shape, under random stacks of transforms:
 * the weights add up to the total shown, no function's frames hold more
 * own time than its internal time once merged-in time is told apart, made-up
 * frames are labelled leaves; merging and collapsing keep the total, a drop
 * lowers it by exactly what it dropped, a focus makes it the focused
 * frames' value; collapsing an exact tree leaves it exact.
 */
import { assert, assertAlmostEquals, assertEquals } from "@std/assert";
import {
  buildCallTree,
  type CallTree,
  collapsedGroup,
  frameLabel,
  isMadeUp,
  pathsThrough,
} from "../lib/call_tree.ts";
import { calleeTree } from "../lib/call_sandwich.ts";
import { callModel } from "../lib/call_model.ts";
import {
  type Transform,
  transformCallTree,
  type TransformKind,
} from "../lib/call_transform.ts";
import { collapsedStacks } from "../lib/folded_stacks.ts";
import type { Profile } from "../lib/profile.ts";
import { loadProfile } from "../lib/pstats/read.ts";
import {
  functionTarget,
  parseTarget,
  targetFunctions,
} from "../lib/transform_target.ts";
import { packageKey } from "../lib/group.ts";
import { profileOf, treeProgram } from "./_call_graphs.ts";
import { random } from "./_random.ts";
import { assertWidthsAddUp, profilesOfEveryShape } from "./_rule_profiles.ts";

const FIXTURES = new URL("./fixtures/", import.meta.url);

const PROFILES = profilesOfEveryShape(3);

/** A function drawn in the tree, picked at random (weighted to the wide). */
function someFunction(tree: CallTree, next: () => number): number {
  for (let tries = 0; tries < 20; tries++) {
    const i = 1 + Math.floor(next() * Math.max(1, tree.size - 1));
    const fn = tree.fn[Math.min(i, tree.size - 1)]!;
    if (fn >= 0) return fn;
  }
  return -1;
}

/** A random transform of what the tree draws. */
function someTransform(tree: CallTree, next: () => number): Transform {
  const kinds: TransformKind[] = ["merge", "collapse", "focus", "drop"];
  const kind = kinds[Math.floor(next() * kinds.length)]!;
  const fn = someFunction(tree, next);
  const f = tree.profile.functions;
  const pick = next();
  if (kind === "collapse") {
    const groups = ["stdlib", "site-packages", "builtins"];
    const own = fn < 0 ? "" : packageKey(f.shortFile[fn]!).replace(/\/+$/, "");
    const target = pick < 0.5 || own === ""
      ? groups[Math.floor(next() * groups.length)]!
      : own;
    return { kind, target };
  }
  if (fn < 0 || pick < 0.15) return { kind, target: "builtins" };
  if (pick < 0.3) return { kind, target: "stdlib" };
  if (pick < 0.5) {
    // Terms: a piece of the name, maybe without a piece of the file.
    const name = f.name[fn]!.toLowerCase().replace(/[\s"]/g, "");
    const term = name.slice(0, Math.max(1, Math.floor(name.length / 2)));
    const file = f.shortFile[fn]!.replace(/[\s"]/g, "");
    return {
      kind,
      target: next() < 0.5 || file === ""
        ? `"${term}"`
        : `"${term}" -"${file}"`,
    };
  }
  return { kind, target: functionTarget(tree.profile, fn) };
}

/** Checks the rules of one transformed tree against the model. */
function checkRules(profile: Profile, tree: CallTree): void {
  const model = callModel(profile);
  const total = model.total;
  const eps = Math.max(total, 1e-300) * 1e-9;
  // Rule 1: every frame is its own part plus its children's; the own parts
  // add up to the total; the folded stacks too.
  let selves = 0;
  for (let i = 0; i < tree.size; i++) selves += tree.self[i]!;
  assertAlmostEquals(selves, tree.total, eps, "own parts");
  assertWidthsAddUp(tree, eps);
  for (let i = 0; i < tree.size; i++) {
    assert(tree.merged[i]! <= tree.self[i]! + eps, `merged ${i}`);
    assert(tree.merged[i]! >= 0 && tree.self[i]! >= 0, `not negative ${i}`);
  }
  const scale = tree.unit === "seconds" ? 1e6 : 1;
  const lines = [...collapsedStacks(tree)];
  const weights = lines.reduce(
    (sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)),
    0,
  );
  assert(
    Math.abs(weights - tree.total * scale) <=
      Math.max(tree.total * scale * 0.005, lines.length, 1),
    `folded ${weights} of ${tree.total * scale}`,
  );
  // Rule 2: a function's frames' own time, less what was merged in, within
  // its internal time.
  const own = new Float64Array(model.own.length);
  for (let i = 0; i < tree.size; i++) {
    const fn = tree.fn[i]!;
    if (fn >= 0) own[fn]! += tree.self[i]! - tree.merged[i]!;
  }
  for (let f = 0; f < own.length; f++) {
    assert(
      own[f]! <= model.own[f]! * (1 + 1e-9) + total * 1e-12,
      `function ${f}: ${own[f]} > ${model.own[f]}`,
    );
  }
  // Made-up frames are leaves named in brackets; collapsed groups say so.
  for (let i = 0; i < tree.size; i++) {
    const fn = tree.fn[i]!;
    const label = frameLabel(tree.profile, fn, tree.groups);
    if (isMadeUp(fn)) {
      assertEquals(tree.end[i], i + 1, label);
      assert(label.startsWith("["), label);
    }
    if (collapsedGroup(fn) >= 0) {
      assert(label.endsWith(" [collapsed]"), label);
    }
  }
}

Deno.test("random stacks of transforms keep the rules, on every fixture and generated graph", () => {
  let stacks = 0;
  for (const [file, profile] of PROFILES) {
    const whole = buildCallTree(profile, { minShare: 0, maxNodes: 3_000 });
    const next = random(file.length * 7919 + whole.size);
    for (let k = 0; k < 6; k++) {
      const stack: Transform[] = [];
      let tree = whole;
      const count = 1 + Math.floor(next() * 4);
      for (let t = 0; t < count && tree.size > 1; t++) {
        const transform = someTransform(tree, next);
        stack.push(transform);
        const before = tree;
        const after = transformCallTree(before, [transform]);
        const said = `${file}: ${
          stack.map((x) => `${x.kind}:${x.target}`).join(" | ")
        }`;
        try {
          checkRules(profile, after);
          checkStep(before, after, transform);
        } catch (error) {
          throw new Error(`${said}: ${error}`);
        }
        tree = after;
      }
      // The stack at once is the steps one by one.
      const once = transformCallTree(whole, stack);
      assertEquals(once.size, tree.size, file);
      assertAlmostEquals(once.total, tree.total, whole.total * 1e-9, file);
      // A threshold after the stack cuts by the new total's share.
      const cut = transformCallTree(whole, stack, { minShare: 0.02 });
      checkRules(profile, cut);
      assertAlmostEquals(cut.total, tree.total, whole.total * 1e-9, file);
      for (let i = 1; i < cut.size; i++) {
        const fn = cut.fn[i]!;
        if (!isMadeUp(fn)) {
          assert(cut.value[i]! >= cut.total * 0.02 * (1 - 1e-9), file);
        }
      }
      stacks++;
    }
  }
  assert(stacks > 100, `${stacks} stacks`);
});

/** What one step must do to the total, and the exactness of a collapse. */
function checkStep(
  before: CallTree,
  after: CallTree,
  transform: Transform,
): void {
  const eps = Math.max(before.total, 1e-300) * 1e-9;
  if (transform.kind === "merge" || transform.kind === "collapse") {
    assertAlmostEquals(after.total, before.total, eps, "kept the total");
    assertAlmostEquals(after.dropped, before.dropped, eps, "dropped nothing");
  }
  if (transform.kind === "collapse") {
    // A frame is exact where the frames it was made of were: an exact
    // tree stays exact.
    if (before.estimated.every((e) => e === 0)) {
      assert(after.estimated.every((e) => e === 0), "still exact");
    }
    return;
  }
  const named = targetFunctions(before.profile, parseTarget(transform.target));
  const ids = [...named.keys()].filter((fn) => named[fn] === 1);
  const { value } = pathsThrough(before, ids);
  if (value === 0) {
    // Names nothing drawn: the tree is as it was.
    assertEquals(after.size, before.size);
    return;
  }
  if (transform.kind === "drop") {
    assertAlmostEquals(after.total, before.total - value, eps, "dropped");
    assertAlmostEquals(after.dropped, before.dropped + value, eps, "says so");
    assertEquals(pathsThrough(after, ids).value, 0, "no frame left");
  }
  if (transform.kind === "focus") {
    assertAlmostEquals(after.total, value, eps, "focused");
    // Each focused function's subtree is what its sandwich's callees hold.
    for (const fn of ids.slice(0, 3)) {
      const down = calleeTree(before, fn, { minShare: 0 });
      if (down.total === 0) continue;
      assert(pathsThrough(after, [fn]).value >= down.total - eps, "focus");
    }
  }
  if (transform.kind === "merge") {
    assertEquals(pathsThrough(after, ids).value, 0, "no frame left");
    let merged = 0;
    let mergedBefore = 0;
    for (let i = 0; i < after.size; i++) merged += after.merged[i]!;
    for (let i = 0; i < before.size; i++) mergedBefore += before.merged[i]!;
    let ownOfNamed = 0;
    for (let i = 0; i < before.size; i++) {
      const fn = before.fn[i]!;
      if (fn >= 0 && named[fn] === 1) {
        ownOfNamed += before.self[i]! - before.merged[i]!;
      }
    }
    // What the merged frames held as their own is now merged-in time.
    assertAlmostEquals(merged, mergedBefore + ownOfNamed, eps, "merged");
  }
}

Deno.test("transforming an exact tree leaves every frame exact", () => {
  const bytes = Deno.readFileSync(new URL("call-tree.pstats", FIXTURES));
  const profile = loadProfile([{ source: "call-tree.pstats", bytes }]);
  const whole = buildCallTree(profile, { minShare: 0 });
  assert(whole.estimated.every((e) => e === 0));
  for (const target of ["stdlib", "builtins", "site-packages"]) {
    const tree = transformCallTree(whole, [{ kind: "collapse", target }]);
    assert(tree.estimated.every((e) => e === 0), target);
    checkRules(profile, tree);
  }
  for (let seed = 1; seed <= 4; seed++) {
    const exact = profileOf(treeProgram(seed));
    const tree = buildCallTree(exact, { minShare: 0 });
    for (const target of ["pkg1", "pkg2/"]) {
      const collapsed = transformCallTree(tree, [{ kind: "collapse", target }]);
      assert(collapsed.fn.some((fn) => collapsedGroup(fn) === 0), target);
      assert(collapsed.estimated.every((e) => e === 0), `${seed} ${target}`);
    }
    // Merging, focusing and dropping keep it exact too.
    const next = random(seed);
    for (let k = 0; k < 5; k++) {
      const stack = [0, 1, 2].map(() => someTransform(tree, next));
      const transformed = transformCallTree(tree, stack);
      checkRules(exact, transformed);
      assert(
        transformed.estimated.every((e) => e === 0),
        stack.map((t) => `${t.kind}:${t.target}`).join(" | "),
      );
    }
  }
});
