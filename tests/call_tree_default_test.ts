/**
 * The call tree at its defaults: every frame up to the frame cap, so that
 * made-up time stays small on profiles of many small frames (a test suite,
 * where a 0.1% threshold made most of the picture `[other]`); never less
 * complete than a threshold; and grown a step at a time, as the page grows
 * it while idle, into the same tree.
 */
import { assert, assertAlmostEquals, assertEquals } from "@std/assert";
import {
  buildCallTree,
  type CallTree,
  DEFAULT_MAX_FRAMES,
  DEFAULT_MIN_SHARE,
  growCallTree,
  OTHER,
} from "../lib/call_tree.ts";
import { collapsedStacks } from "../lib/folded_stacks.ts";
import { profileOf, testSuite } from "./_call_graphs.ts";
import { fixtureProfile } from "./_fixtures.ts";
import { framesByPath } from "./_rule_profiles.ts";

/** The share of the total on made-up frames, and on `[other]` alone. */
function madeUp(tree: CallTree): { all: number; other: number } {
  let other = 0;
  for (let i = 0; i < tree.size; i++) {
    if (tree.fn[i] === OTHER) other += tree.value[i]!;
  }
  return { all: tree.madeUp / tree.total, other: other / tree.total };
}

/**
 * Two trees with the same frames and values (up to the order in which
 * the cut values were added up).
 */
function assertSameTree(a: CallTree, b: CallTree, message: string): void {
  assertEquals(a.size, b.size, message);
  assertEquals(a.capped, b.capped, message);
  for (const column of ["fn", "parent", "depth", "end", "estimated"] as const) {
    assertEquals(a[column], b[column], `${message}: ${column}`);
  }
  for (const column of ["value", "self", "start"] as const) {
    for (let i = 0; i < a.size; i++) {
      assertAlmostEquals(a[column][i]!, b[column][i]!, a.total * 1e-12);
    }
  }
}

Deno.test("the default draws every frame of a test suite's many small tests: almost nothing is made up", () => {
  // 3,000 tests of about 0.03% of the total each: a 0.1% threshold cut them
  // all. By default the tree has every frame: about 15,000, well under the
  // cap, and cProfile records each test's edge into each helper, so the
  // estimate places all the time. What may be made up is the rounding of
  // the budgets the frames spend, a millionth at most.
  const profile = profileOf(testSuite(3_000));
  const coarse = buildCallTree(profile, { minShare: 0.001 });
  assert(madeUp(coarse).other > 0.9, `${madeUp(coarse).other}`);
  const tree = buildCallTree(profile);
  assert(!tree.capped && tree.size < DEFAULT_MAX_FRAMES, `${tree.size}`);
  assert(madeUp(tree).all < 1e-6, `${madeUp(tree).all}`);
  // The folded stacks too: every test has its lines, none is [other].
  const text = [...collapsedStacks(tree)].join("");
  assert(!text.includes("[other]"));
  assertEquals(text.match(/\(f\d+\) \d+\n/g)!.length > 3_000, true);
});

Deno.test("past the frame cap, the default cuts the smallest frames only", () => {
  // 30,000 tests of about five frames each: half as many again as the cap.
  // The cap keeps the largest frames, so [other] holds the frames beyond
  // it, each no larger than the smallest frame kept: a third of the frames
  // and less than a third of the time.
  const profile = profileOf(testSuite(30_000));
  const tree = buildCallTree(profile);
  assert(tree.capped);
  const full = buildCallTree(profile, { maxNodes: 1_000_000 });
  assert(!full.capped);
  let smallestKept = Infinity;
  let kept = 0;
  for (let i = 1; i < tree.size; i++) {
    if (tree.fn[i]! < 0) continue;
    kept++;
    smallestKept = Math.min(smallestKept, tree.value[i]!);
  }
  assertEquals(kept, DEFAULT_MAX_FRAMES);
  const all = framesByPath(full);
  const cut = all.size - kept;
  const { other } = madeUp(tree);
  assert(
    other * tree.total <= cut * smallestKept * (1 + 1e-9),
    `${other} of the total in ${cut} frames under ${smallestKept}`,
  );
  assert(other < 1 / 3, `${other}`);
});

Deno.test("the default is never less complete than a threshold: it holds their frames with their values", () => {
  assertEquals(DEFAULT_MIN_SHARE, 0);
  for (
    const [name, profile] of [
      ["recursion.pstats", fixtureProfile("recursion.pstats")],
      ["shop-profile.pstats", fixtureProfile("shop-profile.pstats")],
      ["yappi.pstats", fixtureProfile("yappi.pstats")],
      ["cprofile-3.13.pstats", fixtureProfile("cprofile-3.13.pstats")],
      ["a test suite", profileOf(testSuite(300))],
    ] as const
  ) {
    const every = buildCallTree(profile);
    const frames = framesByPath(every);
    for (const minShare of [0.01, 0.001, 0.0001]) {
      const cut = buildCallTree(profile, { minShare });
      for (const [path, value] of framesByPath(cut)) {
        const same = frames.get(path);
        assert(same !== undefined, `${name} at ${minShare}: ${path} missing`);
        assertAlmostEquals(same, value, cut.total * 1e-9);
      }
      assert(
        every.madeUp <= cut.madeUp + every.total * 1e-9,
        `${name} at ${minShare}: ${every.madeUp} > ${cut.madeUp}`,
      );
    }
  }
});

Deno.test("a tree grown a step at a time shows what has grown, capped there, and ends as the tree built at once", () => {
  for (
    const profile of [
      fixtureProfile("recursion.pstats"),
      fixtureProfile("yappi.pstats"),
    ]
  ) {
    const growth = growCallTree(profile);
    let previous: CallTree | undefined;
    let partial = 0;
    while (!growth.grow(25)) {
      const tree = growth.tree();
      if (tree.capped) partial++;
      assertEquals(growth.tree(), tree, "laid out once per step");
      assertSameTree(
        tree,
        buildCallTree(profile, { maxNodes: growth.frames }),
        `${growth.frames} frames`,
      );
      assertAlmostEquals(tree.total, buildCallTree(profile).total);
      assert(previous === undefined || tree.size >= previous.size);
      previous = tree;
    }
    assert(partial > 1, "grown in more than one step");
    assertEquals(growth.tree(), buildCallTree(profile));
  }
});

Deno.test("a grown tree is laid out a part at a time, each step bounded", () => {
  const profile = profileOf(testSuite(3_000));
  /** Grows until no frame is added: then only the layout is left. */
  const grown = () => {
    const growth = growCallTree(profile);
    for (let before = -1; growth.frames > before;) {
      before = growth.frames;
      growth.grow(1_000);
    }
    return growth;
  };
  const growth = grown();
  assert(growth.frames > 10_000 && !growth.done, `${growth.frames} frames`);
  // The layout of its 15,000 frames takes steps of its own.
  let layoutSteps = 0;
  while (!growth.grow(64)) layoutSteps++;
  assert(layoutSteps > 20, `${layoutSteps} steps`);
  assertEquals(growth.tree(), buildCallTree(profile));
  // The same, asked for in the middle of the layout: finished at once.
  const again = grown();
  again.grow(64 * 3);
  assert(!again.done);
  assertEquals(again.tree(), buildCallTree(profile));
  assert(again.done);
});
