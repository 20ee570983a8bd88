/**
 * The groups of a level as the rows of a table: ordered by a column
 * ({@linkcode sortNodes}), a flat sorted list of a level's groups that hold
 * matching functions ({@linkcode queryGroups}: the report and the JSON API),
 * the rows of a table whose nodes open ({@linkcode GroupRows}: the page's
 * groups view), and a function's folded callers or callees filtered and
 * sorted ({@linkcode sortFoldedEdges}).
 *
 * The groups themselves, their trees and numbers, are `lib/group.ts`.
 *
 * @module
 */

import {
  type FoldedEdges,
  FUNCTION,
  type GroupLevel,
  type GroupNumbers,
  groupNumbers,
  type GroupTree,
  groupTree,
  LINE,
  nodeKey,
} from "./group.ts";
import type { Profile } from "./profile.ts";
import { filterMatcher, textMatches } from "./search.ts";
import {
  isDescendingByDefault,
  numberSortKey,
  parseFilter,
  radixOrder,
  type SortColumn,
  textOrder,
  textRanks,
} from "./query.ts";

/** The columns groups sort by: the function columns, plus these. */
export type GroupSortColumn = SortColumn | "functions" | "lines";

/**
 * Orders nodes by a column; ties keep the order given. `name` and `file`
 * both sort by key (A–Z unless `descending`): groups by their path or name,
 * functions and lines by short file, line and name, as the function table's
 * sort by file (no label is built).
 *
 * @example
 * ```ts
 * import { groupNumbers, groupTree, nodeKey } from "./group.ts";
 * import { nodeChildren, sortNodes } from "./group_rows.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const entry = (file: string, time: number) => ({
 *   key: [file, 1, "f"] as const,
 *   calls: 1,
 *   primitiveCalls: 1,
 *   internalTime: time,
 *   cumulativeTime: time,
 * });
 * const profile = buildProfile([statsFile("run.pstats", [entry("b.py", 1), entry("a.py", 2)])]);
 * const numbers = groupNumbers(groupTree(profile, "file"));
 * const top = nodeChildren(numbers, -1);
 * const keys = (nodes: Uint32Array) => [...nodes].map((n) => nodeKey(numbers.tree, n));
 * assertEquals(keys(sortNodes(numbers, top, "internal")), ["a.py", "b.py"]);
 * assertEquals(keys(sortNodes(numbers, top, "name", true)), ["b.py", "a.py"]);
 * ```
 *
 * @param numbers The numbers.
 * @param nodes The nodes to order.
 * @param column The column.
 * @param descending Largest first; defaults as for functions.
 * @returns The nodes in order.
 */
export function sortNodes(
  numbers: GroupNumbers,
  nodes: ArrayLike<number>,
  column: GroupSortColumn = "cumulative",
  descending?: boolean,
): Uint32Array {
  const n = nodes.length;
  const down = descending ??
    (column === "functions" || column === "lines" ||
      isDescendingByDefault(column));
  if (column === "name" || column === "file") {
    return _textOrder(numbers.tree, nodes, down);
  }
  const key = new Float64Array(n);
  const columns = { ...numbers, cumulativeTime: numbers.cumulative };
  const v = (node: number): number =>
    column === "functions"
      ? numbers.functions[node]!
      : column === "lines"
      ? numbers.lines[node]!
      : numberSortKey(columns, column, node);
  for (let i = 0; i < n; i++) key[i] = v(nodes[i]!);
  const order = radixOrder(key, down);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = nodes[order[i]!]!;
  return out;
}

/**
 * The children of a node that hold matching functions (all when there is no
 * filter), or the top nodes for `-1`.
 *
 * @param numbers The numbers (their filter decides what is kept).
 * @param node The node, or -1.
 * @returns The children with at least one function.
 */
export function nodeChildren(
  numbers: GroupNumbers,
  node: number,
): Uint32Array {
  const tree = numbers.tree;
  const all = node < 0 ? tree.roots : tree.children.subarray(
    tree.childStart[node]!,
    tree.childStart[node + 1]!,
  );
  return _kept(numbers, all);
}

function _kept(numbers: GroupNumbers, nodes: Uint32Array): Uint32Array {
  const lines = numbers.lines;
  let all = true;
  for (let i = 0; i < nodes.length; i++) {
    if (lines[nodes[i]!] === 0) {
      all = false;
      break;
    }
  }
  return all ? nodes : nodes.filter((n) => lines[n]! > 0);
}

/** Options for {@linkcode queryGroups}. */
export interface GroupQueryOptions {
  /** Space-separated terms; groups keep their matching functions. */
  filter?: string;
  /** The column to sort by. Defaults to `"cumulative"`. */
  sort?: GroupSortColumn;
  /** Largest first; defaults as for functions. */
  descending?: boolean;
  /** How many groups to return at most. Defaults to all. */
  limit?: number;
}

/** The result of {@linkcode queryGroups}. */
export interface GroupQueryResult {
  /** The numbers of every node. */
  readonly numbers: GroupNumbers;
  /** How many groups match, before the limit. */
  readonly total: number;
  /** The listed nodes that match, sorted, at most `limit` of them. */
  readonly ids: Uint32Array;
}

/**
 * Groups a profile at a level, as a flat list: the numbers of every group
 * that holds a matching function, sorted.
 *
 * @example
 * ```ts
 * import { nodeKey } from "./group.ts";
 * import { queryGroups } from "./group_rows.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const entry = (file: string, name: string, time: number) => ({
 *   key: [file, 1, name] as const,
 *   calls: 1,
 *   primitiveCalls: 1,
 *   internalTime: time,
 *   cumulativeTime: time,
 * });
 * const profile = buildProfile([statsFile("run.pstats", [
 *   entry("app/views.py", "index", 1),
 *   entry("app/models.py", "save", 2),
 *   entry("/usr/lib/python3.12/json/encoder.py", "encode", 4),
 * ])]);
 * const { numbers, ids } = queryGroups(profile, "package", { sort: "internal" });
 * assertEquals([...ids].map((n) => nodeKey(numbers.tree, n)), ["json", "app"]);
 * assertEquals(numbers.internalTime[ids[1]!], 3);
 * ```
 *
 * @param profile The profile.
 * @param level The level.
 * @param options Filter, sort and limit.
 * @returns The groups.
 */
export function queryGroups(
  profile: Profile,
  level: GroupLevel,
  options: GroupQueryOptions = {},
): GroupQueryResult {
  const tree = groupTree(profile, level);
  const numbers = groupNumbers(tree, options.filter);
  const kept = _kept(numbers, tree.listed);
  const sorted = sortNodes(
    numbers,
    kept,
    options.sort ?? "cumulative",
    options.descending,
  );
  const limit = Math.max(0, options.limit ?? Infinity);
  return {
    numbers,
    total: sorted.length,
    ids: sorted.length > limit ? sorted.slice(0, limit) : sorted,
  };
}

/**
 * Whether a node's row opens in a table of its level: the directory level
 * is a tree whose rows open into sub-directories, files and functions; the
 * other levels are flat, except that a sampled function opens into its
 * lines.
 *
 * @example
 * ```ts
 * import { groupTree } from "./group.ts";
 * import { nodeOpens } from "./group_rows.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const profile = buildProfile([statsFile("run.pstats", [{
 *   key: ["app/views.py", 1, "index"],
 *   calls: 1,
 *   primitiveCalls: 1,
 *   internalTime: 1,
 *   cumulativeTime: 1,
 * }])]);
 * const byDirectory = groupTree(profile, "directory");
 * assertEquals(nodeOpens(byDirectory, byDirectory.roots[0]!), true);
 * const byFile = groupTree(profile, "file");
 * assertEquals(nodeOpens(byFile, byFile.roots[0]!), false);
 * ```
 *
 * @param tree The tree.
 * @param node The node.
 * @returns Whether its row opens.
 */
export function nodeOpens(tree: GroupTree, node: number): boolean {
  const kind = tree.kind[node]!;
  if (kind === LINE) return false;
  if (kind === FUNCTION) return tree.profile.sampled && tree.level !== "line";
  return tree.level === "directory";
}

/**
 * The rows of a level's table whose nodes open: each node's children that
 * hold matching functions, sorted once by the column given and kept, and the
 * rows in view for the nodes that are open.
 *
 * @example
 * ```ts
 * import { groupNumbers, groupTree, nodeKey } from "./group.ts";
 * import { GroupRows } from "./group_rows.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const entry = (file: string, time: number) => ({
 *   key: [file, 1, "f"] as const,
 *   calls: 1,
 *   primitiveCalls: 1,
 *   internalTime: time,
 *   cumulativeTime: time,
 * });
 * const profile = buildProfile([statsFile("run.pstats", [
 *   entry("app/a.py", 1),
 *   entry("app/b.py", 2),
 *   entry("setup.py", 4),
 * ])]);
 * const numbers = groupNumbers(groupTree(profile, "directory"));
 * const rows = new GroupRows(numbers, "internal");
 * const keys = (nodes: Uint32Array) => [...nodes].map((n) => nodeKey(numbers.tree, n));
 * assertEquals(keys(rows.rows(new Set())), ["setup.py", "app/"]);
 * const app = rows.children(-1)[1]!;
 * assertEquals(keys(rows.rows(new Set([app]))), ["setup.py", "app/", "app/b.py", "app/a.py"]);
 * ```
 */
export class GroupRows {
  /** The numbers the rows show (their filter decides what is kept). */
  readonly numbers: GroupNumbers;
  /** The column the rows are sorted by. */
  readonly sort: GroupSortColumn;
  /** Whether largest first; `undefined` for the column's default. */
  readonly descending: boolean | undefined;
  #children = new Map<number, Uint32Array>();

  /**
   * Starts the rows of a level.
   *
   * @param numbers The numbers of the level's tree.
   * @param sort The column to sort by.
   * @param descending Largest first; defaults as for functions.
   */
  constructor(
    numbers: GroupNumbers,
    sort: GroupSortColumn = "cumulative",
    descending?: boolean,
  ) {
    this.numbers = numbers;
    this.sort = sort;
    this.descending = descending;
  }

  /**
   * A node's children that hold matching functions, sorted; computed once.
   *
   * @param node The node, or -1 for the top nodes.
   * @returns The children in order.
   */
  children(node: number): Uint32Array {
    let kids = this.#children.get(node);
    if (kids === undefined) {
      kids = sortNodes(
        this.numbers,
        nodeChildren(this.numbers, node),
        this.sort,
        this.descending,
      );
      this.#children.set(node, kids);
    }
    return kids;
  }

  /**
   * The rows in view: the top nodes, each open node followed by its rows.
   *
   * @param open The nodes that are open.
   * @returns The nodes, in the order of the table.
   */
  rows(open: ReadonlySet<number>): Uint32Array {
    const top = this.children(-1);
    if (open.size === 0) return top;
    const out: number[] = [];
    const visit = (parent: number) => {
      const kids = this.children(parent);
      for (let i = 0; i < kids.length; i++) {
        const node = kids[i]!;
        out.push(node);
        if (open.has(node)) visit(node);
      }
    };
    visit(-1);
    return Uint32Array.from(out);
  }
}

/** Options for {@linkcode sortFoldedEdges}. */
export interface FoldedEdgesOptions {
  /**
   * Space-separated terms the function at the other end must match (`-`
   * before a term: must not), as `parseFilter()` reads them.
   */
  filter?: string;
  /**
   * The column to sort by. `name` and `file` sort by the other end's short
   * file, line and name;
   * the per-call columns sort as their totals; `cumulative` sorts by calls
   * where edges carry no times.
   */
  sort?: SortColumn;
  /** Largest first (Z–A for `name` and `file`). Defaults to `false`. */
  descending?: boolean;
}

/**
 * A function's folded callers or callees (`foldedEdges()`) that match a
 * filter, sorted: their indexes in the folded edges.
 *
 * @example
 * ```ts
 * import { foldedEdges, groupTree } from "./group.ts";
 * import { sortFoldedEdges } from "./group_rows.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const entry = (name: string, callers: [string, number][] = []) => ({
 *   key: ["app.py", 1, name] as const,
 *   calls: 1,
 *   primitiveCalls: 1,
 *   internalTime: 1,
 *   cumulativeTime: 1,
 *   callers: callers.map(([caller, calls]) => ({
 *     key: ["app.py", 1, caller] as const,
 *     calls,
 *   })),
 * });
 * const profile = buildProfile([statsFile("run.pstats", [
 *   entry("main"),
 *   entry("test"),
 *   entry("parse", [["main", 1], ["test", 5]]),
 * ])]);
 * const tree = groupTree(profile, "function");
 * const edges = foldedEdges(tree, tree.functionNode[2]!, "callers");
 * assertEquals([...sortFoldedEdges(tree, edges, { sort: "calls", descending: true })], [1, 0]);
 * assertEquals([...sortFoldedEdges(tree, edges, { filter: "MAIN" })], [0]);
 * ```
 *
 * @param tree The tree the edges were folded in.
 * @param edges The folded edges.
 * @param options Filter and sort.
 * @returns The indexes of the edges kept, in order.
 */
export function sortFoldedEdges(
  tree: GroupTree,
  edges: FoldedEdges,
  options: FoldedEdgesOptions = {},
): Uint32Array {
  const { sort = "cumulative", descending = false } = options;
  // The function at the other end matches as the table's would (its row's
  // location and name); a group by its key.
  const terms = parseFilter(options.filter ?? "");
  const matches = filterMatcher(tree.profile, terms);
  const kept: number[] = [];
  for (let i = 0; i < edges.nodes.length; i++) {
    const node = edges.nodes[i]!;
    const row = tree.row[node]!;
    const yes = row >= 0
      ? matches(row)
      : textMatches(nodeKey(tree, node).toLowerCase(), terms);
    if (yes) kept.push(i);
  }
  if (sort === "name" || sort === "file") {
    const order = _textOrder(
      tree,
      Uint32Array.from(kept, (i) => edges.nodes[i]!),
      descending,
    );
    // The same node is never folded twice: back from nodes to indexes.
    const index = new Map(kept.map((i) => [edges.nodes[i]!, i]));
    return Uint32Array.from(order, (node) => index.get(node)!);
  }
  const column = sort === "primitive_calls"
    ? edges.primitiveCalls
    : sort === "internal" || sort === "internal_per_call"
    ? edges.internalTime
    : sort === "calls" || !tree.profile.edgeDetail
    ? edges.calls
    : edges.cumulativeTime;
  const order = radixOrder(
    Float64Array.from(kept, (i) => column[i]!),
    descending,
  );
  return Uint32Array.from(order, (k) => kept[k]!);
}

/**
 * Nodes in text order (reversed if `descending`), ties in the order given:
 * groups by key, before functions and lines by their row's short file,
 * line and name (the ranks of the function table's sort by file, worked out
 * from each distinct text once).
 */
function _textOrder(
  tree: GroupTree,
  nodes: ArrayLike<number>,
  descending: boolean,
): Uint32Array {
  const sign = descending ? -1 : 1;
  const { row, groupKey } = tree;
  let rank: Float64Array | undefined;
  for (let i = 0; i < nodes.length; i++) {
    if (row[nodes[i]!]! >= 0) {
      rank = _fileRanks(tree.profile);
      break;
    }
  }
  const order = Array.from(nodes, (_, i) => i).sort((a, b) => {
    const x = nodes[a]!;
    const y = nodes[b]!;
    const rx = row[x]!;
    const ry = row[y]!;
    if (rx < 0 && ry < 0) {
      const kx = groupKey[x]!;
      const ky = groupKey[y]!;
      return (kx < ky ? -sign : kx > ky ? sign : 0) || a - b;
    }
    if (rx < 0 || ry < 0) return rx < 0 ? -1 : 1;
    return sign * (rank![rx]! - rank![ry]!) || a - b;
  });
  return Uint32Array.from(order, (i) => nodes[i]!);
}

const _ranks = new WeakMap<Profile, Float64Array>();

/** Each function's rank by short file, line and name, once per profile. */
function _fileRanks(profile: Profile): Float64Array {
  let rank = _ranks.get(profile);
  if (rank === undefined) {
    rank = textRanks("file", textOrder(profile), profile.functions.line);
    _ranks.set(profile, rank);
  }
  return rank;
}
