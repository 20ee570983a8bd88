/**
 * Small profiles made in code for the compare tests: a run of the given
 * functions, each caller's edge carrying all of the callee's numbers.
 */
import type { Profile } from "../lib/profile.ts";
import { buildProfile, statsFile } from "../lib/pstats/build.ts";
import type { FunctionKey } from "../lib/pstats/stats_table.ts";

/** A function of a run: its key, numbers and callers. */
export interface Entry {
  /** The function. */
  key: FunctionKey;
  /** Its internal and cumulative time, 0.001 s by default. */
  time?: number;
  /** Its calls, 1 by default. */
  calls?: number;
  /** The functions that call it. */
  callers?: FunctionKey[];
}

/**
 * A profile of the given functions, read from `source` (`run.pstats` by
 * default); each caller's edge carries all of the callee's numbers.
 */
export function run(
  entries: Entry[],
  options: { sampled?: boolean; source?: string } = {},
): Profile {
  const { source = "run.pstats", ...rest } = options;
  return buildProfile([statsFile(
    source,
    entries.map((e) => ({
      key: e.key,
      calls: e.calls ?? 1,
      primitiveCalls: e.calls ?? 1,
      internalTime: e.time ?? 0.001,
      cumulativeTime: e.time ?? 0.001,
      callers: (e.callers ?? []).map((key) => ({
        key,
        calls: e.calls ?? 1,
        primitiveCalls: e.calls ?? 1,
        internalTime: e.time ?? 0.001,
        cumulativeTime: e.time ?? 0.001,
      })),
    })),
    rest,
  )]);
}
