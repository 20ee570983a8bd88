/**
 * Function references that survive the next profile (`lib/function_ref.ts`):
 * on the fixtures of real runs, a reference made on one profile finds the
 * same function in another run of the program whose lines moved, as compare
 * matches it.
 */
import { assert, assertEquals } from "@std/assert";
import { matchFunctions } from "../lib/compare_match.ts";
import {
  formatFunctionRef,
  functionRef,
  parseFunctionRef,
  resolveFunctionRef,
  resolveFunctionRefs,
} from "../lib/function_ref.ts";
import type { Profile } from "../lib/profile.ts";
import { buildProfile, statsFile } from "../lib/pstats/build.ts";
import { fixtureProfile, pstatsFixtures } from "./_fixtures.ts";

function fixture(name: string): Profile {
  return fixtureProfile(`${name}.pstats`);
}

function run(
  keys: [string, number, string][],
  callers: [number, number][] = [],
  sampled = false,
): Profile {
  return buildProfile([statsFile(
    "run.pstats",
    keys.map((key, i) => ({
      key,
      calls: 1,
      primitiveCalls: 1,
      internalTime: 0,
      cumulativeTime: 0,
      callers: callers.filter(([, callee]) => callee === i).map(([caller]) => ({
        key: keys[caller]!,
        calls: 1,
      })),
    })),
    { sampled },
  )]);
}

function find(profile: Profile, name: string, line?: number): number {
  const f = profile.functions;
  for (let i = 0; i < profile.size; i++) {
    if (
      f.name[i] === name && f.file[i]!.endsWith("app.py") &&
      (line === undefined || f.line[i] === line)
    ) return i;
  }
  throw new Error(`no ${name}`);
}

Deno.test("a reference reads back from its text, and plain numbers are not references", () => {
  for (
    const ref of [
      { file: "shop/cart.py", line: 12, name: "total" },
      { file: "~", line: 0, name: "<method 'join' of 'str' objects>" },
      { file: "a:b.py", line: 3, name: "x:1:y" },
    ]
  ) {
    assertEquals(parseFunctionRef(formatFunctionRef(ref)), ref);
  }
  for (const text of ["12", "", "app.py", "app.py:12", ":12:x", "app.py:x:y"]) {
    assertEquals(parseFunctionRef(text), null, text);
  }
});

Deno.test("every function of the fixtures resolves to itself", () => {
  for (const name of pstatsFixtures()) {
    if (name === "many.pstats") continue; // a lookup a function: minutes
    const profile = fixtureProfile(name);
    for (let id = 0; id < profile.size; id++) {
      const text = formatFunctionRef(functionRef(profile, id));
      assertEquals(
        resolveFunctionRef(profile, parseFunctionRef(text)!),
        id,
        `${name}: ${text}`,
      );
    }
  }
});

Deno.test("every line of a sampled fixture resolves to its own row", () => {
  const profile = fixture("shop-sampled");
  for (let id = 0; id < profile.size; id++) {
    assertEquals(resolveFunctionRef(profile, functionRef(profile, id)), id);
  }
});

Deno.test("a link made on one run opens the same function in a re-run whose lines moved", () => {
  // Two checkouts in different folders; in the second, lines were added at
  // the top of app.py, so every function moved.
  const before = fixture("compare/before");
  const after = fixture("compare/after");
  for (const name of ["parse", "render", "scale", "shift", "pair", "main"]) {
    const b = find(before, name);
    const a = find(after, name);
    assert(before.functions.line[b] !== after.functions.line[a], name);
    assertEquals(resolveFunctionRef(after, functionRef(before, b)), a, name);
  }
  // A function the re-run no longer has resolves to nothing.
  assertEquals(
    resolveFunctionRef(
      after,
      functionRef(before, find(before, "legacy_checksum")),
    ),
    null,
  );
});

Deno.test("a single reference resolves only what compare pairs, never a guess", () => {
  const before = fixture("compare/before");
  const after = fixture("compare/after");
  const { currentOf } = matchFunctions(before, after);
  let resolved = 0;
  for (let b = 0; b < before.size; b++) {
    const id = resolveFunctionRef(after, functionRef(before, b));
    if (id === null) continue;
    assertEquals(id, currentOf[b], formatFunctionRef(functionRef(before, b)));
    resolved++;
  }
  assert(resolved > before.size * 0.8, `${resolved} of ${before.size}`);
});

Deno.test("a path of references tells apart same-named functions by their neighbours", () => {
  const keys = (shift: number): [string, number, string][] => [
    ["/w/app.py", 1 + shift, "main"],
    ["/w/app.py", 5 + shift, "scale"],
    ["/w/app.py", 6 + shift, "<lambda>"],
    ["/w/app.py", 9 + shift, "shift"],
    ["/w/app.py", 10 + shift, "<lambda>"],
  ];
  const edges: [number, number][] = [[0, 1], [1, 2], [0, 3], [3, 4]];
  const before = run(keys(0), edges);
  const after = run(keys(20), edges);
  const lambdaOfShift = functionRef(before, 4);
  // Alone, a moved lambda is one of two: nothing is guessed.
  assertEquals(resolveFunctionRef(after, lambdaOfShift), null);
  // On its path, its caller decides.
  assertEquals(
    resolveFunctionRefs(after, [
      functionRef(before, 0),
      functionRef(before, 3),
      lambdaOfShift,
    ]),
    [0, 3, 4],
  );
  assertEquals(
    resolveFunctionRefs(after, [
      functionRef(before, 1),
      functionRef(before, 2),
    ]),
    [1, 2],
  );
});

Deno.test("a reference finds its file when the folder holding the run's files changed", () => {
  // The link was made when the run's only own file was cart.py; today the
  // run has files in two folders, so its form is shop/cart.py.
  const before = run([["/srv/shop/cart.py", 12, "total"]]);
  const after = run([
    ["/home/me/app/shop/cart.py", 12, "total"],
    ["/home/me/app/main.py", 1, "main"],
  ]);
  assertEquals(functionRef(before, 0).file, "cart.py");
  assertEquals(functionRef(after, 0).file, "shop/cart.py");
  assertEquals(resolveFunctionRef(after, functionRef(before, 0)), 0);
});

Deno.test("references to the standard library and built-ins survive another Python", () => {
  const before = run([
    ["/usr/lib/python3.12/json/decoder.py", 332, "decode"],
    ["~", 0, "<built-in method builtins.len>"],
    ["/w/app.py", 1, "main"],
  ]);
  const after = run([
    ["/opt/py/lib/python3.13/json/decoder.py", 333, "decode"],
    ["~", 0, "<built-in method builtins.len>"],
    ["/x/app.py", 1, "main"],
  ]);
  assertEquals(
    formatFunctionRef(functionRef(before, 0)),
    "json/decoder.py:332:decode",
  );
  assertEquals(
    resolveFunctionRefs(after, [0, 1, 2].map((i) => functionRef(before, i))),
    [0, 1, 2],
  );
});

Deno.test("a sampled row's reference opens its own line, or the function's first row once lines moved", () => {
  const before = run(
    [
      ["app.py", 3, "main"],
      ["app.py", 11, "parse"],
      ["app.py", 12, "parse"],
    ],
    [],
    true,
  );
  const after = run(
    [
      ["app.py", 5, "main"],
      ["app.py", 14, "parse"],
      ["app.py", 13, "parse"],
    ],
    [],
    true,
  );
  assertEquals(resolveFunctionRef(before, functionRef(before, 2)), 2);
  // Line 12 is gone from parse: its first row (line 13) opens.
  assertEquals(
    resolveFunctionRef(after, functionRef(before, 2)),
    find(after, "parse", 13),
  );
  assertEquals(resolveFunctionRef(after, functionRef(before, 0)), 0);
});
