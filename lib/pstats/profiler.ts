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

/**
 * What a reader met in a file that tells which profiler wrote it: both
 * readers extend this and set its flags as they read.
 *
 * @example
 * ```ts
 * import { ProfilerSigns } from "./profiler.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const signs = new ProfilerSigns();
 * assertEquals(signs.profiler(), "cprofile");
 * signs.countsOnly = true;
 * assertEquals(signs.profiler(), "profile");
 * signs.yappi = true;
 * assertEquals(signs.profiler(), "yappi");
 * signs.sampled = true;
 * assertEquals(signs.profiler(), "sampled");
 * ```
 */
export class ProfilerSigns {
  /** The sampled marker (see {@linkcode SAMPLED_MARKER}). */
  sampled = false;
  /**
   * An entry whose counts are swapped (see {@linkcode countsSwapped}):
   * yappi's.
   */
  yappi = false;
  /**
   * A caller given as a plain count, not as `(nc, cc, tt, ct)`: the `profile`
   * module's (and the sampling profiler's).
   */
  countsOnly = false;

  /**
   * The profiler that wrote the file: the sampled marker decides first (a
   * sampled file's counts are samples, whatever their order); then swapped
   * counts mark yappi, whose calls and primitive calls the reader swaps back
   * so that they mean what their names say; then callers given as counts
   * mark the `profile` module; and cProfile is left.
   *
   * @returns The profiler.
   */
  profiler(): PstatsKind {
    if (this.sampled) return "sampled";
    if (this.yappi) return "yappi";
    return this.countsOnly ? "profile" : "cprofile";
  }
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
