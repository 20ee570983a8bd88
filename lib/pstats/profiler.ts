/**
 * Which profiler wrote a pstats file, told from what its reader met in it:
 * the one place where both readers (`general.ts` and `fast.ts`) decide it.
 *
 * cProfile (`profiling.tracing`), the pure-Python `profile` module, yappi and
 * Python 3.15's sampling profiler (`profiling.sampling`) all write the same
 * dict, `{(file, line, function): (cc, nc, tt, ct, callers)}`, and differ
 * only in details of it.
 *
 * @module
 */

import type { PstatsKind } from "./types.ts";

/**
 * The name in the key `("__sampled__",)` with which Python 3.15's sampling
 * profiler marks its files (its value is `True`).
 */
export const SAMPLED_MARKER = "__sampled__";

/** What a reader met in a file that tells which profiler wrote it. */
export interface ProfilerSigns {
  /** The sampled marker (see {@linkcode SAMPLED_MARKER}). */
  readonly sampled: boolean;
  /**
   * An entry whose counts are swapped (see {@linkcode countsSwapped}):
   * yappi's.
   */
  readonly yappi: boolean;
  /**
   * A caller given as a plain count, not as `(nc, cc, tt, ct)`: the `profile`
   * module's (and the sampling profiler's).
   */
  readonly countsOnly: boolean;
}

/**
 * Whether an entry's counts are the wrong way round for cProfile's
 * `(cc, nc)`: its first exceeds its second, as in yappi's
 * `(ncall, nactualcall)` when a function recursed (primitive calls never
 * exceed calls).
 *
 * @example
 * ```ts
 * import { countsSwapped } from "./profiler.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(countsSwapped(3, 5), false); // cProfile: 3 primitive of 5
 * assertEquals(countsSwapped(5, 3), true); // yappi: 5 calls, 3 primitive
 * ```
 *
 * @param cc The entry's first count.
 * @param nc The entry's second count.
 * @returns Whether they are swapped.
 */
export function countsSwapped(cc: number, nc: number): boolean {
  return cc > nc;
}

/**
 * The profiler that wrote a file, from what its reader met: the sampled
 * marker decides first (a sampled file's counts are samples, whatever their
 * order); then swapped counts mark yappi, whose calls and primitive calls
 * the reader swaps back so that they mean what their names say; then
 * callers given as counts mark the `profile` module; and cProfile is left.
 *
 * @example
 * ```ts
 * import { profilerOf } from "./profiler.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const signs = { sampled: false, yappi: false, countsOnly: false };
 * assertEquals(profilerOf(signs), "cprofile");
 * assertEquals(profilerOf({ ...signs, countsOnly: true }), "profile");
 * assertEquals(profilerOf({ ...signs, yappi: true }), "yappi");
 * assertEquals(profilerOf({ ...signs, yappi: true, sampled: true }), "sampled");
 * ```
 *
 * @param signs What the reader met.
 * @returns The profiler.
 */
export function profilerOf(signs: ProfilerSigns): PstatsKind {
  if (signs.sampled) return "sampled";
  if (signs.yappi) return "yappi";
  return signs.countsOnly ? "profile" : "cprofile";
}
