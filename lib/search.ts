/**
 * Which functions a filter matches, fast on a million functions.
 *
 * A function matches a filter ({@linkcode ParsedFilter}, as `parseFilter()`
 * of `lib/query.ts` reads the filter box) when every term it includes is in
 * the function's search text and no term it excludes is,
 * {@linkcode searchText}: the lower-case `short file:line`, `file:line` and
 * name, one a line (for a built-in, `~` as pstats stores its file, its shown
 * name and its name as stored).
 * That text is the reference; building it for every function costs a
 * string of a hundred characters each, and looking for a term in each of
 * them a scan of the whole, on every keystroke.
 *
 * {@linkcode functionMatcher} gives the same answers from the parts the text
 * is made of, each kept once however many functions share it: the files
 * (a few thousand), the line numbers and the names. A term without `:`
 * cannot span two parts (they are joined by `:` before a line number or by
 * a line break, and terms hold no white space), so it is in the text exactly
 * when it is in one of the function's parts; each part is looked at once per
 * filter, the first time a function that has it is tested, and a function is
 * then three table look-ups. Terms with a `:`, and profiles whose texts hold
 * a capital sigma (the one letter whose lower case depends on what follows
 * it, so that lowering the parts alone could differ from lowering the whole
 * text), use the reference text.
 *
 * @module
 */

import { builtinName, isBuiltin } from "./location.ts";
import type { Profile } from "./profile.ts";

/**
 * The lower-case text a filter's terms are looked for in, of each function:
 * `short file:line`, `file:line` and the name, one a line; for a built-in,
 * `~` (its file, as pstats stores it), its shown name and its name as
 * stored. The reference for
 * {@linkcode functionMatcher}; cached per profile.
 *
 * @example
 * ```ts
 * import { searchText } from "./search.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const profile = buildProfile([statsFile("run.pstats", [{
 *   key: ["/src/App.py", 3, "Main"],
 *   calls: 1, primitiveCalls: 1, internalTime: 1, cumulativeTime: 1,
 * }])]);
 * assertEquals(searchText(profile), ["/src/app.py:3\n/src/app.py:3\nmain"]);
 * ```
 *
 * @param profile The profile.
 * @returns The text of each function, by id.
 */
export function searchText(profile: Profile): string[] {
  const cache = _cache(profile);
  if (cache.text) return cache.text;
  const f = profile.functions;
  const text: string[] = new Array(profile.size);
  for (let i = 0; i < profile.size; i++) {
    const file = f.file[i]!;
    const line = f.line[i]!;
    const name = f.name[i]!;
    text[i] = (isBuiltin(file, line)
      ? `~\n${builtinName(name)}\n${name}`
      : `${f.shortFile[i]}:${line}\n${file}:${line}\n${name}`).toLowerCase();
  }
  cache.text = text;
  return text;
}

/**
 * A test of whether a function matches every term, as
 * `searchText(profile)[id].includes(term)` for each term would say, but
 * without building that text (see the module's documentation). Make one per
 * filter: it remembers, part by part, what it has found.
 *
 * @example
 * ```ts
 * import { functionMatcher } from "./search.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const entry = (name: string, line: number) => ({
 *   key: ["/src/app.py", line, name] as const,
 *   calls: 1, primitiveCalls: 1, internalTime: 1, cumulativeTime: 1,
 * });
 * const profile = buildProfile([
 *   statsFile("run.pstats", [entry("load", 12), entry("save", 30)]),
 * ]);
 * const matches = functionMatcher(profile, ["app", "12"]);
 * assertEquals([matches(0), matches(1)], [true, false]);
 * assertEquals(functionMatcher(profile, ["py:30"])(1), true);
 * ```
 *
 * @param profile The profile.
 * @param terms Lower-case terms without white space, at most 32
 * (`filterTerms()` gives such).
 * @returns Whether function `id` matches them all.
 */
export function functionMatcher(
  profile: Profile,
  terms: readonly string[],
): (id: number) => boolean {
  const parts = _usesParts(terms) ? _parts(profile) : null;
  if (parts === null) {
    const text = searchText(profile);
    return (id) => {
      const t = text[id]!;
      for (const term of terms) if (!t.includes(term)) return false;
      return true;
    };
  }
  const test = _partsTest(parts, terms);
  const one = new Uint32Array(1);
  const into = new Uint32Array(1);
  return (id) => {
    one[0] = id;
    return test(one, one.length, into) === 1;
  };
}

/**
 * The functions among `candidates` that match every term, in their order:
 * `candidates.filter(functionMatcher(profile, terms))`, in one tight loop.
 *
 * @param profile The profile.
 * @param terms Lower-case terms without white space (see
 * {@linkcode functionMatcher}).
 * @param candidates The function ids to test.
 * @returns The ids that match.
 */
export function matchFunctions(
  profile: Profile,
  terms: readonly string[],
  candidates: Uint32Array,
): Uint32Array {
  const into = new Uint32Array(candidates.length);
  const parts = _usesParts(terms) ? _parts(profile) : null;
  let total = 0;
  if (parts === null) {
    const matches = functionMatcher(profile, terms);
    for (let k = 0; k < candidates.length; k++) {
      const id = candidates[k]!;
      if (matches(id)) into[total++] = id;
    }
  } else {
    total = _partsTest(parts, terms)(candidates, candidates.length, into);
  }
  return into.subarray(0, total);
}

/**
 * A filter, parsed (`parseFilter()` of `lib/query.ts` reads one from the
 * filter box's text): lower-case terms that must all be in a function's
 * search text, and terms none of which may be.
 */
export interface ParsedFilter {
  /** Terms every match holds. */
  readonly include: readonly string[];
  /** Terms no match holds. */
  readonly exclude: readonly string[];
}

/**
 * A test of whether a function matches a filter: every included term in
 * its search text, no excluded one. Make one per filter.
 *
 * @example
 * ```ts
 * import { filterMatcher } from "./search.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const entry = (file: string, name: string) => ({
 *   key: [file, 1, name] as const,
 *   calls: 1, primitiveCalls: 1, internalTime: 1, cumulativeTime: 1,
 * });
 * const profile = buildProfile([statsFile("run.pstats", [
 *   entry("/venv/site-packages/django/db/query.py", "get"),
 *   entry("/srv/app/django/db/views.py", "get"),
 * ])]);
 * const matches = filterMatcher(profile, {
 *   include: ["django/db"],
 *   exclude: ["site-packages"],
 * });
 * assertEquals([matches(0), matches(1)], [false, true]);
 * ```
 *
 * @param profile The profile.
 * @param filter The filter: lower-case terms without line breaks, at most
 * 32 in all.
 * @returns Whether function `id` matches it.
 */
export function filterMatcher(
  profile: Profile,
  filter: ParsedFilter,
): (id: number) => boolean {
  const include = functionMatcher(profile, filter.include);
  const exclude = filter.exclude.map((term) =>
    functionMatcher(profile, [term])
  );
  if (exclude.length === 0) return include;
  return (id) => include(id) && !exclude.some((holds) => holds(id));
}

/**
 * The functions among `candidates` that match a filter, in their order:
 * those that hold every included term, less those that hold an excluded
 * one (a pass of {@linkcode matchFunctions} each).
 *
 * @example
 * ```ts
 * import { filterFunctions } from "./search.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const entry = (file: string, line: number, name: string) => ({
 *   key: [file, line, name] as const,
 *   calls: 1, primitiveCalls: 1, internalTime: 1, cumulativeTime: 1,
 * });
 * const profile = buildProfile([statsFile("run.pstats", [
 *   entry("/srv/app.py", 3, "main"),
 *   entry("~", 0, "<built-in method builtins.len>"),
 *   entry("/srv/app.py", 9, "load"),
 * ])]);
 * const all = Uint32Array.of(0, 1, 2);
 * const notBuiltIns = { include: [], exclude: ["~"] };
 * assertEquals([...filterFunctions(profile, notBuiltIns, all)], [0, 2]);
 * ```
 *
 * @param profile The profile.
 * @param filter The filter (see {@linkcode filterMatcher}).
 * @param candidates The function ids to test.
 * @returns The ids that match.
 */
export function filterFunctions(
  profile: Profile,
  filter: ParsedFilter,
  candidates: Uint32Array,
): Uint32Array {
  let kept = filter.include.length > 0
    ? matchFunctions(profile, filter.include, candidates)
    : candidates;
  for (const term of filter.exclude) {
    if (kept.length === 0) break;
    const holding = matchFunctions(profile, [term], kept);
    if (holding.length === 0) continue;
    // Both in the same order: keep what `holding` does not list.
    const rest = new Uint32Array(kept.length - holding.length);
    let h = 0;
    let r = 0;
    for (let k = 0; k < kept.length; k++) {
      if (h < holding.length && kept[k] === holding[h]) h++;
      else rest[r++] = kept[k]!;
    }
    kept = rest;
  }
  return kept;
}

/**
 * Whether a lower-case text matches a filter: it holds every included term
 * and no excluded one. The rule every list that is not a profile's
 * functions (compared runs, folded groups) filters by.
 *
 * @example
 * ```ts
 * import { textMatches } from "./search.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const filter = { include: ["views"], exclude: ["test"] };
 * assertEquals(textMatches("app/views.py:3(index)", filter), true);
 * assertEquals(textMatches("tests/views.py:3(test_index)", filter), false);
 * ```
 *
 * @param text The lower-case text.
 * @param filter The filter.
 * @returns Whether it matches.
 */
export function textMatches(text: string, filter: ParsedFilter): boolean {
  for (const term of filter.include) if (!text.includes(term)) return false;
  for (const term of filter.exclude) if (text.includes(term)) return false;
  return true;
}

function _usesParts(terms: readonly string[]): boolean {
  return terms.length <= 32 && terms.every((t) => !t.includes(":"));
}

/**
 * Writes into `into` the ids among the first `count` candidates that match
 * every term, and answers how many. The few files and lines are looked at
 * at once; the names as they are met.
 */
function _partsTest(
  parts: _Parts,
  terms: readonly string[],
): (candidates: Uint32Array, count: number, into: Uint32Array) => number {
  const all = terms.length === 32 ? 0xffffffff : (1 << terms.length) - 1;
  const fileMask = new Uint32Array(parts.fileText.length);
  for (let c = 0; c < fileMask.length; c++) {
    fileMask[c] = _mask(parts.fileText[c]!, terms);
  }
  const lineMask = new Uint32Array(parts.lineText.length);
  for (let c = 0; c < lineMask.length; c++) {
    lineMask[c] = _mask(parts.lineText[c]!, terms);
  }
  const nameMask = new Uint32Array(parts.nameText.length);
  const nameKnown = new Uint8Array(parts.nameText.length);
  const { file, line, name, nameText } = parts;
  return (candidates, count, into) => {
    let total = 0;
    for (let k = 0; k < count; k++) {
      const id = candidates[k]!;
      let bits = fileMask[file[id]!]! | lineMask[line[id]!]!;
      if ((bits >>> 0) !== all) {
        const nc = name[id]!;
        if (nameKnown[nc] === 0) {
          nameMask[nc] = _mask(nameText[nc]!, terms);
          nameKnown[nc] = 1;
        }
        bits |= nameMask[nc]!;
      }
      if ((bits >>> 0) === all) into[total++] = id;
    }
    return total;
  };
}

/** The terms (bit `t` for term `t`) a text holds. */
function _mask(text: string, terms: readonly string[]): number {
  let bits = 0;
  for (let t = 0; t < terms.length; t++) {
    if (text.includes(terms[t]!)) bits |= 1 << t;
  }
  return bits;
}

/**
 * The search text's parts: per function a code into each table of distinct
 * lower-case texts. Code 0 of the file table is a built-in's file, `~`, and
 * of the line table the empty text (a built-in's other text is in its
 * name's).
 */
interface _Parts {
  readonly file: Uint32Array;
  readonly line: Uint32Array;
  readonly name: Uint32Array;
  /** `short file` and `file`, one a line. */
  readonly fileText: readonly string[];
  readonly lineText: readonly string[];
  /** The name; for a built-in, its shown name and its name, one a line. */
  readonly nameText: readonly string[];
}

interface _Cache {
  text?: string[];
  /** The parts, or null when the reference text must be used. */
  parts?: _Parts | null;
}

const _caches = new WeakMap<Profile, _Cache>();

function _cache(profile: Profile): _Cache {
  let cache = _caches.get(profile);
  if (cache === undefined) {
    cache = {};
    _caches.set(profile, cache);
  }
  return cache;
}

/**
 * Lets a profile use the search text already built for another with the
 * same functions (such as the same profile once its edges are in).
 *
 * @param from The profile whose cached text to share.
 * @param to A profile with the same functions, in the same order.
 */
export function shareSearchCache(from: Profile, to: Profile): void {
  _caches.set(to, _cache(from));
}

/** A capital sigma: its lower case depends on the letters around it. */
const _SIGMA = "\u03a3";

function _parts(profile: Profile): _Parts | null {
  const cache = _cache(profile);
  if (cache.parts !== undefined) return cache.parts;
  const f = profile.functions;
  const n = profile.size;
  const file = new Uint32Array(n);
  const line = new Uint32Array(n);
  const name = new Uint32Array(n);
  const fileText = ["~"];
  const lineText = [""];
  const nameText: string[] = [];
  const files = new Map<string, number>();
  const shortOf: string[] = [""];
  const pairs = new Map<string, number>();
  const lines = new Map<number, number>();
  const names = new Map<string, number>();
  const builtins = new Map<string, number>();
  let sigma = false;
  for (let i = 0; i < n; i++) {
    const path = f.file[i]!;
    const at = f.line[i]!;
    const stored = f.name[i]!;
    if (isBuiltin(path, at)) {
      let code = builtins.get(stored);
      if (code === undefined) {
        code = nameText.length;
        const text = `${builtinName(stored)}\n${stored}`;
        sigma ||= text.includes(_SIGMA);
        nameText.push(text.toLowerCase());
        builtins.set(stored, code);
      }
      name[i] = code;
      continue; // file and line: code 0, `~` and the empty text
    }
    const short = f.shortFile[i]!;
    let fc = files.get(path);
    if (fc !== undefined && shortOf[fc] !== short) {
      // The same file shown two ways (not from this program's loaders).
      const key = `${path}\n${short}`;
      fc = pairs.get(key);
      if (fc === undefined) {
        fc = _addFile(fileText, shortOf, short, path);
        pairs.set(key, fc);
      }
    } else if (fc === undefined) {
      fc = _addFile(fileText, shortOf, short, path);
      files.set(path, fc);
    }
    file[i] = fc;
    let lc = lines.get(at);
    if (lc === undefined) {
      lc = lineText.length;
      lineText.push(`${at}`.toLowerCase());
      lines.set(at, lc);
    }
    line[i] = lc;
    let nc = names.get(stored);
    if (nc === undefined) {
      nc = nameText.length;
      sigma ||= stored.includes(_SIGMA);
      nameText.push(stored.toLowerCase());
      names.set(stored, nc);
    }
    name[i] = nc;
  }
  sigma ||= shortOf.some((text) => text.includes(_SIGMA));
  for (const path of files.keys()) sigma ||= path.includes(_SIGMA);
  const parts = sigma
    ? null
    : { file, line, name, fileText, lineText, nameText };
  cache.parts = parts;
  return parts;
}

function _addFile(
  fileText: string[],
  shortOf: string[],
  short: string,
  path: string,
): number {
  fileText.push(`${short.toLowerCase()}\n${path.toLowerCase()}`);
  shortOf.push(short);
  return fileText.length - 1;
}
