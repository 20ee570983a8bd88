/**
 * Each transform of the call tree (lib/call_transform.ts) on small programs
 * whose trees are known: the expected tree, frame by frame.
 */
import { assert, assertAlmostEquals, assertEquals } from "@std/assert";
import {
  buildCallTree,
  type CallTree,
  frameLabel,
  pathsThrough,
} from "../lib/call_tree.ts";
import {
  checkTransform,
  parseTransform,
  type Transform,
  transformCallTree,
} from "../lib/call_transform.ts";
import { calleeTree } from "../lib/call_sandwich.ts";
import { collapsedStacks } from "../lib/folded_stacks.ts";
import type { Profile } from "../lib/profile.ts";
import { buildProfile, statsFile } from "../lib/pstats/build.ts";

const SITE = "/venv/lib/python3.12/site-packages";
const LIB = "/usr/lib/python3.12";

type Fn = [file: string, line: number, name: string];
type Call = [caller: Fn, time: number];

function entry(key: Fn, tt: number, ct: number, callers: Call[] = []) {
  return {
    key,
    calls: 1,
    primitiveCalls: 1,
    internalTime: tt,
    cumulativeTime: ct,
    callers: callers.map(([caller, time]) => ({
      key: caller,
      calls: 1,
      primitiveCalls: 1,
      internalTime: 0,
      cumulativeTime: time,
    })),
  };
}

const MAIN: Fn = ["/srv/app/main.py", 1, "main"];
const WRAPPER: Fn = ["/srv/app/deco.py", 5, "wrapper"];
const HANDLE: Fn = ["/srv/app/views.py", 12, "handle"];
const GET: Fn = [`${SITE}/django/db/query.py`, 40, "get"];
const EXECUTE: Fn = [`${SITE}/django/db/sql.py`, 7, "execute"];
const LEN: Fn = ["~", 0, "<built-in method builtins.len>"];
const DECODE: Fn = [`${LIB}/json/decoder.py`, 3, "decode"];
const SCAN: Fn = [`${LIB}/json/scanner.py`, 2, "scan"];

/**
 * A web request, as a tree of calls (so the tree is exact):
 * main → wrapper → handle → get → execute → len, main → decode → scan.
 */
function request(): Profile {
  return buildProfile([statsFile("run.pstats", [
    entry(MAIN, 0.1, 1),
    entry(WRAPPER, 0.05, 0.6, [[MAIN, 0.6]]),
    entry(HANDLE, 0.2, 0.55, [[WRAPPER, 0.55]]),
    entry(GET, 0.15, 0.35, [[HANDLE, 0.35]]),
    entry(EXECUTE, 0.1, 0.2, [[GET, 0.2]]),
    entry(LEN, 0.1, 0.1, [[EXECUTE, 0.1]]),
    entry(DECODE, 0.2, 0.3, [[MAIN, 0.3]]),
    entry(SCAN, 0.1, 0.1, [[DECODE, 0.1]]),
  ])], { cwd: "/srv" });
}

const A: Fn = ["/srv/a.py", 1, "a"];
const B: Fn = ["/srv/b.py", 1, "b"];
const C: Fn = ["/srv/c.py", 1, "c"];

/** a calls b and c, b calls c too: c's frames are estimates. */
function diamond(): Profile {
  return buildProfile([statsFile("run.pstats", [
    entry(A, 0.1, 1),
    entry(B, 0.2, 0.5, [[A, 0.5]]),
    entry(C, 0.7, 0.7, [[A, 0.4], [B, 0.3]]),
  ])], { cwd: "/srv" });
}

/** The tree as lines: indented label, value, own part, merged part, `~` when estimated. */
function lines(tree: CallTree): string[] {
  const round = (x: number) => Number(x.toFixed(6));
  const out: string[] = [];
  for (let i = 0; i < tree.size; i++) {
    const merged = tree.merged[i]! > 0 ? ` +${round(tree.merged[i]!)}` : "";
    out.push(
      `${"  ".repeat(tree.depth[i]!)}${
        frameLabel(tree.profile, tree.fn[i]!, tree.groups)
      } ${round(tree.value[i]!)} ${round(tree.self[i]!)}${merged}${
        tree.estimated[i] === 1 ? " ~" : ""
      }`,
    );
  }
  return out;
}

function transformed(
  profile: Profile,
  ...texts: string[]
): CallTree {
  const transforms = texts.map((text) => parseTransform(text)!);
  return transformCallTree(
    buildCallTree(profile, { minShare: 0 }),
    transforms,
  );
}

Deno.test("the request's tree, untransformed, is exact", () => {
  assertEquals(lines(buildCallTree(request(), { minShare: 0 })), [
    "all 1 0",
    "  app/main.py:1(main) 1 0.1",
    "    app/deco.py:5(wrapper) 0.6 0.05",
    "      app/views.py:12(handle) 0.55 0.2",
    "        django/db/query.py:40(get) 0.35 0.15",
    "          django/db/sql.py:7(execute) 0.2 0.1",
    "            {built-in method builtins.len} 0.1 0.1",
    "    json/decoder.py:3(decode) 0.3 0.2",
    "      json/scanner.py:2(scan) 0.1 0.1",
  ]);
});

Deno.test("merging a function gives its own time to its caller, apart, and its callees too", () => {
  const tree = transformed(request(), "merge:wrapper");
  assertEquals(lines(tree), [
    "all 1 0",
    "  app/main.py:1(main) 1 0.15 +0.05",
    "    app/views.py:12(handle) 0.55 0.2",
    "      django/db/query.py:40(get) 0.35 0.15",
    "        django/db/sql.py:7(execute) 0.2 0.1",
    "          {built-in method builtins.len} 0.1 0.1",
    "    json/decoder.py:3(decode) 0.3 0.2",
    "      json/scanner.py:2(scan) 0.1 0.1",
  ]);
  assertAlmostEquals(tree.total, 1, 1e-12);
  assertEquals(tree.dropped, 0);
});

Deno.test("hiding the standard library and the built-ins merges every function of theirs", () => {
  assertEquals(
    lines(transformed(request(), "merge:stdlib", "merge:builtins")),
    [
      "all 1 0",
      "  app/main.py:1(main) 1 0.4 +0.3",
      "    app/deco.py:5(wrapper) 0.6 0.05",
      "      app/views.py:12(handle) 0.55 0.2",
      "        django/db/query.py:40(get) 0.35 0.15",
      "          django/db/sql.py:7(execute) 0.2 0.2 +0.1",
    ],
  );
});

Deno.test("merging a function whose callees its caller calls too brings them together", () => {
  assertEquals(lines(buildCallTree(diamond(), { minShare: 0 })), [
    "all 1 0",
    "  a.py:1(a) 1 0.1",
    "    b.py:1(b) 0.5 0.2",
    "      c.py:1(c) 0.3 0.3 ~",
    "    c.py:1(c) 0.4 0.4 ~",
  ]);
  assertEquals(lines(transformed(diamond(), "merge:b.py:b")), [
    "all 1 0",
    "  a.py:1(a) 1 0.3 +0.2",
    "    c.py:1(c) 0.7 0.7 ~",
  ]);
  // A root merged: its own time has no caller to go to.
  assertEquals(lines(transformed(diamond(), "merge:a.py:1")), [
    "all 1 0",
    "  b.py:1(b) 0.5 0.2",
    "    c.py:1(c) 0.3 0.3 ~",
    "  c.py:1(c) 0.4 0.4 ~",
    "  [merged] 0.1 0.1 +0.1",
  ]);
});

Deno.test("collapsing site-packages makes each package's run of frames one, its calls out below it", () => {
  const tree = transformed(request(), "collapse:site-packages");
  assertEquals(lines(tree), [
    "all 1 0",
    "  app/main.py:1(main) 1 0.1",
    "    app/deco.py:5(wrapper) 0.6 0.05",
    "      app/views.py:12(handle) 0.55 0.2",
    "        django [collapsed] 0.35 0.25",
    "          {built-in method builtins.len} 0.1 0.1",
    "    json/decoder.py:3(decode) 0.3 0.2",
    "      json/scanner.py:2(scan) 0.1 0.1",
  ]);
  assertEquals(tree.groups, ["django"]);
  // The exact tree stays exact.
  assert(tree.estimated.every((e) => e === 0));
  assertEquals(
    [...collapsedStacks(tree)].filter((line) => line.includes("collapsed")),
    [
      "app/main.py:1(main);app/deco.py:5(wrapper);app/views.py:12(handle);django [collapsed] 250000\n",
      "app/main.py:1(main);app/deco.py:5(wrapper);app/views.py:12(handle);django [collapsed];{built-in method builtins.len} 100000\n",
    ],
  );
});

Deno.test("collapsing the standard library, a path and the built-ins", () => {
  assertEquals(
    lines(transformed(request(), "collapse:stdlib", "collapse:django/db/")),
    [
      "all 1 0",
      "  app/main.py:1(main) 1 0.1",
      "    app/deco.py:5(wrapper) 0.6 0.05",
      "      app/views.py:12(handle) 0.55 0.2",
      "        django/db [collapsed] 0.35 0.25",
      "          {built-in method builtins.len} 0.1 0.1",
      "    stdlib [collapsed] 0.3 0.3",
    ],
  );
  assertEquals(
    lines(transformed(request(), "collapse:builtins")).at(-3),
    "            builtins [collapsed] 0.1 0.1",
  );
});

Deno.test("a collapse takes in the frames of an earlier collapse inside it", () => {
  const inside = [
    "all 1 0",
    "  app/main.py:1(main) 1 0.1",
    "    app/deco.py:5(wrapper) 0.6 0.05",
    "      app/views.py:12(handle) 0.55 0.2",
    "        django/db [collapsed] 0.35 0.25",
    "          {built-in method builtins.len} 0.1 0.1",
    "    json/decoder.py:3(decode) 0.3 0.2",
    "      json/scanner.py:2(scan) 0.1 0.1",
  ];
  assertEquals(
    lines(transformed(request(), "collapse:django/db/query.py")).slice(4, 7),
    [
      "        django/db/query.py [collapsed] 0.35 0.15",
      "          django/db/sql.py:7(execute) 0.2 0.1",
      "            {built-in method builtins.len} 0.1 0.1",
    ],
  );
  assertEquals(
    lines(
      transformed(
        request(),
        "collapse:django/db/query.py",
        "collapse:django/db",
      ),
    ),
    inside,
  );
  const bySite = transformed(
    request(),
    "collapse:django/db/query.py",
    "collapse:site-packages",
  );
  assertEquals(lines(bySite)[4], "        django [collapsed] 0.35 0.25");
  assertEquals(lines(bySite).length, inside.length);
  assertEquals(
    lines(transformed(request(), "collapse:stdlib", "collapse:stdlib")),
    lines(transformed(request(), "collapse:stdlib")),
  );
});

Deno.test("merging what lay between two frames of a collapsed group makes them one", () => {
  const hook: Fn = ["/srv/app/hooks.py", 3, "on_save"];
  const save: Fn = [`${SITE}/django/db/models.py`, 10, "save"];
  const signal: Fn = [`${SITE}/django/dispatch.py`, 20, "send"];
  const profile = buildProfile([statsFile("run.pstats", [
    entry(MAIN, 0.1, 1),
    entry(save, 0.2, 0.9, [[MAIN, 0.9]]),
    entry(hook, 0.3, 0.7, [[save, 0.7]]),
    entry(signal, 0.4, 0.4, [[hook, 0.4]]),
  ])], { cwd: "/srv" });
  assertEquals(lines(transformed(profile, "collapse:site-packages")), [
    "all 1 0",
    "  app/main.py:1(main) 1 0.1",
    "    django [collapsed] 0.9 0.2",
    "      app/hooks.py:3(on_save) 0.7 0.3",
    "        django [collapsed] 0.4 0.4",
  ]);
  assertEquals(
    lines(
      transformed(
        profile,
        "collapse:site-packages",
        "merge:app/hooks.py:on_save",
      ),
    ),
    [
      "all 1 0",
      "  app/main.py:1(main) 1 0.1",
      "    django [collapsed] 0.9 0.9 +0.3",
    ],
  );
});

Deno.test("focusing on a function re-roots the tree at it", () => {
  const tree = transformed(request(), "focus:app/views.py:handle");
  assertEquals(lines(tree), [
    "all 0.55 0",
    "  app/views.py:12(handle) 0.55 0.2",
    "    django/db/query.py:40(get) 0.35 0.15",
    "      django/db/sql.py:7(execute) 0.2 0.1",
    "        {built-in method builtins.len} 0.1 0.1",
  ]);
  assert(tree.notes.some((note) => note.includes("keeps 55.0% of the total")));
  // All its paths merged: c, called from a and from b.
  assertEquals(lines(transformed(diamond(), "focus:c.py:c")), [
    "all 0.7 0",
    "  c.py:1(c) 0.7 0.7 ~",
  ]);
});

Deno.test("dropping a function removes its frames and what is under them, and says by how much", () => {
  const tree = transformed(request(), "drop:django/db/query.py:get");
  assertEquals(lines(tree), [
    "all 0.65 0",
    "  app/main.py:1(main) 0.65 0.1",
    "    json/decoder.py:3(decode) 0.3 0.2",
    "      json/scanner.py:2(scan) 0.1 0.1",
    "    app/deco.py:5(wrapper) 0.25 0.05",
    "      app/views.py:12(handle) 0.2 0.2",
  ]);
  assertAlmostEquals(tree.dropped, 0.35, 1e-12);
  assert(
    tree.notes.some((note) =>
      note.includes("removed 350.000 ms, 35.0% of the total")
    ),
  );
  const both = transformed(diamond(), "drop:c.py:c");
  assertEquals(lines(both), [
    "all 0.3 0",
    "  a.py:1(a) 0.3 0.1",
    "    b.py:1(b) 0.2 0.2",
  ]);
  assertAlmostEquals(both.dropped, 0.7, 1e-12);
});

Deno.test("transforms apply in order", () => {
  // Focus, then merge: handle's own time and get's together.
  assertEquals(
    lines(
      transformed(request(), "focus:handle", "merge:django/db/query.py:40"),
    ),
    [
      "all 0.55 0",
      "  app/views.py:12(handle) 0.55 0.35 +0.15",
      "    django/db/sql.py:7(execute) 0.2 0.1",
      "      {built-in method builtins.len} 0.1 0.1",
    ],
  );
  // Drop what a collapse made: the group's functions are gone with it.
  assertEquals(
    lines(transformed(request(), "collapse:site-packages", "drop:builtins")),
    [
      "all 0.9 0",
      "  app/main.py:1(main) 0.9 0.1",
      "    app/deco.py:5(wrapper) 0.5 0.05",
      "      app/views.py:12(handle) 0.45 0.2",
      "        django [collapsed] 0.25 0.25",
      "    json/decoder.py:3(decode) 0.3 0.2",
      "      json/scanner.py:2(scan) 0.1 0.1",
    ],
  );
});

Deno.test("a target that names nothing leaves the tree as it is, and says so", () => {
  const tree = transformed(
    request(),
    "merge:nothing-like-this",
    "collapse:numpy",
  );
  assertEquals(lines(tree), lines(buildCallTree(request(), { minShare: 0 })));
  assertEquals(tree.notes, [
    'merge "nothing-like-this" names no function of the tree: nothing merged',
    'collapse "numpy" names no function: nothing collapsed',
  ]);
});

Deno.test("a threshold after the transforms cuts by the share of the new total", () => {
  const whole = buildCallTree(request(), { minShare: 0 });
  const focus = parseTransform("focus:handle")!;
  // len is 0.1 of 1 s, but 18% of handle's 0.55 s: kept at 15%.
  const cut = transformCallTree(whole, [focus], { minShare: 0.15 });
  assertEquals(
    lines(cut).at(-1),
    "        {built-in method builtins.len} 0.1 0.1",
  );
  const finer = transformCallTree(whole, [focus], { minShare: 0.2 });
  assertEquals(lines(finer).slice(-2), [
    "      django/db/sql.py:7(execute) 0.2 0.1",
    "        [other] 0.1 0.1 ~",
  ]);
});

Deno.test("a function's sandwich cut from a transformed tree carries what was merged", () => {
  const tree = transformed(request(), "merge:django/db/sql.py:execute");
  const callees = calleeTree(tree, 3, { minShare: 0 }); // get
  assertEquals(lines(callees), [
    "django/db/query.py:40(get) 0.35 0.25 +0.1",
    "  {built-in method builtins.len} 0.1 0.1",
  ]);
  assertAlmostEquals(pathsThrough(tree, [3]).value, 0.35, 1e-12);
});

Deno.test("transforms are read and written as KIND:TARGET, and refused when they name nothing", () => {
  const texts = [
    "merge:wrapper",
    "collapse:stdlib",
    "focus:app/views.py:handle",
    "drop:profile:0(profiler)",
    "merge:~:<built-in method builtins.exec>",
  ];
  for (const text of texts) {
    const transform = parseTransform(text);
    assertEquals(`${transform?.kind}:${transform?.target}`, text);
  }
  for (
    const text of ["merge:", "fold:x", "wrapper", "drop: - ", "collapse:/"]
  ) {
    assertEquals(parseTransform(text), undefined, text);
  }
  const bad: Transform = { kind: "focus", target: "" };
  assertEquals(checkTransform(bad), "give a location, terms or a group");
});
