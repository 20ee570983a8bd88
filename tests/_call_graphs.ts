/**
 * Profiles of every shape of call graph, made in code with a seeded random
 * source, for the call tree's property tests: trees, direct and mutual
 * recursion, cycles with no root, dense graphs, hostile numbers, and a test
 * suite of many small tests.
 *
 * @module
 */

import type { Profile } from "../lib/profile.ts";
import {
  buildProfile,
  type StatsEntry,
  statsFile,
} from "../lib/pstats/build.ts";
import type { FunctionKey } from "../lib/pstats/stats_table.ts";
import { random } from "./_random.ts";

/** A function of a made-up program: `name` in `mod/file.py`. */
export function key(i: number): FunctionKey {
  return [`pkg${i % 3}/mod${i % 7}.py`, i + 1, `f${i}`];
}

/** An edge as a StatsEntry caller: calls, primitive calls, cumulative time. */
export type Edge = [
  caller: number,
  calls: number,
  primitive: number,
  ct: number,
];

/** One function's numbers and its callers. */
export interface Node {
  calls: number;
  primitive: number;
  tt: number;
  ct: number;
  callers: Edge[];
}

/** A profile from nodes (function i is `key(i)`). */
export function profileOf(nodes: Node[], sampled = false): Profile {
  const entries: StatsEntry[] = nodes.map((n, i) => ({
    key: key(i),
    calls: n.calls,
    primitiveCalls: n.primitive,
    internalTime: n.tt,
    cumulativeTime: n.ct,
    callers: n.callers.map(([c, calls, primitive, ct]) => ({
      key: key(c),
      calls,
      primitiveCalls: primitive,
      internalTime: 0,
      cumulativeTime: ct,
    })),
  }));
  return buildProfile([statsFile("made.pstats", entries, { sampled })]);
}

/**
 * A program whose calls form a tree, with cProfile's exact numbers: each
 * function's time is its own plus its children's.
 */
export function treeProgram(seed: number, size = 40): Node[] {
  const rand = random(seed);
  const parent = [-1];
  for (let i = 1; i < size; i++) parent.push(Math.floor(rand() * i));
  const nodes: Node[] = parent.map(() => ({
    calls: 1,
    primitive: 1,
    tt: 0.001 + rand() * 0.01,
    ct: 0,
    callers: [],
  }));
  for (let i = size - 1; i >= 0; i--) {
    nodes[i]!.ct += nodes[i]!.tt;
    if (parent[i]! >= 0) nodes[parent[i]!]!.ct += nodes[i]!.ct;
  }
  for (let i = 1; i < size; i++) {
    nodes[i]!.callers.push([parent[i]!, 1, 1, nodes[i]!.ct]);
  }
  return nodes;
}

/**
 * A real run simulated call by call, with cProfile's bookkeeping (a
 * function's time counted for its outermost calls only, an edge's for its
 * outermost pairs only): `step(f, depth)` says what `f` calls next.
 */
export function simulate(
  size: number,
  calls: (f: number, depth: number, rand: () => number) => number[],
  seed: number,
  roots: number[] = [0],
): Node[] {
  const rand = random(seed);
  const nodes: Node[] = Array.from({ length: size }, () => ({
    calls: 0,
    primitive: 0,
    tt: 0,
    ct: 0,
    callers: [],
  }));
  const edges = new Map<string, Edge>();
  const active = new Int32Array(size);
  const pairs = new Map<string, number>();
  let clock = 0;
  const run = (f: number, caller: number, depth: number): void => {
    const start = clock;
    const pair = `${caller} ${f}`;
    const outer = active[f] === 0;
    const outerPair = (pairs.get(pair) ?? 0) === 0;
    active[f]!++;
    pairs.set(pair, (pairs.get(pair) ?? 0) + 1);
    const own = 1 + Math.floor(rand() * 5);
    clock += own;
    nodes[f]!.tt += own;
    if (depth < 60) {
      for (const g of calls(f, depth, rand)) run(g, f, depth + 1);
    }
    active[f]!--;
    pairs.set(pair, pairs.get(pair)! - 1);
    nodes[f]!.calls++;
    if (outer) {
      nodes[f]!.primitive++;
      nodes[f]!.ct += clock - start;
    }
    if (caller >= 0) {
      let edge = edges.get(pair);
      if (edge === undefined) {
        edge = [caller, 0, 0, 0];
        edges.set(pair, edge);
        nodes[f]!.callers.push(edge);
      }
      edge[1]++;
      if (outerPair) {
        edge[2]++;
        edge[3] += clock - start;
      }
    }
  };
  for (const r of roots) run(r, -1, 0);
  // Seconds, as cProfile writes them.
  for (const n of nodes) {
    n.tt /= 1e4;
    n.ct /= 1e4;
    for (const e of n.callers) e[3] /= 1e4;
  }
  return nodes;
}

/**
 * A test run simulated call by call: main → runner → `tests` tests, each
 * calling shared helpers (setUp, one to three queries that call execute,
 * an assertion); each test is about 1/`tests` of the total.
 */
export function testSuite(tests: number, seed = 11): Node[] {
  const runner = 1;
  const first = 2;
  const setUp = first + tests;
  const query = setUp + 1;
  const check = setUp + 2;
  const execute = setUp + 3;
  return simulate(execute + 1, (f, _depth, rand) => {
    if (f === 0) return [runner];
    if (f === runner) return Array.from({ length: tests }, (_, i) => first + i);
    if (f >= first && f < setUp) {
      const queries = 1 + Math.floor(rand() * 3);
      return [setUp, ...Array(queries).fill(query), check];
    }
    return f === query ? [execute] : [];
  }, seed);
}

/** Direct recursion: f1 calls itself (fib-like), main calls f1 and f2. */
export function directRecursion(seed: number): Node[] {
  return simulate(3, (f, depth, rand) => {
    if (f === 0) return [1, 2, 1];
    if (f === 1) return depth < 8 && rand() < 0.8 ? [1, 1] : [];
    return [];
  }, seed);
}

/** Mutual recursion: a chain a → b → a → … of random depth, and a branching one. */
export function mutualRecursion(seed: number): Node[] {
  return simulate(6, (f, depth, rand) => {
    switch (f) {
      case 0:
        return [1, 3, 1, 5];
      case 1:
        return depth < 12 && rand() < 0.85 ? [2] : [5];
      case 2:
        return [1];
      case 3:
        return depth < 6 ? [4, 4] : [];
      case 4:
        return rand() < 0.6 ? [3] : [5];
      default:
        return [];
    }
  }, seed);
}

/** Random dense calls among a few functions, recursion of every kind. */
export function denseProgram(seed: number, size = 12): Node[] {
  return simulate(size, (_f, depth, rand) => {
    const out: number[] = [];
    const n = depth === 0 ? 4 : depth < 5 ? Math.floor(rand() * 4) : 0;
    for (let k = 0; k < n; k++) out.push(1 + Math.floor(rand() * (size - 1)));
    return out;
  }, seed);
}

/**
 * Cycles only: every function has callers (no root), as a generated profile
 * can be: a ring of calls with made-up, consistent-looking numbers.
 */
export function cyclesOnly(seed: number, size = 30): Node[] {
  const rand = random(seed);
  return Array.from({ length: size }, (_, i) => {
    const tt = 0.001 + rand() * 0.01;
    const from = (i + size - 1) % size;
    const other = Math.floor(rand() * size);
    const callers: Edge[] = [[from, 2, 2, tt * 3]];
    if (other !== i && other !== from) callers.push([other, 1, 1, tt]);
    const calls = callers.reduce((n, edge) => n + edge[1], 0);
    return { calls, primitive: calls, tt, ct: tt * 4, callers };
  });
}

/** Numbers no profiler means: infinite, not a number, negative, edges too large. */
export function hostileNumbers(seed: number): Node[] {
  const nodes = treeProgram(seed, 12);
  nodes[3]!.tt = Infinity;
  nodes[4]!.ct = NaN;
  nodes[5]!.tt = -1;
  nodes[6]!.callers[0]![3] = nodes[6]!.ct * 50;
  nodes[7]!.callers[0]![3] = Infinity;
  return nodes;
}
