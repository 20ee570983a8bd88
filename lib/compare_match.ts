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

function _matchNames(profile: Profile): string[] {
  return profile.functions.name.map(nameWithoutAddresses);
}
