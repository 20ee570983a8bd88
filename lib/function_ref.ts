/**
 * Function references that survive the next profile: a function named in a
 * URL by where it is and what it is called (`shop/cart.py:12:total`), not
 * by its position in one profile's columns, so that a link made on
 * yesterday's profile opens the same function in today's.
 *
 * A reference holds the function's file in the form compare matches files
 * by (`matchFileForms()` of `lib/compare.ts`: the run's own files relative
 * to the directory holding them all, the standard library and
 * `site-packages/` by module path, `~` for built-ins), its first line and
 * its name without memory addresses. It is resolved with compare's own
 * matcher, `matchFunctions()`, against a stand-in profile holding only the
 * referenced functions, so the rules are compare's: the same file, line and
 * name; else the same file and name when exactly one function has them
 * (lines moved); a file whose common directory changed paired by the
 * longest path suffix it shares with exactly one; for a path of functions
 * (a zoomed flame graph), ambiguous names (three `<lambda>` in a file)
 * decided by their matched neighbours on the path.
 *
 * Sampled profiles (rows keyed by executing line) are matched as compare
 * matches them, by function ({@linkcode resolveFunctionRefs} folds the
 * lines), and a reference then opens the row of its own line when the
 * function still has it, else the function's first row.
 *
 * @module
 */

import {
  matchFileForms,
  matchFunctions,
  nameWithoutAddresses,
} from "./compare_match.ts";
import type { Profile } from "./profile.ts";
import { buildProfile, type StatsEntry, statsFile } from "./pstats/build.ts";
import { foldSampledLines } from "./sampled_lines.ts";

/** A function named by place and name. */
export interface FunctionRef {
  /** The file, in compare's matching form (`shop/cart.py`, `~`). */
  readonly file: string;
  /** The first line (the executing line for a sampled row). */
  readonly line: number;
  /** The name, memory addresses written `0x…`. */
  readonly name: string;
}

const _forms = new WeakMap<Profile, string[]>();

function _formsOf(profile: Profile): string[] {
  let forms = _forms.get(profile);
  if (forms === undefined) _forms.set(profile, forms = matchFileForms(profile));
  return forms;
}

/**
 * The reference of a profile's function.
 *
 * @example
 * ```ts
 * import { functionRef } from "./function_ref.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const entry = (file: string, line: number, name: string) => ({
 *   key: [file, line, name] as const,
 *   calls: 1, primitiveCalls: 1, internalTime: 0, cumulativeTime: 0,
 * });
 * const profile = buildProfile([statsFile("run.pstats", [
 *   entry("/srv/app/shop/cart.py", 12, "total"),
 *   entry("/srv/app/main.py", 1, "<lambda> at 0x7f3a"),
 * ])]);
 * assertEquals(functionRef(profile, 0), { file: "shop/cart.py", line: 12, name: "total" });
 * assertEquals(functionRef(profile, 1).name, "<lambda> at 0x…");
 * ```
 *
 * @param profile The profile.
 * @param id The function's id.
 * @returns Its reference.
 */
export function functionRef(profile: Profile, id: number): FunctionRef {
  const f = profile.functions;
  return {
    file: _formsOf(profile)[id]!,
    line: f.line[id]!,
    name: nameWithoutAddresses(f.name[id]!),
  };
}

/**
 * Writes a reference as text for a URL parameter: `FILE:LINE:NAME`.
 *
 * @example
 * ```ts
 * import { formatFunctionRef } from "./function_ref.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(
 *   formatFunctionRef({ file: "shop/cart.py", line: 12, name: "total" }),
 *   "shop/cart.py:12:total",
 * );
 * ```
 *
 * @param ref The reference.
 * @returns The text.
 */
export function formatFunctionRef(ref: FunctionRef): string {
  return `${ref.file}:${ref.line}:${ref.name}`;
}

/**
 * Reads a reference written by {@linkcode formatFunctionRef}: the file up to
 * the first `:LINE:`, the line, and the rest as the name. Plain numbers
 * (old links' positions) and other text are not references.
 *
 * @example
 * ```ts
 * import { parseFunctionRef } from "./function_ref.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(parseFunctionRef("shop/cart.py:12:total"), {
 *   file: "shop/cart.py",
 *   line: 12,
 *   name: "total",
 * });
 * assertEquals(parseFunctionRef("~:0:<built-in method builtins.len>")?.name,
 *   "<built-in method builtins.len>");
 * assertEquals(parseFunctionRef("12"), null);
 * ```
 *
 * @param text The text.
 * @returns The reference, or `null`.
 */
export function parseFunctionRef(text: string): FunctionRef | null {
  const match = /^(.+?):(\d{1,15}):(.+)$/s.exec(text);
  if (match === null) return null;
  return { file: match[1]!, line: Number(match[2]), name: match[3]! };
}

/**
 * Finds the functions a path of references names in a profile (one
 * reference is a path of one): per reference, the function's id, or `null`
 * where nothing matches unambiguously. Consecutive references are taken as
 * caller and callee, which can tell apart functions of one name.
 *
 * @example
 * ```ts
 * import { resolveFunctionRefs } from "./function_ref.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const entry = (line: number, name: string) => ({
 *   key: ["/v2/app/cart.py", line, name] as const,
 *   calls: 1, primitiveCalls: 1, internalTime: 0, cumulativeTime: 0,
 * });
 * // Today's run: two lines were added above `total`, which moved.
 * const today = buildProfile([statsFile("run.pstats", [
 *   entry(1, "main"),
 *   entry(14, "total"),
 * ])]);
 * assertEquals(
 *   resolveFunctionRefs(today, [{ file: "cart.py", line: 12, name: "total" }]),
 *   [1],
 * );
 * assertEquals(
 *   resolveFunctionRefs(today, [{ file: "cart.py", line: 3, name: "gone" }]),
 *   [null],
 * );
 * ```
 *
 * @param profile Today's profile.
 * @param refs The references, a caller before its callee.
 * @returns Per reference, the id or `null`.
 */
export function resolveFunctionRefs(
  profile: Profile,
  refs: readonly FunctionRef[],
): (number | null)[] {
  if (refs.length === 0) return [];
  const standIn = _standIn(refs);
  if (!profile.sampled) {
    const { currentOf } = matchFunctions(standIn.profile, profile);
    return standIn.ids.map((s) => _found(currentOf[s]!));
  }
  const folded = foldSampledLines(profile);
  const { currentOf } = matchFunctions(standIn.profile, folded);
  return standIn.ids.map((s, i) => {
    const fn = currentOf[s]!;
    if (fn < 0) return null;
    return _lineRow(
      profile,
      folded.functions.file[fn]!,
      folded.functions.name[fn]!,
      refs[i]!.line,
    );
  });
}

/**
 * Finds the function one reference names, or `null`
 * ({@linkcode resolveFunctionRefs} for one).
 *
 * @example
 * ```ts
 * import { functionRef, resolveFunctionRef } from "./function_ref.ts";
 * import { buildProfile, statsFile } from "./pstats/build.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const profile = buildProfile([statsFile("run.pstats", [{
 *   key: ["app.py", 3, "main"],
 *   calls: 1, primitiveCalls: 1, internalTime: 0, cumulativeTime: 0,
 * }])]);
 * assertEquals(resolveFunctionRef(profile, functionRef(profile, 0)), 0);
 * ```
 *
 * @param profile The profile.
 * @param ref The reference.
 * @returns The function's id, or `null`.
 */
export function resolveFunctionRef(
  profile: Profile,
  ref: FunctionRef,
): number | null {
  return resolveFunctionRefs(profile, [ref])[0]!;
}

function _found(id: number): number | null {
  return id >= 0 ? id : null;
}

/** An unlikely file and name, for the stand-in's anchor function. */
const _ANCHOR = "\u0001";

/**
 * A profile of the referenced functions alone, with each reference's id in
 * it. Files are written as absolute paths under `/`, with an anchor
 * function directly under `/`, so that compare's file forms give each file
 * back as it was written (the directory common to all is `/`) and treat
 * them as the run's own files, which may be paired by path suffix.
 */
function _standIn(
  refs: readonly FunctionRef[],
): { profile: Profile; ids: number[] } {
  const key = (ref: FunctionRef) =>
    [
      ref.file === "~" ? "~" : `/${ref.file}`,
      ref.file === "~" ? 0 : ref.line,
      ref.name,
    ] as const;
  const order = new Map<string, number>();
  const ids = refs.map((ref) => {
    const text = JSON.stringify(key(ref));
    let id = order.get(text);
    if (id === undefined) order.set(text, id = order.size);
    return id;
  });
  const entries: StatsEntry[] = [];
  const callers = new Map<number, Set<number>>();
  refs.forEach((_, i) => {
    if (i === 0) return;
    let set = callers.get(ids[i]!);
    if (set === undefined) callers.set(ids[i]!, set = new Set());
    set.add(ids[i - 1]!);
  });
  const keys = [...order.keys()].map((text) =>
    JSON.parse(text) as [string, number, string]
  );
  keys.forEach((k, id) => {
    entries.push({
      key: k,
      calls: 1,
      primitiveCalls: 1,
      internalTime: 0,
      cumulativeTime: 0,
      callers: [...(callers.get(id) ?? [])].map((c) => ({
        key: keys[c]!,
        calls: 1,
      })),
    });
  });
  entries.push({
    key: [`/${_ANCHOR}`, 0, _ANCHOR],
    calls: 1,
    primitiveCalls: 1,
    internalTime: 0,
    cumulativeTime: 0,
  });
  return { profile: buildProfile([statsFile("link", entries)]), ids };
}

/**
 * The row of a sampled profile for a function (file and name as stored)
 * and a line: the row of that line when there is one, else the function's
 * row with the smallest line.
 */
function _lineRow(
  profile: Profile,
  file: string,
  name: string,
  line: number,
): number | null {
  const f = profile.functions;
  let best: number | null = null;
  for (let i = 0; i < profile.size; i++) {
    if (f.file[i] !== file || f.name[i] !== name) continue;
    if (f.line[i] === line) return i;
    if (best === null || f.line[i]! < f.line[best]!) best = i;
  }
  return best;
}
