/**
 * Which functions a filter matches, fast on a million functions, and with
 * memory in proportion to the profile's distinct texts however many
 * functions share them.
 *
 * A function matches a filter ({@linkcode ParsedFilter}, as `parseFilter()`
 * of `lib/query.ts` reads the filter box) when every term it includes is in
 * the function's search text and no term it excludes is,
 * {@linkcode functionSearchText}: the lower-case `short file:line`,
 * `file:line` and name, one a line (for a built-in, `~` as pstats stores its
 * file, its shown name and its name as stored). That text is the
 * reference, but it is never built for
 * every function: one file's path may be shared by thousands of functions
 * (a marshal back-reference stores it once), and building each one's text
 * would copy the path as often.
 *
 * {@linkcode functionMatcher} gives the same answers from the parts the text
 * is made of, each kept once however many functions share it: the files,
 * the line numbers and the names. Terms hold no line break (a quoted term's
 * white space is one space), so a term is within one line of the text:
 * `short:line`, `file:line` or the name (a built-in's `~`, shown name or
 * name). A
 * term without `:` cannot span a file and its line (they are joined by
 * `:`), so it is in the text exactly when it is in one of the parts. A term
 * with `:` is in `file:line` when it is in the file, or when it spans the
 * two: then the line, which holds no `:`, takes what follows the term's
 * last `:` (a prefix of the line) and the file ends with what precedes it.
 * Each part is looked at once per filter; a function is then a few table
 * look-ups.
 *
 * Lowering the parts alone gives the lowered whole, with one exception: a
 * capital sigma lowers to a final `ς` or to `σ` depending on the letters
 * around it, and a file's last letters are followed by `:` and the line
 * (`:NaN` is followed by a letter, `:12` is not). A file holding a sigma is
 * lowered in each context its functions' lines give it.
 *
 * @module
 */

import { builtinName, isBuiltin } from "./location.ts";
import { fileTable, type Profile } from "./profile.ts";

/**
 * The lower-case text a filter's terms are looked for in, of one function:
 * `short file:line`, `file:line` and the name, one a line; for a built-in,
 * its shown name and its name as stored. The definition that
 * {@linkcode functionMatcher} answers by, without building it.
 *
 * @example
 * ```ts
 * import { functionSearchText } from "./search.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const profile = buildProfile([statsFile("run.pstats", [{
 *   key: ["/src/App.py", 3, "Main"],
 *   calls: 1, primitiveCalls: 1, internalTime: 1, cumulativeTime: 1,
 * }])]);
 * assertEquals(functionSearchText(profile, 0), "/src/app.py:3\n/src/app.py:3\nmain");
 * ```
 *
 * @param profile The profile.
 * @param id The function's id.
 * @returns Its search text.
 */
export function functionSearchText(profile: Profile, id: number): string {
  const f = profile.functions;
  const file = f.file[id]!;
  const line = f.line[id]!;
  const name = f.name[id]!;
  return (isBuiltin(file, line)
    ? `~\n${builtinName(name)}\n${name}`
    : `${f.shortFile[id]}:${line}\n${file}:${line}\n${name}`).toLowerCase();
}

/**
 * A test of whether a function matches every term, as
 * `functionSearchText(profile, id).includes(term)` for each term would say,
 * but without building that text (see the module's documentation). Make
 * one per filter.
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
 * @param terms Lower-case terms without line breaks (`parseFilter()` gives
 * such).
 * @returns Whether function `id` matches them all.
 */
export function functionMatcher(
  profile: Profile,
  terms: readonly string[],
): (id: number) => boolean {
  const test = _test(_parts(profile), terms);
  const one = new Uint32Array(1);
  const into = new Uint32Array(1);
  return (id) => {
    one[0] = id;
    return test(one, 1, into) === 1;
  };
}

/**
 * The functions among `candidates` that match every term, in their order:
 * `candidates.filter(functionMatcher(profile, terms))`, in one tight loop.
 *
 * @example
 * ```ts
 * import { matchFunctions } from "./search.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const entry = (line: number) => ({
 *   key: ["/src/app.py", line, "f"] as const,
 *   calls: 1, primitiveCalls: 1, internalTime: 1, cumulativeTime: 1,
 * });
 * const profile = buildProfile([statsFile("run.pstats", [entry(12), entry(120), entry(3)])]);
 * assertEquals([...matchFunctions(profile, ["app.py:12"], Uint32Array.of(0, 1, 2))], [0, 1]);
 * ```
 *
 * @param profile The profile.
 * @param terms Lower-case terms without line breaks (see
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
  const total = _test(_parts(profile), terms)(
    candidates,
    candidates.length,
    into,
  );
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

/** Writes the matching candidates into `into`; answers how many. */
type _Test = (
  candidates: Uint32Array,
  count: number,
  into: Uint32Array,
) => number;

/** The test of every term: 32 at a time, each set on what the last kept. */
function _test(
  parts: _Parts,
  terms: readonly string[],
): (candidates: Uint32Array, count: number, into: Uint32Array) => number {
  const tests: _Test[] = [];
  for (let t = 0; t < terms.length || t === 0; t += 32) {
    tests.push(_partsTest(parts, terms.slice(t, t + 32)));
  }
  if (tests.length === 1) return tests[0]!;
  return (candidates, count, into) => {
    let total = tests[0]!(candidates, count, into);
    for (let k = 1; k < tests.length; k++) total = tests[k]!(into, total, into);
    return total;
  };
}

/**
 * Writes into `into` the ids among the first `count` candidates that match
 * every term, and answers how many. The files and lines are looked at at
 * once; the names as they are met.
 */
function _partsTest(
  parts: _Parts,
  terms: readonly string[],
): (candidates: Uint32Array, count: number, into: Uint32Array) => number {
  const all = terms.length === 32 ? 0xffffffff : (1 << terms.length) - 1;
  // A term with a colon, split at its last one: what a file must end with
  // and what its line must start with for the term to span them.
  const heads: (string | undefined)[] = [];
  const tails: (string | undefined)[] = [];
  for (const term of terms) {
    const colon = term.lastIndexOf(":");
    heads.push(colon < 0 ? undefined : term.slice(0, colon));
    tails.push(colon < 0 ? undefined : term.slice(colon + 1));
  }
  const files = parts.shortText.length;
  // In the file (or short file); ending with a colon term's head. Code 0,
  // a built-in's `~`, has no line after it: it never ends a spanning term,
  // as line code 0 starts none.
  const fileIn = new Uint32Array(files);
  const fileEnds = new Uint32Array(files);
  for (let c = 0; c < files; c++) {
    const short = parts.shortText[c]!;
    const path = parts.pathText[c]!;
    let inBits = 0;
    let endBits = 0;
    for (let t = 0; t < terms.length; t++) {
      const term = terms[t]!;
      if (short.includes(term) || path.includes(term)) inBits |= 1 << t;
      const head = heads[t];
      if (head !== undefined && (short.endsWith(head) || path.endsWith(head))) {
        endBits |= 1 << t;
      }
    }
    fileIn[c] = inBits;
    fileEnds[c] = endBits;
  }
  // In the line (terms without a colon); starting with a colon term's tail.
  const lines = parts.lineText.length;
  const lineIn = new Uint32Array(lines);
  const lineStarts = new Uint32Array(lines);
  for (let c = 1; c < lines; c++) {
    const text = parts.lineText[c]!;
    let inBits = 0;
    let startBits = 0;
    for (let t = 0; t < terms.length; t++) {
      const tail = tails[t];
      if (tail === undefined) {
        if (text.includes(terms[t]!)) inBits |= 1 << t;
      } else if (text.startsWith(tail)) {
        startBits |= 1 << t;
      }
    }
    lineIn[c] = inBits;
    lineStarts[c] = startBits;
  }
  const nameMask = new Uint32Array(parts.nameText.length);
  const nameKnown = new Uint8Array(parts.nameText.length);
  const { file, line, name, nameText } = parts;
  return (candidates, count, into) => {
    let total = 0;
    for (let k = 0; k < count; k++) {
      const id = candidates[k]!;
      const fc = file[id]!;
      const lc = line[id]!;
      let bits = fileIn[fc]! | lineIn[lc]! | (fileEnds[fc]! & lineStarts[lc]!);
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
 * of the line table the empty text (a built-in's other lines are in its
 * name's).
 */
interface _Parts {
  readonly file: Uint32Array;
  readonly line: Uint32Array;
  readonly name: Uint32Array;
  /** The short file, lowered as before `:` and the line. */
  readonly shortText: readonly string[];
  /** The file, lowered the same way. */
  readonly pathText: readonly string[];
  readonly lineText: readonly string[];
  /** The name; for a built-in, its shown name and its name, one a line. */
  readonly nameText: readonly string[];
}

const _caches = new WeakMap<Profile, _Parts>();

/**
 * Lets a profile use the search parts already worked out for another with
 * the same functions (such as the same profile once its edges are in).
 *
 * @param from The profile whose parts to share.
 * @param to A profile with the same functions, in the same order.
 */
export function shareSearchCache(from: Profile, to: Profile): void {
  _caches.set(to, _parts(from));
}

/** A capital sigma: its lower case depends on the letters around it. */
const _SIGMA = "\u03a3";

function _parts(profile: Profile): _Parts {
  const known = _caches.get(profile);
  if (known !== undefined) return known;
  const f = profile.functions;
  const n = profile.size;
  const table = fileTable(profile);
  const file = new Uint32Array(n);
  const line = new Uint32Array(n);
  const name = new Uint32Array(n);
  const shortText = ["~"];
  const pathText = ["~"];
  const lineText = [""];
  const nameText: string[] = [];
  // Per distinct file (of the file table), its code here as followed by a
  // line that starts with a letter (1) or not (0); -1 until met.
  const codeOf = [
    new Int32Array(table.files.length).fill(-1),
    new Int32Array(table.files.length).fill(-1),
  ];
  const sigma = table.files.map((path, k) =>
    path.includes(_SIGMA) || table.shortFiles[k]!.includes(_SIGMA)
  );
  const lines = new Map<number, number>();
  const letterAfter: boolean[] = [false];
  const names = new Map<string, number>();
  const builtins = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const path = f.file[i]!;
    const at = f.line[i]!;
    const stored = f.name[i]!;
    if (isBuiltin(path, at)) {
      let code = builtins.get(stored);
      if (code === undefined) {
        code = nameText.length;
        nameText.push(`${builtinName(stored)}\n${stored}`.toLowerCase());
        builtins.set(stored, code);
      }
      name[i] = code;
      continue; // file and line: code 0, `~` and no line
    }
    let lc = lines.get(at);
    if (lc === undefined) {
      lc = lineText.length;
      const text = `${at}`;
      lineText.push(text.toLowerCase());
      letterAfter.push(/^\p{Cased}/u.test(text));
      lines.set(at, lc);
    }
    line[i] = lc;
    const k = table.codes[i]!;
    // Without a sigma, the file lowers the same before any line.
    const context = sigma[k] && letterAfter[lc] ? 1 : 0;
    let fc = codeOf[context]![k]!;
    if (fc < 0) {
      fc = shortText.length;
      // Lowered as followed by ":" and a letter, or a digit: the context
      // a final sigma depends on (":" itself is skipped over).
      const after = context === 1 ? ":a" : ":0";
      shortText.push(_lowerBefore(table.shortFiles[k]!, after, sigma[k]!));
      pathText.push(_lowerBefore(table.files[k]!, after, sigma[k]!));
      codeOf[context]![k] = fc;
    }
    file[i] = fc;
    let nc = names.get(stored);
    if (nc === undefined) {
      nc = nameText.length;
      nameText.push(stored.toLowerCase());
      names.set(stored, nc);
    }
    name[i] = nc;
  }
  const parts = { file, line, name, shortText, pathText, lineText, nameText };
  _caches.set(profile, parts);
  return parts;
}

/** `text` lowered as it is when `after` follows it. */
function _lowerBefore(text: string, after: string, sigma: boolean): string {
  return sigma
    ? (text + after).toLowerCase().slice(0, -after.length)
    : text.toLowerCase();
}
