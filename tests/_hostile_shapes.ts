/**
 * Pstats files of hostile shapes, built in code: one long path shared by
 * thousands of functions (stored once, referred back to, as marshal writes a
 * repeated string), paths thousands of directories deep, call chains
 * thousands deep, dense graphs, and times that are not finite numbers. The
 * tests use them with fixed sizes; `deno task fuzz --shapes` with random
 * ones (`scripts/fuzz_shapes.ts`).
 *
 * @module
 */

import {
  concat,
  dict,
  float,
  int,
  ref,
  stored,
  str,
  tuple,
} from "./_marshal_writer.ts";

/** One function of a {@linkcode pstatsBytes} file. */
export interface ShapeEntry {
  file: string;
  line: number;
  name: string;
  calls: number;
  primitiveCalls: number;
  internalTime: number;
  cumulativeTime: number;
  /** Callers: `[entry index, nc, cc, tt, ct]`. */
  callers: [number, number, number, number, number][];
}

/**
 * The marshal bytes of the pstats dict of these entries, every string
 * stored once and referred back to wherever it repeats (as marshal writes
 * one string object met twice), so that a long path shared by many
 * functions takes its length once.
 */
export function pstatsBytes(entries: readonly ShapeEntry[]): Uint8Array {
  const refs = new Map<string, number>();
  let next = 0;
  const text = (s: string): Uint8Array => {
    const known = refs.get(s);
    if (known !== undefined) return ref(known);
    refs.set(s, next++);
    return stored(str(s));
  };
  const key = (e: ShapeEntry) => tuple(text(e.file), int(e.line), text(e.name));
  const parts: Uint8Array[] = [Uint8Array.of(0x7b)]; // '{'
  for (const e of entries) {
    parts.push(key(e));
    const callers = e.callers.map(([at, nc, cc, tt, ct]) =>
      [key(entries[at]!), tuple(int(nc), int(cc), float(tt), float(ct))] as [
        Uint8Array,
        Uint8Array,
      ]
    );
    parts.push(
      tuple(
        int(e.primitiveCalls),
        int(e.calls),
        float(e.internalTime),
        float(e.cumulativeTime),
        dict(...callers),
      ),
    );
  }
  parts.push(Uint8Array.of(0x30)); // '0'
  return concat(...parts);
}

/** A function with one call and the times given, no callers. */
function _leaf(
  file: string,
  line: number,
  name: string,
  time = 1e-6,
): ShapeEntry {
  return {
    file,
    line,
    name,
    calls: 1,
    primitiveCalls: 1,
    internalTime: time,
    cumulativeTime: time,
    callers: [],
  };
}

/**
 * `count` functions of one file whose path is `length` characters long,
 * as `marshal.dump({(path, i + 1, "f%d" % i): (1, 1, 1e-6, 1e-6, {}) for i
 * in range(count)})` writes them; with `sharedName`, all named alike too.
 */
export function sharedPathEntries(
  length: number,
  count: number,
  sharedName?: string,
): ShapeEntry[] {
  const path = `/srv/${"x".repeat(Math.max(0, length - 8))}.py`;
  return Array.from(
    { length: count },
    (_, i) => _leaf(path, i + 1, sharedName ?? `f${i}`),
  );
}

/**
 * Two files `depth` directories deep (`a/a/…/x.py`), one `shallower` levels
 * less deep than the other, the deeper one's function called from the
 * other's, which `main` calls: times that a group counting them twice, or
 * losing its place in the tree, would show beyond the total.
 */
export function deepPathEntries(depth: number, shallower = 45): ShapeEntry[] {
  const deep = `${"a/".repeat(depth)}x.py`;
  const less = `${"a/".repeat(Math.max(1, depth - shallower))}y.py`;
  return [
    { ..._leaf("/main.py", 1, "main", 0), cumulativeTime: 3 },
    {
      ..._leaf(less, 1, "y", 1),
      cumulativeTime: 3,
      callers: [[0, 1, 1, 1, 3]],
    },
    { ..._leaf(deep, 1, "x", 2), callers: [[1, 1, 1, 2, 2]] },
  ];
}

/**
 * A chain `f0 → f1 → … → f(depth-1)` of calls, each function's own time
 * 1 ms, in files named by `file(i)`.
 */
export function chainEntries(
  depth: number,
  file: (i: number) => string = () => "/srv/chain.py",
): ShapeEntry[] {
  const own = 1e-3;
  return Array.from({ length: depth }, (_, i) => {
    const cumulative = own * (depth - i);
    return {
      ..._leaf(file(i), i + 1, `f${i}`, own),
      cumulativeTime: cumulative,
      callers: i === 0 ? [] : [[i - 1, 1, 1, own, cumulative]],
    };
  });
}

/** `n` functions, each called by every other one. */
export function denseEntries(n: number, file = "/srv/dense.py"): ShapeEntry[] {
  return Array.from({ length: n }, (_, i) => ({
    ..._leaf(file, i + 1, `g${i}`, 1e-3),
    cumulativeTime: 1e-3 * n,
    callers: Array.from(
      { length: n },
      (_, k) =>
        [k, 1, 1, 1e-3 / n, 1e-3] as [
          number,
          number,
          number,
          number,
          number,
        ],
    ).filter(([k]) => k !== i),
  }));
}

/** Times no profile should hold, and some at the edges of what it may. */
export const ODD_TIMES: readonly number[] = [
  NaN,
  Infinity,
  -Infinity,
  1e300,
  -1e300,
  1e16,
  1e15,
  -0,
  5e-324,
  -1,
];
