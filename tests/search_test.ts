/**
 * The filter's fast matching (`lib/search.ts`) against its reference, the
 * whole search text of each function: on the fixtures, with terms taken from
 * their own texts, and on a profile made to catch the corner cases
 * (built-ins, colons, one file shown two ways, a capital sigma, text that
 * changes length when lowered).
 */
import { assert, assertEquals } from "@std/assert";
import { loadProfile } from "../lib/pstats/read.ts";
import { createProfile, emptyEdges, type Profile } from "../lib/profile.ts";
import { parseFilter, queryFunctions } from "../lib/query.ts";
import {
  filterFunctions,
  filterMatcher,
  functionMatcher,
  functionSearchText,
  matchFunctions,
  type ParsedFilter,
} from "../lib/search.ts";
import { FIXTURES } from "./_fixtures.ts";
import { random } from "./_random.ts";

/** The reference: every term in the function's whole text. */
function reference(profile: Profile, terms: string[]): number[] {
  const ids: number[] = [];
  for (let id = 0; id < profile.size; id++) {
    const text = functionSearchText(profile, id);
    if (terms.every((term) => text.includes(term))) ids.push(id);
  }
  return ids;
}

function fast(profile: Profile, terms: string[]): number[] {
  const all = Uint32Array.from({ length: profile.size }, (_, i) => i);
  const matched = [...matchFunctions(profile, terms, all)];
  const matches = functionMatcher(profile, terms);
  assertEquals(all.filter((id) => matches(id)).length, matched.length);
  return matched;
}

/** A text's lower-case words, as they are (a leading `-` or `"` too). */
function words(text: string): string[] {
  return text.toLowerCase().split(/\s+/).filter((word) => word !== "");
}

/** The reference of a filter with exclusions: included terms, less excluded. */
function referenceFilter(profile: Profile, filter: ParsedFilter): number[] {
  return reference(profile, [...filter.include]).filter((id) =>
    !filter.exclude.some((term) =>
      functionSearchText(profile, id).includes(term)
    )
  );
}

function fastFilter(profile: Profile, filter: ParsedFilter): number[] {
  const all = Uint32Array.from({ length: profile.size }, (_, i) => i);
  const matched = [...filterFunctions(profile, filter, all)];
  const matches = filterMatcher(profile, filter);
  assertEquals(all.filter((id) => matches(id)).length, matched.length);
  return matched;
}

/**
 * Types `term` one character at a time: after each, the query finds what the
 * reference filter finds for the text typed so far.
 */
function assertTypingFinds(profile: Profile, term: string): void {
  for (let i = 1; i <= term.length; i++) {
    const typed = term.slice(0, i);
    assertEquals(
      [...queryFunctions(profile, { filter: typed }).ids].sort((a, b) => a - b),
      referenceFilter(profile, parseFilter(typed)),
      typed,
    );
  }
}

/** Terms cut from the profile's own texts (some spanning parts), and a few fixed ones. */
function termsFor(profile: Profile, seed: number, count: number): string[][] {
  const text = Array.from(
    { length: profile.size },
    (_, id) => functionSearchText(profile, id),
  );
  const next = random(seed);
  const sets: string[][] = [["py"], ["~"], ["<"], ["\u03c3"], ["1"], [
    "zzz-none",
  ]];
  for (let k = 0; k < count && text.length > 0; k++) {
    const terms: string[] = [];
    const many = 1 + Math.floor(next() * 3);
    for (let t = 0; t < many; t++) {
      const source = text[Math.floor(next() * text.length)]!;
      const from = Math.floor(next() * source.length);
      const length = 1 + Math.floor(next() * 8);
      terms.push(...words(source.slice(from, from + length)));
    }
    if (terms.length > 0) sets.push(terms);
  }
  return sets;
}

function profileOf(rows: [string, string, number, string][]): Profile {
  const n = rows.length;
  return createProfile({
    sources: ["made.pstats"],
    sampled: false,
    edgeDetail: true,
    functions: {
      file: rows.map((r) => r[0]),
      shortFile: rows.map((r) => r[1]),
      line: Float64Array.from(rows, (r) => r[2]),
      name: rows.map((r) => r[3]),
      calls: new Float64Array(n).fill(1),
      primitiveCalls: new Float64Array(n).fill(1),
      internalTime: new Float64Array(n).fill(1),
      cumulativeTime: new Float64Array(n).fill(1),
    },
    edges: emptyEdges(),
  });
}

Deno.test("the fast filter matches exactly what the whole text does, on every fixture", async () => {
  let checked = 0;
  for (const entry of Deno.readDirSync(FIXTURES)) {
    if (!entry.isFile || !entry.name.endsWith(".pstats")) continue;
    const bytes = await Deno.readFile(`${FIXTURES}${entry.name}`);
    let profile: Profile;
    try {
      profile = loadProfile([{ source: entry.name, bytes }]);
    } catch {
      continue; // a fixture of a refused file
    }
    const sets = termsFor(profile, checked + 1, 40);
    for (const terms of sets) {
      assertEquals(
        fast(profile, terms),
        reference(profile, terms),
        `${entry.name}: ${terms.join(" ")}`,
      );
    }
    // The same terms, the last of each set excluded.
    for (const terms of sets) {
      const filter = {
        include: terms.slice(0, -1),
        exclude: terms.slice(-1),
      };
      assertEquals(
        fastFilter(profile, filter),
        referenceFilter(profile, filter),
        `${entry.name}: ${terms.join(" ")}, the last excluded`,
      );
    }
    checked++;
  }
  assert(checked >= 10, `only ${checked} fixtures read`);
});

Deno.test("the fast filter agrees on built-ins, colons, odd paths and letters that lower into longer text", () => {
  const profile = profileOf([
    ["~", "~", 0, "<built-in method builtins.len>"],
    ["~", "~", 0, "<method 'append' of 'list' objects>"],
    ["/src/app.py", "app.py", 12, "Main"],
    ["/src/app.py", "src/app.py", 30, "main"], // the same file shown two ways
    ["C:\\Work\\Tool.py", "Tool.py", 7, "İstanbul"],
    ["/src/x:y.py", "x:y.py", 120, "a\nb"],
    ["/src/n.py", "n.py", -1, "NaN"],
  ]);
  const sets = [
    ["app.py:12"],
    ["py:3"],
    [":"],
    ["len"],
    ["builtins"],
    ["{built-in"],
    ["<built-in"],
    ["main", "app"],
    ["i\u0307stanbul"],
    ["c:\\work"],
    ["x", "y.py:120"],
    ["-1"],
    ["12", "src"],
    ...termsFor(profileOf([["/a/b.py", "b.py", 1, "f"]]), 1, 3),
    ...termsFor(
      profileOf([["/src/app.py", "app.py", 12, "Main"]]),
      2,
      10,
    ),
  ];
  for (const terms of sets) {
    assertEquals(
      fast(profile, terms),
      reference(profile, terms),
      terms.join(" "),
    );
  }
  // As the filter field sends them, through the query.
  assertEquals(queryFunctions(profile, { filter: "APP main" }).total, 2);
});

Deno.test("with a capital sigma in a text, the filter lowers it as the whole text does", () => {
  const profile = profileOf([
    ["/src/ΟΔΟΣ.py", "ΟΔΟΣ.py", 3, "ΣΑΣ"],
    ["/src/app.py", "app.py", 4, "f"],
    // Lowered alone, a final sigma; before ":NaN", not final.
    ["/src/ΟΔΟΣ", "ΟΔΟΣ", NaN, "g"],
    ["/src/ΟΔΟΣ", "ΟΔΟΣ", 5, "h"],
    ["/src/ΟΔΟΣ", "ΟΔΟΣ", Infinity, "ΑΣ"],
    ["/src/ΟΔΟΣ'", "ΟΔΟΣ'", NaN, "k"],
  ]);
  assertEquals(reference(profile, ["οδοσ:nan"]), [2]);
  for (
    const terms of [
      ["ς"],
      ["σ"],
      ["ς.py"],
      ["σας"],
      ["py"],
      ["οδος"],
      ["οδοσ:nan"],
      ["οδος:5"],
      ["οδοσ:inf"],
      ["σ:"],
      ["ς:"],
      ["οδοσ':n"],
      ["οδος':n"],
    ]
  ) {
    assertEquals(
      fast(profile, terms),
      reference(profile, terms),
      terms.join(" "),
    );
  }
});

Deno.test("a term with colons matches across a file and its line exactly as the whole text", () => {
  const profile = profileOf([
    ["~", "~", 0, "<built-in method builtins.len>"],
    ["~", "~", 0, "<method 'a:b' of 'x' objects>"],
    ["C:\\Work\\a:b.py", "a:b.py", 12, "f:g"],
    ["/src/app.py", "app.py", 120, "main"],
    ["/src/app.py", "app.py", -3, "neg"],
    ["/src/app.py:", "app.py:", 7, "h"],
    ["/n.py", "n.py", 1e21, "big"],
  ]);
  const sets = [
    [":"],
    ["::"],
    [":1"],
    ["py:"],
    ["py:1"],
    ["py:12"],
    ["py:120"],
    ["py:1200"],
    ["app.py:12"],
    ["a:b.py:12"],
    ["b.py:12"],
    ["c:\\work"],
    ["c:\\work\\a:b.py:1"],
    ["a:b"],
    ["f:g"],
    [":g"],
    ["py:-3"],
    [":-"],
    ["py::7"],
    ["py:7"],
    [":7"],
    ["py:1e+21"],
    [":1e"],
    ["e+21"],
    ["py:12", "main"],
    ["py:12", "app"],
    ["'a:b'"],
  ];
  for (const terms of sets) {
    assertEquals(
      fast(profile, terms),
      reference(profile, terms),
      terms.join(" "),
    );
  }
  // Every file:line has a colon; of the built-ins, the one whose name has.
  assertEquals(fast(profile, [":"]), [1, 2, 3, 4, 5, 6]);
});

Deno.test("more than 32 terms are all tested", () => {
  const profile = profileOf([
    ["/src/app.py", "app.py", 12, "main"],
    ["/src/app.py", "app.py", 13, "other"],
  ]);
  const terms = [...Array.from({ length: 40 }, () => "app"), "main"];
  assertEquals(fast(profile, terms), [0]);
});

Deno.test("refining a filter as one types gives the results of typing it at once", () => {
  const profile = profileOf(
    Array.from({ length: 500 }, (_, i) =>
      [
        `/lib/site-packages/pkg${i % 7}/mod${i % 13}.py`,
        `pkg${i % 7}/mod${i % 13}.py`,
        i,
        `get_${i % 11}_item`,
      ] as [string, string, number, string]),
  );
  assertTypingFinds(profile, "site-packages get_3");
});

Deno.test("refining a filter with exclusions as one types gives the results of typing it at once", () => {
  const profile = profileOf(
    Array.from({ length: 400 }, (_, i) =>
      [
        i % 5 === 0 ? "~" : `/lib/site-packages/pkg${i % 7}/mod${i % 13}.py`,
        i % 5 === 0 ? "~" : `pkg${i % 7}/mod${i % 13}.py`,
        i % 5 === 0 ? 0 : i,
        i % 5 === 0 ? `<built-in method m${i % 3}>` : `get_${i % 11}_item`,
      ] as [string, string, number, string]),
  );
  assertTypingFinds(profile, "-pkg1 -~ get -mod1");
  assertTypingFinds(profile, 'm -"get_1" -mod');
});

Deno.test("a built-in's text holds ~, so -~ leaves out the built-ins", () => {
  const profile = profileOf([
    ["~", "~", 0, "<built-in method builtins.len>"],
    ["", "", 0, "<built-in method exec>"],
    ["/src/app.py", "app.py", 12, "main"],
  ]);
  assertEquals(
    functionSearchText(profile, 0),
    "~\n{built-in method builtins.len}\n<built-in method builtins.len>",
  );
  assertEquals([...queryFunctions(profile, { filter: "~" }).ids].sort(), [
    0,
    1,
  ]);
  assertEquals([...queryFunctions(profile, { filter: "-~" }).ids], [2]);
  assertEquals(fast(profile, ["~"]), [0, 1]);
});
