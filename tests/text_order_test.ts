import { assertEquals, assertNotEquals, assertThrows } from "@std/assert";
import { decodeTextOrder, encodeTextOrder } from "../lib/order_wire.ts";
import {
  compareCallees,
  compareProfiles,
  queryComparison,
  rowFunction,
} from "../lib/compare.ts";
import { builtinName, isBuiltin } from "../lib/location.ts";
import type { Profile } from "../lib/profile.ts";
import { loadProfile } from "../lib/pstats/read.ts";
import {
  presetTextOrder,
  queryCallers,
  queryFunctions,
  type QueryOptions,
  textOrder,
  textOrderOrigin,
} from "../lib/query.ts";
import { trickyProfile, trickyRuns } from "./_tricky_profile.ts";
import { fixturePath, pstatsFixtures } from "./_fixtures.ts";

/** Reads a fixture: a function that makes a new profile of it each call. */
async function fixture(name: string): Promise<() => Profile> {
  const bytes = await Deno.readFile(fixturePath(name));
  return () => loadProfile([{ source: name, bytes }]);
}

const TEXT_QUERIES: QueryOptions[] = [
  { sort: "name" },
  { sort: "name", descending: true },
  { sort: "file" },
  { sort: "file", descending: true },
  { sort: "name", filter: "app" },
  { sort: "file", filter: "main" },
];

/**
 * Sorts a profile made by `make` twice: once working out the text order
 * itself, once with the order of another copy handed to it, as the page
 * gets it from the server (through its bytes).
 */
function assertSameSorts(make: () => Profile, name: string): void {
  const computed = make();
  const preset = make();
  presetTextOrder(
    preset,
    decodeTextOrder(encodeTextOrder(textOrder(make()))),
  );
  for (const query of TEXT_QUERIES) {
    assertEquals(
      [...queryFunctions(preset, query).ids],
      [...queryFunctions(computed, query).ids],
      `${name}: ${JSON.stringify(query)}`,
    );
    for (const id of [0, 1, preset.size - 1]) {
      assertEquals(
        [...queryCallers(preset, id, query).ids],
        [...queryCallers(computed, id, query).ids],
        `${name}: callers of ${id}, ${JSON.stringify(query)}`,
      );
    }
  }
  assertEquals(textOrderOrigin(preset), "preset");
  assertEquals(textOrderOrigin(computed), "computed");
}

Deno.test("a preset text order sorts by name and file as the texts do", () => {
  assertSameSorts(trickyProfile, "the tricky profile");
});

Deno.test("a preset text order sorts every fixture as the texts do", async () => {
  for (const name of pstatsFixtures()) {
    assertSameSorts(await fixture(name), name);
  }
});

Deno.test("textOrder() codes shown names and short files by UTF-16 order", () => {
  const profile = trickyProfile();
  const order = textOrder(profile);
  const f = profile.functions;
  // Built-ins as pstats shows them: `{built-in method builtins.len}`.
  const shown = (i: number) =>
    f.file[i] === "~" ? f.name[i]!.replace(/^<(.*)>$/, "{$1}") : f.name[i]!;
  for (let a = 0; a < profile.size; a++) {
    for (let b = 0; b < profile.size; b++) {
      const names = Math.sign(order.names[a]! - order.names[b]!);
      assertEquals(
        names,
        shown(a) < shown(b) ? -1 : shown(a) > shown(b) ? 1 : 0,
      );
      const files = Math.sign(order.files[a]! - order.files[b]!);
      const [x, y] = [f.shortFile[a]!, f.shortFile[b]!];
      assertEquals(files, x < y ? -1 : x > y ? 1 : 0);
    }
  }
  assertEquals(order.nameCount, new Set(f.name.map((_, i) => shown(i))).size);
  assertEquals(order.fileCount, new Set(f.shortFile).size);
  // The same names in different files, and lines beyond 32 bits, in order.
  const byFile = queryFunctions(profile, { sort: "file", filter: "app.py" });
  assertEquals(
    [...byFile.ids].map((id) => `${f.shortFile[id]}:${f.line[id]}`),
    [
      "app.py:10",
      "app.py:10",
      "app.py:4294967297",
      "app.py:8589934592",
      "lib/app.py:7",
    ],
  );
});

Deno.test("sorts by name and file follow a preset text order, not the texts", () => {
  const profile = trickyProfile();
  const real = textOrder(trickyProfile());
  // The reverse of the real order: sorting must follow it.
  presetTextOrder(profile, {
    ...real,
    names: real.names.map((code) => real.nameCount - 1 - code),
  });
  const reversed = [...queryFunctions(profile, { sort: "name" }).ids];
  const byText = [
    ...queryFunctions(trickyProfile(), { sort: "name", descending: true }).ids,
  ];
  const name = (id: number) => profile.functions.name[id];
  assertEquals(reversed.map(name), byText.map(name));
  assertNotEquals(reversed.map(name), [...byText].reverse().map(name));
});

Deno.test("a text order computed first is kept when another is preset", () => {
  const profile = trickyProfile();
  const mine = textOrder(profile);
  presetTextOrder(profile, textOrder(trickyProfile()));
  assertEquals(textOrderOrigin(profile), "computed");
  assertEquals(textOrder(profile).names, mine.names);
});

Deno.test("presetTextOrder() refuses codes that are not the profile's", () => {
  const profile = trickyProfile();
  const order = textOrder(trickyProfile());
  assertThrows(
    () =>
      presetTextOrder(profile, {
        ...order,
        names: order.names.subarray(1),
      }),
    RangeError,
    "Cannot use the text order of 13 functions for a profile of 14",
  );
  const bad = order.files.slice();
  bad[3] = order.fileCount;
  assertThrows(
    () => presetTextOrder(profile, { ...order, files: bad }),
    RangeError,
    `Bad file code "${order.fileCount}" of function 3`,
  );
  assertEquals(textOrderOrigin(profile), undefined);
});

Deno.test("decodeTextOrder() reads back encodeTextOrder() at any alignment", () => {
  const order = textOrder(trickyProfile());
  const bytes = encodeTextOrder(order);
  assertEquals(bytes.length, 16 + 8 * 14);
  assertEquals(decodeTextOrder(bytes), order);
  const shifted = new Uint8Array(bytes.length + 1);
  shifted.set(bytes, 1);
  assertEquals(decodeTextOrder(shifted.subarray(1)), order);
  const empty = {
    names: new Uint32Array(0),
    nameCount: 0,
    files: new Uint32Array(0),
    fileCount: 0,
  };
  assertEquals(decodeTextOrder(encodeTextOrder(empty)), empty);
});

Deno.test("decodeTextOrder() refuses bytes that are not a text order", () => {
  const bytes = encodeTextOrder(textOrder(trickyProfile()));
  assertThrows(
    () => decodeTextOrder(new TextEncoder().encode("PXP2 not an order")),
    SyntaxError,
    "Not an encoded text order: missing PXO1 header",
  );
  assertThrows(
    () => decodeTextOrder(bytes.subarray(0, bytes.length - 4)),
    SyntaxError,
    "Not an encoded text order: 124 bytes for 14 functions: expected 128",
  );
  const bad = bytes.slice();
  new DataView(bad.buffer).setUint32(16 + 4 * 14 + 8, 99, true);
  assertThrows(
    () => decodeTextOrder(bad),
    SyntaxError,
    `file code "99" at byte ${16 + 4 * 14 + 8}`,
  );
});

Deno.test("comparing two runs sorts by name and file as the texts do, from each run's order", () => {
  const { before, after } = trickyRuns();
  const base = before();
  const current = after();
  // As the page does: each run with the order worked out by the server.
  presetTextOrder(base, textOrder(before()));
  presetTextOrder(current, textOrder(after()));
  const comparison = compareProfiles(base, current);
  const shown = (row: number) => {
    const { profile, id } = rowFunction(comparison, row);
    const f = profile.functions;
    const name = isBuiltin(f.file[id]!, f.line[id]!)
      ? builtinName(f.name[id]!)
      : f.name[id]!;
    return [f.shortFile[id]!, f.line[id]!, name] as const;
  };
  const text = (a: string, b: string) => a < b ? -1 : a > b ? 1 : 0;
  const rows = Array.from({ length: comparison.size }, (_, row) => row);
  const byName = rows.slice().sort((a, b) =>
    text(shown(a)[2], shown(b)[2]) || a - b
  );
  const byFile = rows.slice().sort((a, b) => {
    const [x, y] = [shown(a), shown(b)];
    return text(x[0], y[0]) || x[1] - y[1] || text(x[2], y[2]) || a - b;
  });
  assertEquals([...queryComparison(comparison, { sort: "name" }).rows], byName);
  assertEquals([...queryComparison(comparison, { sort: "file" }).rows], byFile);
  assertEquals(
    [...queryComparison(comparison, { sort: "name", descending: true }).rows],
    rows.slice().sort((a, b) => text(shown(b)[2], shown(a)[2]) || a - b),
  );
  const callees = compareCallees(comparison, 0, { sort: "name" }).edges.map((
    e,
  ) => e.row);
  assertEquals(callees, byName.filter((row) => callees.includes(row)));
  assertEquals(textOrderOrigin(base), "preset");
  assertEquals(textOrderOrigin(current), "preset");
});
