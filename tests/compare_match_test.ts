/**
 * Where compare matches functions (`lib/compare_match.ts`): each rule on
 * small runs made in code; `compare_test.ts` checks whole comparisons on
 * profiles that real Pythons wrote.
 */
import { assert, assertEquals } from "@std/assert";
import { compareProfiles } from "../lib/compare.ts";
import { matchFileForms, matchFunctions } from "../lib/compare_match.ts";
import type { Profile } from "../lib/profile.ts";
import type { FunctionKey } from "../lib/pstats/stats_table.ts";
import { matchShapes } from "./_match_shapes.ts";
import { type Entry, run } from "./_runs.ts";

/** The pairs of a comparison as "before key => after key" labels. */
function pairs(base: Profile, current: Profile): string[] {
  const { baseOf } = matchFunctions(base, current);
  const label = (p: Profile, id: number) =>
    `${p.functions.file[id]}:${p.functions.line[id]}(${p.functions.name[id]})`;
  const out: string[] = [];
  baseOf.forEach((b, c) => {
    if (b >= 0) out.push(`${label(base, b)} => ${label(current, c)}`);
  });
  return out.sort();
}

Deno.test("matchFunctions() pairs functions with the very same key", () => {
  const keys: FunctionKey[] = [
    ["app.py", 1, "main"],
    ["app.py", 9, "load"],
    ["~", 0, "<built-in method builtins.len>"],
  ];
  const base = run(keys.map((key) => ({ key })));
  const current = run([...keys].reverse().map((key) => ({ key })));
  assertEquals(pairs(base, current), [
    "app.py:1(main) => app.py:1(main)",
    "app.py:9(load) => app.py:9(load)",
    "~:0(<built-in method builtins.len>) => ~:0(<built-in method builtins.len>)",
  ]);
});

Deno.test("matchFunctions() matches two Python versions' standard libraries", () => {
  const base = run([
    { key: ["/usr/lib/python3.11/json/decoder.py", 332, "decode"] },
    { key: ["/usr/lib/python3.11/json/decoder.py", 343, "raw_decode"] },
  ]);
  const current = run([
    {
      key: [
        "/root/.pyenv/versions/3.12.1/lib/python3.12/json/decoder.py",
        332,
        "decode",
      ],
    },
    {
      key: [
        "/root/.pyenv/versions/3.12.1/lib/python3.12/json/decoder.py",
        344,
        "raw_decode",
      ],
    },
  ]);
  const comparison = compareProfiles(base, current);
  assertEquals(comparison.counts, {
    matched: 2,
    added: 0,
    removed: 0,
    moved: 1,
  });
});

Deno.test("matchFunctions() matches packages of two virtualenvs", () => {
  const base = run([{
    key: [
      "/home/a/.venv/lib/python3.12/site-packages/requests/api.py",
      62,
      "get",
    ],
  }]);
  const current = run([{
    key: ["C:\\venv\\Lib\\site-packages\\requests\\api.py", 62, "get"],
  }]);
  assertEquals(pairs(base, current).length, 1);
});

Deno.test("matchFunctions() matches two checkouts in different directories", () => {
  const base = run([
    { key: ["/home/me/v1/app.py", 1, "main"] },
    { key: ["/home/me/v1/lib/util.py", 5, "helper"] },
  ]);
  const current = run([
    { key: ["/srv/build/v2/app.py", 1, "main"] },
    { key: ["/srv/build/v2/lib/util.py", 5, "helper"] },
  ]);
  assertEquals(pairs(base, current).length, 2);
  assertEquals(matchFileForms(current), ["app.py", "lib/util.py"]);
});

Deno.test("matchFunctions() matches checkouts whose common directories differ", () => {
  // A script outside the checkout moves one run's common directory up.
  const base = run([
    { key: ["/home/me/v1/app.py", 1, "main"] },
    { key: ["/home/me/v1/lib/util.py", 5, "helper"] },
    { key: ["/home/me/.venvs/x/bin/pytest", 1, "<module>"] },
  ]);
  const current = run([
    { key: ["/srv/v2/app.py", 1, "main"] },
    { key: ["/srv/v2/lib/util.py", 5, "helper"] },
    { key: ["/home/me/.venvs/x/bin/pytest", 1, "<module>"] },
  ]);
  assertEquals(pairs(base, current).length, 3);
});

Deno.test("matchFunctions() does not pair a file with one of two of its name", () => {
  const base = run([{ key: ["/home/me/v1/app.py", 1, "main"] }]);
  const current = run([
    { key: ["/srv/v2/a/app.py", 1, "main"] },
    { key: ["/srv/v2/b/app.py", 1, "main"] },
  ]);
  assertEquals(pairs(base, current), []);
});

Deno.test("matchFileForms() keeps relative and special files as they are", () => {
  const profile = run([
    { key: ["app.py", 1, "main"] },
    { key: ["<frozen importlib._bootstrap>", 1, "f"] },
    { key: ["<string>", 1, "<module>"] },
    { key: ["", 0, "<built-in method len>"] },
    { key: ["~", 0, "<built-in method builtins.print>"] },
  ]);
  assertEquals(matchFileForms(profile), [
    "app.py",
    "<frozen importlib._bootstrap>",
    "<string>",
    "~",
    "~",
  ]);
});

Deno.test("matchFunctions() matches a function that moved when its name is unique in the file", () => {
  const base = run([
    { key: ["app.py", 10, "load"] },
    { key: ["app.py", 20, "save"] },
  ]);
  const current = run([
    { key: ["app.py", 14, "load"] },
    { key: ["app.py", 31, "save"] },
    { key: ["other.py", 20, "save"] },
  ]);
  assertEquals(pairs(base, current), [
    "app.py:10(load) => app.py:14(load)",
    "app.py:20(save) => app.py:31(save)",
  ]);
  const comparison = compareProfiles(base, current);
  assertEquals(comparison.counts, {
    matched: 2,
    added: 1,
    removed: 0,
    moved: 2,
  });
});

Deno.test("matchFunctions() never pairs a moved function with one of another file", () => {
  const base = run([{ key: ["a.py", 10, "load"] }]);
  const current = run([{ key: ["b.py", 10, "load"] }]);
  assertEquals(pairs(base, current), []);
});

Deno.test("matchFunctions() leaves ambiguous names unmatched when nothing decides", () => {
  const base = run([
    { key: ["app.py", 3, "<listcomp>"] },
    { key: ["app.py", 7, "<listcomp>"] },
    { key: ["app.py", 9, "<listcomp>"] },
  ]);
  const current = run([
    { key: ["app.py", 4, "<listcomp>"] },
    { key: ["app.py", 8, "<listcomp>"] },
    { key: ["app.py", 10, "<listcomp>"] },
  ]);
  assertEquals(pairs(base, current), []);
  const comparison = compareProfiles(base, current);
  assertEquals(comparison.counts, {
    matched: 0,
    added: 3,
    removed: 3,
    moved: 0,
  });
});

Deno.test("matchFunctions() pairs the one function left of an ambiguous name", () => {
  // Two <lambda> stayed on their lines; the third moved: it is the only one
  // left on each side once the others are matched.
  const base = run([
    { key: ["app.py", 3, "<lambda>"] },
    { key: ["app.py", 7, "<lambda>"] },
    { key: ["app.py", 9, "<lambda>"] },
  ]);
  const current = run([
    { key: ["app.py", 3, "<lambda>"] },
    { key: ["app.py", 7, "<lambda>"] },
    { key: ["app.py", 12, "<lambda>"] },
  ]);
  assertEquals(pairs(base, current), [
    "app.py:3(<lambda>) => app.py:3(<lambda>)",
    "app.py:7(<lambda>) => app.py:7(<lambda>)",
    "app.py:9(<lambda>) => app.py:12(<lambda>)",
  ]);
});

Deno.test("matchFunctions() decides ambiguous names by their matched caller", () => {
  const base = run([
    { key: ["app.py", 1, "scale"] },
    { key: ["app.py", 5, "shift"] },
    { key: ["app.py", 2, "<lambda>"], callers: [["app.py", 1, "scale"]] },
    { key: ["app.py", 6, "<lambda>"], callers: [["app.py", 5, "shift"]] },
  ]);
  const current = run([
    { key: ["app.py", 11, "scale"] },
    { key: ["app.py", 15, "shift"] },
    { key: ["app.py", 16, "<lambda>"], callers: [["app.py", 15, "shift"]] },
    { key: ["app.py", 12, "<lambda>"], callers: [["app.py", 11, "scale"]] },
  ]);
  assertEquals(pairs(base, current), [
    "app.py:1(scale) => app.py:11(scale)",
    "app.py:2(<lambda>) => app.py:12(<lambda>)",
    "app.py:5(shift) => app.py:15(shift)",
    "app.py:6(<lambda>) => app.py:16(<lambda>)",
  ]);
});

Deno.test("matchFunctions() does not decide by a caller that two candidates share", () => {
  const base = run([
    { key: ["app.py", 1, "pair"] },
    { key: ["app.py", 2, "<lambda>"], callers: [["app.py", 1, "pair"]] },
    { key: ["app.py", 3, "<lambda>"], callers: [["app.py", 1, "pair"]] },
  ]);
  const current = run([
    { key: ["app.py", 11, "pair"] },
    { key: ["app.py", 12, "<lambda>"], callers: [["app.py", 11, "pair"]] },
    { key: ["app.py", 13, "<lambda>"], callers: [["app.py", 11, "pair"]] },
  ]);
  assertEquals(pairs(base, current), ["app.py:1(pair) => app.py:11(pair)"]);
});

Deno.test("matchFunctions() decides by a caller only one candidate has, though another is shared", () => {
  // Every lambda is also called by sorted(); each by its own function too.
  const sorted: FunctionKey = ["~", 0, "<built-in method builtins.sorted>"];
  const base = run([
    { key: ["app.py", 1, "scale"] },
    { key: ["app.py", 5, "shift"] },
    {
      key: ["app.py", 2, "<lambda>"],
      callers: [["app.py", 1, "scale"], sorted],
    },
    {
      key: ["app.py", 6, "<lambda>"],
      callers: [["app.py", 5, "shift"], sorted],
    },
    { key: sorted },
  ]);
  const current = run([
    { key: ["app.py", 11, "scale"] },
    { key: ["app.py", 15, "shift"] },
    {
      key: ["app.py", 16, "<lambda>"],
      callers: [["app.py", 15, "shift"], sorted],
    },
    {
      key: ["app.py", 12, "<lambda>"],
      callers: [["app.py", 11, "scale"], sorted],
    },
    { key: sorted },
  ]);
  assertEquals(
    pairs(base, current).filter((p) => p.includes("<lambda>")),
    [
      "app.py:2(<lambda>) => app.py:12(<lambda>)",
      "app.py:6(<lambda>) => app.py:16(<lambda>)",
    ],
  );
});

Deno.test("matchFunctions() decides thousands of lambdas of one file by their own callers", () => {
  const n = 2000;
  const side = (shift: number) =>
    run(
      Array.from({ length: n }, (_, i): Entry[] => [
        { key: ["app.py", 100_000 + i, `f${i}`] },
        {
          key: ["app.py", i + shift, "<lambda>"],
          callers: [["app.py", 100_000 + i, `f${i}`], ["~", 0, "len"]],
        },
      ]).flat(),
    );
  const base = side(0);
  const current = side(5000);
  const { baseOf } = matchFunctions(base, current);
  const lambdas = [...baseOf.keys()].filter((c) =>
    current.functions.name[c] === "<lambda>"
  );
  assertEquals(lambdas.length, n);
  for (const c of lambdas) {
    assertEquals(
      base.functions.line[baseOf[c]!]! + 5000,
      current.functions.line[c],
    );
  }
});

Deno.test("matchFunctions() does not decide when a function's callers point two ways", () => {
  // The lambda before is called by scale and by shift; after, one lambda by
  // each: nothing says which it became.
  const base = run([
    { key: ["app.py", 1, "scale"] },
    { key: ["app.py", 5, "shift"] },
    {
      key: ["app.py", 2, "<lambda>"],
      callers: [["app.py", 1, "scale"], ["app.py", 5, "shift"]],
    },
    { key: ["app.py", 9, "<lambda>"] },
  ]);
  const current = run([
    { key: ["app.py", 1, "scale"] },
    { key: ["app.py", 5, "shift"] },
    { key: ["app.py", 12, "<lambda>"], callers: [["app.py", 1, "scale"]] },
    { key: ["app.py", 16, "<lambda>"], callers: [["app.py", 5, "shift"]] },
  ]);
  assertEquals(pairs(base, current).filter((p) => p.includes("<lambda>")), []);
});

Deno.test("matchFunctions() does not decide by a caller that is itself unmatched", () => {
  const base = run([
    { key: ["a.py", 1, "f"] },
    { key: ["app.py", 2, "<lambda>"], callers: [["a.py", 1, "f"]] },
    { key: ["app.py", 3, "<lambda>"] },
  ]);
  const current = run([
    { key: ["b.py", 1, "f"] },
    { key: ["app.py", 12, "<lambda>"], callers: [["b.py", 1, "f"]] },
    { key: ["app.py", 13, "<lambda>"] },
  ]);
  assertEquals(pairs(base, current), []);
});

Deno.test("matchFunctions() decides by a matched callee when callers do not", () => {
  // Two __init__ in one file, both called from main; each calls its own helper.
  const base = run([
    { key: ["app.py", 1, "main"] },
    { key: ["app.py", 10, "__init__"], callers: [["app.py", 1, "main"]] },
    { key: ["app.py", 20, "__init__"], callers: [["app.py", 1, "main"]] },
    { key: ["app.py", 30, "load"], callers: [["app.py", 10, "__init__"]] },
    { key: ["app.py", 40, "save"], callers: [["app.py", 20, "__init__"]] },
  ]);
  const current = run([
    { key: ["app.py", 1, "main"] },
    { key: ["app.py", 24, "__init__"], callers: [["app.py", 1, "main"]] },
    { key: ["app.py", 12, "__init__"], callers: [["app.py", 1, "main"]] },
    { key: ["app.py", 30, "load"], callers: [["app.py", 12, "__init__"]] },
    { key: ["app.py", 40, "save"], callers: [["app.py", 24, "__init__"]] },
  ]);
  assertEquals(pairs(base, current), [
    "app.py:1(main) => app.py:1(main)",
    "app.py:10(__init__) => app.py:12(__init__)",
    "app.py:20(__init__) => app.py:24(__init__)",
    "app.py:30(load) => app.py:30(load)",
    "app.py:40(save) => app.py:40(save)",
  ]);
});

Deno.test("matchFunctions() ignores memory addresses in names", () => {
  const base = run([
    { key: ["app.py", 3, "<function handler at 0x7f3a12bc4d60>"] },
    { key: ["~", 0, "<method 'run' of 'Task' object at 0x7F00AA>"] },
  ]);
  const current = run([
    { key: ["app.py", 3, "<function handler at 0x55d1e0c2a8f0>"] },
    { key: ["~", 0, "<method 'run' of 'Task' object at 0x7f11bb>"] },
  ]);
  assertEquals(pairs(base, current).length, 2);
});

Deno.test("matchFunctions() pairs each function at most once", () => {
  const base = run([{ key: ["app.py", 5, "load"] }]);
  const current = run([
    { key: ["app.py", 5, "load"] },
    { key: ["app.py", 9, "load"] },
  ]);
  assertEquals(pairs(base, current), ["app.py:5(load) => app.py:5(load)"]);
  const { currentOf, baseOf } = matchFunctions(base, current);
  assertEquals([...currentOf], [0]);
  assertEquals([...baseOf], [0, -1]);
});

Deno.test("matchFunctions() lets the stored key decide between two of the same short key", () => {
  // One side merges two virtualenvs: both django/views.py:10(index).
  const a = "/venv-a/lib/python3.12/site-packages/django/views.py";
  const b = "/venv-b/lib/python3.12/site-packages/django/views.py";
  const base = run([{ key: [a, 10, "index"] }, { key: [b, 10, "index"] }]);
  assertEquals(
    pairs(base, run([{ key: [b, 10, "index"] }])),
    [`${b}:10(index) => ${b}:10(index)`],
  );
  const elsewhere = "/venv-c/lib/python3.12/site-packages/django/views.py";
  assertEquals(pairs(base, run([{ key: [elsewhere, 10, "index"] }])), []);
});

Deno.test("matchFunctions() takes work in proportion to the runs on shapes that once took their square", () => {
  // Renamed folders, names differing only by an address, and a chain of
  // such names where each pair decides the next (tests/_match_shapes.ts):
  // pairing every function with every other took size² steps.
  for (const size of [1_000, 10_000]) {
    for (const shape of matchShapes(size)) {
      const work = { steps: 0 };
      const { baseOf } = matchFunctions(shape.base, shape.current, { work });
      const things = shape.base.size + shape.current.size +
        shape.base.edges.caller.length + shape.current.edges.caller.length;
      assertEquals(
        baseOf.filter((b) => b >= 0).length,
        shape.matched,
        `${shape.name} at ${size}`,
      );
      assert(
        work.steps <= 20 * things,
        `${shape.name} at ${size}: ${work.steps} steps for ${things} functions and edges`,
      );
    }
  }
});
