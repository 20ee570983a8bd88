/**
 * Groups of functions: roll a profile up by line, function, file, directory
 * or package, with numbers for each group that can be trusted.
 *
 * A level's groups form a {@linkcode GroupTree}: group nodes (directories,
 * files or packages) hold function nodes, and in a sampled profile function
 * nodes hold line nodes, one per stored row. {@linkcode groupNumbers} gives
 * every node its numbers:
 *
 * - **calls, primitive calls, internal time**: sums over the node's rows
 *   (exact). In a sampled profile these are cumulative samples, direct
 *   samples and direct time.
 * - **cumulative time of a line or function**: the rows' own cumulative time.
 *   A sampled function seen on several lines adds up its lines' cumulative
 *   samples, as Python 3.15's own summary does: an upper bound when the
 *   function recursed, since one sample may then count on several lines.
 * - **cumulative time of a directory, file or package: the time entering
 *   it**, that is the cumulative time of every edge whose caller is outside
 *   the group and callee inside, plus the cumulative time of the group's
 *   functions that have no callers at all. Calls between the group's own
 *   functions are not counted again, so this is the time with one of its
 *   functions on the stack unless the group is re-entered through code
 *   outside it (A → B → A' with A and A' in the group counts A' again, and
 *   a group can then pass 100%: {@linkcode passesTotal}). That time counted
 *   once is not in a pstats file; the call tree estimates it
 *   (`pathsThrough()` in `lib/call_tree.ts`). Files whose edges carry no
 *   times (the `profile` module) count calls on edges the same way
 *   (`cumulativeUnit` `"calls"`); a sampled file's edge samples become time
 *   with the sampling interval.
 * - **functions** in the node, and in a sampled profile **lines** (rows).
 *
 * With a filter, a group keeps only its matching functions, and its numbers
 * are those of the matching functions (an edge from a function that does not
 * match enters the group).
 *
 * Sorting and listing groups as the rows of a table is `lib/group_rows.ts`;
 * the rule that folds a sampled profile's lines into functions is
 * `lib/sampled_lines.ts`.
 *
 * @module
 */

import { shownText } from "./escape.ts";
import { builtinName, isBuiltin } from "./location.ts";
import type { Profile } from "./profile.ts";
import { queryFunctions } from "./query.ts";
import { lineFunctions } from "./sampled_lines.ts";

/** The levels a profile can be grouped by, finest first. */
export const GROUP_LEVELS = [
  "line",
  "function",
  "file",
  "directory",
  "package",
] as const;

/** A level a profile can be grouped by. */
export type GroupLevel = typeof GROUP_LEVELS[number];

/**
 * Whether a string names a grouping level.
 *
 * @example
 * ```ts
 * import { isGroupLevel } from "./group.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(isGroupLevel("package"), true);
 * assertEquals(isGroupLevel("module"), false);
 * ```
 *
 * @param value Any string.
 * @returns `true` if it is one of {@linkcode GROUP_LEVELS}.
 */
export function isGroupLevel(value: string): value is GroupLevel {
  return (GROUP_LEVELS as readonly string[]).includes(value);
}

/**
 * How many levels of directories the directory level shows: the
 * directories below the 32nd level of a path are one group,
 * `a/…/b/…` (the 32 directories, then `…`), which holds every file deeper
 * down there. Real paths are far shallower; a crafted path of 100,000
 * directories would otherwise make 100,000 groups, each key as long as the
 * path.
 */
export const MAX_DIRECTORY_DEPTH = 32;

/** A node of a directory tree: a directory of the shortened paths. */
export const DIRECTORY = 0;
/** A node that is one file (the shortened path; `~` for built-ins). */
export const FILE = 1;
/** A node that is one package (the first part of the shortened path). */
export const PACKAGE = 2;
/** A node that is one function (a sampled one folds several rows). */
export const FUNCTION = 3;
/** A node that is one row as stored: a function, or a sampled line. */
export const LINE = 4;

/** One of {@linkcode DIRECTORY}, {@linkcode FILE}, {@linkcode PACKAGE}, {@linkcode FUNCTION}, {@linkcode LINE}. */
export type NodeKind = 0 | 1 | 2 | 3 | 4;

/** The groups of one level, as a forest of nodes. Node ids index the columns. */
export interface GroupTree {
  /** The profile the tree groups. */
  readonly profile: Profile;
  /** The level. */
  readonly level: GroupLevel;
  /** The number of nodes. */
  readonly size: number;
  /** Each node's kind. */
  readonly kind: Uint8Array;
  /** Each node's parent, -1 at the top. */
  readonly parent: Int32Array;
  /** Each node's depth, 0 at the top. */
  readonly depth: Uint32Array;
  /**
   * The row (function id) a function or line node stands for: the row
   * itself, or for a sampled function its first row; -1 for group nodes.
   */
  readonly row: Int32Array;
  /** The keys of group nodes (directories, files, packages); "" for others. */
  readonly groupKey: readonly string[];
  /** Children of node `n`: `children.subarray(childStart[n], childStart[n + 1])`. */
  readonly childStart: Uint32Array;
  /** Node ids grouped by parent; see `childStart`. */
  readonly children: Uint32Array;
  /** The nodes at the top. */
  readonly roots: Uint32Array;
  /**
   * The nodes a flat list of this level shows: the top nodes, except at the
   * directory level, where it is every directory (each with everything
   * under it) and every file that is in no directory.
   */
  readonly listed: Uint32Array;
  /** Each row's node (a line node when sampled and folded). */
  readonly rowNode: Uint32Array;
  /** Each row's function node (its line node at the line level). */
  readonly functionNode: Uint32Array;
  /** Each row's innermost group node (file or package), -1 at the line and function levels. */
  readonly rowGroup: Int32Array;
}

const _trees = new WeakMap<Profile, Map<GroupLevel, GroupTree>>();

/**
 * The groups of a level. Computed once per profile and level.
 *
 * @example
 * ```ts
 * import { groupTree, nodeKey } from "./group.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const entry = (file: string, name: string) => ({
 *   key: [file, 1, name] as const,
 *   calls: 1,
 *   primitiveCalls: 1,
 *   internalTime: 1,
 *   cumulativeTime: 1,
 * });
 * const profile = buildProfile([statsFile("run.pstats", [
 *   entry("/venv/lib/python3.12/site-packages/django/db/models.py", "save"),
 *   entry("/venv/lib/python3.12/site-packages/django/urls.py", "resolve"),
 * ])]);
 * const tree = groupTree(profile, "directory");
 * assertEquals([...tree.listed].map((n) => nodeKey(tree, n)), ["django/", "django/db/"]);
 * ```
 *
 * @param profile The profile.
 * @param level The level.
 * @returns The tree.
 */
export function groupTree(profile: Profile, level: GroupLevel): GroupTree {
  let byLevel = _trees.get(profile);
  if (byLevel === undefined) {
    byLevel = new Map();
    _trees.set(profile, byLevel);
  }
  let tree = byLevel.get(level);
  if (tree === undefined) {
    tree = _buildTree(profile, level);
    byLevel.set(level, tree);
  }
  return tree;
}

/** Nodes as they are made. */
class _Nodes {
  kind: number[] = [];
  parent: number[] = [];
  row: number[] = [];
  key: string[] = [];
  add(kind: NodeKind, parent: number, row: number, key: string): number {
    this.kind.push(kind);
    this.parent.push(parent);
    this.row.push(row);
    this.key.push(key);
    return this.kind.length - 1;
  }
}

function _buildTree(profile: Profile, level: GroupLevel): GroupTree {
  const n = profile.size;
  const nodes = new _Nodes();
  const rowNode = new Uint32Array(n);
  const functionNode = new Uint32Array(n);
  const rowGroup = new Int32Array(n).fill(-1);
  const listed: number[] = [];
  if (level === "line") {
    for (let i = 0; i < n; i++) {
      rowNode[i] = functionNode[i] = nodes.add(LINE, -1, i, "");
    }
  } else {
    // The group node of each row, by its shortened file.
    const files = _fileIndex(profile);
    const byFile = new Int32Array(files.keys.length).fill(-2);
    const groupOf = new Map<string, number>();
    const groupNode = (i: number): number => {
      const at = files.index[i]!;
      const known = byFile[at]!;
      if (known !== -2) return known;
      const file = files.keys[at]!;
      let node = -1;
      switch (level) {
        case "function":
          node = -1;
          break;
        case "file":
          node = nodes.add(FILE, -1, -1, file);
          listed.push(node);
          break;
        case "package": {
          const key = packageKey(file);
          const known = groupOf.get(`\0${key}`);
          if (known === undefined) {
            node = nodes.add(PACKAGE, -1, -1, key);
            groupOf.set(`\0${key}`, node);
            listed.push(node);
          } else {
            node = known;
          }
          break;
        }
        case "directory": {
          const parts = pathParts(file);
          let parent = -1;
          let path = "";
          const last = parts.length - 1;
          for (let k = 0; k < last; k++) {
            // Below the deepest level shown, one group for the rest.
            const fold = k === MAX_DIRECTORY_DEPTH;
            path += fold ? _FOLD : `${parts[k]}/`;
            let dir = groupOf.get(`\0${path}`);
            if (dir === undefined) {
              dir = nodes.add(DIRECTORY, parent, -1, path);
              groupOf.set(`\0${path}`, dir);
              listed.push(dir);
            }
            parent = dir;
            if (fold) break;
          }
          node = nodes.add(FILE, parent, -1, file);
          if (parent === -1) listed.push(node);
          break;
        }
      }
      byFile[at] = node;
      return node;
    };
    // Sampled rows are lines: fold them into their functions.
    const lines = profile.sampled ? lineFunctions(profile) : undefined;
    const functionOf = new Int32Array(lines?.size ?? 0).fill(-1);
    for (let i = 0; i < n; i++) {
      const parent = groupNode(i);
      rowGroup[i] = parent;
      if (lines === undefined) {
        rowNode[i] = functionNode[i] = nodes.add(FUNCTION, parent, i, "");
        continue;
      }
      let fn = functionOf[lines.ofRow[i]!]!;
      if (fn < 0) {
        fn = nodes.add(FUNCTION, parent, i, "");
        functionOf[lines.ofRow[i]!] = fn;
      }
      functionNode[i] = fn;
      rowNode[i] = nodes.add(LINE, fn, i, "");
    }
  }
  const size = nodes.kind.length;
  const parent = Int32Array.from(nodes.parent);
  const depth = new Uint32Array(size);
  // Parents are always made before their children.
  for (let i = 0; i < size; i++) {
    const p = parent[i]!;
    if (p >= 0) depth[i] = depth[p]! + 1;
  }
  const childStart = new Uint32Array(size + 2);
  for (let i = 0; i < size; i++) childStart[parent[i]! + 2]!++;
  for (let i = 0; i < size; i++) childStart[i + 2]! += childStart[i + 1]!;
  const ordered = new Uint32Array(size);
  const next = childStart.slice(0, size + 1);
  for (let i = 0; i < size; i++) ordered[next[parent[i]! + 1]!++] = i;
  // ordered holds the roots first, then each node's children.
  const rootCount = childStart[1]!;
  const kind = Uint8Array.from(nodes.kind);
  const roots = ordered.slice(0, rootCount);
  return {
    profile,
    level,
    size,
    kind,
    parent,
    depth,
    row: Int32Array.from(nodes.row),
    groupKey: nodes.key,
    childStart: childStart.slice(1),
    children: ordered,
    roots,
    listed: level === "function" || level === "line"
      ? roots
      : Uint32Array.from(listed),
    rowNode,
    functionNode,
    rowGroup,
  };
}

const _fileIndexes = new WeakMap<
  Profile,
  { index: Int32Array; keys: string[] }
>();

/** Each row's file key as an index into the distinct keys, once per profile. */
function _fileIndex(profile: Profile): { index: Int32Array; keys: string[] } {
  let known = _fileIndexes.get(profile);
  if (known !== undefined) return known;
  const index = new Int32Array(profile.size);
  const keys: string[] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < profile.size; i++) {
    const key = fileKey(profile, i);
    let at = seen.get(key);
    if (at === undefined) {
      at = keys.length;
      keys.push(key);
      seen.set(key, at);
    }
    index[i] = at;
  }
  known = { index, keys };
  _fileIndexes.set(profile, known);
  return known;
}

/**
 * The file a row belongs to for grouping: its shortened path, or `~` for
 * built-ins.
 *
 * @param profile The profile.
 * @param id The row (function id).
 * @returns The file's key.
 */
export function fileKey(profile: Profile, id: number): string {
  const f = profile.functions;
  const file = f.file[id]!;
  return isBuiltin(file, f.line[id]!) || file === "~" ? "~" : f.shortFile[id]!;
}

/**
 * The parts of a shortened path: split at `/` and `\`, an absolute path's
 * first part keeping its slash (`/usr`).
 *
 * @example
 * ```ts
 * import { pathParts } from "./group.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(pathParts("django/db/models.py"), ["django", "db", "models.py"]);
 * assertEquals(pathParts("/srv/app.py"), ["/srv", "app.py"]);
 * assertEquals(pathParts("<frozen os>"), ["<frozen os>"]);
 * ```
 *
 * @param path The shortened path.
 * @returns Its parts.
 */
export function pathParts(path: string): string[] {
  const parts = path.split(/[\\/]/);
  if (parts.length > 1 && parts[0] === "") {
    parts.splice(0, 2, `/${parts[1]}`);
  }
  return parts;
}

/**
 * The package of a file: the first part of its shortened path (the
 * distribution under site-packages, the standard library module, the user's
 * own top directory), `builtins` for built-ins (`~`), `frozen` for every
 * `<frozen ...>` module, and a top-level `name.py` without its `.py`.
 *
 * @example
 * ```ts
 * import { packageKey } from "./group.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(packageKey("django/db/models.py"), "django");
 * assertEquals(packageKey("~"), "builtins");
 * assertEquals(packageKey("<frozen importlib._bootstrap>"), "frozen");
 * assertEquals(packageKey("os.py"), "os");
 * ```
 *
 * @param file The file's key (see {@linkcode fileKey}).
 * @returns The package's name.
 */
export function packageKey(file: string): string {
  if (file === "~") return "builtins";
  if (file.startsWith("<frozen")) return "frozen";
  // pathParts(file)[0], without splitting the rest: the flame graph asks
  // this of every frame it draws, and a path may be thousands of folders.
  const at = file.search(/[\\/]/);
  let first = file;
  let more = false;
  if (at > 0) {
    first = file.slice(0, at);
    more = true;
  } else if (at === 0) {
    const next = file.slice(1).search(/[\\/]/);
    first = `/${next < 0 ? file.slice(1) : file.slice(1, next + 1)}`;
    more = next >= 0;
  }
  if (!more && file.endsWith(".py")) return file.slice(0, -3);
  return first;
}

/**
 * A node's key as shown: a group's path or name (`django/db/`,
 * `django/db/models.py`, `django`; `a/…/b/…` for the directories too deep
 * to show, see {@linkcode MAX_DIRECTORY_DEPTH}), a function's label
 * (`app.py:12(main)`; a sampled function, which spans lines, `app.py(main)`),
 * or a line's (`app.py:14(main)`). Files and names longer than any real
 * one are cut (`shownText()`).
 *
 * @example
 * ```ts
 * import { groupTree, nodeKey, nodeName } from "./group.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const profile = buildProfile([statsFile("run.pstats", [{
 *   key: ["app/views.py", 12, "index"],
 *   calls: 1,
 *   primitiveCalls: 1,
 *   internalTime: 1,
 *   cumulativeTime: 1,
 * }])]);
 * const tree = groupTree(profile, "directory");
 * const [app] = tree.roots;
 * assertEquals(nodeKey(tree, app!), "app/");
 * const [file] = tree.children.subarray(tree.childStart[app!], tree.childStart[app! + 1]);
 * assertEquals([nodeKey(tree, file!), nodeName(tree, file!)], ["app/views.py", "views.py"]);
 * assertEquals(nodeKey(tree, tree.functionNode[0]!), "app/views.py:12(index)");
 * ```
 *
 * @param tree The tree.
 * @param node The node.
 * @returns The key.
 */
export function nodeKey(tree: GroupTree, node: number): string {
  const row = tree.row[node]!;
  if (row < 0) return shownText(tree.groupKey[node]!);
  const f = tree.profile.functions;
  const file = f.file[row]!;
  const line = f.line[row]!;
  const name = shownText(f.name[row]!);
  if (isBuiltin(file, line)) return builtinName(name);
  const short = shownText(f.shortFile[row]!);
  if (tree.kind[node] === FUNCTION && tree.profile.sampled) {
    return `${short}(${name})`;
  }
  return `${short}:${line}(${name})`;
}

/**
 * A node's name within its parent, for a tree: a directory's or file's last
 * part (`db/`, `models.py`; a file in the group of directories too deep to
 * show, the rest of its path), a function's name, a line's `line 14`; a
 * group at the top gives its whole key. Cut as {@linkcode nodeKey} is.
 *
 * @param tree The tree.
 * @param node The node.
 * @returns The name.
 */
export function nodeName(tree: GroupTree, node: number): string {
  const kind = tree.kind[node]!;
  const f = tree.profile.functions;
  const row = tree.row[node]!;
  if (kind === LINE && tree.parent[node]! >= 0) return `line ${f.line[row]}`;
  if (kind === FUNCTION || kind === LINE) {
    const file = f.file[row]!;
    const line = f.line[row]!;
    const name = shownText(f.name[row]!);
    return isBuiltin(file, line) ? builtinName(name) : name;
  }
  const key = tree.groupKey[node]!;
  const parent = tree.parent[node]!;
  if (parent < 0) return shownText(key);
  const above = tree.groupKey[parent]!;
  // Under the group of deeper directories: the path below the last shown.
  const from = above.endsWith(_FOLD)
    ? above.length - _FOLD.length
    : above.length;
  return shownText(key.slice(from));
}

/**
 * The end of the key of the group of directories too deep to show. Every
 * other directory's key ends with `/`, so it is never one of theirs.
 */
const _FOLD = "…";

/** The numbers of every node of a {@linkcode GroupTree}. Index = node id. */
export interface GroupNumbers {
  /** The tree. */
  readonly tree: GroupTree;
  /** Functions in the node (that match the filter). */
  readonly functions: Float64Array;
  /** Rows in the node: lines when sampled. */
  readonly lines: Float64Array;
  /** Sum of calls (cumulative samples when sampled). */
  readonly calls: Float64Array;
  /** Sum of primitive calls (direct samples when sampled). */
  readonly primitiveCalls: Float64Array;
  /** Sum of internal time, in seconds. */
  readonly internalTime: Float64Array;
  /**
   * Cumulative time in seconds: of its rows for function and line nodes,
   * the time entering the group for groups (re-entries counted again).
   * Calls entering the group for groups when `cumulativeUnit` is `"calls"`.
   */
  readonly cumulative: Float64Array;
  /**
   * What the groups' `cumulative` counts: `"time"`, or `"calls"` when the
   * profile's edges carry no times (the `profile` module).
   */
  readonly cumulativeUnit: "time" | "calls";
}

/**
 * Whether a node's cumulative number is the time entering it (directories,
 * files, packages) rather than taken from its rows (functions, lines).
 *
 * @param tree The tree.
 * @param node The node.
 * @returns `true` for groups.
 */
export function isGroupNode(tree: GroupTree, node: number): boolean {
  return tree.kind[node]! < FUNCTION;
}

/**
 * Whether a group's cumulative time passes the profile's total time by more
 * than 0.5% (cProfile's clock can put an outermost call a little over the
 * sum of the internal times): it was then re-entered through code outside
 * it, whose time it counts again. That is the sure sign; a group
 * re-entered for less counts that time again too, unseen.
 *
 * @example
 * ```ts
 * import { groupNumbers, groupTree, passesTotal } from "./group.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * // app.main → lib.hook → app.handler: app is entered twice.
 * const edge = (file: string, name: string, time: number) => ({
 *   key: [file, 1, name] as const,
 *   calls: 1,
 *   primitiveCalls: 1,
 *   internalTime: time,
 *   cumulativeTime: time,
 * });
 * const profile = buildProfile([statsFile("run.pstats", [
 *   { ...edge("/srv/app/main.py", "main", 0.1), cumulativeTime: 1 },
 *   { ...edge("/srv/lib/hook.py", "hook", 0.1), cumulativeTime: 0.9,
 *     callers: [{ ...edge("/srv/app/main.py", "main", 0.1), cumulativeTime: 0.9 }] },
 *   { ...edge("/srv/app/handler.py", "handler", 0.8),
 *     callers: [edge("/srv/lib/hook.py", "hook", 0.8)] },
 * ])]);
 * const numbers = groupNumbers(groupTree(profile, "directory"));
 * const app = numbers.tree.groupKey.indexOf("/srv/app/");
 * assertEquals(numbers.cumulative[app], 1.8);
 * assertEquals(passesTotal(numbers, app), true);
 * ```
 *
 * @param numbers The numbers of a level.
 * @param node A node of their tree.
 * @returns `true` for a group whose time passes the total.
 */
export function passesTotal(numbers: GroupNumbers, node: number): boolean {
  return numbers.cumulativeUnit === "time" &&
    isGroupNode(numbers.tree, node) &&
    numbers.cumulative[node]! > numbers.tree.profile.totals.time * 1.005;
}

/**
 * Computes every node's numbers, for all functions or only the matching
 * ones. See the module documentation for what each number means.
 *
 * @example Counted once
 * ```ts
 * import { groupNumbers, groupTree, nodeKey } from "./group.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * // main (app.py) calls parse (lib/p.py), which calls tokenize (lib/t.py).
 * const edge = (file: string, name: string, time: number) => ({
 *   key: [file, 1, name] as const,
 *   calls: 1,
 *   primitiveCalls: 1,
 *   internalTime: 0,
 *   cumulativeTime: time,
 * });
 * const profile = buildProfile([statsFile("run.pstats", [
 *   { ...edge("app.py", "main", 3), internalTime: 1 },
 *   { ...edge("lib/p.py", "parse", 2), internalTime: 1, callers: [edge("app.py", "main", 2)] },
 *   { ...edge("lib/t.py", "tokenize", 1), internalTime: 1, callers: [edge("lib/p.py", "parse", 1)] },
 * ])]);
 * const tree = groupTree(profile, "directory");
 * const numbers = groupNumbers(tree);
 * const lib = [...tree.listed].find((n) => nodeKey(tree, n) === "lib/")!;
 * assertEquals(numbers.internalTime[lib], 2);
 * assertEquals(numbers.cumulative[lib], 2); // not 2 + 1: parse → tokenize stays inside
 * ```
 *
 * @param tree The tree.
 * @param filter Space-separated terms a function must match to count, as in
 *   `queryFunctions()`.
 * @returns The numbers.
 */
export function groupNumbers(tree: GroupTree, filter?: string): GroupNumbers {
  const profile = tree.profile;
  const f = profile.functions;
  const e = profile.edges;
  const size = tree.size;
  const functions = new Float64Array(size);
  const lines = new Float64Array(size);
  const calls = new Float64Array(size);
  const primitiveCalls = new Float64Array(size);
  const internalTime = new Float64Array(size);
  const cumulative = new Float64Array(size);
  const n = profile.size;
  const { parent, kind, rowNode, functionNode } = tree;
  // Groups get compact ids (0..G-1, parents first) so that the loops over
  // rows and edges touch only small arrays.
  const {
    node: gNode,
    parent: gParent,
    depth: gDepth,
    root: gRoot,
    ofRow: groupOf,
  } = _compact(tree);
  // Which rows count: all, or those matching the filter (the others get the
  // group -2: outside every group).
  const mask = new Uint8Array(n);
  let ofRow = groupOf;
  if (filter !== undefined && filter.trim() !== "") {
    const rows = queryFunctions(profile, { filter }).ids;
    for (let k = 0; k < rows.length; k++) mask[rows[k]!] = 1;
    ofRow = groupOf.slice();
    for (let i = 0; i < n; i++) if (mask[i] === 0) ofRow[i] = -2;
  } else {
    mask.fill(1);
  }
  const g = gNode.length;
  const gSums = new Float64Array(g * 6);
  const gEntering = new Float64Array(g);
  const timed = profile.edgeDetail || profile.sampled;
  const counted = new Uint8Array(size);
  const nc = f.calls;
  const cc = f.primitiveCalls;
  const tt = f.internalTime;
  const ct = f.cumulativeTime;
  const callerStart = profile.callerStart;
  for (let i = 0; i < n; i++) {
    if (mask[i] === 0) continue;
    // The row's own nodes: a line and its function, or a function.
    let fresh = 0;
    const fn = functionNode[i]!;
    if (counted[fn] === 0) {
      counted[fn] = 1;
      fresh = 1;
    }
    for (let node = rowNode[i]!; node >= 0; node = parent[node]!) {
      if (kind[node]! < FUNCTION) break;
      lines[node]!++;
      calls[node]! += nc[i]!;
      primitiveCalls[node]! += cc[i]!;
      internalTime[node]! += tt[i]!;
      cumulative[node]! += ct[i]!;
      if (node === fn) functions[node]! += fresh;
    }
    // Its innermost group; the sums reach the outer ones below.
    const at = ofRow[i]!;
    if (at < 0) continue;
    const o = at * 6;
    gSums[o]! += fresh;
    gSums[o + 1]!++;
    gSums[o + 2]! += nc[i]!;
    gSums[o + 3]! += cc[i]!;
    gSums[o + 4]! += tt[i]!;
    if (callerStart[i] === callerStart[i + 1]) {
      gSums[o + 5]! += timed ? ct[i]! : nc[i]!;
    }
  }
  if (g > 0) {
    // Counted once: every edge adds to the groups holding its callee but
    // not its caller, those below their lowest common group: added at the
    // callee's group and taken off again at the common one, the sums of
    // each subtree then give every group its share.
    const interval = profile.sampled && profile.totals.primitiveCalls > 0
      ? profile.totals.time / profile.totals.primitiveCalls
      : 0;
    const value = profile.edgeDetail ? e.cumulativeTime : e.calls;
    const scale = profile.sampled ? interval : 1;
    const callers = e.caller;
    const callees = e.callee;
    for (let k = 0; k < callers.length; k++) {
      const b = ofRow[callees[k]!]!;
      if (b === -2) continue;
      let a = ofRow[callers[k]!]!;
      if (a === b) continue;
      const v = value[k]! * scale;
      gEntering[b]! += v;
      // No common group when outside, or under different top groups.
      if (a === -2 || gRoot[a] !== gRoot[b]) continue;
      let c = b;
      while (gDepth[a]! > gDepth[c]!) a = gParent[a]!;
      while (gDepth[c]! > gDepth[a]!) c = gParent[c]!;
      while (a !== c) {
        a = gParent[a]!;
        c = gParent[c]!;
      }
      if (c >= 0) gEntering[c]! -= v;
    }
    // Sums flow from each group to its parent: children come after parents.
    for (let c = g - 1; c >= 0; c--) {
      const up = gParent[c]!;
      if (up >= 0) {
        for (let j = 0; j < 6; j++) gSums[up * 6 + j]! += gSums[c * 6 + j]!;
        gEntering[up]! += gEntering[c]!;
      }
      const node = gNode[c]!;
      functions[node] = gSums[c * 6]!;
      lines[node] = gSums[c * 6 + 1]!;
      calls[node] = gSums[c * 6 + 2]!;
      primitiveCalls[node] = gSums[c * 6 + 3]!;
      internalTime[node] = gSums[c * 6 + 4]!;
      cumulative[node] = gSums[c * 6 + 5]! + gEntering[c]!;
    }
  }
  return {
    tree,
    functions,
    lines,
    calls,
    primitiveCalls,
    internalTime,
    cumulative,
    cumulativeUnit: timed ? "time" : "calls",
  };
}

interface _CompactGroups {
  node: Uint32Array;
  parent: Int32Array;
  depth: Uint32Array;
  /** Each group's top group. */
  root: Int32Array;
  ofRow: Int16Array | Int32Array;
}

const _compacts = new WeakMap<GroupTree, _CompactGroups>();

/** The tree's group nodes numbered 0..G-1 in node order (parents first). */
function _compact(tree: GroupTree): _CompactGroups {
  let known = _compacts.get(tree);
  if (known !== undefined) return known;
  const index = new Int32Array(tree.size).fill(-1);
  const nodes: number[] = [];
  for (let node = 0; node < tree.size; node++) {
    if (tree.kind[node]! < FUNCTION) {
      index[node] = nodes.length;
      nodes.push(node);
    }
  }
  const parent = Int32Array.from(
    nodes,
    (node) => tree.parent[node]! < 0 ? -1 : index[tree.parent[node]!]!,
  );
  const depth = Uint32Array.from(nodes, (node) => tree.depth[node]!);
  // Parents come first, so a parent's top group is known before its children's.
  const root = new Int32Array(nodes.length);
  for (let c = 0; c < nodes.length; c++) {
    root[c] = parent[c]! < 0 ? c : root[parent[c]!]!;
  }
  // Half the bytes when they fit: the edge loop reads this at random.
  const ofRow = nodes.length < 0x7fff
    ? Int16Array.from(tree.rowGroup, (node) => node < 0 ? -1 : index[node]!)
    : Int32Array.from(tree.rowGroup, (node) => node < 0 ? -1 : index[node]!);
  known = { node: Uint32Array.from(nodes), parent, depth, root, ofRow };
  _compacts.set(tree, known);
  return known;
}

/**
 * The rows (function ids) under a node: its own row for a function or line
 * node of the rows as stored, else every row beneath it.
 *
 * @param tree The tree.
 * @param node The node.
 * @returns The rows.
 */
export function nodeRows(tree: GroupTree, node: number): number[] {
  const rows: number[] = [];
  const stack = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    const start = tree.childStart[n]!;
    const end = tree.childStart[n + 1]!;
    if (start === end) {
      if (tree.row[n]! >= 0) rows.push(tree.row[n]!);
      continue;
    }
    for (let k = end - 1; k >= start; k--) stack.push(tree.children[k]!);
  }
  return rows;
}

/** The callers or callees of a node, folded by function. */
export interface FoldedEdges {
  /** The function node at the other end of each folded edge. */
  readonly nodes: Uint32Array;
  /** Calls (samples when sampled) on the edges folded into each. */
  readonly calls: Float64Array;
  /** Primitive calls on them. */
  readonly primitiveCalls: Float64Array;
  /** Internal time on them, in seconds (0 where edges carry no times). */
  readonly internalTime: Float64Array;
  /** Cumulative time on them, in seconds (0 where edges carry no times). */
  readonly cumulativeTime: Float64Array;
}

/**
 * The callers or callees of a node's rows, folded by the function at the
 * other end: in a sampled profile, whose rows are lines, every line of
 * `parse` that calls any line of `tokenize` becomes one edge `parse →
 * tokenize` with the numbers added up. A function calling itself (from one
 * of its lines to another) is listed among its own callers and callees.
 *
 * @example
 * ```ts
 * import { foldedEdges, groupTree, nodeKey } from "./group.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const line = (at: number, name: string) => ["app.py", at, name] as const;
 * const row = (at: number, name: string, callers: [number, number][]) => ({
 *   key: line(at, name),
 *   calls: 5,
 *   primitiveCalls: 5,
 *   internalTime: 0.005,
 *   cumulativeTime: 0.005,
 *   callers: callers.map(([from, calls]) => ({ key: line(from, "main"), calls })),
 * });
 * const profile = buildProfile([statsFile("s.pstats", [
 *   row(3, "main", []),
 *   row(4, "main", []),
 *   row(10, "parse", [[3, 2], [4, 3]]),
 * ], { sampled: true })]);
 * const tree = groupTree(profile, "function");
 * const parse = tree.functionNode[2]!;
 * const callers = foldedEdges(tree, parse, "callers");
 * assertEquals([...callers.nodes].map((n) => nodeKey(tree, n)), ["app.py(main)"]);
 * assertEquals(callers.calls[0], 5);
 * ```
 *
 * @param tree The tree (its function nodes are what edges fold into).
 * @param node The node whose callers or callees to fold.
 * @param direction `"callers"` or `"callees"`.
 * @returns The folded edges, in the order first met.
 */
export function foldedEdges(
  tree: GroupTree,
  node: number,
  direction: "callers" | "callees",
): FoldedEdges {
  const p = tree.profile;
  const e = p.edges;
  const start = direction === "callers" ? p.callerStart : p.calleeStart;
  const edges = direction === "callers" ? p.callerEdges : p.calleeEdges;
  const other = direction === "callers" ? e.caller : e.callee;
  const index = new Map<number, number>();
  const nodes: number[] = [];
  const sums: number[][] = [[], [], [], []];
  for (const row of nodeRows(tree, node)) {
    for (let k = start[row]!; k < start[row + 1]!; k++) {
      const edge = edges[k]!;
      const fn = tree.functionNode[other[edge]!]!;
      let at = index.get(fn);
      if (at === undefined) {
        at = nodes.length;
        index.set(fn, at);
        nodes.push(fn);
        for (const sum of sums) sum.push(0);
      }
      sums[0]![at]! += e.calls[edge]!;
      sums[1]![at]! += e.primitiveCalls[edge]!;
      sums[2]![at]! += e.internalTime[edge]!;
      sums[3]![at]! += e.cumulativeTime[edge]!;
    }
  }
  return {
    nodes: Uint32Array.from(nodes),
    calls: Float64Array.from(sums[0]!),
    primitiveCalls: Float64Array.from(sums[1]!),
    internalTime: Float64Array.from(sums[2]!),
    cumulativeTime: Float64Array.from(sums[3]!),
  };
}
