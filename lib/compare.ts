/**
 * Comparing two profiles of the same program: which function got slower or
 * faster, which is new and which is gone, and how the calls between them
 * changed.
 *
 * Both runs rarely store identical keys, so functions are matched across
 * the two in this order, each function at most once:
 *
 * 1. the same `(file, line, name)`, where files compare by a form that
 *    ignores where the program lived: paths inside the standard library or
 *    `site-packages/` by their module path (so Python 3.11's and 3.12's
 *    `json/decoder.py` match), other absolute paths relative to the
 *    directory holding all of that run's own files (two checkouts, two
 *    virtualenvs), `\` as `/`; a run's own file left without an equal is
 *    paired with the one on the other side that shares the longest path
 *    suffix with it, when each is the other's only best match;
 * 2. then the same file and name, when exactly one such function is left
 *    unmatched on each side (the function moved because lines were added
 *    above it);
 * 3. then, among functions that share a file and name ambiguously (three
 *    `<lambda>` in one file), two that alone have some matched caller, one
 *    before and one after (or, failing that, a matched callee), and nothing
 *    that points elsewhere. Repeated until nothing more is decided.
 *
 * Sampled runs (Python 3.15's `profiling.sampling`) key their rows by the
 * line being executed, so one function spans several rows: both sides are
 * first folded into functions with `foldSampledLines()` (one row per file
 * and name, at its smallest line, its samples and its callers and callees
 * added up), and it is these functions that are matched and compared.
 *
 * Memory addresses in names (`<function f at 0x7f3a…>`) never prevent a
 * match. Nothing is paired by guesswork: what stays ambiguous is unmatched.
 * Every unmatched function of the current run is *added*, every unmatched
 * function of the base run *removed*.
 *
 * Everything here is pure and shared by the terminal report, the JSON and
 * CSV reports and the web page.
 *
 * @module
 */

import { builtinName, isBuiltin, shortenPath } from "./location.ts";
import { foldSampledLines } from "./sampled_lines.ts";
import type { Profile } from "./profile.ts";
import { filterTerms, radixOrder, textOrder, textRanks } from "./query.ts";

/** Whether a function exists in both runs, only the current one, or only the base one. */
export type MatchStatus = "matched" | "added" | "removed";

/**
 * What happened to a function, for filters: its cumulative time went up or
 * down (or stayed the same), or it was added or removed.
 */
export type ChangeKind =
  | "slower"
  | "faster"
  | "unchanged"
  | "added"
  | "removed";

/** The kinds of change, in the order they are listed. */
export const CHANGE_KINDS: readonly ChangeKind[] = [
  "slower",
  "faster",
  "unchanged",
  "added",
  "removed",
];

/**
 * Two profiles compared: one row per function of either run. Rows
 * `0 … current.size - 1` are the current run's functions (row = current id);
 * the rows after them are the base run's removed functions, in id order.
 */
export interface Comparison {
  /** The run before (the base). */
  readonly base: Profile;
  /** The run after (the current one). */
  readonly current: Profile;
  /** Whether both hold samples. */
  readonly sampled: boolean;
  /** The number of rows. */
  readonly size: number;
  /** Per row, the base run's function id, or -1 when added. */
  readonly baseIds: Int32Array;
  /** Per row, the current run's function id, or -1 when removed. */
  readonly currentIds: Int32Array;
  /** Per base function id, its row. */
  readonly baseRows: Uint32Array;
  /** How many functions are in both runs, added and removed. */
  readonly counts: {
    readonly matched: number;
    readonly added: number;
    readonly removed: number;
    /** Matched functions whose first line differs. */
    readonly moved: number;
  };
}

/**
 * Compares two profiles, matching their functions by the rules of this
 * module. Sampled profiles are compared by function: `base` and `current`
 * of the result are then the profiles folded by `foldSampledLines()`, and
 * row ids refer to those.
 *
 * @example
 * ```ts
 * import { compareProfiles } from "./compare.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const run = (file: string, line: number, name: string) =>
 *   buildProfile([statsFile("run.pstats", [{
 *     key: [file, line, name],
 *     calls: 1,
 *     primitiveCalls: 1,
 *     internalTime: 0.5,
 *     cumulativeTime: 0.5,
 *   }])]);
 * const before = run("/usr/lib/python3.11/json/decoder.py", 332, "decode");
 * const after = run("/opt/py/lib/python3.12/json/decoder.py", 333, "decode");
 * const comparison = compareProfiles(before, after);
 * assertEquals(comparison.counts, { matched: 1, added: 0, removed: 0, moved: 1 });
 * ```
 *
 * @param base The run before.
 * @param current The run after.
 * @returns The comparison.
 * @throws {TypeError} When one profile holds samples and the other does not.
 */
export function compareProfiles(base: Profile, current: Profile): Comparison {
  if (base.sampled !== current.sampled) {
    const sampled = base.sampled ? base : current;
    const traced = base.sampled ? current : base;
    throw new TypeError(
      `${sampled.sources.join(", ")}: Cannot compare a sampled profile with ${
        traced.sources.length > 0
          ? `a traced one (${traced.sources.join(", ")})`
          : "a traced one"
      }: their numbers mean different things`,
    );
  }
  // A sampled run keys rows by line: compare its functions, not its lines.
  base = foldSampledLines(base);
  current = foldSampledLines(current);
  const pairs = matchFunctions(base, current);
  const currentOf = pairs.currentOf;
  const baseOf = pairs.baseOf;
  let removed = 0;
  for (let b = 0; b < base.size; b++) if (currentOf[b]! < 0) removed++;
  const size = current.size + removed;
  const baseIds = new Int32Array(size);
  const currentIds = new Int32Array(size);
  const baseRows = new Uint32Array(base.size);
  let matched = 0;
  let moved = 0;
  for (let c = 0; c < current.size; c++) {
    const b = baseOf[c]!;
    baseIds[c] = b;
    currentIds[c] = c;
    if (b >= 0) {
      baseRows[b] = c;
      matched++;
      if (base.functions.line[b] !== current.functions.line[c]) moved++;
    }
  }
  let row = current.size;
  for (let b = 0; b < base.size; b++) {
    if (currentOf[b]! >= 0) continue;
    baseIds[row] = b;
    currentIds[row] = -1;
    baseRows[b] = row++;
  }
  return {
    base,
    current,
    sampled: current.sampled,
    size,
    baseIds,
    currentIds,
    baseRows,
    counts: { matched, added: current.size - matched, removed, moved },
  };
}

/** The pairing of two profiles' functions. */
export interface FunctionPairs {
  /** Per base function id, the matching current id, or -1. */
  readonly currentOf: Int32Array;
  /** Per current function id, the matching base id, or -1. */
  readonly baseOf: Int32Array;
}

/**
 * Matches the functions of two profiles by the rules of this module, each
 * function at most once. {@linkcode compareProfiles} uses it; it is
 * exported for tools that only need the pairing.
 *
 * @example
 * ```ts
 * import { matchFunctions } from "./compare.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const run = (...keys: [string, number, string][]) =>
 *   buildProfile([statsFile("run.pstats", keys.map((key) => ({
 *     key,
 *     calls: 1,
 *     primitiveCalls: 1,
 *     internalTime: 0,
 *     cumulativeTime: 0,
 *   })))]);
 * // Two lambdas in one file moved, and nothing tells them apart.
 * const before = run(["app.py", 3, "<lambda>"], ["app.py", 4, "<lambda>"]);
 * const after = run(["app.py", 5, "<lambda>"], ["app.py", 6, "<lambda>"]);
 * assertEquals([...matchFunctions(before, after).baseOf], [-1, -1]);
 * ```
 *
 * @param base The run before.
 * @param current The run after.
 * @returns The pairs.
 */
export function matchFunctions(
  base: Profile,
  current: Profile,
): FunctionPairs {
  const currentOf = new Int32Array(base.size).fill(-1);
  const baseOf = new Int32Array(current.size).fill(-1);
  const pair = (b: number, c: number) => {
    currentOf[b] = c;
    baseOf[c] = b;
  };
  const baseForms = _fileForms(base);
  const currentForms = _fileForms(current);
  const baseFiles = baseForms.forms;
  const renamed = _pairProjectFiles(baseForms, currentForms);
  const currentFiles = renamed.size === 0
    ? currentForms.forms
    : currentForms.forms.map((form) => renamed.get(form) ?? form);
  const baseNames = _matchNames(base);
  const currentNames = _matchNames(current);
  const bf = base.functions;
  const cf = current.functions;
  // Files and names as small integers shared by both sides, so that keys are
  // numbers instead of strings built per function.
  const fileIds = new Map<string, number>();
  const nameIds = new Map<string, number>();
  const bFile = _ids(baseFiles, fileIds);
  const cFile = _ids(currentFiles, fileIds);
  const bName = _ids(baseNames, nameIds);
  const cName = _ids(currentNames, nameIds);
  let minLine = 0;
  let maxLine = 0;
  for (const line of [bf.line, cf.line]) {
    for (let i = 0; i < line.length; i++) {
      const n = line[i]!;
      if (n < minLine) minLine = n;
      if (n > maxLine) maxLine = n;
    }
  }
  const files = fileIds.size;
  const lines = maxLine - minLine + 1;
  const numeric = nameIds.size * files * lines < Number.MAX_SAFE_INTEGER;
  const key1 =
    (file: Int32Array, name: Int32Array, line: ArrayLike<number>) =>
    (
      i: number,
    ): number | string =>
      numeric
        ? (name[i]! * files + file[i]!) * lines + (line[i]! - minLine)
        : `${name[i]},${file[i]},${line[i]}`;
  const baseKey = key1(bFile, bName, bf.line);
  const currentKey = key1(cFile, cName, cf.line);

  // 1. The same (file, line, name), files and names in their matching form.
  const baseIndex = new Map<number | string, number>(); // key → id, or -1 when several
  for (let b = 0; b < base.size; b++) {
    const key = baseKey(b);
    baseIndex.set(key, baseIndex.has(key) ? -1 : b);
  }
  const currentKeys: (number | string)[] = new Array(current.size);
  const currentIndex = new Map<number | string, number>();
  for (let c = 0; c < current.size; c++) {
    const key = currentKey(c);
    currentKeys[c] = key;
    currentIndex.set(key, currentIndex.has(key) ? -1 : c);
  }
  const ambiguous = new Set<number | string>();
  for (let c = 0; c < current.size; c++) {
    const key = currentKeys[c]!;
    const b = baseIndex.get(key);
    if (b === undefined) continue;
    if (b >= 0 && currentIndex.get(key) === c) pair(b, c);
    else ambiguous.add(key);
  }
  if (ambiguous.size > 0) {
    // Several functions share the key on a side (a merge of two checkouts,
    // names differing only by an address): the very same stored key decides,
    // then a single one left on each side.
    const groups = new Map<number | string, { b: number[]; c: number[] }>();
    const group = (key: number | string) => {
      let g = groups.get(key);
      if (g === undefined) groups.set(key, g = { b: [], c: [] });
      return g;
    };
    for (let b = 0; b < base.size; b++) {
      const key = baseKey(b);
      if (ambiguous.has(key)) group(key).b.push(b);
    }
    for (let c = 0; c < current.size; c++) {
      if (ambiguous.has(currentKeys[c]!)) group(currentKeys[c]!).c.push(c);
    }
    for (const g of groups.values()) {
      for (const b of g.b) {
        const same = g.c.filter((c) =>
          baseOf[c]! < 0 && cf.file[c] === bf.file[b] &&
          cf.name[c] === bf.name[b]
        );
        if (same.length === 1) pair(b, same[0]!);
      }
      const bLeft = g.b.filter((b) => currentOf[b]! < 0);
      const cLeft = g.c.filter((c) => baseOf[c]! < 0);
      if (bLeft.length === 1 && cLeft.length === 1) pair(bLeft[0]!, cLeft[0]!);
    }
  }

  // 2. The same file and name, exactly one left unmatched on each side.
  const groups = new Map<number, { b: number[]; c: number[] }>();
  for (let b = 0; b < base.size; b++) {
    if (currentOf[b]! >= 0) continue;
    const key = bName[b]! * files + bFile[b]!;
    const g = groups.get(key);
    if (g === undefined) groups.set(key, { b: [b], c: [] });
    else g.b.push(b);
  }
  for (let c = 0; c < current.size; c++) {
    if (baseOf[c]! >= 0) continue;
    groups.get(cName[c]! * files + cFile[c]!)?.c.push(c);
  }
  const open: { b: number[]; c: number[] }[] = [];
  for (const g of groups.values()) {
    if (g.b.length === 1 && g.c.length === 1) pair(g.b[0]!, g.c[0]!);
    else if (g.b.length > 0 && g.c.length > 0) open.push(g);
  }

  // 3. Ambiguous names, decided only by a matched neighbour that one pair
  // alone shares.
  let progress = open.length > 0;
  while (progress) {
    progress = false;
    for (const callers of [true, false]) {
      let decided = true;
      while (decided) {
        decided = false;
        for (const g of open) {
          if (
            _decideByNeighbours(
              g,
              base,
              current,
              currentOf,
              baseOf,
              callers,
              pair,
            )
          ) {
            decided = progress = true;
          }
        }
      }
      if (progress) break;
    }
  }
  return { currentOf, baseOf };
}

/** Each string's number in `map`, adding the strings it lacks. */
function _ids(
  strings: readonly string[],
  map: Map<string, number>,
): Int32Array {
  const ids = new Int32Array(strings.length);
  for (let i = 0; i < strings.length; i++) {
    const s = strings[i]!;
    let id = map.get(s);
    if (id === undefined) map.set(s, id = map.size);
    ids[i] = id;
  }
  return ids;
}

/**
 * Pairs, within one ambiguous group, two functions that alone in the group
 * have some matched caller (or callee), one on each side, when nothing
 * else they have points to another function.
 */
function _decideByNeighbours(
  group: { b: number[]; c: number[] },
  base: Profile,
  current: Profile,
  currentOf: Int32Array,
  baseOf: Int32Array,
  callers: boolean,
  pair: (b: number, c: number) => void,
): boolean {
  const bLeft = group.b.filter((b) => currentOf[b]! < 0);
  const cLeft = group.c.filter((c) => baseOf[c]! < 0);
  if (bLeft.length === 0 || cLeft.length === 0) return false;
  // Each side's neighbours, in current ids (base neighbours mapped across).
  const neighbours = (profile: Profile, id: number, map: Int32Array | null) => {
    const start = callers ? profile.callerStart : profile.calleeStart;
    const list = callers ? profile.callerEdges : profile.calleeEdges;
    const other = callers ? profile.edges.caller : profile.edges.callee;
    const set = new Set<number>();
    for (let k = start[id]!; k < start[id + 1]!; k++) {
      const n = other[list[k]!]!;
      const mapped = map === null ? n : map[n]!;
      if (mapped >= 0) set.add(mapped);
    }
    return set;
  };
  // A neighbour that exactly one function of the group has on each side
  // says those two are the same; the pair stands if nothing else of theirs
  // says otherwise.
  const holders = new Map<number, { b: number; c: number }>();
  const note = (v: number, side: "b" | "c", i: number) => {
    let h = holders.get(v);
    if (h === undefined) holders.set(v, h = { b: -1, c: -1 });
    h[side] = h[side] === -1 ? i : -2; // -2: several
  };
  bLeft.forEach((b, i) => {
    for (const v of neighbours(base, b, currentOf)) note(v, "b", i);
  });
  cLeft.forEach((c, j) => {
    for (const v of neighbours(current, c, null)) note(v, "c", j);
  });
  const bChoice = new Int32Array(bLeft.length).fill(-1); // -2: conflicting
  const cChoice = new Int32Array(cLeft.length).fill(-1);
  for (const { b: i, c: j } of holders.values()) {
    if (i < 0 || j < 0) continue;
    bChoice[i] = bChoice[i] === -1 || bChoice[i] === j ? j : -2;
    cChoice[j] = cChoice[j] === -1 || cChoice[j] === i ? i : -2;
  }
  let decided = false;
  bChoice.forEach((j, i) => {
    if (j >= 0 && cChoice[j] === i) {
      pair(bLeft[i]!, cLeft[j]!);
      decided = true;
    }
  });
  return decided;
}

/**
 * Each function's file in the form files are matched by: built-ins as `~`,
 * paths inside the standard library or `site-packages/` by their module
 * path, other absolute paths relative to the deepest directory that holds
 * all of them, and `\` written as `/`.
 *
 * @example
 * ```ts
 * import { matchFileForms } from "./compare.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const profile = buildProfile([statsFile("run.pstats", [
 *   "/home/me/v2/app.py",
 *   "/home/me/v2/lib/util.py",
 *   "/usr/lib/python3.12/json/decoder.py",
 *   "<frozen importlib._bootstrap>",
 * ].map((file) => ({
 *   key: [file, 1, "f"] as const,
 *   calls: 1,
 *   primitiveCalls: 1,
 *   internalTime: 0,
 *   cumulativeTime: 0,
 * })))]);
 * assertEquals(matchFileForms(profile), [
 *   "app.py",
 *   "lib/util.py",
 *   "json/decoder.py",
 *   "<frozen importlib._bootstrap>",
 * ]);
 * ```
 *
 * @param profile The profile.
 * @returns Per function id, its file's matching form.
 */
export function matchFileForms(profile: Profile): string[] {
  return _fileForms(profile).forms;
}

/** The file forms, and which of them are the run's own (project) files. */
function _fileForms(
  profile: Profile,
): { forms: string[]; project: Set<string> } {
  const f = profile.functions;
  const forms = new Map<string, string>();
  const project: string[] = [];
  for (let i = 0; i < profile.size; i++) {
    const file = f.file[i]!;
    if (forms.has(file)) continue;
    if (isBuiltin(file, f.line[i]!)) {
      forms.set(file, "~");
      continue;
    }
    const slashed = file.replaceAll("\\", "/");
    const short = shortenPath(slashed);
    forms.set(file, short);
    if (short === slashed && /^(?:\/|[A-Za-z]:\/)/.test(slashed)) {
      project.push(file);
    }
  }
  if (project.length > 0) {
    const dirs = project.map((file) =>
      file.replaceAll("\\", "/").split("/").slice(0, -1)
    );
    let depth = dirs[0]!.length;
    for (const dir of dirs) {
      let k = 0;
      while (k < depth && k < dir.length && dir[k] === dirs[0]![k]) k++;
      depth = k;
    }
    for (const file of project) {
      forms.set(
        file,
        file.replaceAll("\\", "/").split("/").slice(depth).join("/"),
      );
    }
  }
  const byFile = f.file.map((file) => forms.get(file)!);
  // Built-ins of the profile module store "" as their file, like a module
  // stored with no file; only the line tells them apart.
  for (let i = 0; i < profile.size; i++) {
    if (isBuiltin(f.file[i]!, f.line[i]!)) byFile[i] = "~";
  }
  return {
    forms: byFile,
    project: new Set(project.map((file) => forms.get(file)!)),
  };
}

/**
 * Pairs the run's own files that have no equal on the other side by the
 * longest path suffix they share (`v1/app.py` and `srv/v2/app.py`, when a
 * file outside the checkout moved one side's common directory), only when
 * each is the other's one best match.
 *
 * @returns Current form → base form.
 */
function _pairProjectFiles(
  base: { forms: string[]; project: Set<string> },
  current: { forms: string[]; project: Set<string> },
): Map<string, string> {
  const pairs = new Map<string, string>();
  if (base.project.size === 0 || current.project.size === 0) return pairs;
  const baseAll = new Set(base.forms);
  const currentAll = new Set(current.forms);
  const b = [...base.project].filter((form) => !currentAll.has(form));
  const c = [...current.project].filter((form) => !baseAll.has(form));
  if (b.length === 0 || c.length === 0) return pairs;
  const parts = (form: string) => form.split("/").reverse();
  const bParts = b.map(parts);
  const cParts = c.map(parts);
  const common = (x: string[], y: string[]) => {
    let k = 0;
    while (k < x.length && k < y.length && x[k] === y[k]) k++;
    return k;
  };
  // Each file's one best match on the other side, or -1 if none or a tie.
  const best = (from: string[][], to: string[][]) =>
    from.map((x) => {
      let length = 0;
      let at = -1;
      let ties = 0;
      to.forEach((y, j) => {
        const k = common(x, y);
        if (k > length) [length, at, ties] = [k, j, 1];
        else if (k === length && k > 0) ties++;
      });
      return ties === 1 ? at : -1;
    });
  const bBest = best(bParts, cParts);
  const cBest = best(cParts, bParts);
  bBest.forEach((j, i) => {
    if (j >= 0 && cBest[j] === i) pairs.set(c[j]!, b[i]!);
  });
  return pairs;
}

const _ADDRESS = /0x[0-9a-f]+/gi;

/**
 * A function name without memory addresses, so that `<function f at
 * 0x7f3a…>` in one run matches the same in another.
 *
 * @example
 * ```ts
 * import { nameWithoutAddresses } from "./compare.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(
 *   nameWithoutAddresses("<lambda> at 0x7f3a12bc4d60"),
 *   "<lambda> at 0x…",
 * );
 * ```
 *
 * @param name The name as stored.
 * @returns The name with every `0x…` hexadecimal number replaced.
 */
export function nameWithoutAddresses(name: string): string {
  return name.includes("0x") || name.includes("0X")
    ? name.replace(_ADDRESS, "0x…")
    : name;
}

function _matchNames(profile: Profile): string[] {
  return profile.functions.name.map(nameWithoutAddresses);
}

/** A function's numbers (or an edge's) in one run. */
export interface Numbers {
  /** Calls (cumulative samples when sampled). */
  readonly calls: number;
  /** Primitive calls (direct samples when sampled). */
  readonly primitiveCalls: number;
  /** Internal time in seconds. */
  readonly internalTime: number;
  /** Cumulative time in seconds. */
  readonly cumulativeTime: number;
}

/** A function's (or an edge's) numbers in both runs and their change. */
export interface ComparedNumbers {
  /** The numbers before, `null` when it did not exist. */
  readonly base: Numbers | null;
  /** The numbers after, `null` when it no longer exists. */
  readonly current: Numbers | null;
  /** After minus before, a missing side counting as 0. */
  readonly delta: Numbers;
}

interface _Columns {
  readonly calls: Float64Array;
  readonly primitiveCalls: Float64Array;
  readonly internalTime: Float64Array;
  readonly cumulativeTime: Float64Array;
}

function _numbers(columns: _Columns, i: number): Numbers | null {
  if (i < 0) return null;
  return {
    calls: columns.calls[i]!,
    primitiveCalls: columns.primitiveCalls[i]!,
    internalTime: columns.internalTime[i]!,
    cumulativeTime: columns.cumulativeTime[i]!,
  };
}

function _compared(
  baseColumns: _Columns,
  b: number,
  currentColumns: _Columns,
  c: number,
): ComparedNumbers {
  const base = _numbers(baseColumns, b);
  const current = _numbers(currentColumns, c);
  const minus = (key: keyof Numbers) =>
    (current?.[key] ?? 0) - (base?.[key] ?? 0);
  return {
    base,
    current,
    delta: {
      calls: minus("calls"),
      primitiveCalls: minus("primitiveCalls"),
      internalTime: minus("internalTime"),
      cumulativeTime: minus("cumulativeTime"),
    },
  };
}

/**
 * A row's numbers before and after, and the change.
 *
 * @param comparison The comparison.
 * @param row The row.
 * @returns The numbers.
 */
export function rowNumbers(
  comparison: Comparison,
  row: number,
): ComparedNumbers {
  return _compared(
    comparison.base.functions,
    comparison.baseIds[row]!,
    comparison.current.functions,
    comparison.currentIds[row]!,
  );
}

/**
 * A row's status.
 *
 * @param comparison The comparison.
 * @param row The row.
 * @returns `matched`, `added` or `removed`.
 */
export function rowStatus(comparison: Comparison, row: number): MatchStatus {
  return comparison.baseIds[row]! < 0
    ? "added"
    : comparison.currentIds[row]! < 0
    ? "removed"
    : "matched";
}

/**
 * What happened to a row's function: added, removed, or, when in both runs,
 * whether its cumulative time went up (slower), down (faster) or neither.
 *
 * @param comparison The comparison.
 * @param row The row.
 * @returns The kind of change.
 */
export function rowChange(comparison: Comparison, row: number): ChangeKind {
  const b = comparison.baseIds[row]!;
  const c = comparison.currentIds[row]!;
  if (b < 0) return "added";
  if (c < 0) return "removed";
  const before = comparison.base.functions.cumulativeTime[b]!;
  const after = comparison.current.functions.cumulativeTime[c]!;
  return after > before ? "slower" : after < before ? "faster" : "unchanged";
}

/**
 * The profile and id a row's function is shown from: the current run's, or
 * the base run's when removed.
 *
 * @param comparison The comparison.
 * @param row The row.
 * @returns The profile and the function's id in it.
 */
export function rowFunction(
  comparison: Comparison,
  row: number,
): { profile: Profile; id: number } {
  const c = comparison.currentIds[row]!;
  return c >= 0
    ? { profile: comparison.current, id: c }
    : { profile: comparison.base, id: comparison.baseIds[row]! };
}

/**
 * The row of a current function id, or of a base function id.
 *
 * @param comparison The comparison.
 * @param side Which run the id is from.
 * @param id The function id.
 * @returns The row.
 */
export function rowOf(
  comparison: Comparison,
  side: "base" | "current",
  id: number,
): number {
  return side === "current" ? id : comparison.baseRows[id]!;
}

/** The totals of both runs and their change. */
export interface ComparedTotals {
  /** Before. */
  readonly base: { calls: number; primitiveCalls: number; time: number };
  /** After. */
  readonly current: { calls: number; primitiveCalls: number; time: number };
  /** After minus before. */
  readonly delta: { calls: number; primitiveCalls: number; time: number };
}

/**
 * Both runs' totals (pstats' total calls, primitive calls and time) and
 * their change.
 *
 * @param comparison The comparison.
 * @returns The totals.
 */
export function compareTotals(comparison: Comparison): ComparedTotals {
  const b = comparison.base.totals;
  const c = comparison.current.totals;
  return {
    base: { ...b },
    current: { ...c },
    delta: {
      calls: c.calls - b.calls,
      primitiveCalls: c.primitiveCalls - b.primitiveCalls,
      time: c.time - b.time,
    },
  };
}

/**
 * The relative change from `before` to `after`: 0.5 for +50%. From 0 to
 * something it is `Infinity` (new), from 0 to 0 it is 0.
 *
 * @example
 * ```ts
 * import { relativeChange } from "./compare.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(relativeChange(0.5, 0.25), -0.5);
 * assertEquals(relativeChange(0, 2), Infinity);
 * ```
 *
 * @param before The value before.
 * @param after The value after.
 * @returns The change as a fraction of `before`.
 */
export function relativeChange(before: number, after: number): number {
  if (before === 0) return after === 0 ? 0 : after > 0 ? Infinity : -Infinity;
  return (after - before) / Math.abs(before);
}

/** The columns a comparison can sort by. */
export const COMPARE_SORT_COLUMNS = [
  "cumulative_change",
  "cumulative_change_percent",
  "cumulative_before",
  "cumulative",
  "internal_change",
  "internal_change_percent",
  "internal_before",
  "internal",
  "calls_change",
  "calls_change_percent",
  "calls_before",
  "calls",
  "name",
  "file",
] as const;

/** A column a comparison can sort by. */
export type CompareSortColumn = typeof COMPARE_SORT_COLUMNS[number];

/**
 * Whether a string names a comparison sort column.
 *
 * @param value Any string.
 * @returns `true` if it is one of {@linkcode COMPARE_SORT_COLUMNS}.
 */
export function isCompareSortColumn(
  value: string,
): value is CompareSortColumn {
  return (COMPARE_SORT_COLUMNS as readonly string[]).includes(value);
}

/** Options of {@linkcode queryComparison} and the edge queries. */
export interface CompareQueryOptions {
  /** Space-separated terms that must all occur in the location or name. */
  filter?: string;
  /** Only rows with one of these changes; all when absent or empty. */
  changes?: readonly ChangeKind[];
  /** The sort column; defaults to `cumulative_change`. */
  sort?: CompareSortColumn;
  /** Largest first; defaults to `true` except for `name` and `file`. */
  descending?: boolean;
  /** Rows to skip. */
  offset?: number;
  /** Rows to return at most. */
  limit?: number;
}

/** Rows found by {@linkcode queryComparison}. */
export interface CompareQueryResult {
  /** How many rows match, before offset and limit. */
  readonly total: number;
  /** The rows from `offset`, at most `limit`. */
  readonly rows: Uint32Array;
}

/**
 * Whether a comparison sort column is ordered largest first unless asked
 * otherwise.
 *
 * @param column The column.
 * @returns `true` for numeric columns.
 */
export function isCompareDescendingByDefault(
  column: CompareSortColumn,
): boolean {
  return column !== "name" && column !== "file";
}

/**
 * Finds rows of a comparison: filters by text and kind of change, sorts by
 * any column either way (ties in row order), then pages. By default the
 * largest regression in cumulative time comes first.
 *
 * @example
 * ```ts
 * import { compareProfiles, queryComparison, rowFunction } from "./compare.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const run = (times: Record<string, number>) =>
 *   buildProfile([statsFile("run.pstats", Object.entries(times).map(
 *     ([name, time]) => ({
 *       key: ["app.py", 1, name] as const,
 *       calls: 1,
 *       primitiveCalls: 1,
 *       internalTime: time,
 *       cumulativeTime: time,
 *     }),
 *   ))]);
 * const comparison = compareProfiles(
 *   run({ load: 1, parse: 2, old: 1 }),
 *   run({ load: 3, parse: 1, new: 0.5 }),
 * );
 * const { rows } = queryComparison(comparison);
 * const names = [...rows].map((row) => {
 *   const { profile, id } = rowFunction(comparison, row);
 *   return profile.functions.name[id];
 * });
 * assertEquals(names, ["load", "new", "parse", "old"]);
 * assertEquals(queryComparison(comparison, { changes: ["faster"] }).total, 1);
 * ```
 *
 * @param comparison The comparison.
 * @param options Filter, kinds of change, sort, offset and limit.
 * @returns The matching rows and their count.
 */
export function queryComparison(
  comparison: Comparison,
  options: CompareQueryOptions = {},
): CompareQueryResult {
  const column = options.sort ?? "cumulative_change";
  const descending = options.descending ??
    isCompareDescendingByDefault(column);
  const order = _rowOrder(comparison, column, descending);
  const terms = filterTerms(options.filter);
  const changes = options.changes ?? [];
  if (terms.length === 0 && changes.length === 0) {
    return _page(order, order.length, options);
  }
  const text = terms.length > 0 ? _searchText(comparison) : [];
  const kinds = new Set(changes);
  const matched = new Uint32Array(order.length);
  let total = 0;
  for (let i = 0; i < order.length; i++) {
    const row = order[i]!;
    if (kinds.size > 0 && !kinds.has(rowChange(comparison, row))) continue;
    if (terms.length > 0 && !_matchesAll(text[row]!, terms)) continue;
    matched[total++] = row;
  }
  return _page(matched, total, options);
}

/** One caller or callee of a function, compared across the two runs. */
export interface ComparedEdge {
  /** The row of the other function (the caller, or the callee). */
  readonly row: number;
  /** The edge in the base run, or -1 when the call is new. */
  readonly baseEdge: number;
  /** The edge in the current run, or -1 when the call is gone. */
  readonly currentEdge: number;
}

/** Edges found by {@linkcode compareCallers} or {@linkcode compareCallees}. */
export interface ComparedEdgesResult {
  /** How many edges match, before offset and limit. */
  readonly total: number;
  /** The edges from `offset`, at most `limit`. */
  readonly edges: readonly ComparedEdge[];
}

/**
 * The callers of a row's function in both runs, edge by edge: a caller
 * matched across the runs is one entry with both edges. Filtering and the
 * name and file columns apply to the caller; the numbers are the edge's.
 *
 * @param comparison The comparison.
 * @param row The called function's row.
 * @param options Filter, kinds of change, sort, offset and limit.
 * @returns The edges.
 */
export function compareCallers(
  comparison: Comparison,
  row: number,
  options: CompareQueryOptions = {},
): ComparedEdgesResult {
  return _compareEdges(comparison, row, true, options);
}

/**
 * The callees of a row's function in both runs, edge by edge; see
 * {@linkcode compareCallers}.
 *
 * @example
 * ```ts
 * import { compareCallees, compareProfiles } from "./compare.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const run = (callees: string[]) =>
 *   buildProfile([statsFile("run.pstats", [
 *     { key: ["app.py", 1, "main"], calls: 1, primitiveCalls: 1, internalTime: 0, cumulativeTime: 1 },
 *     ...callees.map((name) => ({
 *       key: ["app.py", 9, name] as const,
 *       calls: 1,
 *       primitiveCalls: 1,
 *       internalTime: 0.5,
 *       cumulativeTime: 0.5,
 *       callers: [{ key: ["app.py", 1, "main"] as const, calls: 1 }],
 *     })),
 *   ])]);
 * const comparison = compareProfiles(run(["load", "old"]), run(["load", "new"]));
 * const { edges } = compareCallees(comparison, 0, { sort: "name" });
 * assertEquals(edges.map((e) => [e.baseEdge >= 0, e.currentEdge >= 0]), [
 *   [true, true], // load
 *   [false, true], // new
 *   [true, false], // old
 * ]);
 * ```
 *
 * @param comparison The comparison.
 * @param row The calling function's row.
 * @param options Filter, kinds of change, sort, offset and limit.
 * @returns The edges.
 */
export function compareCallees(
  comparison: Comparison,
  row: number,
  options: CompareQueryOptions = {},
): ComparedEdgesResult {
  return _compareEdges(comparison, row, false, options);
}

/**
 * An edge's numbers before and after, and the change.
 *
 * @param comparison The comparison.
 * @param edge The compared edge.
 * @returns The numbers.
 */
export function edgeNumbers(
  comparison: Comparison,
  edge: ComparedEdge,
): ComparedNumbers {
  return _compared(
    comparison.base.edges,
    edge.baseEdge,
    comparison.current.edges,
    edge.currentEdge,
  );
}

/**
 * What happened to an edge: new, gone, or its cumulative time up, down or
 * the same (its calls, or samples, where edges carry no times).
 *
 * @param comparison The comparison.
 * @param edge The compared edge.
 * @returns The kind of change.
 */
export function edgeChange(
  comparison: Comparison,
  edge: ComparedEdge,
): ChangeKind {
  if (edge.baseEdge < 0) return "added";
  if (edge.currentEdge < 0) return "removed";
  // Edges without times (samples, the `profile` module) change by count.
  const value = comparison.base.edgeDetail && comparison.current.edgeDetail
    ? "cumulativeTime"
    : "calls";
  const before = comparison.base.edges[value][edge.baseEdge]!;
  const after = comparison.current.edges[value][edge.currentEdge]!;
  return after > before ? "slower" : after < before ? "faster" : "unchanged";
}

function _compareEdges(
  comparison: Comparison,
  row: number,
  callers: boolean,
  options: CompareQueryOptions,
): ComparedEdgesResult {
  const byRow = new Map<number, { baseEdge: number; currentEdge: number }>();
  const collect = (profile: Profile, id: number, side: "base" | "current") => {
    if (id < 0) return;
    const start = callers ? profile.callerStart : profile.calleeStart;
    const list = callers ? profile.callerEdges : profile.calleeEdges;
    const other = callers ? profile.edges.caller : profile.edges.callee;
    for (let k = start[id]!; k < start[id + 1]!; k++) {
      const edge = list[k]!;
      const otherRow = rowOf(comparison, side, other[edge]!);
      let entry = byRow.get(otherRow);
      if (entry === undefined) {
        byRow.set(otherRow, entry = { baseEdge: -1, currentEdge: -1 });
      }
      if (side === "base") entry.baseEdge = edge;
      else entry.currentEdge = edge;
    }
  };
  collect(comparison.base, comparison.baseIds[row]!, "base");
  collect(comparison.current, comparison.currentIds[row]!, "current");
  let edges: ComparedEdge[] = [...byRow].map(([row, e]) => ({ row, ...e }));
  edges.sort((a, b) => a.row - b.row);
  const terms = filterTerms(options.filter);
  if (terms.length > 0) {
    const text = _searchText(comparison);
    edges = edges.filter((e) => _matchesAll(text[e.row]!, terms));
  }
  const kinds = new Set(options.changes ?? []);
  if (kinds.size > 0) {
    edges = edges.filter((e) => kinds.has(edgeChange(comparison, e)));
  }
  const column = options.sort ?? "cumulative_change";
  const descending = options.descending ??
    isCompareDescendingByDefault(column);
  const baseIds = Int32Array.from(edges, (e) => e.baseEdge);
  const currentIds = Int32Array.from(edges, (e) => e.currentEdge);
  const keys = column === "name" || column === "file"
    ? Float64Array.from(edges, (e) => _ranks(comparison, column)[e.row]!)
    : _keys(
      column,
      comparison.base.edges,
      baseIds,
      comparison.current.edges,
      currentIds,
    );
  const order = _sortOrder(keys, descending);
  const sorted = Array.from(order, (i) => edges[i]!);
  const start = Math.min(
    Math.max(0, Math.floor(options.offset ?? 0)),
    sorted.length,
  );
  const end = Math.min(
    sorted.length,
    start + Math.max(0, options.limit ?? Infinity),
  );
  return { total: sorted.length, edges: sorted.slice(start, end) };
}

/** Per item, the value of a numeric sort column. */
function _keys(
  column: Exclude<CompareSortColumn, "name" | "file">,
  baseColumns: _Columns,
  baseIds: Int32Array,
  currentColumns: _Columns,
  currentIds: Int32Array,
): Float64Array {
  const [metric, what] = column.startsWith("cumulative")
    ? ["cumulativeTime", column.slice("cumulative".length)] as const
    : column.startsWith("internal")
    ? ["internalTime", column.slice("internal".length)] as const
    : ["calls", column.slice("calls".length)] as const;
  const before = baseColumns[metric];
  const after = currentColumns[metric];
  const n = baseIds.length;
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const b = baseIds[i]!;
    const c = currentIds[i]!;
    const x = b >= 0 ? before[b]! : 0;
    const y = c >= 0 ? after[c]! : 0;
    switch (what) {
      case "":
        keys[i] = y;
        break;
      case "_before":
        keys[i] = x;
        break;
      case "_change":
        keys[i] = y - x;
        break;
      default:
        keys[i] = relativeChange(x, y);
    }
  }
  return keys;
}

/** Indexes ordered by key, ties in index order; NaN last either way. */
function _sortOrder(keys: Float64Array, descending: boolean): Uint32Array {
  return radixOrder(keys, descending);
}

function _page(
  rows: Uint32Array,
  total: number,
  { offset = 0, limit = Infinity }: CompareQueryOptions,
): CompareQueryResult {
  const start = Math.min(Math.max(0, Math.floor(offset)), total);
  const end = Math.min(total, start + Math.max(0, limit));
  return { total, rows: rows.slice(start, end) };
}

function _matchesAll(text: string, terms: string[]): boolean {
  for (const term of terms) if (!text.includes(term)) return false;
  return true;
}

interface _Cache {
  orders: Map<string, Uint32Array>;
  ranks: Map<string, Float64Array>;
  text?: string[];
}

const _caches = new WeakMap<Comparison, _Cache>();

function _cache(comparison: Comparison): _Cache {
  let cache = _caches.get(comparison);
  if (cache === undefined) {
    cache = { orders: new Map(), ranks: new Map() };
    _caches.set(comparison, cache);
  }
  return cache;
}

function _rowOrder(
  comparison: Comparison,
  column: CompareSortColumn,
  descending: boolean,
): Uint32Array {
  const cache = _cache(comparison);
  const key = `${column}:${descending}`;
  let order = cache.orders.get(key);
  if (order === undefined) {
    const keys = column === "name" || column === "file"
      ? _ranks(comparison, column)
      : _keys(
        column,
        comparison.base.functions,
        comparison.baseIds,
        comparison.current.functions,
        comparison.currentIds,
      );
    order = _sortOrder(keys, descending);
    cache.orders.set(key, order);
  }
  return order;
}

/** Per row, the lower-case text filter terms are looked for in. */
function _searchText(comparison: Comparison): string[] {
  const cache = _cache(comparison);
  if (cache.text) return cache.text;
  const text: string[] = new Array(comparison.size);
  for (let row = 0; row < comparison.size; row++) {
    const { profile, id } = rowFunction(comparison, row);
    const f = profile.functions;
    const file = f.file[id]!;
    const line = f.line[id]!;
    const name = f.name[id]!;
    text[row] = (isBuiltin(file, line)
      ? `${builtinName(name)}\n${name}`
      : `${f.shortFile[id]}:${line}\n${file}:${line}\n${name}`).toLowerCase();
  }
  cache.text = text;
  return text;
}

/**
 * Per row, its position sorted by name, or by short file, line and name:
 * from each run's `textOrder()` (worked out by the server for the
 * page), whose codes are brought into one order by merging the two runs'
 * sorted distinct texts, so no text is sorted here.
 */
function _ranks(comparison: Comparison, column: "name" | "file"): Float64Array {
  const cache = _cache(comparison);
  const known = cache.ranks.get(column);
  if (known) return known;
  const n = comparison.size;
  const { base, current } = comparison;
  const before = textOrder(base);
  const after = textOrder(current);
  const shownName = (p: Profile, id: number) => {
    const f = p.functions;
    return isBuiltin(f.file[id]!, f.line[id]!)
      ? builtinName(f.name[id]!)
      : f.name[id]!;
  };
  const [baseNames, currentNames, nameCount] = _mergeCodes(
    base,
    before.names,
    before.nameCount,
    current,
    after.names,
    after.nameCount,
    shownName,
  );
  const [baseFiles, currentFiles, fileCount] = column === "name"
    ? [new Uint32Array(0), new Uint32Array(0), 0]
    : _mergeCodes(
      base,
      before.files,
      before.fileCount,
      current,
      after.files,
      after.fileCount,
      (p, id) => p.functions.shortFile[id]!,
    );
  const names = new Uint32Array(n);
  const files = new Uint32Array(column === "name" ? 0 : n);
  const lines = new Float64Array(n);
  for (let row = 0; row < n; row++) {
    const c = comparison.currentIds[row]!;
    const id = c >= 0 ? c : comparison.baseIds[row]!;
    const p = c >= 0 ? current : base;
    const code = (c >= 0 ? after : before).names[id]!;
    names[row] = (c >= 0 ? currentNames : baseNames)[code]!;
    if (column === "file") {
      const file = (c >= 0 ? after : before).files[id]!;
      files[row] = (c >= 0 ? currentFiles : baseFiles)[file]!;
    }
    lines[row] = p.functions.line[id]!;
  }
  const rank = textRanks(
    column,
    { names, nameCount, files, fileCount },
    lines,
  );
  cache.ranks.set(column, rank);
  return rank;
}

/**
 * Brings two profiles' text codes (positions among each one's distinct
 * texts in order) into one order: the position of each code's text among
 * the distinct texts of both. Each side's texts are already in order, so
 * they are merged, each compared once.
 *
 * @returns Per base code and per current code, the joint code; and how
 * many distinct texts there are in all.
 */
function _mergeCodes(
  base: Profile,
  baseCodes: Uint32Array,
  baseCount: number,
  current: Profile,
  currentCodes: Uint32Array,
  currentCount: number,
  text: (profile: Profile, id: number) => string,
): [Uint32Array, Uint32Array, number] {
  // A function of each code, to read its text.
  const baseIds = new Uint32Array(baseCount);
  for (let id = 0; id < baseCodes.length; id++) baseIds[baseCodes[id]!] = id;
  const currentIds = new Uint32Array(currentCount);
  for (let id = 0; id < currentCodes.length; id++) {
    currentIds[currentCodes[id]!] = id;
  }
  const toBase = new Uint32Array(baseCount);
  const toCurrent = new Uint32Array(currentCount);
  let b = 0;
  let c = 0;
  let joint = 0;
  while (b < baseCount || c < currentCount) {
    const x = b < baseCount ? text(base, baseIds[b]!) : undefined;
    const y = c < currentCount ? text(current, currentIds[c]!) : undefined;
    if (y === undefined || (x !== undefined && x <= y)) {
      if (x === y) toCurrent[c++] = joint;
      toBase[b++] = joint++;
    } else {
      toCurrent[c++] = joint++;
    }
  }
  return [toBase, toCurrent, joint];
}
