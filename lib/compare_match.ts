/**
 * Where compare matches functions: which function of one run is which of
 * the other.
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
 * Memory addresses in names (`<function f at 0x7f3a…>`) never prevent a
 * match. Nothing is paired by guesswork: what stays ambiguous is unmatched,
 * and `compareProfiles()` (`lib/compare.ts`) counts every unmatched function
 * of the current run as added, every unmatched function of the base run as
 * removed.
 *
 * The work grows in proportion to the runs' functions and edges, whatever
 * their shape (renamed folders, thousands of names differing only by an
 * address, ambiguous names that decide each other one by one): files are
 * paired through a tree of their path suffixes, the functions sharing a key
 * through an index of their stored keys, and rule 3 keeps what each
 * function's neighbours say up to date as pairs are made, looking again only
 * at the groups where that changed, in the order a pass over all of them
 * would (`_NeighbourRule`). {@linkcode MatchWork} counts the steps.
 *
 * @module
 */

import { isBuiltin, shortenPath } from "./location.ts";
import type { Profile } from "./profile.ts";

/** The pairing of two profiles' functions. */
export interface FunctionPairs {
  /** Per base function id, the matching current id, or -1. */
  readonly currentOf: Int32Array;
  /** Per current function id, the matching base id, or -1. */
  readonly baseOf: Int32Array;
}

/**
 * A count of the steps matching took, for tests and benchmarks that check
 * that its work grows in proportion to the runs' size.
 */
export interface MatchWork {
  /**
   * Steps taken where the work could grow faster than the runs: path parts
   * compared when pairing files, candidates looked at within a shared key,
   * neighbours looked at and notes taken when deciding by neighbours.
   */
  steps: number;
}

/** Options of {@linkcode matchFunctions}. */
export interface MatchOptions {
  /** Where to add the steps taken (see {@linkcode MatchWork}). */
  readonly work?: MatchWork;
}

/**
 * Matches the functions of two profiles by the rules of this module, each
 * function at most once. `compareProfiles()` uses it; it is exported for
 * tools that only need the pairing.
 *
 * @example
 * ```ts
 * import { matchFunctions } from "./compare_match.ts";
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
 * const work = { steps: 0 };
 * assertEquals([...matchFunctions(before, after, { work }).baseOf], [-1, -1]);
 * ```
 *
 * @param base The run before.
 * @param current The run after.
 * @param options Where to count the work (optional).
 * @returns The pairs.
 */
export function matchFunctions(
  base: Profile,
  current: Profile,
  options: MatchOptions = {},
): FunctionPairs {
  const work = options.work ?? { steps: 0 };
  const currentOf = new Int32Array(base.size).fill(-1);
  const baseOf = new Int32Array(current.size).fill(-1);
  const pair = (b: number, c: number) => {
    currentOf[b] = c;
    baseOf[c] = b;
  };
  const baseForms = _fileForms(base);
  const currentForms = _fileForms(current);
  const baseFiles = baseForms.forms;
  const renamed = _pairProjectFiles(baseForms, currentForms, work);
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
      // The group's current functions by their stored file and name, and
      // how many of each are still unmatched.
      const stored = new Map<string, Map<string, _Stored>>();
      for (const c of g.c) {
        work.steps++;
        let byName = stored.get(cf.file[c]!);
        if (byName === undefined) stored.set(cf.file[c]!, byName = new Map());
        const entry = byName.get(cf.name[c]!);
        if (entry === undefined) byName.set(cf.name[c]!, { ids: [c], left: 1 });
        else entry.ids.push(c), entry.left++;
      }
      for (const b of g.b) {
        work.steps++;
        const entry = stored.get(bf.file[b]!)?.get(bf.name[b]!);
        if (entry === undefined || entry.left !== 1) continue;
        pair(b, entry.ids.find((c) => baseOf[c]! < 0)!);
        entry.left = 0;
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
  if (open.length > 0) {
    new _NeighbourRule(open, base, current, currentOf, baseOf, work).run();
  }
  return { currentOf, baseOf };
}

/** The current functions of a shared key with one stored file and name. */
interface _Stored {
  readonly ids: number[];
  left: number;
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
 * The functions of one group that note one neighbour: how many on each
 * side, and the sum of their ids (the one id when there is one).
 */
interface _Holder {
  b: number;
  bSum: number;
  c: number;
  cSum: number;
}

/** Callers (way 0) or callees (way 1) of a function: its edges' other ends. */
function _way(profile: Profile, way: number) {
  return way === 0
    ? {
      start: profile.callerStart,
      edges: profile.callerEdges,
      other: profile.edges.caller,
    }
    : {
      start: profile.calleeStart,
      edges: profile.calleeEdges,
      other: profile.edges.callee,
    };
}

/**
 * Rule 3, kept up to date as pairs are made rather than worked out again.
 *
 * The rule, per group of unmatched functions sharing a file and a name, and
 * per way (callers, then callees): a function of the base run notes each of
 * its neighbours that is matched (as the matching current id), a function of
 * the current run notes each of its neighbours. A neighbour noted by exactly
 * one function of the group on each side says those two are the same; two
 * functions that say so only of each other are paired. The rule is applied
 * in passes over the groups, in order, each pass seeing the pairs of the
 * groups before it, until a pass decides nothing; the callers until then,
 * then the callees, then the callers again while anything was decided.
 *
 * The work is kept in proportion to the runs: the notes and what each
 * function says are counted as pairs are made (a pair takes its two
 * functions' notes out and adds a note to each unmatched neighbour of the
 * base function), and a pass looks only at groups where what some function
 * says changed since that group was last looked at, in the same order as a
 * pass over all of them; a group where nothing changed would decide nothing.
 */
class _NeighbourRule {
  readonly #open: readonly { b: number[]; c: number[] }[];
  readonly #base: Profile;
  readonly #current: Profile;
  readonly #currentOf: Int32Array;
  readonly #baseOf: Int32Array;
  readonly #work: MatchWork;
  /** Per function, the index of its open group, or -1 once matched. */
  readonly #groupOfB: Int32Array;
  readonly #groupOfC: Int32Array;
  /** Per way, per group: its holders by the noted neighbour's current id. */
  readonly #holders: Map<number, _Holder>[][];
  /** Per way, per function: the functions it is said to be, and how often. */
  readonly #bSays: Map<number, Map<number, number>>[] = [new Map(), new Map()];
  readonly #cSays: Map<number, Map<number, number>>[] = [new Map(), new Map()];
  /** Per way, per group: functions whose saying changed since it was looked at. */
  readonly #changedB: number[][][];
  readonly #changedC: number[][][];
  /** Per way, per group: whether it waits to be looked at. */
  readonly #queued: Uint8Array[];
  /** Per way: the groups waiting for the way's next pass. */
  #pending: number[][] = [[], []];
  /** The groups still to look at in this pass, and where the pass is. */
  readonly #heap = new _MinHeap();
  #running = -1;
  #at = -1;

  constructor(
    open: readonly { b: number[]; c: number[] }[],
    base: Profile,
    current: Profile,
    currentOf: Int32Array,
    baseOf: Int32Array,
    work: MatchWork,
  ) {
    this.#open = open;
    this.#base = base;
    this.#current = current;
    this.#currentOf = currentOf;
    this.#baseOf = baseOf;
    this.#work = work;
    this.#groupOfB = new Int32Array(base.size).fill(-1);
    this.#groupOfC = new Int32Array(current.size).fill(-1);
    const perGroup = <T>(make: () => T) => [open.map(make), open.map(make)];
    this.#holders = perGroup(() => new Map<number, _Holder>());
    this.#changedB = perGroup((): number[] => []);
    this.#changedC = perGroup((): number[] => []);
    this.#queued = [
      new Uint8Array(open.length).fill(1),
      new Uint8Array(open.length).fill(1),
    ];
    open.forEach((g, k) => {
      for (const b of g.b) this.#groupOfB[b] = k;
      for (const c of g.c) this.#groupOfC[c] = k;
    });
    open.forEach((g, k) => {
      for (const way of [0, 1]) {
        for (const b of g.b) {
          for (const v of this.#bNotes(b, way)) this.#note(way, k, v, 0, b, 1);
        }
        for (const c of g.c) {
          for (const v of this.#cNotes(c, way)) this.#note(way, k, v, 1, c, 1);
        }
        this.#changedB[way]![k] = [...g.b];
        this.#changedC[way]![k] = [...g.c];
        this.#pending[way]!.push(k);
      }
    });
  }

  /** Applies the rule until nothing more is decided. */
  run(): void {
    let progress = true;
    while (progress) {
      progress = false;
      for (const way of [0, 1]) {
        if (this.#runWay(way)) progress = true;
        if (progress) break;
      }
    }
  }

  /** Passes of one way until one decides nothing; whether any decided. */
  #runWay(way: number): boolean {
    let any = false;
    for (;;) {
      this.#heap.fill(this.#pending[way]!);
      this.#pending[way] = [];
      this.#running = way;
      this.#at = -1;
      let decided = false;
      while (this.#heap.size > 0) {
        const g = this.#heap.pop();
        this.#queued[way]![g] = 0;
        this.#at = g;
        if (this.#decide(way, g)) decided = true;
      }
      this.#running = -1;
      if (!decided) return any;
      any = true;
    }
  }

  /** Pairs what the group's changed functions now say; whether any. */
  #decide(way: number, g: number): boolean {
    const bs = this.#changedB[way]![g]!;
    const cs = this.#changedC[way]![g]!;
    this.#changedB[way]![g] = [];
    this.#changedC[way]![g] = [];
    const bSays = this.#bSays[way]!;
    const cSays = this.#cSays[way]!;
    const found: number[] = [];
    const seen = new Set<number>();
    const consider = (b: number, c: number) => {
      if (
        b >= 0 && c >= 0 && _said(bSays, b) === c && _said(cSays, c) === b &&
        !seen.has(b)
      ) {
        seen.add(b);
        found.push(b, c);
      }
    };
    for (const b of bs) {
      this.#work.steps++;
      consider(b, _said(bSays, b));
    }
    for (const c of cs) {
      this.#work.steps++;
      consider(_said(cSays, c), c);
    }
    for (let k = 0; k < found.length; k += 2) {
      this.#pair(found[k]!, found[k + 1]!);
    }
    return found.length > 0;
  }

  /** Pairs two functions of a group, and brings the notes up to date. */
  #pair(b: number, c: number): void {
    const g = this.#groupOfB[b]!;
    for (const way of [0, 1]) {
      for (const v of this.#bNotes(b, way)) this.#note(way, g, v, 0, b, -1);
      for (const v of this.#cNotes(c, way)) this.#note(way, g, v, 1, c, -1);
    }
    this.#groupOfB[b] = -1;
    this.#groupOfC[c] = -1;
    this.#currentOf[b] = c;
    this.#baseOf[c] = b;
    // b is now matched: each unmatched function it calls notes c as a
    // caller, each that calls it notes c as a callee.
    for (const way of [0, 1]) {
      const { start, edges, other } = _way(this.#base, 1 - way);
      const seen = new Set<number>();
      for (let k = start[b]!; k < start[b + 1]!; k++) {
        this.#work.steps++;
        const y = other[edges[k]!]!;
        const group = this.#groupOfB[y]!;
        if (group < 0 || seen.has(y)) continue;
        seen.add(y);
        this.#note(way, group, c, 0, y, 1);
      }
    }
  }

  /** The current ids of a base function's matched neighbours. */
  #bNotes(b: number, way: number): Set<number> {
    const { start, edges, other } = _way(this.#base, way);
    const notes = new Set<number>();
    for (let k = start[b]!; k < start[b + 1]!; k++) {
      this.#work.steps++;
      const mapped = this.#currentOf[other[edges[k]!]!]!;
      if (mapped >= 0) notes.add(mapped);
    }
    return notes;
  }

  /** A current function's neighbours. */
  #cNotes(c: number, way: number): Set<number> {
    const { start, edges, other } = _way(this.#current, way);
    const notes = new Set<number>();
    for (let k = start[c]!; k < start[c + 1]!; k++) {
      this.#work.steps++;
      notes.add(other[edges[k]!]!);
    }
    return notes;
  }

  /** Adds (delta 1) or takes out (-1) a function's note of neighbour `v`. */
  #note(
    way: number,
    g: number,
    v: number,
    side: 0 | 1,
    id: number,
    delta: number,
  ): void {
    this.#work.steps++;
    const holders = this.#holders[way]![g]!;
    let h = holders.get(v);
    if (h === undefined) holders.set(v, h = { b: 0, bSum: 0, c: 0, cSum: 0 });
    if (h.b === 1 && h.c === 1) this.#says(way, g, h.bSum, h.cSum, -1);
    if (side === 0) {
      h.b += delta;
      h.bSum += delta * id;
    } else {
      h.c += delta;
      h.cSum += delta * id;
    }
    if (h.b === 1 && h.c === 1) this.#says(way, g, h.bSum, h.cSum, 1);
    if (h.b === 0 && h.c === 0) holders.delete(v);
  }

  /** Counts (or uncounts) a neighbour saying that `b` is `c`. */
  #says(way: number, g: number, b: number, c: number, delta: number): void {
    _count(this.#bSays[way]!, b, c, delta);
    _count(this.#cSays[way]!, c, b, delta);
    this.#changedB[way]![g]!.push(b);
    this.#changedC[way]![g]!.push(c);
    if (this.#queued[way]![g]) return;
    this.#queued[way]![g] = 1;
    if (way === this.#running && g > this.#at) this.#heap.push(g);
    else this.#pending[way]!.push(g);
  }
}

/** What `id` is said to be: the one function all say, -1 if none, -2 if several. */
function _said(says: Map<number, Map<number, number>>, id: number): number {
  const of = says.get(id);
  if (of === undefined) return -1;
  if (of.size !== 1) return -2;
  return of.keys().next().value!;
}

function _count(
  says: Map<number, Map<number, number>>,
  id: number,
  other: number,
  delta: number,
): void {
  let of = says.get(id);
  if (of === undefined) says.set(id, of = new Map());
  const n = (of.get(other) ?? 0) + delta;
  if (n === 0) of.delete(other);
  else of.set(other, n);
  if (of.size === 0) says.delete(id);
}

/** A binary heap of numbers, smallest first. */
class _MinHeap {
  #items: number[] = [];

  get size(): number {
    return this.#items.length;
  }

  /** Replaces the contents with `items`. */
  fill(items: number[]): void {
    this.#items = items;
    for (let i = (items.length >> 1) - 1; i >= 0; i--) this.#down(i);
  }

  push(item: number): void {
    const items = this.#items;
    let i = items.push(item) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent]! <= item) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = item;
  }

  pop(): number {
    const items = this.#items;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      this.#down(0);
    }
    return top;
  }

  #down(i: number): void {
    const items = this.#items;
    const item = items[i]!;
    const n = items.length;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && items[child + 1]! < items[child]!) child++;
      if (items[child]! >= item) break;
      items[i] = items[child]!;
      i = child;
    }
    items[i] = item;
  }
}

/**
 * Each function's file in the form files are matched by: built-ins as `~`,
 * paths inside the standard library or `site-packages/` by their module
 * path, other absolute paths relative to the deepest directory that holds
 * all of them, and `\` written as `/`.
 *
 * @example
 * ```ts
 * import { matchFileForms } from "./compare_match.ts";
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
  work: MatchWork,
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
  // Each file's one best match on the other side, or -1 if none or a tie:
  // the deepest node of the other side's suffix tree that its path reaches,
  // when one path alone passes there.
  const best = (from: string[][], to: string[][]) => {
    const root = _suffixTree(to, work);
    return from.map((x) => {
      let node = root;
      for (const part of x) {
        work.steps++;
        const next = node.next.get(part);
        if (next === undefined) break;
        node = next;
      }
      return node !== root && node.count === 1 ? node.only : -1;
    });
  };
  const bBest = best(bParts, cParts);
  const cBest = best(cParts, bParts);
  bBest.forEach((j, i) => {
    if (j >= 0 && cBest[j] === i) pairs.set(c[j]!, b[i]!);
  });
  return pairs;
}

/** A node of a tree of paths read from their last part. */
interface _SuffixNode {
  readonly next: Map<string, _SuffixNode>;
  /** How many paths pass through it. */
  count: number;
  /** The index of the last path that passed through it. */
  only: number;
}

function _suffixTree(paths: readonly string[][], work: MatchWork): _SuffixNode {
  const root: _SuffixNode = { next: new Map(), count: 0, only: -1 };
  paths.forEach((path, i) => {
    let node = root;
    for (const part of path) {
      work.steps++;
      let next = node.next.get(part);
      if (next === undefined) {
        node.next.set(part, next = { next: new Map(), count: 0, only: -1 });
      }
      next.count++;
      next.only = i;
      node = next;
    }
  });
  return root;
}

const _ADDRESS = /0x[0-9a-f]+/gi;

/**
 * A function name without memory addresses, so that `<function f at
 * 0x7f3a…>` in one run matches the same in another.
 *
 * @example
 * ```ts
 * import { nameWithoutAddresses } from "./compare_match.ts";
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

/** Each function's name without addresses, each distinct name done once. */
function _matchNames(profile: Profile): string[] {
  const done = new Map<string, string>();
  return profile.functions.name.map((name) => {
    let form = done.get(name);
    if (form === undefined) done.set(name, form = nameWithoutAddresses(name));
    return form;
  });
}
