import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertRejects,
  assertThrows,
} from "@std/assert";
import {
  loadProfile,
  loadProfileAsync,
  readPstats,
} from "../lib/pstats/read.ts";
import type { Profile } from "../lib/profile.ts";
import { ProfileMismatchError } from "../lib/data_error.ts";
import { type Expected, readExpected } from "./_expected.ts";
import { FIXTURES } from "./_fixtures.ts";

function expected(name: string): Expected {
  return readExpected(`${FIXTURES}${name}.expected.json`);
}

function load(...names: string[]): Profile {
  return loadProfile(names.map((name) => ({
    source: name,
    bytes: Deno.readFileSync(`${FIXTURES}${name}`),
  })));
}

function idOf(
  profile: Profile,
  file: string,
  line: number,
  name: string,
): number {
  const f = profile.functions;
  for (let i = 0; i < profile.size; i++) {
    if (f.file[i] === file && f.line[i] === line && f.name[i] === name) {
      return i;
    }
  }
  throw new Error(`${file}:${line}(${name}) is missing`);
}

/**
 * Checks every function and edge against what Python read from the file.
 * yappi stores (ncall, nactualcall) where cProfile stores (cc, nc), so for
 * yappi the first raw number is the calls and the second the primitive calls.
 */
function assertMatchesPython(profile: Profile, want: Expected): void {
  const f = profile.functions;
  assertEquals(
    profile.size,
    want.function_count ?? want.functions.length,
    "number of functions",
  );
  const swapped = want.kind === "yappi";
  for (const fn of want.functions) {
    const id = idOf(profile, fn.file, fn.line, fn.name);
    const label = `${fn.file}:${fn.line}(${fn.name})`;
    assertEquals(f.calls[id], swapped ? fn.cc : fn.nc, `calls of ${label}`);
    assertEquals(
      f.primitiveCalls[id],
      swapped ? fn.nc : fn.cc,
      `primitive calls of ${label}`,
    );
    assertEquals(f.internalTime[id], fn.tt, `internal time of ${label}`);
    assertEquals(f.cumulativeTime[id], fn.ct, `cumulative time of ${label}`);
    const start = profile.callerStart[id]!;
    const end = profile.callerStart[id + 1]!;
    assertEquals(end - start, fn.callers.length, `callers of ${label}`);
    for (const caller of fn.callers) {
      const callerId = idOf(profile, caller.file, caller.line, caller.name);
      let edge = -1;
      for (let k = start; k < end; k++) {
        const e = profile.callerEdges[k]!;
        if (profile.edges.caller[e] === callerId) edge = e;
      }
      assert(edge >= 0, `edge ${caller.name} -> ${label}`);
      const e = profile.edges;
      if (typeof caller.value === "number") {
        assertEquals(e.calls[edge], caller.value);
      } else {
        const [nc, cc, tt, ct] = caller.value;
        assertEquals(
          [
            e.calls[edge],
            e.primitiveCalls[edge],
            e.internalTime[edge],
            e.cumulativeTime[edge],
          ],
          [nc, cc, tt, ct],
          `edge ${caller.name} -> ${label}`,
        );
      }
    }
  }
  const t = profile.totals;
  assertEquals(t.calls, swapped ? want.primitive_calls : want.total_calls);
  assertEquals(
    t.primitiveCalls,
    swapped ? want.total_calls : want.primitive_calls,
  );
  assertAlmostEquals(t.time, want.total_time, want.total_time * 1e-12);
}

const READABLE = [
  ["cprofile-2.7", "cprofile"],
  ["cprofile-3.6", "cprofile"],
  ["cprofile-3.8", "cprofile"],
  ["cprofile-3.10", "cprofile"],
  ["cprofile-3.11", "cprofile"],
  ["cprofile-3.12", "cprofile"],
  ["cprofile-3.13", "cprofile"],
  ["cprofile-3.13-b", "cprofile"],
  ["cprofile-3.13-v0", "cprofile"],
  ["cprofile-3.13-v1", "cprofile"],
  ["cprofile-3.13-v2", "cprofile"],
  ["cprofile-3.13-v3", "cprofile"],
  ["profile-2.7", "profile"],
  ["profile-3.6", "profile"],
  ["profile-3.13", "profile"],
  ["yappi", "yappi"],
  ["sampled", "sampled"],
  ["many", "cprofile"],
  ["shop", "cprofile"],
  ["shop-profile", "profile"],
  ["shop-sampled", "sampled"],
  ["wide-calls", "cprofile"],
] as const;

for (const [name, kind] of READABLE) {
  Deno.test(`readPstats() reads ${name}.pstats as Python does`, () => {
    const want = expected(name);
    const bytes = Deno.readFileSync(`${FIXTURES}${name}.pstats`);
    assertEquals(readPstats(bytes).kind, kind);
    assertMatchesPython(load(`${name}.pstats`), want);
  });
}

Deno.test("loadProfile() merges files like pstats.Stats(a, b)", () => {
  assertMatchesPython(
    load("cprofile-3.13.pstats", "cprofile-3.13-b.pstats"),
    expected("merged"),
  );
});

Deno.test("loadProfile() keeps the sources in the order given", () => {
  const profile = load("cprofile-3.13-b.pstats", "cprofile-3.13.pstats");
  assertEquals(profile.sources, [
    "cprofile-3.13-b.pstats",
    "cprofile-3.13.pstats",
  ]);
});

Deno.test("readPstats() shows the profile module's code object as Python's repr does", () => {
  for (const name of ["profile-2.7", "profile-3.6", "profile-3.13"]) {
    const file = readPstats(Deno.readFileSync(`${FIXTURES}${name}.pstats`));
    const names = file.functions.name;
    assert(
      names.some((n) =>
        /^<code object <module>, file "workload\.py", line \d+>$/.test(n)
      ),
      `${name}: ${names.filter((n) => n.startsWith("<code")).join(", ")}`,
    );
    assert(names.includes("profiler"), `${name} has the profiler entry`);
  }
});

Deno.test("readPstats() marks a sampled file and leaves out its __sampled__ marker", () => {
  const profile = load("sampled.pstats");
  assert(profile.sampled);
  assert(!profile.functions.name.includes("__sampled__"));
  assert(!profile.edgeDetail, "sampled callers are counts only");
});

Deno.test("readPstats() says which edges carry detail", () => {
  assert(load("cprofile-3.13.pstats").edgeDetail);
  assert(!load("profile-3.13.pstats").edgeDetail);
});

Deno.test("loadProfile() refuses to merge a sampled file with a traced one", () => {
  assertThrows(
    () => load("sampled.pstats", "cprofile-3.13.pstats"),
    ProfileMismatchError,
    "Cannot merge a sampled profile with a traced one",
  );
  // Both files are named, whichever comes first.
  for (
    const order of [["sampled", "cprofile-3.13"], ["cprofile-3.13", "sampled"]]
  ) {
    assertThrows(
      () => load(...order.map((name) => `${name}.pstats`)),
      ProfileMismatchError,
      "sampled.pstats: Cannot merge a sampled profile with a traced one (cprofile-3.13.pstats)",
    );
  }
});

Deno.test("loadProfile() names the file in its errors", () => {
  assertThrows(
    () => load("cprofile-3.13.pstats", "bad/wrong-value.pstats"),
    SyntaxError,
    "bad/wrong-value.pstats: Invalid pstats entry for a.py:1(f)",
  );
});

const BAD = [
  ["bad/compiled.pyc", "compiled Python bytecode (.pyc)"],
  ["bad/notes.txt", "it is text, not marshalled data"],
  ["bad/not-a-dict.pstats", "not a dict"],
  [
    "bad/wrong-key.pstats",
    "expected (file, line, function), found a tuple of 2 items",
  ],
  [
    "bad/wrong-value.pstats",
    "expected (cc, nc, tt, ct, callers), found a tuple of 3 items",
  ],
] as const;

for (const [name, message] of BAD) {
  Deno.test(`readPstats() explains what is wrong with ${name}`, () => {
    assertThrows(
      () => readPstats(Deno.readFileSync(`${FIXTURES}${name}`)),
      SyntaxError,
      message,
    );
  });
}

function marshalled(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g)!, (h) => parseInt(h, 16));
}

Deno.test("readPstats() refuses an empty file", () => {
  assertThrows(() => readPstats(new Uint8Array()), SyntaxError, "it is empty");
});

Deno.test("readPstats() refuses callers that are not a dict", () => {
  // {("a.py", 1, "f"): (1, 1, 0.5, 0.5, None)}
  const bytes = marshalled(
    "7b" + "2903" + "7a04612e7079" + "6901000000" + "7a0166" +
      "2905" + "6901000000" + "6901000000" +
      "67000000000000e03f" + "67000000000000e03f" + "4e" + "30",
  );
  assertThrows(
    () => readPstats(bytes),
    SyntaxError,
    "callers should be a dict, found None",
  );
});

Deno.test("readPstats() refuses a caller entry of the wrong shape", () => {
  // {("a.py", 1, "f"): (1, 1, 0.5, 0.5, {("a.py", 2, "g"): "x"})}
  const bytes = marshalled(
    "7b" + "2903" + "7a04612e7079" + "6901000000" + "7a0166" +
      "2905" + "6901000000" + "6901000000" +
      "67000000000000e03f" + "67000000000000e03f" +
      "7b" + "2903" + "7a04612e7079" + "6902000000" + "7a0167" + "7a0178" +
      "30" +
      "30",
  );
  assertThrows(
    () => readPstats(bytes),
    SyntaxError,
    'its caller a.py:2(g) should have (nc, cc, tt, ct) or a count, found the string "x"',
  );
});

Deno.test("readPstats() refuses a count that is not a number", () => {
  // {("a.py", 1, "f"): ("1", 1, 0.5, 0.5, {})}
  const bytes = marshalled(
    "7b" + "2903" + "7a04612e7079" + "6901000000" + "7a0166" +
      "2905" + "7a0131" + "6901000000" +
      "67000000000000e03f" + "67000000000000e03f" + "7b30" + "30",
  );
  assertThrows(() => readPstats(bytes), SyntaxError, "cc should be a number");
});

Deno.test("readPstats() reports truncated data with the byte offset", () => {
  const bytes = Deno.readFileSync(`${FIXTURES}cprofile-3.13.pstats`);
  const error = assertThrows(
    () => readPstats(bytes.subarray(0, 1000)),
    SyntaxError,
  ) as SyntaxError;
  assert(/at byte \d+/.test(error.message), error.message);
});

Deno.test("readPstats() reports trailing bytes after the dict", () => {
  const bytes = Deno.readFileSync(`${FIXTURES}cprofile-3.13.pstats`);
  const longer = new Uint8Array(bytes.length + 3);
  longer.set(bytes);
  assertThrows(
    () => readPstats(longer),
    SyntaxError,
    `at byte ${bytes.length}`,
  );
});

Deno.test("readPstats() reports progress for the outer dict", () => {
  const seen: number[] = [];
  readPstats(Deno.readFileSync(`${FIXTURES}many.pstats`), {
    onProgress: (functions) => seen.push(functions),
  });
  assert(seen.length >= 2);
  assertEquals(seen.at(-1), 20000);
  assertEquals(seen, [...seen].sort((a, b) => a - b));
});

Deno.test("loadProfileAsync() merges files one at a time like loadProfile()", async () => {
  const names = ["cprofile-3.13.pstats", "cprofile-3.13-b.pstats"];
  const asked: string[] = [];
  async function* files() {
    for (const name of names) {
      asked.push(name);
      yield {
        source: name,
        bytes: await Deno.readFile(`${FIXTURES}${name}`),
      };
    }
  }
  const profile = await loadProfileAsync(files());
  assertEquals(asked, names);
  assertMatchesPython(profile, expected("merged"));
  assertEquals(profile, load(...names));
});

Deno.test("loadProfileAsync() stops asking for files at the first bad one", async () => {
  const asked: string[] = [];
  const names = [
    "cprofile-3.13.pstats",
    "bad/wrong-key.pstats",
    "cprofile-3.13-b.pstats",
  ];
  function* files() {
    for (const name of names) {
      asked.push(name);
      yield { source: name, bytes: Deno.readFileSync(`${FIXTURES}${name}`) };
    }
  }
  await assertRejects(
    () => loadProfileAsync(files()),
    SyntaxError,
    "bad/wrong-key.pstats: Invalid pstats key",
  );
  assertEquals(asked, names.slice(0, 2));
});

Deno.test("loadProfile() gives the same profile from one file as from the file merged with nothing", () => {
  // One file is kept as read; two are merged through a table: both ways
  // must agree on every column.
  const bytes = Deno.readFileSync(`${FIXTURES}cprofile-3.13.pstats`);
  const one = loadProfile([{ source: "a", bytes }]);
  const empty = Uint8Array.of(0x7b, 0x30); // marshal.dumps({})
  const two = loadProfile([{ source: "a", bytes }, {
    source: "b",
    bytes: empty,
  }]);
  assertEquals(two.functions, one.functions);
  assertEquals(two.edges, one.edges);
  assertEquals(two.totals, one.totals);
});
